"""The bulk seed's rows drawn in Python (tickets/demo/bulk.py). Tickets everywhere: their SLA due
times need the business calendar (tickets/demo/due_times.py). Each batch is drawn from its own
random stream (the run's seed and the batch's number), so a batch comes out the same whichever
worker process draws it. Conversations, events and files are drawn here only for SQLite (the test
and quick-start path); PostgreSQL makes them in SQL with the same rules (tickets/demo/conversations.py)."""

from __future__ import annotations

import multiprocessing
import random
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from tickets.demo.copy import copy_text
from tickets.demo.desk import AGENT_REPLIES, CUSTOMER_MESSAGES, INTERNAL_NOTES
from tickets.demo.due_times import DueTimes
from tickets.models import Category, Channel, EventKind, Priority, Status, Ticket
from tickets.sla.selection import PolicyChoice, policy_choose

BULK_SUBJECTS = {
    "billing": ["Invoice question", "Payment failed", "Refund request", "Charged twice", "Update billing address"],
    "technical": ["Error 500 on login", "App crashes on start", "Slow dashboard", "API timeout", "Sync not working"],
    "account": ["Reset my password", "Add a team member", "Close my account", "Change account email", "2FA lost"],
    "shipping": ["Parcel not delivered", "Wrong item received", "Change delivery address", "Tracking not updating"],
    "general": ["Feature request", "Question about the product", "Feedback", "Partnership inquiry"],
}
BULK_STATUS_WEIGHTS = [
    (Status.OPEN, 20),
    (Status.IN_PROGRESS, 10),
    (Status.PENDING, 8),
    (Status.ON_HOLD, 2),
    (Status.RESOLVED, 25),
    (Status.CLOSED, 35),
]
BULK_PRIORITY_WEIGHTS = [(Priority.LOW, 30), (Priority.MEDIUM, 45), (Priority.HIGH, 20), (Priority.CRITICAL, 5)]
# The conversation rules (here for SQLite, in SQL for PostgreSQL): shares of the tickets.
UNANSWERED_AGENT_FIRST = 0.5  # an open ticket's first message is the agent's (else the customer's)
INTERNAL_NOTE_SHARE = 0.35
FOLLOW_UP_SHARE = 0.5  # the customer writes again two hours later
ATTACHMENT_SHARE = 0.1  # of the agents' replies carry a file
DONE = (Status.RESOLVED.value, Status.CLOSED.value)

TICKET_COLUMNS = [
    "title",
    "description",
    "status",
    "priority",
    "category_id",
    "team_id",
    "customer_id",
    "organization_id",
    "assignee_id",
    "channel",
    "tags",
    "metadata",
    "first_responded_at",
    "resolved_at",
    "closed_at",
    "first_response_due_at",
    "resolution_due_at",
    "first_response_warn_at",
    "resolution_warn_at",
    "escalated",
    "sla_paused_minutes",
    "sla_policy_id",
    "version",
    "created_at",
    "updated_at",
    "status_changed_at",
]
COMMENT_COLUMNS = ["ticket_id", "author_id", "customer_id", "body", "is_internal", "channel", "created_at"]
EVENT_COLUMNS = ["ticket_id", "actor_id", "kind", "field", "old_value", "new_value", "created_at"]
ATTACHMENT_COLUMNS = [
    "ticket_id",
    "comment_id",
    "file",
    "filename",
    "content_type",
    "size",
    "uploaded_by_id",
    "created_at",
]
_STATUS, _ASSIGNEE, _CUSTOMER, _CREATED = (
    TICKET_COLUMNS.index(c) for c in ("status", "assignee_id", "customer_id", "created_at")
)


@dataclass(frozen=True)
class Reference:
    """What every batch draws from (loaded once by the seeder, inherited by the worker processes)."""

    now: datetime
    customer_ids: Sequence[int]
    org_of: dict[int, int | None]
    tier_of: dict[int, str]
    teams: dict[str, int | None]  # category slug -> its team
    categories: dict[str, int]  # category slug -> id
    assignees: Sequence[int | None]
    agents: Sequence[int]  # who writes when a ticket has no assignee
    policies: tuple[PolicyChoice, ...]  # the SLA policies in order (the last one the default)
    due_times: DueTimes


