"""`seed_demo --tickets N`: top the ticket table up to N tickets for trying the admin and the API at
size, each with a conversation (1-3 messages: the agent's reply, an internal note, the customer's
follow-up), its audit events (created, assigned, the status it reached) and, on some messages, a
file's metadata (all pointing at one small stored file, so downloads work).

Like a data import, the rows skip the services on purpose (no outbox, no emails), but they carry the
SLA due times ticket_sla_apply would give them (their team's policy or the default one, their
customer's tier; tickets/demo/due_times.py). On PostgreSQL the rows go in with COPY, and when the
table is small next to what is added, the secondary indexes of the four tables are dropped first and
built again after the load, all in one transaction (an interrupted load leaves nothing behind). On
SQLite it is plain bulk inserts. A million tickets with their conversations take a few minutes."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from agents.models import Agent, Role
from customers.models import Customer, Organization, Tier
from tickets.demo.copy import IdBlock, Rows, copy_rows, foreign_keys, secondary_indexes
from tickets.demo.desk import AGENT_REPLIES, CUSTOMER_MESSAGES, INTERNAL_NOTES
from tickets.demo.due_times import DueTimes
from tickets.models import Attachment, Category, Channel, Comment, EventKind, Priority, Status, Ticket, TicketEvent
from tickets.sla import services as sla_services
from tickets.sla.selection import policies_cached, policy_choose

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
ATTACHMENT_SHARE = 0.1  # of the agents' replies carry a file
SAMPLE_FILE = ("attachments/seed/export-log.txt", b"2026-03-02 09:40:11 export worker: timeout after 30 s\n")
# Drop and rebuild the secondary indexes and foreign keys when the load at least doubles the tickets.
REBUILD_INDEXES_RATIO = 1.0


class BulkSeeder:
    """One top-up run. `progress(n)` is called after each batch with the tickets it added."""

    def __init__(self, *, seed: int, batch_size: int, progress: Callable[[int], None]) -> None:
        self.rng = random.Random(seed)
        self.batch_size = batch_size
        self.progress = progress
        self.now = timezone.now()
        self.postgres = connection.vendor == "postgresql"

    # --- the run ---------------------------------------------------------------------------------

    def run(self, missing: int) -> dict[str, int]:
        self._load_reference_data(missing)
        counts = {"tickets": 0, "comments": 0, "events": 0, "attachments": 0}
        with transaction.atomic():
            self.ids = IdBlock([Ticket, Comment, TicketEvent, Attachment]) if self.postgres else None
            indexes = self._drop_indexes(missing)
            created = 0
            while created < missing:
                size = min(self.batch_size, missing - created)
                for name, n in self._batch(size).items():
                    counts[name] += n
                created += size
                self.progress(size)
            self._create_indexes(indexes)
            if self.ids is not None:
                self.ids.finish()
        if self.postgres:  # fresh statistics: the planner and the admin's row estimates
            with connection.cursor() as cursor:
                for model in (Ticket, Comment, TicketEvent, Attachment, Customer):
                    cursor.execute(f'ANALYZE "{model._meta.db_table}"')
        return counts

    def _drop_indexes(self, missing: int) -> list[str]:
        """On a table the load at least doubles: drop the secondary indexes and foreign keys of the
        four tables (returns the statements that restore them). Building an index once over the
        loaded rows and checking each foreign key in one join is much cheaper than maintaining
        them row by row."""
        if not self.postgres or missing < REBUILD_INDEXES_RATIO * max(Ticket.objects.count(), 1):
            return []
        tables = [model._meta.db_table for model in (Ticket, Comment, TicketEvent, Attachment)]
        restore = []
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no trigger events may be pending
            cursor.execute("SET LOCAL synchronous_commit = off")
            for table, name, definition in foreign_keys(tables):
                cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
                restore.append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
            for name, statement in secondary_indexes(tables):
                cursor.execute(f'DROP INDEX "{name}"')
                restore.insert(0, statement)
        return restore

    def _create_indexes(self, restore: list[str]) -> None:
        if not restore:
            return
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for statement in restore:
                cursor.execute(statement)
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    # --- what every batch draws from -------------------------------------------------------------

    def _load_reference_data(self, missing: int) -> None:
        rng = self.rng
        self.customer_ids = _bulk_customers(min(max(missing // 20, 100), 50_000), rng)
        self.teams = dict(Category.objects.values_list("slug", "team_id"))
        self.categories = dict(Category.objects.values_list("slug", "pk"))
        self.slugs = [s for s in BULK_SUBJECTS if s in self.categories] or [None]
        agents = list(Agent.objects.exclude(role=Role.VIEWER).values_list("user_id", flat=True))
        self.assignees: list[int | None] = list(agents) or [None]
        self.agents = agents
        customers = Customer.objects.filter(pk__in=self.customer_ids).values_list("pk", "organization_id", "tier")
        self.org_of = {pk: org for pk, org, _ in customers}
        self.tier_of = {pk: tier for pk, _, tier in customers}
        # SLA due times as ticket_sla_apply would set them: the first matching policy (else the default).
        self.policies = policies_cached()
        specs: dict[int | None, Any] = {choice.id: choice.spec for choice in self.policies}
        specs[None] = self.policies[-1].spec
        self.due_times = DueTimes(specs, warning_ratio=sla_services.warning_ratio(), now=self.now)
        self.category_rows = {slug: Category(pk=pk, slug=slug) for slug, pk in self.categories.items()}
        self.channels = [channel.value for channel in Channel]
        self.statuses = [status.value for status, _ in BULK_STATUS_WEIGHTS]  # plain strings for COPY
        self.status_weights = [weight for _, weight in BULK_STATUS_WEIGHTS]
        self.priorities = [priority.value for priority, _ in BULK_PRIORITY_WEIGHTS]
        self.priority_weights = [weight for _, weight in BULK_PRIORITY_WEIGHTS]
        if not default_storage.exists(SAMPLE_FILE[0]):
            default_storage.save(SAMPLE_FILE[0], ContentFile(SAMPLE_FILE[1]))

    # --- one batch -------------------------------------------------------------------------------

    def _batch(self, size: int) -> dict[str, int]:
        rng, now = self.rng, self.now
        tickets = Rows(Ticket, TICKET_COLUMNS)
        plans = []
        statuses = rng.choices(self.statuses, self.status_weights, k=size)
        priorities = rng.choices(self.priorities, self.priority_weights, k=size)
        for status, priority in zip(statuses, priorities, strict=True):
            slug = rng.choice(self.slugs)
            customer_id = rng.choice(self.customer_ids)
            created_at = now - timedelta(seconds=rng.randint(60, 365 * 24 * 3600))
            done_at = min(now, created_at + timedelta(hours=rng.randint(1, 240)))
            subject = rng.choice(BULK_SUBJECTS[slug]) if slug else "Question"
            team_id = self.teams.get(slug)
            channel = rng.choice(self.channels)
            policy = policy_choose(
                Ticket(
                    team_id=team_id,
                    priority=priority,
                    channel=channel,
                    tags=[slug] if slug else [],
                    category=self.category_rows.get(slug),
                    organization_id=self.org_of.get(customer_id),
                ),
                tier=self.tier_of.get(customer_id) or "",
                choices=self.policies,
            )
            due = self.due_times(
                team_id=policy.id, priority=priority, tier=self.tier_of.get(customer_id), start=created_at
            )
            assignee = None if status == Status.OPEN and rng.random() < 0.5 else rng.choice(self.assignees)
            answered = status != Status.OPEN
            tickets.add(
                f"{subject} #{rng.randint(1000, 99999)}",
                f"{subject}. {rng.choice(CUSTOMER_MESSAGES)}",
                status,
                priority,
                self.categories.get(slug),
                team_id,
                customer_id,
                self.org_of.get(customer_id),
                assignee,
                channel,
                [slug] if slug else [],
                {"seed": "bulk"},
                created_at + timedelta(minutes=30) if answered else None,
                done_at if status in (Status.RESOLVED, Status.CLOSED) else None,
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
            )
            plans.append((customer_id, assignee, status, created_at, answered))
        ids = self._write(tickets)
        return {"tickets": size, **self._conversations(ids, plans)}

    def _conversations(self, ids: list[int], plans: list[tuple[Any, ...]]) -> dict[str, int]:
        """1-3 messages per ticket (agent reply, sometimes an internal note, sometimes the customer's
        follow-up), some replies with a file, and the audit events of what happened."""
        rng = self.rng
        comments = Rows(Comment, COMMENT_COLUMNS)
        events = Rows(TicketEvent, EVENT_COLUMNS)
        files: list[tuple[int, int, Any, datetime]] = []  # ticket, comment position, author, when
        for ticket_id, (customer_id, assignee, status, created_at, answered) in zip(ids, plans, strict=True):
            author = assignee or (rng.choice(self.agents) if self.agents else None)
            events.add(ticket_id, None, EventKind.CREATED, "", None, Status.OPEN.value, "", created_at)
            if assignee is not None:
                events.add(ticket_id, assignee, EventKind.ASSIGNED, "assignee", None, assignee, "", created_at)
            first = created_at + timedelta(minutes=30)
            if answered or rng.random() < 0.5:
                if rng.random() < ATTACHMENT_SHARE:
                    files.append((ticket_id, len(comments.rows), author, first))
                comments.add(ticket_id, author, None, rng.choice(AGENT_REPLIES), False, Channel.WEB, "", first)
            else:
                comments.add(ticket_id, None, customer_id, CUSTOMER_MESSAGES[1], False, Channel.EMAIL, "", first)
            if rng.random() < 0.35:
                note = rng.choice(INTERNAL_NOTES)
                comments.add(ticket_id, author, None, note, True, Channel.WEB, "", first + timedelta(minutes=5))
            if rng.random() < 0.5:
                reply = CUSTOMER_MESSAGES[2] if status in (Status.RESOLVED, Status.CLOSED) else CUSTOMER_MESSAGES[1]
                later = first + timedelta(hours=2)
                comments.add(ticket_id, None, customer_id, reply, False, Channel.EMAIL, "", later)
            if status != Status.OPEN:
                events.add(
                    ticket_id, author, EventKind.STATUS_CHANGED, "status", Status.OPEN.value, str(status), "", first
                )
        comment_ids = self._write(comments)
        attachments = Rows(Attachment, ATTACHMENT_COLUMNS)
        for ticket_id, position, author, when in files:
            name, body = SAMPLE_FILE
            attachments.add(
                ticket_id, comment_ids[position], name, "export-log.txt", "text/plain", len(body), author, when
            )
        self._write(events)
        self._write(attachments)
        return {"comments": len(comments.rows), "events": len(events.rows), "attachments": len(attachments.rows)}

    def _write(self, rows: Rows) -> list[int]:
        """Store the rows; returns their ids in order."""
        if not rows.rows:
            return []
        if not self.postgres:
            objects = [rows.model(**dict(zip(rows.columns, row, strict=True))) for row in rows.rows]
            return [obj.pk for obj in rows.model.objects.bulk_create(objects, batch_size=self.batch_size)]
        ids = self.ids.take(rows.model, len(rows.rows))
        with_ids = Rows(rows.model, ["id", *rows.columns])
        with_ids.rows = [(pk, *row) for pk, row in zip(ids, rows.rows, strict=True)]
        copy_rows(with_ids)
        return ids


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
]
COMMENT_COLUMNS = [
    "ticket_id",
    "author_id",
    "customer_id",
    "body",
    "is_internal",
    "channel",
    "email_message_id",
    "created_at",
]
EVENT_COLUMNS = ["ticket_id", "actor_id", "kind", "field", "old_value", "new_value", "note", "created_at"]
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


def _bulk_customers(count: int, rng: random.Random) -> list[int]:
    """A pool of customers for the bulk tickets (created once, reused on later runs)."""
    existing = list(Customer.objects.filter(email__endswith="@bulk.example").values_list("pk", flat=True))
    if len(existing) < count:
        organizations = [*Organization.objects.values_list("pk", flat=True), None, None]
        Customer.objects.bulk_create(
            [
                Customer(
                    email=f"customer{n}@bulk.example",
                    name=f"Customer {n}",
                    tier=rng.choice(Tier.values),
                    organization_id=rng.choice(organizations),
                    metadata={"seed": "bulk"},
                )
                for n in range(len(existing), count)
            ],
            batch_size=5000,
            ignore_conflicts=True,
        )
        existing = list(Customer.objects.filter(email__endswith="@bulk.example").values_list("pk", flat=True))
    return existing
