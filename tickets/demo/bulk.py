"""`seed_demo --tickets N`: top the ticket table up to N tickets for trying the admin and the API at
size, each with a conversation (1-3 messages: the agent's reply or the customer's message, an
internal note, the customer's follow-up), its audit events (created, assigned, the status it
reached) and, on some replies, a file's metadata (all pointing at one small stored file, so
downloads work).

Like a data import, the rows skip the services on purpose (no outbox, no emails), but they carry the
SLA policy and due times ticket_sla_apply would give them (the first policy whose conditions
match, else the default; their customer's tier; tickets/demo/due_times.py), which is why tickets
are drawn in Python (tickets/demo/rows.py). On PostgreSQL, worker processes draw the batches of
tickets as COPY text while this process writes the previous batch with COPY and makes its
conversations, events and files in SQL (tickets/demo/conversations.py); when the table is small
next to what is added, the secondary indexes and foreign keys of the four tables are dropped first
and built again after the load, all in one transaction (an interrupted load leaves nothing
behind). A million tickets with their conversations: 8.6 minutes on the shared 2-core box at load
6-9, about 3 projected on an idle one (bench/RESULTS.md). On SQLite it is plain bulk inserts of the
same rows drawn in Python."""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterator
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from agents.models import Agent, Role
from customers.models import Customer, Organization, Tier
from tickets.demo.conversations import conversations_insert
from tickets.demo.copy import IdBlock, copy_write, foreign_keys, secondary_indexes
from tickets.demo.due_times import DueTimes
from tickets.demo.rows import (
    ATTACHMENT_COLUMNS,
    BULK_SUBJECTS,
    COMMENT_COLUMNS,
    EVENT_COLUMNS,
    TICKET_COLUMNS,
    Reference,
    TicketMaker,
    conversations,
    ticket_copy_texts,
)
from tickets.models import Attachment, Category, Comment, Ticket, TicketEvent
from tickets.sla import services as sla_services
from tickets.sla.selection import policies_cached

SAMPLE_FILE = ("attachments/seed/export-log.txt", b"2026-03-02 09:40:11 export worker: timeout after 30 s\n")
# Drop and rebuild the secondary indexes and foreign keys when the load at least doubles the tickets.
REBUILD_INDEXES_RATIO = 1.0
MODELS = (Ticket, Comment, TicketEvent, Attachment)