class TicketMaker:
    """Draws batches of bulk tickets: `rows` as tuples in TICKET_COLUMNS order, `copy_text` with
    their ids for COPY."""

    def __init__(self, reference: Reference, *, seed: int) -> None:
        self.ref = reference
        self.seed = seed
        self.slugs = [s for s in BULK_SUBJECTS if s in reference.categories] or [None]
        self.channels = [channel.value for channel in Channel]
        self.statuses = [status.value for status, _ in BULK_STATUS_WEIGHTS]  # plain strings for COPY
        self.status_weights = [weight for _, weight in BULK_STATUS_WEIGHTS]
        self.priorities = [priority.value for priority, _ in BULK_PRIORITY_WEIGHTS]
        self.priority_weights = [weight for _, weight in BULK_PRIORITY_WEIGHTS]
        self.category_rows = {slug: Category(pk=pk, slug=slug) for slug, pk in reference.categories.items()}
        self.chosen: dict[tuple[Any, ...], PolicyChoice] = {}

    def policy(self, slug: str | None, priority: str, channel: str, customer_id: int) -> PolicyChoice:
        """The SLA policy ticket_sla_apply would choose (first match wins), remembered per value of
        the fields policy conditions test (tickets/sla/selection.py SLA_FIELDS: the team, category
        and tags follow from the category)."""
        ref = self.ref
        organization, tier = ref.org_of.get(customer_id), ref.tier_of.get(customer_id) or ""
        key = (slug, priority, channel, organization, tier)
        choice = self.chosen.get(key)
        if choice is None:
            ticket = Ticket(
                team_id=ref.teams.get(slug) if slug else None,
                priority=priority,
                channel=channel,
                tags=[slug] if slug else [],
                category=self.category_rows.get(slug) if slug else None,
                organization_id=organization,
            )
            choice = self.chosen[key] = policy_choose(ticket, tier=tier, choices=ref.policies)
        return choice

    def rng(self, batch: int) -> random.Random:
        return random.Random(self.seed * 1_000_003 + batch)

    def copy_text(self, batch: int, first_id: int, size: int) -> str:
        rows = self.rows(batch, size)
        ids = range(first_id, first_id + size)
        return copy_text(Ticket, ["id", *TICKET_COLUMNS], [(pk, *row) for pk, row in zip(ids, rows, strict=True)])

    def rows(self, batch: int, size: int) -> list[tuple[Any, ...]]:
        ref, rng = self.ref, self.rng(batch)
        now, slugs, customers, assignees = ref.now, self.slugs, ref.customer_ids, ref.assignees
        statuses = rng.choices(self.statuses, self.status_weights, k=size)
        priorities = rng.choices(self.priorities, self.priority_weights, k=size)
        rows = []
        for status, priority in zip(statuses, priorities, strict=True):
            slug = rng.choice(slugs)
            customer_id = rng.choice(customers)
            created_at = now - timedelta(seconds=rng.randint(60, 365 * 24 * 3600))
            done_at = min(now, created_at + timedelta(hours=rng.randint(1, 240)))
            subject = rng.choice(BULK_SUBJECTS[slug]) if slug else "Question"
            team_id = ref.teams.get(slug) if slug else None
            channel = rng.choice(self.channels)
            policy = self.policy(slug, priority, channel, customer_id)
            tier = ref.tier_of.get(customer_id)
            due = ref.due_times(policy_id=policy.id, priority=priority, tier=tier, start=created_at)
            assignee = None if status == Status.OPEN and rng.random() < 0.5 else rng.choice(assignees)
            answered = status != Status.OPEN
            rows.append(
                (
                    f"{subject} #{rng.randint(1000, 99999)}",
                    f"{subject}. {rng.choice(CUSTOMER_MESSAGES)}",
                    status,
                    priority,
                    ref.categories.get(slug) if slug else None,
                    team_id,
                    customer_id,
                    ref.org_of.get(customer_id),
                    assignee,
                    channel,
                    [slug] if slug else [],
                    {"seed": "bulk"},
                    created_at + timedelta(minutes=30) if answered else None,
                    done_at if status in DONE else None,
                    done_at if status == Status.CLOSED else None,
                    due.first_response_due_at,
                    due.resolution_due_at,
                    due.first_response_warn_at,
                    due.resolution_warn_at,
                    False,
                    0,
                    policy.id,
                    1,
                    created_at,
                    done_at if answered else created_at,
                    created_at + timedelta(minutes=30) if answered else created_at,  # the status_changed event
                )
            )
        return rows


