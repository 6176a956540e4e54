"""Knowledge-base fixtures: a category and section, and `make_article(**fields)` through the service."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tickets.knowledge import services
from tickets.knowledge.models import Article, KBCategory, Section


@pytest.fixture
def section(db) -> Section:
    category = KBCategory.objects.create(name="Billing", slug="billing")
    return Section.objects.create(category=category, name="Invoices", slug="invoices")


@pytest.fixture
def make_article(section, make_agent) -> Callable[..., Article]:
    author = make_agent("agent", name="Kim Writer")

    def _make(**data) -> Article:
        data.setdefault("section", section)
        data.setdefault("body", "Some text.")
        data.setdefault("status", "published")
        return services.article_create(actor=author.user, data=data)

    return _make
