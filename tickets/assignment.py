"""Who gets a ticket: the assignment strategies (round robin, least loaded, skills, seniority).

`pick_agent()` chooses among the *eligible* agents of one team: members whose role may write
(viewers never), who are available and active, and who are below their capacity
(`Agent.max_open_tickets` open tickets). It returns the Agent or None (nobody eligible); the
ticket services do the assignment itself (`tickets.services.ticket_assign`), so the event and the
outbox notification are written the one usual way.

Safe under concurrency (PostgreSQL): inside the caller's transaction it locks, in this order,
the team row and then the candidate agents' rows by id, and only then counts open tickets (each
agent's up to their capacity: the cost does not grow with their backlog). So
two creations in one team serialise on the team row (the round-robin cursor
`Team.last_assigned_agent` is read and advanced under that lock: no lost update), and two
creations in different teams that share an agent serialise on the agent's row (capacity cannot
be overshot). The locks are `FOR NO KEY UPDATE`: they do not conflict with the `FOR KEY SHARE`
lock that inserting a ticket referencing the team takes, so parallel `ticket_create`s cannot
deadlock on the team row. One fixed order (ticket, team, agents by id) everywhere prevents
deadlocks between assignments. On SQLite `select_for_update` is a no-op and writes are
serialised by the database anyway.

It lives in tickets because it counts tickets; the agents and teams it reads are the agents app's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction

from django.db import connection, transaction

from agents.models import Agent, AssignmentStrategy, Role, Team
from tickets.models import Ticket

CRITICAL = "critical"
# Seniority: who sees a critical ticket first. Agents not listed (plain agents) come after.
SENIORITY_TIERS: tuple[tuple[str, ...], ...] = ((Role.SENIOR_AGENT,), (Role.ADMIN,))
ASSIGNABLE_ROLES: tuple[str, ...] = (Role.ADMIN, Role.SENIOR_AGENT, Role.AGENT)


def _load_key(agent: Agent) -> tuple[Fraction, int, int]:
    """Least loaded first: open tickets relative to capacity, then absolute, then oldest agent."""
    open_tickets: int = agent.open_tickets  # type: ignore[attr-defined]  # set by eligible_agents
    return (Fraction(open_tickets, agent.max_open_tickets), open_tickets, agent.pk)


def _least_loaded(candidates: Sequence[Agent]) -> Agent | None:
    return min(candidates, key=_load_key, default=None)


def choose_round_robin(candidates: Sequence[Agent], *, cursor_id: int | None) -> Agent | None:
    """The first candidate (by id) after the one who got the last ticket, wrapping around."""
    if not candidates:
        return None
    if cursor_id is not None:
        for agent in candidates:
            if agent.pk > cursor_id:
                return agent
    return candidates[0]


def choose_least_loaded(candidates: Sequence[Agent], **_: object) -> Agent | None:
    return _least_loaded(candidates)


def choose_by_skills(candidates: Sequence[Agent], *, category_slug: str | None, **_: object) -> Agent | None:
    """Agents whose skills name the ticket's category, least loaded first; when nobody eligible has
    the skill (or the ticket has no category) the least loaded agent of the team takes it."""
    if category_slug:
        skilled = [agent for agent in candidates if category_slug in (agent.skills or [])]
        if skilled:
            return _least_loaded(skilled)
    return _least_loaded(candidates)


def choose_by_seniority(candidates: Sequence[Agent], *, priority: str, **_: object) -> Agent | None:
    """Critical tickets go to senior agents, then admins, then anyone; least loaded within a tier.
    Other priorities go to the least loaded agent."""
    if priority == CRITICAL:
        for roles in SENIORITY_TIERS:
            tier = [agent for agent in candidates if agent.role in roles]
            if tier:
                return _least_loaded(tier)
    return _least_loaded(candidates)


STRATEGIES: dict[str, Callable[..., Agent | None]] = {
    AssignmentStrategy.LEAST_LOADED: choose_least_loaded,
    AssignmentStrategy.SKILLS: choose_by_skills,
    AssignmentStrategy.SENIORITY: choose_by_seniority,
}


def _open_ticket_counts(agents: Sequence[Agent], *, exclude_ticket_id: int | None) -> dict[int, int]:
    """Each agent's open tickets, counted up to their capacity and no further: one who has reached
    it is not eligible whatever the exact number, and below it the count is exact. So the work is
    bounded by the agents' capacities, not by their backlog (an agent with 100,000 open tickets
    costs one index probe of `max_open_tickets` rows, not a count of 100,000). One query: a
    capped count per agent, UNION ALL."""
    parts, params = [], []
    for agent in agents:
        if agent.max_open_tickets <= 0:  # no capacity: not eligible, nothing to count
            continue
        tickets = Ticket.objects.active().filter(assignee_id=agent.user_id)
        if exclude_ticket_id is not None:
            tickets = tickets.exclude(pk=exclude_ticket_id)
        sql, inner = tickets.order_by().values("pk")[: agent.max_open_tickets].query.sql_with_params()
        parts.append(f"SELECT %s, (SELECT COUNT(*) FROM ({sql}) capped)")  # noqa: S608 - Django-compiled SQL, values as params
        params += [agent.user_id, *inner]
    if not parts:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        return dict(cursor.fetchall())


def eligible_agents(*, team_id: int, exclude_ticket_id: int | None = None) -> list[Agent]:
    """The team's agents who may take one more ticket, by id, each annotated with `open_tickets`.
    Call it inside a transaction: the candidates' rows are locked (in id order, before their
    tickets are counted) until it ends, so a concurrent assignment cannot overshoot a capacity."""
    agents = list(
        Agent.objects.filter(teams=team_id, is_available=True, user__is_active=True, role__in=ASSIGNABLE_ROLES)
        .select_related("user")
        .order_by("pk")
        .select_for_update(no_key=True, of=("self",))
    )
    counts = _open_ticket_counts(agents, exclude_ticket_id=exclude_ticket_id)
    eligible = []
    for agent in agents:
        agent.open_tickets = counts.get(agent.user_id, 0)  # type: ignore[attr-defined]
        if counts.get(agent.user_id, 0) < agent.max_open_tickets:
            eligible.append(agent)
    return eligible


@transaction.atomic(savepoint=False)
def pick_agent(
    *,
    team_id: int,
    priority: str,
    category_slug: str | None = None,
    strategy: str | None = None,
    ticket_id: int | None = None,
) -> Agent | None:
    """The agent of team `team_id` who should get a ticket (None: nobody eligible).

    `strategy` None means the team's own. `ticket_id`, for a ticket that exists, keeps it out of
    its current assignee's load. Call it inside the transaction that assigns the ticket: the
    team and agent rows stay locked until it commits (round robin advances the team's cursor
    here, in the same transaction)."""
    team = (
        Team.objects.select_for_update(no_key=True)
        .only("pk", "assignment_strategy", "last_assigned_agent")
        .get(pk=team_id)
    )
    strategy = strategy or team.assignment_strategy
    if strategy not in AssignmentStrategy.values:
        raise ValueError(f"Unknown assignment strategy {strategy!r}.")
    candidates = eligible_agents(team_id=team.pk, exclude_ticket_id=ticket_id)
    if strategy == AssignmentStrategy.ROUND_ROBIN:
        chosen = choose_round_robin(candidates, cursor_id=team.last_assigned_agent_id)
        if chosen is not None:
            Team.objects.filter(pk=team.pk).update(last_assigned_agent=chosen)
        return chosen
    return STRATEGIES[strategy](candidates, priority=priority, category_slug=category_slug)
