"""GDPR export and erasure (tickets/gdpr.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from model_bakery import baker

from customers.models import Customer, GdprAction, GdprAuditEntry
from customers.services import ERASED_TEXT, customer_update
from notifications.dispatch import outbox_event_dispatch
from notifications.events import known_events
from notifications.models import EmailLog, EmailStatus, OutboxEvent, OutboxStatus, WebhookDelivery
from notifications.privacy import notifications_forget
from tickets import comments, services
from tickets.gdpr import customer_erase, customer_gdpr_export
from tickets.models import Attachment, Comment, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_history(agent, customer_a, customer_b):
    """Alice: two tickets with replies, an internal note and an attachment, and a comment on
    Bob's ticket. Bob: a ticket of his own."""
    customer_a.phone = "+14155550100"
    customer_a.company = "Acme Corp"
    customer_a.metadata = {"plan": "gold"}
    customer_a.crm_id = "crm-alice"
    customer_a.save()
    first = services.ticket_create(
        actor=agent.user, title="Alice cannot log in", description="My password is hunter2", customer=customer_a
    )
    second = services.ticket_create(actor=agent.user, title="Alice billing question", customer=customer_a)
    comments.comment_add(ticket=first, customer=customer_a, actor=customer_a.user, body="Alice here, still stuck")
    comments.comment_add(ticket=first, actor=agent.user, body="Hi Alice, try again")
    comments.comment_add(ticket=second, actor=agent.user, body="Alice seems upset", is_internal=True)
    services.ticket_update(ticket=second, actor=agent.user, data={"title": "Alice Smith billing"})
    upload = SimpleUploadedFile("alice-passport.txt", b"passport", content_type="text/plain")
    attachment = comments.attachment_add(ticket=first, file=upload, actor=customer_a.user)
    bobs = services.ticket_create(actor=agent.user, title="Bob printer broken", customer=customer_b)
    comments.comment_add(ticket=bobs, actor=agent.user, body="Bob, reboot it")
    elsewhere = baker.make_recipe("tests.tickets.comment", ticket=bobs, customer=customer_a, body="Alice chiming in")
    return {
        "tickets": [first, second],
        "bobs": bobs,
        "attachment": attachment,
        "elsewhere": elsewhere,
    }


def test_export_contains_every_ticket_and_comment_of_the_customer_and_nothing_of_another(
    admin_agent, customer_a, alice_history
):
    document = customer_gdpr_export(customer=customer_a, actor=admin_agent.user)

    assert document["customer"]["email"] == "alice@acme.example"
    assert document["customer"]["phone"] == "+14155550100"
    assert document["customer"]["organization"] == {"id": customer_a.organization_id, "name": "Acme Corp"}
    assert [t["id"] for t in document["tickets"]] == [t.pk for t in alice_history["tickets"]]
    exported_comments = {c["id"] for t in document["tickets"] for c in t["comments"]}
    assert exported_comments == set(Comment.objects.filter(ticket__customer=customer_a).values_list("pk", flat=True))
    assert len(exported_comments) == 3
    assert [c["id"] for c in document["comments_on_other_tickets"]] == [alice_history["elsewhere"].pk]
    attachments = document["tickets"][0]["attachments"]
    assert [(a["id"], a["filename"]) for a in attachments] == [(alice_history["attachment"].pk, "alice-passport.txt")]
    text = json.dumps(document, cls=DjangoJSONEncoder)
    assert "Bob" not in text.replace("Alice chiming in", "")
    assert "bob@globex.example" not in text
    assert "Bob printer broken" not in text


def test_export_is_recorded_in_the_audit_log(admin_agent, customer_a, alice_history):
    customer_gdpr_export(customer=customer_a, actor=admin_agent.user)

    entry = GdprAuditEntry.objects.get()
    assert (entry.action, entry.customer_id, entry.customer_ref, entry.actor_id) == (
        GdprAction.EXPORT,
        customer_a.pk,
        customer_a.pk,
        admin_agent.user.pk,
    )
    assert entry.details == {"tickets": 2, "comments": 4, "attachments": 1}
    assert str(entry) == f"Data export of customer {customer_a.pk}"


