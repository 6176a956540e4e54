"""seed_demo on PostgreSQL: the conversations, events and files made in SQL follow the rules of
tickets/demo/conversations.py ticket by ticket, the draws are reproducible, the tickets drawn by
worker processes are the ones drawn in-process, and after the load the indexes, foreign keys and
sequences are as a normal desk needs them."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from customers.models import Customer
from tickets.comments import comment_add
from tickets.demo.conversations import draw
from tickets.demo.desk import AGENT_REPLIES, CUSTOMER_MESSAGES, INTERNAL_NOTES
from tickets.demo.rows import TicketMaker, ticket_copy_texts
from tickets.models import Attachment, Comment, Status, Ticket, TicketEvent
from tickets.services import ticket_create

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL path is PostgreSQL's"),
]
TABLES = ["tickets_ticket", "tickets_comment", "tickets_ticketevent", "tickets_attachment"]


@pytest.fixture
def seeded():
    """The demo desk (its agents, teams, categories) and 1,986 bulk tickets, in batches of 500."""
    call_command("seed_demo", "--tickets", "2000", "--batch-size", "500", stdout=StringIO(), stderr=StringIO())
    return Ticket.objects.filter(metadata__seed="bulk")


def test_every_ticket_has_its_events(seeded):
    tickets = {t.pk: t for t in seeded}
    events = TicketEvent.objects.filter(ticket__in=seeded)
    created = events.filter(kind="created")
    assert created.count() == len(tickets) == 1986
    assert all(e.actor_id is None and e.new_value == "open" for e in created)
    assert all(e.created_at == tickets[e.ticket_id].created_at for e in created)

    assigned = {e.ticket_id: e for e in events.filter(kind="assigned")}
    assert set(assigned) == {pk for pk, t in tickets.items() if t.assignee_id}
    assert all(e.new_value == tickets[pk].assignee_id == e.actor_id for pk, e in assigned.items())

    changed = {e.ticket_id: e for e in events.filter(kind="status_changed")}
    assert set(changed) == {pk for pk, t in tickets.items() if t.status != Status.OPEN}
    for pk, event in changed.items():
        assert (event.field, event.old_value, event.new_value) == ("status", "open", tickets[pk].status)
        assert event.created_at == tickets[pk].created_at + timedelta(minutes=30) == tickets[pk].status_changed_at
        assert event.actor_id is not None
    assert events.count() == len(tickets) + len(assigned) + len(changed)


def test_every_ticket_has_a_conversation_by_the_rules(seeded):
    tickets = {t.pk: t for t in seeded}
    by_ticket: dict[int, list[Comment]] = {}
    for comment in Comment.objects.filter(ticket__in=seeded).order_by("id"):
        by_ticket.setdefault(comment.ticket_id, []).append(comment)
    assert set(by_ticket) == set(tickets)
    notes = follow_ups = agent_first_while_open = open_tickets = 0
    for pk, messages in by_ticket.items():
        ticket = tickets[pk]
        first_at = ticket.created_at + timedelta(minutes=30)
        first, *rest = messages
        assert first.created_at == first_at
        assert not first.is_internal
        if ticket.status != Status.OPEN:
            assert first.author_id is not None  # answered: the agent's reply
            assert first.customer_id is None
        else:
            open_tickets += 1
            agent_first_while_open += first.customer_id is None
        if first.customer_id is None:
            assert first.body in AGENT_REPLIES
            assert first.channel == "web"
            if ticket.assignee_id:
                assert first.author_id == ticket.assignee_id
        else:
            assert (first.customer_id, first.body, first.channel) == (ticket.customer_id, CUSTOMER_MESSAGES[1], "email")
        for message in rest:
            if message.is_internal:
                notes += 1
                assert message.body in INTERNAL_NOTES
                assert message.customer_id is None
                assert message.created_at == first_at + timedelta(minutes=5)
            else:
                follow_ups += 1
                thanks = ticket.status in (Status.RESOLVED, Status.CLOSED)
                assert message.customer_id == ticket.customer_id
                assert message.author_id is None
                assert message.body == CUSTOMER_MESSAGES[2 if thanks else 1]
                assert message.created_at == first_at + timedelta(hours=2)
        assert [m.is_internal for m in rest] in ([], [True], [False], [True, False])  # note, then follow-up
    # The shares (35% notes, 50% follow-ups, half of the open tickets answered) within a few points.
    assert 0.30 < notes / len(tickets) < 0.40
    assert 0.45 < follow_ups / len(tickets) < 0.55
    assert 0.40 < agent_first_while_open / open_tickets < 0.60


def test_files_only_on_agents_replies(seeded):
    files = list(Attachment.objects.filter(ticket__in=seeded).select_related("comment"))
    replies = Comment.objects.filter(ticket__in=seeded, is_internal=False, customer__isnull=True).count()
    assert 0.06 < len(files) / replies < 0.14  # 10% of the agents' replies
    for file in files:
        assert file.comment.ticket_id == file.ticket_id
        assert not file.comment.is_internal
        assert file.comment.customer_id is None
        assert file.uploaded_by_id == file.comment.author_id
        assert (file.filename, file.content_type, file.created_at) == (
            "export-log.txt",
            "text/plain",
            file.comment.created_at,
        )


@pytest.mark.parametrize(
    ("ticket_id", "seed", "expected"),
    [
        pytest.param(1, 42, 0.91245, id="id-1"),
        pytest.param(2, 42, 0.88017, id="id-2"),
        pytest.param(1, 43, 0.93154, id="another-seed"),
    ],
)
def test_draws_are_a_fixed_function_of_the_id_and_the_seed(ticket_id, seed, expected):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {draw(0, seed)} FROM (SELECT %s::bigint AS id) t", [ticket_id])  # noqa: S608
        assert cursor.fetchone()[0] == pytest.approx(expected, abs=1e-5)


def test_worker_processes_draw_the_same_tickets_as_one_process(seeded):
    from tickets.demo.bulk import BulkSeeder

    reference = BulkSeeder(seed=7, batch_size=50, progress=lambda n: None)._reference(200)
    maker = TicketMaker(reference, seed=7)
    tasks = [(batch, 1 + batch * 50, 50) for batch in range(5)]
    in_process = list(ticket_copy_texts(maker, tasks, workers=1))
    assert list(ticket_copy_texts(maker, tasks, workers=2)) == in_process
    assert sum(text.count("\n") for text in in_process) == 250


def test_after_the_load_keys_are_validated_and_sequences_moved_on(seeded):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE NOT convalidated), count(*) FROM pg_constraint c "
            "JOIN pg_class t ON t.oid = c.conrelid WHERE t.relname = ANY(%s) AND c.contype = 'f'",
            [TABLES],
        )
        not_validated, keys = cursor.fetchone()
    assert not_validated == 0
    assert keys >= 13  # tickets' customer, team, assignee...; comments' ticket, author...
    highest = {model: model.objects.order_by("-pk").values_list("pk", flat=True)[0] for model in (Ticket, Comment)}
    admin = get_user_model().objects.get(email="admin@helpdesk.local")  # the demo desk's
    customer = Customer.objects.filter(email__endswith="@bulk.example").first()
    ticket = ticket_create(actor=admin, title="After the seed", customer=customer)
    log = SimpleUploadedFile("after.txt", b"fine\n", content_type="text/plain")
    comment = comment_add(ticket=ticket, actor=admin, body="Looking", files=[log])
    assert ticket.pk > highest[Ticket]
    assert comment.pk > highest[Comment]
    assert Attachment.objects.get(comment=comment).pk > Attachment.objects.exclude(comment=comment).latest("pk").pk
    assert TicketEvent.objects.filter(ticket=ticket, kind="created").exists()
    assert ticket.created_at <= timezone.now()


def test_a_small_top_up_keeps_the_indexes_and_gets_conversations_too(seeded):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE tablename = ANY(%s)", [TABLES])
        indexes = cursor.fetchone()[0]
    first_new = Ticket.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1

    # 300 more on 2,000: too few to pay for dropping and rebuilding the indexes.
    call_command("seed_demo", "--tickets", "2300", "--no-demo", stdout=StringIO(), stderr=StringIO())

    new = Ticket.objects.filter(pk__gte=first_new)
    assert new.count() == 300
    assert TicketEvent.objects.filter(ticket__in=new, kind="created").count() == 300
    assert Comment.objects.filter(ticket__in=new).values("ticket").distinct().count() == 300
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE tablename = ANY(%s)", [TABLES])
        assert cursor.fetchone()[0] == indexes
