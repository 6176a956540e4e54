"""What inbound email changes about outgoing mail: the acknowledgement (per mailbox, marked
Auto-Submitted: auto-replied, Reply-To the mailbox), nothing to an undeliverable address,
public replies to followers; and the per-sender loop limit."""

from __future__ import annotations

import pytest
from django.utils import timezone
from freezegun import freeze_time
from model_bakery import baker

from tickets.comments import comment_add
from tickets.inbound.services import inbound_email_process
from tickets.models import InboundMessage, Mailbox, Ticket

pytestmark = pytest.mark.django_db


def _raw(n: int, sender: str = "carol@new.example", to: str = "help@helpdesk.test", **headers: str) -> bytes:
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: Printer number {n}\r\nMessage-ID: <out-{n}@new.example>\r\n"
        f"{extra}\r\nIt does not print.\r\n"
    ).encode()


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox.objects.create(name="Help", address="help@helpdesk.test", imap_host="x", username="x")


def test_the_acknowledgement_is_an_auto_reply_with_the_mailbox_as_reply_to(
    mailbox, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = inbound_email_process(raw=_raw(1))

    [ack] = mailoutbox
    assert ack.to == ["carol@new.example"]
    assert ack.subject == f"[#{result.ticket_id}] We received your request: Printer number 1"
    assert ack.extra_headers["Auto-Submitted"] == "auto-replied"
    assert ack.extra_headers["Reply-To"] == "help@helpdesk.test"


def test_a_mailbox_without_acknowledgement_sends_none(mailbox, mailoutbox, django_capture_on_commit_callbacks):
    mailbox.send_acknowledgement = False
    mailbox.save()

    with django_capture_on_commit_callbacks(execute=True):
        inbound_email_process(raw=_raw(2))

    assert mailoutbox == []


def test_no_mail_reaches_an_undeliverable_address_but_followers_get_replies(
    agent, ticket, mailoutbox, django_capture_on_commit_callbacks
):
    customer = ticket.customer
    customer.email_undeliverable_at = timezone.now()
    customer.save()
    baker.make("tickets.TicketFollower", ticket=ticket, email="partner@partner.example")

    with django_capture_on_commit_callbacks(execute=True):
        comment_add(ticket=ticket, body="We replaced the toner.", actor=agent.user)

    assert [m.to for m in mailoutbox] == [["partner@partner.example"]]
    assert mailoutbox[0].extra_headers["Auto-Submitted"] == "auto-generated"


def test_more_than_twenty_messages_in_ten_minutes_from_one_sender_is_a_loop():
    with freeze_time("2026-12-01 10:00:00"):
        actions = [inbound_email_process(raw=_raw(n)).action for n in range(21)]
    with freeze_time("2026-12-01 10:10:01"):
        later = inbound_email_process(raw=_raw(99)).action

    assert actions == ["ticket"] * 20 + ["rate_limited"]
    assert later == "ticket"
    stopped = InboundMessage.objects.get(status="rate_limited")
    assert stopped.reason == "more than 20 messages from carol@new.example within 10 minutes: mail loop stopped"
    assert Ticket.objects.count() == 21


def test_mail_from_our_own_address_is_never_processed(mailbox):
    result = inbound_email_process(raw=_raw(3, sender="help@helpdesk.test"))

    assert (result.action, result.reason) == ("ignored", "sent by one of our own addresses (loop)")


def test_a_mail_queued_before_a_hard_bounce_is_not_sent_after_it(customer_a, mailoutbox):
    """The address is checked again at send time: mail queued for it while it was deliverable is
    failed with the reason, not sent; another recipient in the same batch still gets theirs."""
    from notifications.email_delivery import email_send_pending
    from notifications.models import EmailLog, EmailStatus

    queued = baker.make_recipe("tests.notifications.email_log", recipient=customer_a.email.upper())
    other = baker.make_recipe("tests.notifications.email_log", recipient="someone@else.example")
    customer_a.email_undeliverable_at = timezone.now()
    customer_a.email_undeliverable_reason = "550 5.1.1 user unknown"
    customer_a.save()

    assert email_send_pending() == 2

    assert [m.to for m in mailoutbox] == [["someone@else.example"]]
    queued.refresh_from_db()
    other.refresh_from_db()
    assert (queued.status, queued.error) == (
        EmailStatus.FAILED,
        "Not sent: the address is undeliverable (550 5.1.1 user unknown)",
    )
    assert queued.sent_at is None
    assert other.status == EmailStatus.SENT
    assert EmailLog.objects.filter(status=EmailStatus.PENDING).count() == 0
