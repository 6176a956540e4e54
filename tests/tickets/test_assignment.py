"""Assignment strategies (tickets/assignment.py) and the services that use them:
auto-assignment in ticket_create and ticket_assign_by_strategy."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from model_bakery import baker

from agents.models import Agent, AssignmentStrategy, Role, Team
from config.exceptions import ApplicationError
from notifications.models import OutboxEvent
from tickets import services
from tickets.assignment import choose_round_robin, eligible_agents, pick_agent
from tickets.models import EventKind, Priority, Status, Ticket, TicketEvent
from tickets.sla.selection import policies_cached

pytestmark = pytest.mark.django_db

ALL_STRATEGIES = [pytest.param(value, id=value) for value in AssignmentStrategy.values]


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


def _create(customer, *, priority: str = Priority.HIGH, **kwargs) -> Ticket:
    return services.ticket_create(actor=None, title="Help needed", customer=customer, priority=priority, **kwargs)


def _pick(team: Team, *, priority: str = Priority.HIGH, **kwargs) -> Agent | None:
    return pick_agent(team_id=team.pk, priority=priority, **kwargs)


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


@pytest.fixture
def billing(db):
    return baker.make_recipe("tests.tickets.category", slug="billing", name="Billing")


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


# --- routing ------------------------------------------------------------------------------------------


def test_category_routes_to_its_team_and_its_agents(make_team, make_agent, customer):
    billing_team = make_team(name="Billing")
    default_team = make_team(name="Front desk", is_default=True)
    biller = make_agent(teams=[billing_team])
    make_agent(teams=[default_team])
    baker.make_recipe("tests.tickets.category", slug="billing", team=billing_team)

    ticket = _create(customer, category="billing")

    assert ticket.team == billing_team
    assert ticket.assignee == biller.user


@pytest.mark.parametrize(
    "category_slug",
    [pytest.param("general", id="category-without-team"), pytest.param(None, id="no-category")],
)
def test_unrouted_tickets_land_with_the_default_team(make_team, make_agent, customer, category_slug):
    make_team(name="Billing")
    default_team = make_team(name="Front desk", is_default=True)
    front = make_agent(teams=[default_team])
    baker.make_recipe("tests.tickets.category", slug="general", team=None)

    ticket = _create(customer, category=category_slug)

    assert ticket.team == default_team
    assert ticket.assignee == front.user


def test_no_default_team_leaves_the_ticket_unrouted_and_unassigned(make_team, make_agent, customer):
    team = make_team()
    make_agent(teams=[team])

    ticket = _create(customer, priority=Priority.CRITICAL)

    assert ticket.team is None
    assert ticket.assignee is None


def test_an_explicit_team_wins_over_routing(make_team, make_agent, customer, billing):
    billing.team = make_team(name="Billing")
    billing.save()
    vip = make_team(name="VIP")
    vip_agent = make_agent(teams=[vip])

    ticket = _create(customer, category="billing", team=vip)

    assert ticket.team == vip
    assert ticket.assignee == vip_agent.user


# --- auto-assignment on creation -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("configured", "priority", "assigned"),
    [
        pytest.param(None, Priority.LOW, False, id="default-low-queue"),
        pytest.param(None, Priority.MEDIUM, False, id="default-medium-queue"),
        pytest.param(None, Priority.HIGH, True, id="default-high-auto"),
        pytest.param(None, Priority.CRITICAL, True, id="default-critical-auto"),
        pytest.param(["low"], Priority.LOW, True, id="custom-low-auto"),
        pytest.param(["low"], Priority.CRITICAL, False, id="custom-critical-queue"),
        pytest.param([], Priority.CRITICAL, False, id="none-configured"),
        pytest.param("high", Priority.HIGH, False, id="malformed-config-ignored"),
    ],
)
def test_auto_assign_only_for_configured_priorities(make_agent, customer, configured, priority, assigned):
    config = {} if configured is None else {"auto_assign_priorities": configured}
    team = Team.objects.create(name="Support", **config)  # None: the model's default
    agent = make_agent(teams=[team])

    ticket = _create(customer, team=team, priority=priority)

    assert (ticket.assignee == agent.user) is assigned
    assert (ticket.assignee_id is None) is not assigned


def test_auto_assignment_records_a_system_event_and_notifies_the_assignee(make_team, make_agent, customer):
    team = make_team(assignment_strategy=AssignmentStrategy.LEAST_LOADED)
    agent = make_agent(teams=[team])

    ticket = _create(customer, team=team)

    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.ASSIGNED)
    assert event.actor is None
    assert (event.old_value, event.new_value) == (None, agent.user_id)
    assert "least_loaded" in event.note
    outbox = OutboxEvent.objects.get(event="ticket.assigned", payload__ticket__id=ticket.pk)
    assert outbox.payload["assignee_id"] == agent.user_id
    assert outbox.payload["old_assignee_id"] is None
    assert outbox.payload["ticket"]["assignee_id"] == agent.user_id
    ticket.refresh_from_db()
    assert ticket.version == 2  # created, then assigned


def test_a_failed_create_assigns_nobody_and_keeps_the_cursor(make_team, make_agent, customer):
    team = make_team()
    make_agent(teams=[team])

    with pytest.raises(ValidationError):
        _create(customer, team=team, priority="urgent!")

    team.refresh_from_db()
    assert team.last_assigned_agent is None
    assert not Ticket.objects.exists()


# pick_agent: lock team, lock agents, count loads (+ advance the cursor); ticket_assign: savepoint,
# lock ticket, update, refresh version, event, outbox, release.
ASSIGNMENT_QUERIES = 11


@pytest.mark.parametrize("team_size", [pytest.param(2, id="2-agents"), pytest.param(12, id="12-agents")])
@pytest.mark.parametrize("strategy", ALL_STRATEGIES)
def test_create_with_auto_assignment_query_count_is_bounded(
    make_team, make_agent, hold, customer, billing, strategy, team_size, django_assert_max_num_queries
):
    team = make_team(assignment_strategy=strategy, auto_assign_priorities=[Priority.CRITICAL])
    for n in range(team_size):
        hold(make_agent(Role.SENIOR_AGENT if n % 2 else Role.AGENT, teams=[team], skills=["billing"]), n % 3)
    with CaptureQueriesContext(connection) as queued:
        _create(customer, team=team, category=billing, priority=Priority.LOW)

    with django_assert_max_num_queries(len(queued) + ASSIGNMENT_QUERIES):
        ticket = _create(customer, team=team, category=billing, priority=Priority.CRITICAL)

    assert ticket.assignee_id is not None


def test_query_count_does_not_grow_with_the_team(make_team, make_agent, customer):
    policies_cached()  # the SLA policies (one cache entry for every team) are read once, not per ticket

    def count_for(team_size: int) -> int:
        team = make_team()
        for _ in range(team_size):
            make_agent(teams=[team])
        with CaptureQueriesContext(connection) as ctx:
            _create(customer, team=team)
        return len(ctx.captured_queries)

    assert count_for(2) == count_for(15)


# --- ticket_assign_by_strategy ---------------------------------------------------------------------


def test_assign_by_the_teams_strategy(make_team, make_agent, customer, agent):
    team = make_team(assignment_strategy=AssignmentStrategy.ROUND_ROBIN, auto_assign_priorities=[])
    first, second = make_agent(teams=[team]), make_agent(teams=[team])
    tickets = [_create(customer, team=team) for _ in range(3)]

    assigned = [services.ticket_assign_by_strategy(ticket=t, actor=agent.user) for t in tickets]

    assert [t.assignee_id for t in assigned] == [first.user_id, second.user_id, first.user_id]
    event = TicketEvent.objects.filter(ticket=tickets[0], kind=EventKind.ASSIGNED).get()
    assert event.actor == agent.user
    assert "team strategy" in event.note


def test_an_explicit_strategy_overrides_the_teams(make_team, make_agent, hold, customer, agent):
    team = make_team(assignment_strategy=AssignmentStrategy.ROUND_ROBIN, auto_assign_priorities=[])
    busy, idle = make_agent(teams=[team]), make_agent(teams=[team])
    hold(busy, 2)
    ticket = _create(customer, team=team)

    ticket = services.ticket_assign_by_strategy(ticket=ticket, actor=agent.user, strategy="least_loaded")

    assert ticket.assignee == idle.user
    team.refresh_from_db()
    assert team.last_assigned_agent is None  # the rotation is untouched by other strategies
    assert "least_loaded" in TicketEvent.objects.get(ticket=ticket, kind=EventKind.ASSIGNED).note


def test_reassignment_records_the_change_and_notifies_the_new_assignee(make_team, make_agent, hold, customer, agent):
    team = make_team(assignment_strategy=AssignmentStrategy.LEAST_LOADED, auto_assign_priorities=[])
    idle = make_agent(teams=[team])
    busy = make_agent(teams=[team])
    hold(busy, 3)
    ticket = services.ticket_assign(ticket=_create(customer, team=team), actor=agent.user, assignee=busy.user)

    ticket = services.ticket_assign_by_strategy(ticket=ticket, actor=agent.user)

    assert ticket.assignee == idle.user
    last = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ASSIGNED).last()
    assert (last.old_value, last.new_value) == (busy.user_id, idle.user_id)
    notice = OutboxEvent.objects.filter(event="ticket.assigned").order_by("created_at").last()
    assert (notice.payload["old_assignee_id"], notice.payload["assignee_id"]) == (busy.user_id, idle.user_id)


def test_a_ticket_does_not_count_against_its_own_assignee(make_team, make_agent, hold, customer, agent):
    team = make_team(assignment_strategy=AssignmentStrategy.LEAST_LOADED, auto_assign_priorities=[])
    other = make_agent(teams=[team])  # older: wins ties
    holder = make_agent(teams=[team], max_open_tickets=1)
    hold(other, 1)
    ticket = services.ticket_assign(ticket=_create(customer, team=team), actor=agent.user, assignee=holder.user)
    events_before = TicketEvent.objects.filter(ticket=ticket).count()

    ticket = services.ticket_assign_by_strategy(ticket=ticket, actor=agent.user)

    assert ticket.assignee == holder.user  # 0 other tickets (and not full) beats 1
    assert TicketEvent.objects.filter(ticket=ticket).count() == events_before  # nothing changed


@pytest.mark.parametrize("strategy", [pytest.param(None, id="team-strategy"), *ALL_STRATEGIES])
def test_nobody_available_is_a_409_and_the_ticket_stays_queued(team_of_nobody, customer, agent, strategy):
    team = team_of_nobody(AssignmentStrategy.ROUND_ROBIN)
    ticket = _create(customer, team=team, priority=Priority.LOW)

    with pytest.raises(ApplicationError) as exc:
        services.ticket_assign_by_strategy(ticket=ticket, actor=agent.user, strategy=strategy)

    assert exc.value.http_status == 409
    assert exc.value.code == "no_agent_available"
    assert "No agent" in exc.value.message
    assert exc.value.as_dict()["team"] == team.pk
    ticket.refresh_from_db()
    assert ticket.assignee_id is None


def test_invalid_strategy_names_the_field(ticket, agent):
    with pytest.raises(ValidationError) as exc:
        services.ticket_assign_by_strategy(ticket=ticket, actor=agent.user, strategy="alphabetical")

    assert "strategy" in exc.value.message_dict
    assert "round_robin" in exc.value.message_dict["strategy"][0]


def test_a_ticket_without_team_is_a_409(ticket, agent):
    with pytest.raises(ApplicationError) as exc:
        services.ticket_assign_by_strategy(ticket=ticket, actor=agent.user)

    assert (exc.value.http_status, exc.value.code) == (409, "no_team")


def test_a_closed_ticket_is_not_assigned_by_strategy(make_team, make_agent, customer, agent):
    team = make_team(auto_assign_priorities=[])
    make_agent(teams=[team])
    ticket = services.ticket_change_status(ticket=_create(customer, team=team), actor=agent.user, status=Status.CLOSED)

    with pytest.raises(ApplicationError) as exc:
        services.ticket_assign_by_strategy(ticket=ticket, actor=agent.user)

    assert (exc.value.http_status, exc.value.code) == (409, "ticket_not_active")


def test_assign_by_strategy_query_count_is_bounded(
    make_team, make_agent, customer, agent, django_assert_max_num_queries
):
    team = make_team(assignment_strategy=AssignmentStrategy.SKILLS, auto_assign_priorities=[])
    for _ in range(10):
        make_agent(teams=[team], skills=["billing"])
    ticket = _create(customer, team=team, category=None)

    # 15 whatever the number of agents: the assignment itself, plus the check that the chosen user is
    # no API key's service user (assignment only to working agents) and the read of the active
    # triggers at the end of the change.
    with django_assert_max_num_queries(15):
        ticket = services.ticket_assign_by_strategy(ticket=ticket, actor=agent.user)

    assert ticket.assignee_id is not None


# --- the load count is bounded by capacity -------------------------------------------------------


def test_open_tickets_are_counted_up_to_capacity_and_the_outcome_is_exact(make_team, make_agent, hold):
    """An agent far over capacity costs `max_open_tickets` rows, not their whole backlog, and
    the choice is the same as with exact counts: full agents out, the rest by their exact load."""
    team = make_team(assignment_strategy=AssignmentStrategy.LEAST_LOADED)
    swamped = make_agent(teams=[team], max_open_tickets=3)
    hold(swamped, 9)
    two_of_five = make_agent(teams=[team], max_open_tickets=5)
    hold(two_of_five, 2)
    one_of_two = make_agent(teams=[team], max_open_tickets=2)
    hold(one_of_two, 1)
    no_capacity = make_agent(teams=[team], max_open_tickets=0)

    with CaptureQueriesContext(connection) as ctx:
        eligible = eligible_agents(team_id=team.pk)

    assert [(agent.pk, agent.open_tickets) for agent in eligible] == [(two_of_five.pk, 2), (one_of_two.pk, 1)]
    assert no_capacity not in eligible
    assert _pick(team) == two_of_five  # 2/5 = 40% < 1/2 = 50%
    counting = [q["sql"] for q in ctx.captured_queries if "COUNT" in q["sql"].upper()]
    assert len(counting) == 1
    assert [f"LIMIT {n}" in counting[0] for n in (3, 5, 2)] == [True, True, True]
