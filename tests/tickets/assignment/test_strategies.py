"""The assignment strategies (tickets/assignment.py): round robin, least loaded, skills and seniority, and
who is never picked."""

from __future__ import annotations

from collections import Counter

import pytest

from agents.models import AssignmentStrategy, Role
from tests.tickets.assignment.facts import ALL_STRATEGIES, _create, _pick
from tickets import services
from tickets.assignment import choose_round_robin, eligible_agents
from tickets.models import EventKind, Priority, Status, TicketEvent

pytestmark = pytest.mark.django_db


# --- round robin -----------------------------------------------------------------------------


def test_round_robin_nine_tickets_over_three_agents_three_each_in_rotation(make_team, make_agent, customer):
    team = make_team(assignment_strategy=AssignmentStrategy.ROUND_ROBIN)
    agents = [make_agent(teams=[team]) for _ in range(3)]

    tickets = [_create(customer, team=team) for _ in range(9)]

    assignees = [t.assignee_id for t in tickets]
    assert Counter(assignees) == {a.user_id: 3 for a in agents}
    assert assignees == [a.user_id for a in agents] * 3
    team.refresh_from_db()
    assert team.last_assigned_agent == agents[2]


@pytest.mark.parametrize(
    ("cursor_index", "expected_index"),
    [
        pytest.param(None, 0, id="no-cursor-first"),
        pytest.param(0, 1, id="after-first"),
        pytest.param(1, 2, id="after-second"),
        pytest.param(2, 0, id="after-last-wraps"),
    ],
)
def test_round_robin_continues_after_the_cursor(make_team, make_agent, cursor_index, expected_index):
    team = make_team()
    agents = [make_agent(teams=[team]) for _ in range(3)]
    team.last_assigned_agent = agents[cursor_index] if cursor_index is not None else None
    team.save()

    assert _pick(team) == agents[expected_index]

    team.refresh_from_db()
    assert team.last_assigned_agent == agents[expected_index]


def test_round_robin_cursor_on_an_agent_who_left_the_team_moves_on(make_team, make_agent):
    team = make_team()
    first, second = make_agent(teams=[team]), make_agent(teams=[team])
    leaver = make_agent(teams=[team])
    team.last_assigned_agent = leaver
    team.save()
    leaver.teams.clear()

    assert _pick(team) == first
    assert _pick(team) == second


def test_round_robin_skips_unavailable_and_full_agents(make_team, make_agent, hold):
    team = make_team()
    first = make_agent(teams=[team])
    away = make_agent(teams=[team])
    away.is_available = False
    away.save()
    full = make_agent(teams=[team], max_open_tickets=1)
    hold(full)
    last = make_agent(teams=[team])

    picks = [_pick(team) for _ in range(4)]

    assert picks == [first, last, first, last]


def test_round_robin_helper_with_no_candidates():
    assert choose_round_robin([], cursor_id=5) is None


# --- least loaded --------------------------------------------------------------------------------


def test_least_loaded_picks_the_agent_with_fewest_open_tickets(make_team, make_agent, hold, customer):
    team = make_team(assignment_strategy=AssignmentStrategy.LEAST_LOADED)
    busy, medium, idle = (make_agent(teams=[team]) for _ in range(3))
    hold(busy, 5)
    hold(medium, 2)
    hold(idle, 4, status=Status.RESOLVED)  # done tickets are no load
    hold(idle, 1, status=Status.CLOSED)

    ticket = _create(customer, team=team)

    assert ticket.assignee == idle.user


def test_least_loaded_is_relative_to_capacity(make_team, make_agent, hold):
    team = make_team(assignment_strategy=AssignmentStrategy.LEAST_LOADED)
    small = make_agent(teams=[team], max_open_tickets=2)
    big = make_agent(teams=[team], max_open_tickets=10)
    hold(small, 1)  # 50% full
    hold(big, 4)  # 40% full, more tickets but more room

    assert _pick(team) == big


def test_least_loaded_counts_every_active_status_and_all_teams(make_team, make_agent, hold):
    team, other_team = make_team(), make_team()
    shared = make_agent(teams=[team, other_team])
    single = make_agent(teams=[team])
    for status in (Status.IN_PROGRESS, Status.PENDING, Status.ON_HOLD):
        hold(shared, 1, status=status)
    hold(single, 2)

    assert _pick(team, strategy=AssignmentStrategy.LEAST_LOADED) == single


def test_least_loaded_ties_go_to_the_oldest_agent(make_team, make_agent):
    team = make_team()
    first, _second = make_agent(teams=[team]), make_agent(teams=[team])

    assert _pick(team, strategy=AssignmentStrategy.LEAST_LOADED) == first


# --- skills ------------------------------------------------------------------------------------------


def test_billing_ticket_goes_to_a_billing_skilled_agent(make_team, make_agent, hold, customer, billing):
    team = make_team(assignment_strategy=AssignmentStrategy.SKILLS)
    make_agent(teams=[team], skills=["technical"])
    biller = make_agent(teams=[team], skills=["billing", "technical"])
    hold(biller, 3)  # busier than the technician: skills first

    ticket = _create(customer, team=team, category="billing")

    assert ticket.assignee == biller.user
    assert "billing" in ticket.assignee.agent.skills