def test_export_query_count_does_not_grow_with_tickets(admin_agent, customer_a, django_assert_max_num_queries):
    def run_with(n: int) -> None:
        for ticket in baker.make_recipe("tests.tickets.ticket", customer=customer_a, _quantity=n):
            baker.make_recipe("tests.tickets.comment", ticket=ticket, _quantity=2)
        with django_assert_max_num_queries(10):
            customer_gdpr_export(customer=customer_a, actor=admin_agent.user)

    run_with(2)
    run_with(20)


@pytest.fixture
def alice_notifications(alice_history, customer_a):
    """Her events dispatched: emails logged (sent), webhook deliveries recorded for a receiver of
    every event (nothing listens on port 9: they stay pending), plus a customer.updated event
    and one email still pending."""
    baker.make_recipe(
        "tests.notifications.webhook_subscription", url="http://127.0.0.1:9/hook", events=list(known_events())
    )
    customer_update(customer=customer_a, data={"name": "Alice Smith", "phone": "+14155550199"})
    for event_id in OutboxEvent.objects.filter(status=OutboxStatus.PENDING).values_list("pk", flat=True):
        outbox_event_dispatch(event_id=str(event_id))
    baker.make_recipe(
        "tests.notifications.email_log",
        event_id=OutboxEvent.objects.filter(event="ticket.created").values_list("pk", flat=True).first(),
        recipient="Alice@Acme.example",
        template="status_changed",
        subject="[#1] Alice, your request is now open",
        body_text="Hi Alice",
    )


def _notification_rows() -> list[dict]:
    return [*OutboxEvent.objects.values(), *EmailLog.objects.values(), *WebhookDelivery.objects.values()]


def _personal_values(customer: Customer) -> list[str]:
    return [customer.email, "Alice", customer.phone, "hunter2", "crm-alice", "gold", "passport"]


