"""Shared helpers of the assignment tests: every strategy as a parameter, a create and a pick."""

from __future__ import annotations

import pytest

from agents.models import Agent, AssignmentStrategy, Team
from tickets import services
from tickets.assignment import pick_agent
from tickets.models import Priority, Ticket

ALL_STRATEGIES = [pytest.param(value, id=value) for value in AssignmentStrategy.values]


def _create(customer, *, priority: str = Priority.HIGH, **kwargs) -> Ticket:
    return services.ticket_create(actor=None, title="Help needed", customer=customer, priority=priority, **kwargs)


def _pick(team: Team, *, priority: str = Priority.HIGH, **kwargs) -> Agent | None:
    return pick_agent(team_id=team.pk, priority=priority, **kwargs)