def test_skills_ties_go_to_the_least_loaded_skilled_agent(make_team, make_agent, hold, billing):
    team = make_team(assignment_strategy=AssignmentStrategy.SKILLS)
    busy_biller = make_agent(teams=[team], skills=["billing"])
    free_biller = make_agent(teams=[team], skills=["billing"])
    make_agent(teams=[team], skills=[])
    hold(busy_biller, 2)

    assert _pick(team, category_slug="billing") == free_biller


@pytest.mark.parametrize(
    "category_slug",
    [pytest.param("billing", id="nobody-skilled-eligible"), pytest.param(None, id="no-category")],
)
def test_skills_falls_back_to_least_loaded(make_team, make_agent, hold, category_slug):
    team = make_team(assignment_strategy=AssignmentStrategy.SKILLS)
    biller = make_agent(teams=[team], skills=["billing"])
    biller.is_available = False
    biller.save()
    busy = make_agent(teams=[team], skills=["technical"])
    idle = make_agent(teams=[team], skills=["technical"])
    hold(busy, 1)

    assert _pick(team, category_slug=category_slug) == idle


# --- seniority -------------------------------------------------------------------------------------


def test_critical_ticket_goes_to_a_senior_agent(make_team, make_agent, hold, customer):
    team = make_team(assignment_strategy=AssignmentStrategy.SENIORITY)
    make_agent(Role.AGENT, teams=[team])
    make_agent(Role.ADMIN, teams=[team])
    senior = make_agent(Role.SENIOR_AGENT, teams=[team])
    hold(senior, 3)

    ticket = _create(customer, team=team, priority=Priority.CRITICAL)

    assert ticket.assignee == senior.user


def test_critical_goes_to_an_admin_when_no_senior_can_take_it(make_team, make_agent, hold):
    team = make_team(assignment_strategy=AssignmentStrategy.SENIORITY)
    make_agent(Role.AGENT, teams=[team])
    admin = make_agent(Role.ADMIN, teams=[team])
    senior = make_agent(Role.SENIOR_AGENT, teams=[team], max_open_tickets=1)
    hold(senior, 1)

    assert _pick(team, priority=Priority.CRITICAL) == admin


def test_critical_goes_to_anyone_when_no_senior_or_admin(make_team, make_agent):
    team = make_team(assignment_strategy=AssignmentStrategy.SENIORITY)
    plain = make_agent(Role.AGENT, teams=[team])

    assert _pick(team, priority=Priority.CRITICAL) == plain


def test_seniority_picks_the_least_loaded_senior(make_team, make_agent, hold):
    team = make_team(assignment_strategy=AssignmentStrategy.SENIORITY)
    busy = make_agent(Role.SENIOR_AGENT, teams=[team])
    free = make_agent(Role.SENIOR_AGENT, teams=[team])
    hold(busy, 1)

    assert _pick(team, priority=Priority.CRITICAL) == free


def test_seniority_non_critical_goes_to_the_least_loaded(make_team, make_agent, hold):
    team = make_team(assignment_strategy=AssignmentStrategy.SENIORITY)
    senior = make_agent(Role.SENIOR_AGENT, teams=[team])
    plain = make_agent(Role.AGENT, teams=[team])
    hold(senior, 1)

    assert _pick(team, priority=Priority.HIGH) == plain


# --- who is never auto-assigned --------------------------------------------------------------------


@pytest.mark.parametrize("strategy", ALL_STRATEGIES)
def test_viewers_unavailable_full_and_inactive_agents_are_never_picked(team_of_nobody, strategy, billing):
    team = team_of_nobody(strategy)

    assert _pick(team, priority=Priority.CRITICAL, category_slug="billing") is None
    assert eligible_agents(team_id=team.pk) == []


@pytest.mark.parametrize("strategy", ALL_STRATEGIES)
def test_unassignable_ticket_stays_in_the_queue_on_create(team_of_nobody, strategy, customer):
    team = team_of_nobody(strategy)

    ticket = _create(customer, team=team, priority=Priority.CRITICAL)

    assert ticket.assignee_id is None
    assert ticket.status == Status.OPEN
    assert not TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ASSIGNED).exists()


def test_a_full_agent_is_eligible_again_once_a_ticket_is_resolved(make_team, make_agent, hold):
    team = make_team()
    agent = make_agent(teams=[team], max_open_tickets=1)
    (held,) = hold(agent, 1)
    assert _pick(team) is None

    services.ticket_change_status(ticket=held, actor=None, status=Status.RESOLVED)

    assert _pick(team) == agent


def test_unknown_strategy_is_refused(make_team):
    team = make_team()

    with pytest.raises(ValueError, match="Unknown assignment strategy"):
        _pick(team, strategy="alphabetical")
