"""Fixtures shared by the ticket tests (the SLA, API and service modules alike)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from model_bakery import baker

from tickets.models import BusinessCalendar, SLAPolicy, Ticket


def sla_defaults_create() -> None:
    """Run the data migration that creates the default SLA calendars and policy, for tests whose
    database a transactional test has flushed (a flush empties what migrations wrote)."""
    migration = importlib.import_module("tickets.migrations.0013_default_sla_calendars_and_policy")
    migration.create_defaults(apps, SimpleNamespace(connection=connection))


@pytest.fixture
def wall_clock(db) -> SLAPolicy:
    """The default SLA policy measured on the 24x7 calendar, so targets are wall-clock hours
    (high: 4 h first response, 24 h resolution)."""
    sla_defaults_create()
    policy = SLAPolicy.objects.get(is_default=True)
    policy.calendar = BusinessCalendar.objects.get(name="24x7")
    policy.save()
    return policy


@pytest.fixture
def make_ticket(customer_a) -> Callable[..., Ticket]:
    """`make_ticket(**fields)`: a ticket of customer A (and their organisation) from the recipe."""

    def _make(**kwargs) -> Ticket:
        kwargs.setdefault("customer", customer_a)
        kwargs.setdefault("organization", customer_a.organization)
        return baker.make_recipe("tests.tickets.ticket", **kwargs)

    return _make
