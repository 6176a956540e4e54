"""Assignment under real concurrency: many ticket_create calls in parallel threads, each with its
own PostgreSQL connection and transaction. The rotation must stay exact (no lost update of the
team's cursor), no agent may go over capacity (also when two teams share an agent), and nothing
may deadlock. SQLite serialises every write, so there is nothing to prove there."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections, transaction
from model_bakery import baker

from agents.models import AssignmentStrategy, Team
from tickets import services
from tickets.models import EventKind, Priority, Ticket, TicketEvent

pytestmark = [
    pytest.mark.postgres(reason="row locks (SELECT ... FOR NO KEY UPDATE) between parallel transactions"),
    pytest.mark.django_db(transaction=True),
]

WORKERS = 10


def _run_in_parallel(jobs: list[Callable[[], object]]) -> list[object]:
    """Run every job in a pool of threads that start together; each thread closes its own
    database connection when done. Exceptions are returned, not raised, so all are seen."""
    start = threading.Event()

    def run(job: Callable[[], object]) -> object:
        try:
            start.wait(timeout=30)
            return job()
        except Exception as exc:
            return exc
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = [pool.submit(run, job) for job in jobs]
        start.set()
        results = [future.result(timeout=120) for future in futures]
    return results


def _closing(job: Callable[[], None]) -> Callable[[], None]:
    def run() -> None:
        try:
            job()
        finally:
            connections.close_all()

    return run


def _creator(customer, team: Team, n: int) -> Callable[[], int]:
    def create() -> int:
        ticket = services.ticket_create(
            actor=None, title=f"Parallel {team.name} {n}", customer=customer, priority=Priority.HIGH, team=team
        )
        return ticket.pk

    return create


def test_fifty_parallel_creations_follow_the_rotation_exactly(make_agent, customer_a):
    team = baker.make_recipe("tests.agents.team", assignment_strategy=AssignmentStrategy.ROUND_ROBIN)
    agents = [make_agent(teams=[team], max_open_tickets=50) for _ in range(5)]

    results = _run_in_parallel([_creator(customer_a, team, n) for n in range(50)])

    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    tickets = Ticket.objects.filter(team=team)
    assert tickets.count() == 50
    assert Counter(tickets.values_list("assignee_id", flat=True)) == {a.user_id: 10 for a in agents}
    # Assignment events are written under the team's lock, so their order is the order the
    # rotation handed tickets out: exactly a1, a2, ..., a5, a1, ... with nobody skipped or doubled.
    order = list(
        TicketEvent.objects.filter(kind=EventKind.ASSIGNED, ticket__team=team)
        .order_by("pk")
        .values_list("new_value", flat=True)
    )
    assert order == [a.user_id for a in agents] * 10
    team.refresh_from_db()
    assert team.last_assigned_agent == agents[-1]


def test_capacity_holds_when_parallel_teams_share_their_agents(make_agent, customer_a):
    """Ten teams serialise on ten different team rows; only the locks on the agents' rows keep
    their capacity when the same five agents work in all of them."""
    strategies = [AssignmentStrategy.LEAST_LOADED, AssignmentStrategy.ROUND_ROBIN, AssignmentStrategy.SKILLS]
    teams = [
        baker.make_recipe("tests.agents.team", name=f"Team {n}", assignment_strategy=strategies[n % 3])
        for n in range(10)
    ]
    agents = [make_agent(teams=teams, max_open_tickets=3) for _ in range(5)]

    results = _run_in_parallel([_creator(customer_a, team, n) for n in range(5) for team in teams])

    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    assert Ticket.objects.count() == 50
    load = Counter(Ticket.objects.exclude(assignee=None).values_list("assignee_id", flat=True))
    # Every slot is filled (creations kept coming after the agents were full) and none overfilled.
    assert load == {a.user_id: 3 for a in agents}
    assert Ticket.objects.filter(assignee=None).count() == 50 - 15


def test_an_assignment_in_another_team_waits_for_the_shared_agents_lock(make_agent, customer_a):
    """Deterministic: team A's creation holds its transaction open after taking the shared agent's
    last slot; team B's creation must block on that agent's row, then see it full."""
    team_a = baker.make_recipe("tests.agents.team", name="A")
    team_b = baker.make_recipe("tests.agents.team", name="B")
    shared = make_agent(teams=[team_a, team_b], max_open_tickets=1)
    a_assigned, release_a, b_done = threading.Event(), threading.Event(), threading.Event()
    created: dict[str, int] = {}

    def create_a_and_hold() -> None:
        with transaction.atomic():
            created["a"] = _creator(customer_a, team_a, 1)()
            a_assigned.set()
            release_a.wait(timeout=30)

    def create_b() -> None:
        created["b"] = _creator(customer_a, team_b, 1)()
        b_done.set()

    with ThreadPoolExecutor(max_workers=2) as pool:
        holder = pool.submit(_closing(create_a_and_hold))
        assert a_assigned.wait(timeout=30)
        waiter = pool.submit(_closing(create_b))
        blocked = not b_done.wait(timeout=1)
        release_a.set()
        holder.result(timeout=30)
        waiter.result(timeout=30)

    assert blocked, "team B's assignment did not wait for the shared agent's row lock"
    assert Ticket.objects.get(pk=created["a"]).assignee_id == shared.user_id
    assert Ticket.objects.get(pk=created["b"]).assignee_id is None
