"""Fixtures shared by the ticket tests (the SLA, API and service modules alike)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from model_bakery import baker

from tickets.models import BusinessCalendar, SLAPolicy, Ticket


@pytest.fixture
def wall_clock(db) -> SLAPolicy:
    """The default SLA policy measured on the 24x7 calendar, so targets are wall-clock hours
    (high: 4 h first response, 24 h resolution)."""
    from tickets.sla import services as sla_services

    sla_services.sla_defaults_ensure()
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