def conversations(
    tickets: Sequence[tuple[int, tuple[Any, ...]]], *, rng: random.Random, agents: Sequence[int]
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[int]]:
    """SQLite's conversations for (id, TICKET_COLUMNS row) pairs: (comments in COMMENT_COLUMNS
    order, events in EVENT_COLUMNS order, the positions of the comments that carry a file)."""
    comments: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    files: list[int] = []
    for ticket_id, row in tickets:
        status, assignee, customer_id, created_at = row[_STATUS], row[_ASSIGNEE], row[_CUSTOMER], row[_CREATED]
        author = assignee or (rng.choice(agents) if agents else None)
        first = created_at + timedelta(minutes=30)
        events.append((ticket_id, None, EventKind.CREATED, "", None, Status.OPEN.value, created_at))
        if assignee is not None:
            events.append((ticket_id, assignee, EventKind.ASSIGNED, "assignee", None, assignee, created_at))
        if status != Status.OPEN:
            events.append((ticket_id, author, EventKind.STATUS_CHANGED, "status", Status.OPEN.value, status, first))
        if status != Status.OPEN or rng.random() < UNANSWERED_AGENT_FIRST:
            if rng.random() < ATTACHMENT_SHARE:
                files.append(len(comments))
            comments.append((ticket_id, author, None, rng.choice(AGENT_REPLIES), False, Channel.WEB, first))
        else:
            comments.append((ticket_id, None, customer_id, CUSTOMER_MESSAGES[1], False, Channel.EMAIL, first))
        if rng.random() < INTERNAL_NOTE_SHARE:
            note = rng.choice(INTERNAL_NOTES)
            comments.append((ticket_id, author, None, note, True, Channel.WEB, first + timedelta(minutes=5)))
        if rng.random() < FOLLOW_UP_SHARE:
            reply = CUSTOMER_MESSAGES[2] if status in DONE else CUSTOMER_MESSAGES[1]
            comments.append((ticket_id, None, customer_id, reply, False, Channel.EMAIL, first + timedelta(hours=2)))
    return comments, events, files


_maker: TicketMaker | None = None  # the worker processes' copy (inherited when they fork)
PREFETCH = 2  # batches each worker draws ahead of the writer


def _draw(task: tuple[int, int, int]) -> str:
    assert _maker is not None
    return _maker.copy_text(*task)


def ticket_copy_texts(maker: TicketMaker, tasks: Sequence[tuple[int, int, int]], *, workers: int) -> Iterator[str]:
    """The COPY text of each (batch, first id, size) task's tickets, in order, drawn by `workers`
    forked processes a few batches ahead of the caller, who meanwhile writes the previous ones to
    PostgreSQL (the draw is the seed's largest cost: 2 cores, 2 workers and the server overlap).
    The workers never touch the database connection they inherit (and never close it: multiprocessing
    ends a forked process with os._exit); they only return text."""
    global _maker
    if workers < 2 or len(tasks) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield from (maker.copy_text(*task) for task in tasks)
        return
    _maker = maker
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            queue = iter(tasks)
            pending = deque(pool.apply_async(_draw, (task,)) for task in islice(queue, workers * PREFETCH))
            while pending:
                text = pending.popleft().get()
                for task in islice(queue, 1):
                    pending.append(pool.apply_async(_draw, (task,)))
                yield text
    finally:
        _maker = None
