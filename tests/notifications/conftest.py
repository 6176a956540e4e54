from __future__ import annotations

from collections.abc import Callable

import pytest
from model_bakery import baker

from agents.models import Role
from notifications.models import WebhookSubscription
from tests.notifications import backends


@pytest.fixture(autouse=True)
def _fast_notifications(settings) -> None:
    """No real sleeping between email retries; loopback receivers allowed unless a test says no."""
    settings.EMAIL_RETRY_BASE_DELAY = 0
    settings.EMAIL_RETRY_MAX_DELAY = 0
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    settings.WEBHOOK_READ_TIMEOUT = 2
    settings.WEBHOOK_CONNECT_TIMEOUT = 2
    settings.EMAIL_MESSAGE_ID_DOMAIN = "helpdesk.test"
    backends.FlakyBackend.failures = 0
    backends.FlakyBackend.calls = 0
    backends.CountingBackend.opened = 0


@pytest.fixture
def subscribe(db, httpserver) -> Callable[..., WebhookSubscription]:
    """A subscription pointing at the loopback receiver."""

    def _make(events=("ticket.created",), path="/hook", **kwargs) -> WebhookSubscription:
        return baker.make_recipe(
            "tests.notifications.webhook_subscription", url=httpserver.url_for(path), events=list(events), **kwargs
        )

    return _make


@pytest.fixture
def team_lead(make_agent):
    return make_agent(Role.SENIOR_AGENT, email="lead@support.example.com", name="Lena Lead")


@pytest.fixture
def team(team_lead):
    return baker.make_recipe("tests.agents.team", lead=team_lead.user, email="", auto_assign_priorities=[])
