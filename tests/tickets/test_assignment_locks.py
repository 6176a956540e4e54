"""Which rows an assignment locks, and how strongly (PostgreSQL): the team row and the candidate
agents' rows, `FOR NO KEY UPDATE` — so while a pick holds them, inserting a row that references
the team or an agent (a ticket of the team, a team membership) goes on, and the agents' user rows
(a login writing last_login) are not locked at all. SQLite has no row locks."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import OperationalError
from django.utils import timezone
from model_bakery import baker

from agents.models import AssignmentStrategy, Team, User
from tests.locks import while_held
from tickets.assignment import eligible_agents, pick_agent
from tickets.models import Ticket

pytestmark = [
    pytest.mark.postgres(reason="row locks between two transactions"),
    pytest.mark.django_db(transaction=True),
]


def _waits_for_the_pick(hold: Callable[[], object], other: Callable[[], None]) -> bool:
    """True when `other` had to wait for a lock the transaction running `hold` holds."""
    try:
        while_held(hold, other)
    except OperationalError as exc:
        if "lock timeout" not in str(exc):
            raise
        return True
    return False


@pytest.fixture
def team(db) -> Team:
    return baker.make_recipe("tests.agents.team", name="Locks", assignment_strategy=AssignmentStrategy.ROUND_ROBIN)


def test_a_ticket_of_the_team_can_be_inserted_while_a_pick_holds_the_team(team, make_agent, customer_a):
    make_agent(teams=[team])

    def insert() -> None:
        baker.make_recipe("tests.tickets.ticket", customer=customer_a, organization=customer_a.organization, team=team)

    assert _waits_for_the_pick(lambda: pick_agent(team_id=team.pk, priority="high"), insert) is False
    assert Ticket.objects.filter(team=team).count() == 1


def test_an_agent_can_join_another_team_while_a_pick_holds_them(team, make_agent):
    member = make_agent(teams=[team])
    other = baker.make_recipe("tests.agents.team", name="Other")

    assert _waits_for_the_pick(lambda: eligible_agents(team_id=team.pk), lambda: member.teams.add(other)) is False
    assert set(member.teams.values_list("name", flat=True)) == {"Locks", "Other"}


def test_the_agents_user_rows_are_not_locked(team, make_agent):
    member = make_agent(teams=[team])
    now = timezone.now()

    def log_in() -> None:
        User.objects.filter(pk=member.user_id).update(last_login=now)

    assert _waits_for_the_pick(lambda: eligible_agents(team_id=team.pk), log_in) is False
    assert User.objects.get(pk=member.user_id).last_login == now


def test_a_second_pick_in_the_same_team_waits_for_the_first(team, make_agent):
    """The control: the team row is locked, for picks."""
    make_agent(teams=[team])

    assert _waits_for_the_pick(
        lambda: pick_agent(team_id=team.pk, priority="high"), lambda: pick_agent(team_id=team.pk, priority="high")
    )