def test_erasure_leaves_no_personal_field(
    admin_agent, customer_a, customer_b, alice_history, alice_notifications, django_capture_on_commit_callbacks
):
    personal = _personal_values(customer_a)
    before = json.dumps(_notification_rows(), cls=DjangoJSONEncoder)
    for value in ("alice@acme.example", "Alice Smith", "+14155550199", "crm-alice", "Hi Alice", "still stuck"):
        assert value in before, value
    assert EmailLog.objects.filter(recipient="alice@acme.example", status=EmailStatus.SENT).exists()
    assert WebhookDelivery.objects.filter(event="customer.updated").exists()
    file_name = alice_history["attachment"].file.name
    alice_ticket_ids = [t.pk for t in alice_history["tickets"]]

    with django_capture_on_commit_callbacks(execute=True):
        erased = customer_erase(customer=customer_a, actor=admin_agent.user)

    erased.refresh_from_db()
    assert erased.email == f"erased-{erased.pk}@erased.invalid"
    assert (erased.name, erased.company, erased.phone, erased.metadata, erased.crm_id) == ("", "", "", {}, "")
    assert erased.user_id is None
    assert erased.email_opt_out is True
    assert erased.erased_at is not None
    login = customer_a.user
    login.refresh_from_db()
    assert (login.is_active, login.name, login.has_usable_password()) == (False, "", False)
    assert "alice" not in login.email
    # Tickets kept for statistics, their text gone.
    assert Ticket.objects.filter(pk__in=alice_ticket_ids).count() == 2
    assert set(Ticket.objects.filter(pk__in=alice_ticket_ids).values_list("title", "description")) == {
        (ERASED_TEXT, "")
    }
    assert set(Comment.objects.filter(ticket_id__in=alice_ticket_ids).values_list("body", flat=True)) == {ERASED_TEXT}
    assert Comment.objects.get(pk=alice_history["elsewhere"].pk).body == ERASED_TEXT
    assert not Attachment.objects.filter(ticket_id__in=alice_ticket_ids).exists()
    assert not default_storage.exists(file_name)
    # Nothing personal anywhere in the rows about her.
    rows = [
        *Customer.objects.filter(pk=erased.pk).values(),
        *type(login).objects.filter(pk=login.pk).values("email", "name"),
        *Ticket.objects.filter(pk__in=alice_ticket_ids).values(),
        *Comment.objects.filter(customer=erased).values(),
        *Comment.objects.filter(ticket_id__in=alice_ticket_ids).values(),
        *TicketEvent.objects.filter(ticket_id__in=alice_ticket_ids).values(),
        *_notification_rows(),
    ]
    dump = json.dumps(rows, cls=DjangoJSONEncoder)
    for value in [*personal, "Alice Smith", "+14155550100", "still stuck"]:
        assert value.lower() not in dump.lower(), value
    # Her notification rows are kept (counts, statuses, ids), scrubbed; unsent mail is cancelled.
    customer_events = OutboxEvent.objects.filter(event__startswith="customer.", payload__id=erased.pk)
    assert customer_events.filter(event="customer.updated").get().payload["tier"] == erased.tier
    assert EmailLog.objects.filter(recipient=f"erased-{erased.pk}@erased.invalid").count() == 4
    assert set(EmailLog.objects.filter(recipient__startswith="erased-").values_list("status", flat=True)) == {
        EmailStatus.SENT,
        EmailStatus.FAILED,
    }
    created = WebhookDelivery.objects.get(event="ticket.created", payload__data__ticket__id=alice_ticket_ids[0])
    assert created.payload["data"]["ticket"]["title"] == ERASED_TEXT
    assert created.payload["data"]["ticket"]["status"] == "open"
    assert created.payload["type"] == "ticket.created"
    # Bob untouched.
    customer_b.refresh_from_db()
    assert customer_b.email == "bob@globex.example"
    assert Ticket.objects.get(pk=alice_history["bobs"].pk).title == "Bob printer broken"
    assert Comment.objects.filter(ticket=alice_history["bobs"], body="Bob, reboot it").exists()
    bobs_events = OutboxEvent.objects.filter(payload__ticket__id=alice_history["bobs"].pk)
    assert "Bob printer broken" in json.dumps(list(bobs_events.values_list("payload", flat=True)))
    assert "Bob, reboot it" in json.dumps(list(WebhookDelivery.objects.values_list("payload", flat=True)))


def test_erasure_is_audited_published_and_idempotent(admin_agent, customer_a, alice_history):
    customer_erase(customer=customer_a, actor=admin_agent.user)
    customer_erase(customer=customer_a, actor=admin_agent.user)

    entry = GdprAuditEntry.objects.get()
    assert (entry.action, entry.customer_ref, entry.actor_id) == (GdprAction.ERASE, customer_a.pk, admin_agent.user.pk)
    assert entry.details == {"tickets": 2, "comments": 4, "attachments": 1, "inbound_messages": 0, "followers": 0}
    assert OutboxEvent.objects.filter(event="customer.erased", payload__id=customer_a.pk).count() == 1


def test_erasing_a_customer_without_login_or_tickets(admin_agent, db):
    customer = baker.make_recipe("tests.customers.customer", email="solo@example.com", name="Solo")

    customer_erase(customer=customer, actor=None)

    customer.refresh_from_db()
    assert (customer.email, customer.name) == (f"erased-{customer.pk}@erased.invalid", "")
    assert GdprAuditEntry.objects.get().actor is None


def test_forgetting_is_idempotent_and_set_based(customer_a, alice_notifications, django_assert_max_num_queries):
    first = notifications_forget(email=customer_a.email, customer_id=customer_a.pk)
    scrubbed = json.dumps(_notification_rows(), cls=DjangoJSONEncoder)

    with django_assert_max_num_queries(14):
        second = notifications_forget(email=customer_a.email, customer_id=customer_a.pk)

    assert first["outbox"] == second["outbox"] > 5
    assert first["webhooks"] == second["webhooks"] > 5
    assert first["emails"] == 4
    assert json.dumps(_notification_rows(), cls=DjangoJSONEncoder) == scrubbed


