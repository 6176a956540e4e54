"""On-demand benchmark of inbound email through the full processing (not part of the test suite).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hd_email_bench \
        .venv/bin/python bench/inbound_bench.py --messages 300

Needs a migrated database. Builds a realistic mix — 40% new tickets (a third with a PDF
attachment, a third with a Cc follower), 40% customer replies threaded by subject reference,
10% agent replies, 5% bounces, 5% out-of-office — as raw RFC 822 bytes, then feeds them one by one
to `inbound_email_process` (parsing, reply stripping, the exactly-once ledger, tickets, comments,
attachments, followers, the outbox rows) and reports messages per second and queries per message.
Outbox dispatch is not included (it runs after commit in the worker). The rows it made are left
in place (use a throw-away database).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ["CELERY_BROKER_URL"] = "memory://"
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "false")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402

from agents.models import Role  # noqa: E402
from agents.services import agent_create  # noqa: E402
from customers.models import Customer, Organization  # noqa: E402
from tickets.inbound.services import inbound_email_process  # noqa: E402
from tickets.models import Ticket  # noqa: E402

PDF = b"%PDF-1.4\n" + b"0" * 40_000 + b"\n%%EOF\n"
RUN = uuid.uuid4().hex[:8]


def _message(n: int, sender: str, subject: str, body: str, **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@helpdesk.local"
    message["Subject"] = subject
    message["Message-ID"] = f"<bench-{RUN}-{n}@bench.example>"
    for name, value in headers.items():
        message[name] = value
    message.set_content(body)
    return message


def build(count: int, customers: list[Customer], agent_email: str) -> list[bytes]:
    raws: list[bytes] = []
    tickets: list[tuple[int, Customer]] = []  # (message number that opened it, its customer)
    for n in range(count):
        customer = customers[n % len(customers)]
        kind = n % 20
        if kind < 8 or not tickets:
            message = _message(n, customer.email, f"Order {n} did not arrive", "Hello,\n\nmy order is late.\n\nThanks")
            if kind % 3 == 1:
                message.add_attachment(PDF, maintype="application", subtype="pdf", filename=f"invoice-{n}.pdf")
            if kind % 3 == 2:
                colleague = customers[(n + 1) % len(customers)]
                message["Cc"] = colleague.email
            tickets.append((n, customer))
        elif kind < 16:
            body = (
                "Any news?\n\nOn Mon, Dec 1, 2026 at 9:58 AM Support <support@helpdesk.local> wrote:\n> We are on it."
            )
            opened, owner = tickets[(n * 7) % len(tickets)]  # spread over the open tickets
            message = _message(n, owner.email, f"Re: [#TICKET{opened}] Order", body)
        elif kind < 18:
            opened, _owner = tickets[(n * 3) % len(tickets)]
            message = _message(n, agent_email, f"Re: [#TICKET{opened}] Order", "Shipped today.")
        elif kind == 18:
            message = _message(
                n,
                "MAILER-DAEMON@bench.example",
                "Undelivered Mail Returned to Sender",
                f"550 5.1.1 <{customer.email}>: User unknown",
                **{"Return-Path": "<>", "X-Failed-Recipients": f"gone-{n}@bench.example"},
            )
        else:
            message = _message(
                n, customer.email, "Automatic reply: Order", "I am away.", **{"Auto-Submitted": "auto-replied"}
            )
        raws.append(message.as_bytes())
    return raws


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=300)
    args = parser.parse_args()
    organization, _ = Organization.objects.get_or_create(name="Bench Org")
    customers = [
        Customer.objects.get_or_create(
            email=f"bench-{RUN}-{i}@bench.example", defaults={"name": f"Bench {i}", "organization": organization}
        )[0]
        for i in range(50)
    ]
    agent_email = f"bench-agent-{RUN}@helpdesk.local"  # a fresh sender: earlier runs do not count to its limit
    if not get_user_model().objects.filter(email=agent_email).exists():
        agent_create(role=Role.AGENT, email=agent_email, name="Bench Agent", password="bench-password-1")
    raws = build(args.messages, customers, agent_email)
    settings.DEBUG = True  # count queries
    ticket_ids: dict[int, int] = {}
    timings: list[float] = []
    queries: list[int] = []
    actions: dict[str, int] = {}
    started = time.perf_counter()
    for n, raw in enumerate(raws):
        if b"[#TICKET" in raw:
            ref = int(raw.split(b"[#TICKET", 1)[1].split(b"]", 1)[0])
            raw = raw.replace(f"[#TICKET{ref}]".encode(), f"[#{ticket_ids[ref]}]".encode())
        reset_queries()
        t0 = time.perf_counter()
        result = inbound_email_process(raw=raw)
        timings.append(time.perf_counter() - t0)
        queries.append(len(connection.queries))
        actions[result.action] = actions.get(result.action, 0) + 1
        if result.action == "ticket":
            ticket_ids[n] = result.ticket_id
    elapsed = time.perf_counter() - started
    print(
        f"database: {connection.vendor} ({settings.DATABASES['default']['NAME']}), tickets now {Ticket.objects.count()}"
    )
    print(f"messages: {len(raws)} in {elapsed:.1f} s = {len(raws) / elapsed:.1f} messages/s")
    p95 = sorted(timings)[int(len(timings) * 0.95)]
    print(f"per message: median {statistics.median(timings) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms")
    print(f"queries per message: median {statistics.median(queries)}, max {max(queries)}")
    print(f"outcomes: {dict(sorted((str(k), v) for k, v in actions.items()))}")


if __name__ == "__main__":
    main()
