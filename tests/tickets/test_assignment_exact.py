"""tickets/assignment.py, case by case: an agent without capacity first in the team does not stop
the others' load being counted; a round-robin pick's exact queries."""

from __future__ import annotations

import pytest
from model_bakery import baker

from agents.models import AssignmentStrategy
from tickets.assignment import eligible_agents, pick_agent

pytestmark = pytest.mark.django_db


def _hold(agent, customer, n: int) -> None:
    baker.make_recipe(
        "tests.tickets.ticket",
        customer=customer,
        organization=customer.organization,
        assignee=agent.user,
        status="open",
        _quantity=n,
    )


def test_agents_after_one_without_capacity_are_still_counted(make_agent, customer_a):
    team = baker.make_recipe("tests.agents.team", assignment_strategy=AssignmentStrategy.LEAST_LOADED)
    make_agent(teams=[team], max_open_tickets=0)  # the lowest id: first in the loop
    full = make_agent(teams=[team], max_open_tickets=1)
    _hold(full, customer_a, 1)
    half = make_agent(teams=[team], max_open_tickets=4)
    _hold(half, customer_a, 2)

    assert [(agent.pk, agent.open_tickets) for agent in eligible_agents(team_id=team.pk)] == [(half.pk, 2)]


def test_a_round_robin_pick_is_four_queries(make_agent, django_assert_num_queries):
    """The team row with its cursor, the agents, their capped counts, the cursor advanced."""
    team = baker.make_recipe("tests.agents.team", assignment_strategy=AssignmentStrategy.ROUND_ROBIN)
    first, second = make_agent(teams=[team]), make_agent(teams=[team])
    assert pick_agent(team_id=team.pk, priority="high") == first
    with django_assert_num_queries(4):
        assert pick_agent(team_id=team.pk, priority="high") == second