class BulkSeeder:
    """One top-up run. `progress(n)` is called after each batch with the tickets it added,
    `stage(text)` when the run moves to its next step; `workers` processes draw the tickets on
    PostgreSQL (default: one per core)."""

    def __init__(
        self,
        *,
        seed: int,
        batch_size: int,
        progress: Callable[[int], None],
        workers: int | None = None,
        stage: Callable[[str], None] | None = None,
    ) -> None:
        self.seed = seed
        self.batch_size = batch_size
        self.progress = progress
        self.stage = stage or (lambda text: None)
        self.workers = (os.cpu_count() or 1) if workers is None else workers
        self.postgres = connection.vendor == "postgresql"

    # --- the run ---------------------------------------------------------------------------------

    def run(self, missing: int) -> dict[str, int]:
        maker = TicketMaker(self._reference(missing), seed=self.seed)
        sizes = [min(self.batch_size, missing - start) for start in range(0, missing, self.batch_size)]
        counts = {"tickets": 0, "comments": 0, "events": 0, "attachments": 0}
        with transaction.atomic():
            load = self._load_postgres if self.postgres else self._load_sqlite
            for made in load(maker, sizes):
                for name, n in made.items():
                    counts[name] += n
                self.progress(made["tickets"])
        if self.postgres:  # fresh statistics: the planner and the admin's row estimates
            self.stage("analyze")
            with connection.cursor() as cursor:
                for model in (*MODELS, Customer):
                    cursor.execute(f'ANALYZE "{model._meta.db_table}"')
        return counts

    def _load_postgres(self, maker: TicketMaker, sizes: list[int]) -> Iterator[dict[str, int]]:
        """Per batch: its tickets' COPY text from the workers, COPY, then their conversations in SQL
        (the workers draw the next batches meanwhile). Yields what each batch added."""
        ids = IdBlock(MODELS)
        restore = self._drop_indexes(sum(sizes))
        tasks = [(batch, ids.take(Ticket, size).start, size) for batch, size in enumerate(sizes)]
        texts = ticket_copy_texts(maker, tasks, workers=self.workers)
        for (_, first, size), text in zip(tasks, texts, strict=True):
            copy_write(Ticket, ["id", *TICKET_COLUMNS], text)
            made = conversations_insert(
                ids=ids,
                tickets=range(first, first + size),
                seed=self.seed,
                agents=maker.ref.agents,
                sample_file=SAMPLE_FILE,
            )
            yield {"tickets": size, **made}
        self.stage("indexes")
        self._create_indexes(restore)
        ids.finish()

    def _load_sqlite(self, maker: TicketMaker, sizes: list[int]) -> Iterator[dict[str, int]]:
        """Per batch: the tickets and their conversations drawn in Python, bulk inserted."""
        name, body = SAMPLE_FILE
        for batch, size in enumerate(sizes):
            rows = maker.rows(batch, size)
            tickets = _bulk_create(Ticket, TICKET_COLUMNS, rows)
            rng = random.Random(f"conversations:{self.seed}:{batch}")
            pairs = list(zip(tickets, rows, strict=True))
            comment_rows, event_rows, files = conversations(pairs, rng=rng, agents=maker.ref.agents)
            comments = _bulk_create(Comment, COMMENT_COLUMNS, comment_rows)
            _bulk_create(TicketEvent, EVENT_COLUMNS, event_rows)
            attachments = [
                (row[0], comments[position], name, name.rsplit("/", 1)[-1], "text/plain", len(body), row[1], row[-1])
                for position in files
                for row in [comment_rows[position]]
            ]
            _bulk_create(Attachment, ATTACHMENT_COLUMNS, attachments)
            yield {"tickets": size, "comments": len(comments), "events": len(event_rows), "attachments": len(files)}

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
            # Sorts in memory; the B-tree builds may use a parallel worker on the other core.
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            cursor.execute("SET LOCAL max_parallel_maintenance_workers = 2")
            for statement in restore:
                cursor.execute(statement)
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    # --- what every batch draws from -------------------------------------------------------------

    def _reference(self, missing: int) -> Reference:
        customer_ids = _bulk_customers(min(max(missing // 20, 100), 50_000), random.Random(self.seed))
        customers = Customer.objects.filter(pk__in=customer_ids).values_list("pk", "organization_id", "tier")
        teams = dict(Category.objects.values_list("slug", "team_id"))
        agents = list(Agent.objects.exclude(role=Role.VIEWER).values_list("user_id", flat=True))
        # SLA due times as ticket_sla_apply would set them: the first matching policy (else the default).
        policies = policies_cached()
        specs: dict[int | None, Any] = {choice.id: choice.spec for choice in policies}
        specs[None] = policies[-1].spec
        now = timezone.now()
        if not default_storage.exists(SAMPLE_FILE[0]):
            default_storage.save(SAMPLE_FILE[0], ContentFile(SAMPLE_FILE[1]))
        return Reference(
            now=now,
            customer_ids=customer_ids,
            org_of={pk: org for pk, org, _ in customers},
            tier_of={pk: tier for pk, _, tier in customers},
            teams=teams,
            categories={slug: pk for slug, pk in Category.objects.values_list("slug", "pk") if slug in BULK_SUBJECTS},
            assignees=agents or [None],
            agents=agents,
            policies=policies,
            due_times=DueTimes(specs, warning_ratio=sla_services.warning_ratio(), now=now),
        )


def _bulk_create(model: Any, columns: list[str], rows: list[tuple[Any, ...]]) -> list[int]:
    """SQLite's path: the rows as model instances, bulk inserted; returns their ids in order."""
    objects = [model(**dict(zip(columns, row, strict=True))) for row in rows]
    return [obj.pk for obj in model.objects.bulk_create(objects, batch_size=1000)]


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
