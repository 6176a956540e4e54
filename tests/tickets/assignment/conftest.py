"""Fixtures of the assignment tests: teams, a customer, an agent's existing load, a billing
category, and a team none of whose members may take a ticket."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.utils import timezone
from model_bakery import baker

from agents.models import Agent, Role, Team
from tickets.models import Status, Ticket


@pytest.fixture
def make_team(db) -> Callable[..., Team]:
    def _make(**kwargs) -> Team:
        return baker.make_recipe("tests.agents.team", **kwargs)

    return _make


@pytest.fixture
def customer(customer_a):
    return customer_a


@pytest.fixture
def hold(customer) -> Callable[..., list[Ticket]]:
    """Give an agent `n` existing tickets (open by default) in no team: their load."""

    def _hold(agent: Agent, n: int = 1, status: str = Status.OPEN) -> list[Ticket]:
        if n == 0:
            return []
        extra = {"resolved_at": timezone.now()} if status == Status.RESOLVED else {}
        if status == Status.CLOSED:
            extra = {"resolved_at": timezone.now(), "closed_at": timezone.now()}
        return baker.make_recipe(
            "tests.tickets.ticket",
            customer=customer,
            organization=customer.organization,
            assignee=agent.user,
            status=status,
            _quantity=n,
            **extra,
        )

    return _hold


@pytest.fixture
def billing(db):
    return baker.make_recipe("tests.tickets.category", slug="billing", name="Billing")


@pytest.fixture
def team_of_nobody(make_team, make_agent, hold, django_user_model):
    """A team whose members may not take a ticket: a viewer, an unavailable agent, a full
    agent, an agent with no capacity and a deactivated login."""

    def _make(strategy: str) -> Team:
        team = make_team(assignment_strategy=strategy)
        make_agent(Role.VIEWER, teams=[team], skills=["billing"])
        away = make_agent(Role.SENIOR_AGENT, teams=[team], skills=["billing"])
        away.is_available = False
        away.save()
        full = make_agent(Role.SENIOR_AGENT, teams=[team], max_open_tickets=2, skills=["billing"])
        hold(full, 2)
        make_agent(Role.ADMIN, teams=[team], max_open_tickets=0)
        gone = make_agent(Role.SENIOR_AGENT, teams=[team])
        django_user_model.objects.filter(pk=gone.user_id).update(is_active=False)
        make_agent(Role.AGENT)  # available, but not in the team
        return team

    return _make