@pytest.mark.parametrize(
    ("payload", "about_her"),
    [
        pytest.param({"ticket": {"customer_id": "SELF", "title": "x"}}, True, id="ticket-customer-id"),
        pytest.param({"comment": {"customer_id": "SELF", "body": "x"}}, True, id="comment-customer-id"),
        pytest.param({"customer_id": "SELF", "note": "x"}, True, id="top-level-customer-id"),
        pytest.param({"note": "write to ALICE@acme.example"}, True, id="address-in-text"),
        pytest.param({"ticket": {"customer_id": "OTHER", "title": "x"}}, False, id="someone-else"),
        pytest.param({"ticket": {"id": "SELF", "title": "x"}}, False, id="a-ticket-id-is-not-a-customer-id"),
    ],
)
def test_forget_matches_payloads_by_customer_id_and_address(customer_a, customer_b, payload, about_her):
    def fill(value):
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return {"SELF": customer_a.pk, "OTHER": customer_b.pk}.get(value, value)

    row = baker.make_recipe("tests.notifications.outbox_event", event="ticket.updated", payload=fill(payload))

    notifications_forget(email="alice@acme.example", customer_id=customer_a.pk)

    row.refresh_from_db()
    assert (row.payload != fill(payload)) is about_her


def test_erasure_forgets_the_customers_inbound_mail_and_cc_rows(
    customer_a, customer_b, settings, tmp_path, django_capture_on_commit_callbacks
):
    """The inbound log keeps Message-IDs (exactly-once) but nothing about the person: sender,
    subject, HTML and the raw .eml file of their mail go, on their tickets, on none (a bounce) and
    as a Cc on someone else's ticket; another customer's mail stays."""
    from django.core.files.base import ContentFile

    from tickets.models import InboundMessage, TicketFollower

    settings.MEDIA_ROOT = tmp_path
    hers = services.ticket_create(actor=None, title="Alice's printer", customer=customer_a)
    bobs = services.ticket_create(actor=None, title="Bob's printer", customer=customer_b)

    def message(n: int, sender: str, ticket: Ticket | None, status: str = "reply") -> InboundMessage:
        row = InboundMessage(
            message_id=f"<m{n}@mail.example>",
            sender=sender,
            subject=f"Subject {n} from {sender}",
            body_html="<p>Alice Smith, 12 Main St</p>",
            status=status,
            ticket=ticket,
        )
        row.raw.save(f"m{n}.eml", ContentFile(b"From: alice"), save=False)
        row.save()
        return row

    on_her_ticket = message(1, "alice@acme.example", hers)
    a_bounce = message(2, "alice@acme.example", None, status="bounce")
    bobs_own = message(3, "bob@globex.example", bobs)
    TicketFollower.objects.create(ticket=bobs, email="alice@acme.example", customer=customer_a)
    raw_files = [on_her_ticket.raw.path, a_bounce.raw.path]

    with django_capture_on_commit_callbacks(execute=True):
        customer_erase(customer=customer_a, actor=None)

    for row in (on_her_ticket, a_bounce):
        row.refresh_from_db()
        assert (row.sender, row.subject, row.body_html, row.raw.name) == ("", "", "", "")
        assert row.message_id.startswith("<m")
    bobs_own.refresh_from_db()
    assert (bobs_own.sender, bobs_own.subject) == ("bob@globex.example", "Subject 3 from bob@globex.example")
    assert not TicketFollower.objects.filter(email="alice@acme.example").exists()
    assert [Path(name).exists() for name in raw_files] == [False, False]
    details = GdprAuditEntry.objects.get().details
    assert (details["inbound_messages"], details["followers"]) == (2, 1)
