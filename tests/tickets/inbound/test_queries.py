"""Processing one message costs a fixed number of queries whatever the table sizes, and the
exactly-once lookup by Message-ID is an index scan."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from model_bakery import baker

from tickets.inbound.services import inbound_email_process
from tickets.models import InboundMessage

pytestmark = pytest.mark.django_db


def _reply(ticket, n: int) -> bytes:
    return (
        f"From: {ticket.customer.email}\r\nTo: support@helpdesk.test\r\nSubject: Re: [#{ticket.pk}] x\r\n"
        f"Message-ID: <q{n}@acme.example>\r\n\r\nStill broken ({n}).\r\n"
    ).encode()


def _count(raw: bytes) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert inbound_email_process(raw=raw).action == "reply"
    return len(ctx.captured_queries)


def test_a_reply_costs_the_same_queries_with_more_rows(ticket):
    first = _count(_reply(ticket, 1))
    baker.make_recipe("tests.tickets.ticket", customer=ticket.customer, _quantity=30)
    baker.make(InboundMessage, status="ticket", message_id=iter(f"<m{i}@x>" for i in range(200)), _quantity=200)

    assert _count(_reply(ticket, 2)) == first
    # lookup+lock, rate count, own addresses, ticket, comment (user role, lock, insert, event, touch,
    # outbox), the active triggers, whether the ticket was merged into another, record insert and
    # savepoints: the same on PostgreSQL and SQLite
    assert first == 17, first


@pytest.mark.postgres
def test_the_message_id_check_is_an_index_scan():
    if connection.vendor != "postgresql":
        pytest.skip("EXPLAIN plans are PostgreSQL's")
    sql, params = InboundMessage.objects.filter(message_id="<a@b>").values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index" in plan, plan
    assert "tickets_inboundmessage_message_id" in plan, plan
