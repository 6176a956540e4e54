"""Forgetting a person in the notification tables (notifications/privacy.py), with exact rows:
which strings are scrubbed, which mails are erased and cancelled, what the counts are."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

import pytest
from model_bakery import baker

from notifications.models import EmailLog, OutboxEvent, WebhookDelivery
from notifications.privacy import _scrub, notifications_forget

pytestmark = pytest.mark.django_db

NOW = datetime.fromisoformat("2026-12-01T10:00:00+00:00")
ERASED = "[erased]"


def test_scrub_keeps_metadata_enumerations_timestamps_and_non_strings():
    payload = {
        "type": "ticket.updated",
        "event_id": "e-1",
        "timestamp": "2026-12-01T10:00:00Z",
        "reference": "#7",
        "status": "open",
        "old_status": "pending",
        "new_status": "open",
        "priority": "high",
        "old_priority": "low",
        "new_priority": "high",
        "tier": "premium",
        "channel": "email",
        "category": "billing",
        "target": "resolution",
        "created_at": "2026-11-01T09:00:00Z",
        "title": "Alice's printer",
        "empty": "",
        "count": 3,
        "flag": True,
        "nothing": None,
        "ticket": {"id": 7, "customer_id": 9, "title": "Printer", "status": "open", "tags": ["vip", "refund"]},
        "changes": [{"field": "title", "old": "a", "new": "b"}],
        "status_history": ["open", "pending"],
    }

    assert _scrub(payload) == {
        "type": "ticket.updated",
        "event_id": "e-1",
        "timestamp": "2026-12-01T10:00:00Z",
        "reference": "#7",
        "status": "open",
        "old_status": "pending",
        "new_status": "open",
        "priority": "high",
        "old_priority": "low",
        "new_priority": "high",
        "tier": "premium",
        "channel": "email",
        "category": "billing",
        "target": "resolution",
        "created_at": "2026-11-01T09:00:00Z",
        "title": ERASED,
        "empty": "",
        "count": 3,
        "flag": True,
        "nothing": None,
        "ticket": {"id": 7, "customer_id": 9, "title": ERASED, "status": "open", "tags": [ERASED, ERASED]},
        "changes": [{"field": ERASED, "old": ERASED, "new": ERASED}],
        "status_history": [ERASED, ERASED],
    }


def test_scrub_of_a_list_keeps_the_key_of_its_items():
    assert _scrub({"status": ["open", "closed"], "names": ["Alice"]}) == {
        "status": ["open", "closed"],
        "names": [ERASED],
    }
    assert _scrub(["Alice", 1]) == [ERASED, 1]
    assert _scrub("Alice") == ERASED
    assert _scrub("Alice", "status") == "Alice"
    assert _scrub("2026-12-01", "closed_at") == "2026-12-01"
    assert _scrub("x", None) == ERASED


def _event(payload, **fields) -> OutboxEvent:
    return baker.make_recipe("tests.notifications.outbox_event", payload=payload, **fields)


def test_forget_scrubs_her_rows_erases_and_cancels_her_mail_and_leaves_the_rest(caplog):
    her_ticket = _event({"ticket": {"id": 41, "customer_id": 9, "title": "Her printer"}})
    her_profile = _event({"id": 9, "name": "Alice"}, event="customer.updated")
    not_hers_profile = _event({"id": 10, "name": "Bob"}, event="customer.updated")
    a_ticket_id_nine = _event({"id": 9, "title": "Ticket nine"}, event="ticket.updated")
    delivery = baker.make_recipe(
        "tests.notifications.webhook_delivery",
        event_id=her_ticket.pk,
        payload={"type": "ticket.updated", "data": {"ticket": {"id": 41, "customer_id": 9, "title": "Her printer"}}},
        response_excerpt="echo: Her printer",
    )
    other_delivery = baker.make_recipe(
        "tests.notifications.webhook_delivery",
        event_id=not_hers_profile.pk,
        payload={"type": "customer.updated", "data": {"id": 10, "name": "Bob"}},
        response_excerpt="ok",
    )
    sent_to_her = baker.make_recipe(
        "tests.notifications.email_log",
        event_id=uuid.uuid4(),
        recipient="Alice@Acme.example",
        status="sent",
        subject="Your request",
        body_text="Hi",
        body_html="<p>Hi</p>",
        error="none",
    )
    pending_to_agent = baker.make_recipe(
        "tests.notifications.email_log",
        event_id=uuid.uuid4(),
        recipient="agent@helpdesk.test",
        ticket_id=41,
        status="pending",
        next_attempt_at=NOW,
        subject="New reply on #41",
    )
    sending_by_event = baker.make_recipe(
        "tests.notifications.email_log",
        event_id=her_profile.pk,
        recipient="crm@helpdesk.test",
        status="sending",
        claimed_at=NOW,
        subject="Profile",
    )
    mentions_her = baker.make_recipe(
        "tests.notifications.email_log",
        event_id=uuid.uuid4(),
        recipient="boss@helpdesk.test",
        status="sent",
        subject="About alice@acme.example",
        body_text="x",
    )
    not_hers = baker.make_recipe(
        "tests.notifications.email_log",
        event_id=uuid.uuid4(),
        recipient="bob@globex.example",
        ticket_id=42,
        status="pending",
        subject="Bob's request",
    )

    with caplog.at_level(logging.INFO, logger="notifications.privacy"):
        counts = notifications_forget(email=" alice@acme.example ", customer_id=9)

    assert counts == {"outbox": 2, "emails": 4, "webhooks": 1}
    assert caplog.record_tuples == [
        (
            "notifications.privacy",
            logging.INFO,
            "forgot customer 9: 2 outbox event(s), 4 email(s), 1 webhook delivery(ies) scrubbed",
        )
    ]
    payloads = {row.pk: row.payload for row in OutboxEvent.objects.all()}
    assert payloads == {
        her_ticket.pk: {"ticket": {"id": 41, "customer_id": 9, "title": ERASED}},
        her_profile.pk: {"id": 9, "name": ERASED},
        not_hers_profile.pk: {"id": 10, "name": "Bob"},
        a_ticket_id_nine.pk: {"id": 9, "title": "Ticket nine"},
    }
    deliveries = {row.pk: (row.payload, row.response_excerpt) for row in WebhookDelivery.objects.all()}
    assert deliveries == {
        delivery.pk: (
            {"type": "ticket.updated", "data": {"ticket": {"id": 41, "customer_id": 9, "title": ERASED}}},
            "",
        ),
        other_delivery.pk: ({"type": "customer.updated", "data": {"id": 10, "name": "Bob"}}, "ok"),
    }
    logs = {
        row.pk: (
            row.recipient,
            row.subject,
            row.body_text,
            row.body_html,
            row.error,
            row.status,
            row.next_attempt_at,
            row.claimed_at,
        )
        for row in EmailLog.objects.all()
    }
    cancelled = "Cancelled: the personal data of this mail was erased."
    assert logs == {
        sent_to_her.pk: ("erased-9@erased.invalid", ERASED, "", "", "", "sent", None, None),
        pending_to_agent.pk: ("agent@helpdesk.test", ERASED, "", "", cancelled, "failed", None, None),
        sending_by_event.pk: ("crm@helpdesk.test", ERASED, "", "", cancelled, "failed", None, None),
        mentions_her.pk: ("boss@helpdesk.test", ERASED, "", "", "", "sent", None, None),
        not_hers.pk: ("bob@globex.example", "Bob's request", "Hello", "<p>Hello</p>", "", "pending", None, None),
    }


def test_forget_without_an_address_goes_by_the_customer_id_only():
    hers = _event({"customer_id": 9, "note": "x"})
    mentions = _event({"note": "write to alice@acme.example"})
    log = baker.make_recipe("tests.notifications.email_log", event_id=uuid.uuid4(), recipient="alice@acme.example")

    counts = notifications_forget(email="", customer_id=9)

    assert counts == {"outbox": 1, "emails": 0, "webhooks": 0}
    hers.refresh_from_db()
    mentions.refresh_from_db()
    log.refresh_from_db()
    assert (hers.payload, mentions.payload) == (
        {"customer_id": 9, "note": ERASED},
        {"note": "write to alice@acme.example"},
    )
    assert (log.recipient, log.body_text) == ("alice@acme.example", "Hello")


def test_forget_scrubs_more_rows_than_one_batch():
    OutboxEvent.objects.bulk_create(
        [OutboxEvent(event="ticket.updated", payload={"customer_id": 9, "note": f"n{n}"}) for n in range(1001)]
    )

    assert notifications_forget(email="", customer_id=9)["outbox"] == 1001
    payloads = list(OutboxEvent.objects.values_list("payload", flat=True))
    assert payloads == [{"customer_id": 9, "note": ERASED}] * 1001
