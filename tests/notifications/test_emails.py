"""Every template and trigger, end to end: service -> outbox -> dispatch -> mail in the outbox."""

from __future__ import annotations

import pytest

import notifications
from notifications.models import EmailLog, EmailStatus, OutboxEvent
from tickets import comments
from tickets import services as ticket_services
from tickets.events import ticket_payload
from tickets.models import Status


def _to(mailoutbox, address):
    return [m for m in mailoutbox if m.to == [address]]


def _root(ticket_id: int) -> str:
    return f"<ticket-{ticket_id}@helpdesk.test>"


def _assert_threaded(message, ticket_id: int) -> None:
    assert message.extra_headers["In-Reply-To"] == _root(ticket_id)
    assert message.extra_headers["References"] == _root(ticket_id)
    assert message.extra_headers["Message-ID"].startswith(f"<ticket-{ticket_id}.")
    assert message.extra_headers["Message-ID"] != _root(ticket_id)


def _html(message) -> str:
    return next(content for content, mimetype in message.alternatives if mimetype == "text/html")


@pytest.mark.django_db
def test_ticket_created_mails_the_customer_as_the_thread_root(
    agent, customer_a, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_services.ticket_create(actor=agent.user, title="Printer on fire", customer=customer_a)

    [message] = _to(mailoutbox, customer_a.email)
    assert message.subject == f"[#{ticket.pk}] We received your request: Printer on fire"
    assert message.extra_headers["Message-ID"] == _root(ticket.pk)
    assert "In-Reply-To" not in message.extra_headers
    assert f"#{ticket.pk}" in message.body
    assert "Printer on fire" in _html(message)
    log = EmailLog.objects.get(recipient=customer_a.email, template="ticket_created")
    assert log.status == EmailStatus.SENT
    assert log.provider == "locmem"
    assert log.provider_message_id == _root(ticket.pk)
    assert log.sent_at is not None
    assert log.attempts == 1


@pytest.mark.django_db
def test_public_agent_reply_reaches_the_customer_in_the_thread(
    agent, ticket, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        comments.comment_add(ticket=ticket, actor=agent.user, body="Have you tried turning it off?")

    [message] = _to(mailoutbox, ticket.customer.email)
    assert message.subject == f"[#{ticket.pk}] Re: {ticket.title}"
    assert "Have you tried turning it off?" in message.body
    assert "Have you tried turning it off?" in _html(message)
    _assert_threaded(message, ticket.pk)


@pytest.mark.django_db
def test_internal_note_never_reaches_the_customer(agent, ticket, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        comments.comment_add(ticket=ticket, actor=agent.user, body="Customer is grumpy, careful", is_internal=True)

    assert _to(mailoutbox, ticket.customer.email) == []
    assert not any("grumpy" in m.body or "grumpy" in _html(m) for m in mailoutbox)
    assert OutboxEvent.objects.get(event="ticket.comment_added").status == "dispatched"


@pytest.mark.django_db
def test_html_mail_escapes_the_reply_body(agent, ticket, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        comments.comment_add(ticket=ticket, actor=agent.user, body="<script>alert(1)</script> fixed")

    [message] = _to(mailoutbox, ticket.customer.email)
    assert "<script>" not in _html(message)
    assert "&lt;script&gt;" in _html(message)
    assert "<script>alert(1)</script> fixed" in message.body  # the text part is plain text


@pytest.mark.django_db
def test_customer_reply_mails_the_assignee(agent, ticket, mailoutbox, django_capture_on_commit_callbacks):
    ticket.assignee = agent.user
    ticket.save(update_fields=["assignee"])

    with django_capture_on_commit_callbacks(execute=True):
        comments.comment_add(ticket=ticket, customer=ticket.customer, body="Still broken, sorry")

    [message] = _to(mailoutbox, agent.user.email)
    assert message.subject == f"[#{ticket.pk}] Customer reply: {ticket.title}"
    assert "Still broken, sorry" in message.body
    _assert_threaded(message, ticket.pk)
    assert _to(mailoutbox, ticket.customer.email) == []


@pytest.mark.django_db
def test_customer_reply_on_an_unassigned_ticket_goes_to_the_team_inbox(
    team, ticket, mailoutbox, django_capture_on_commit_callbacks
):
    team.email = "billing@support.example.com"
    team.save()
    ticket.team = team
    ticket.save(update_fields=["team"])

    with django_capture_on_commit_callbacks(execute=True):
        comments.comment_add(ticket=ticket, customer=ticket.customer, body="Anyone there?")

    assert [m.subject for m in _to(mailoutbox, "billing@support.example.com")] == [
        f"[#{ticket.pk}] Customer reply: {ticket.title}"
    ]


@pytest.mark.django_db
def test_customer_reply_with_nobody_to_tell_sends_nothing(ticket, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        comments.comment_add(ticket=ticket, customer=ticket.customer, body="Hello?")

    assert EmailLog.objects.filter(template="customer_reply").count() == 0


@pytest.mark.django_db
def test_status_change_mails_the_customer(agent, ticket, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.RESOLVED)

    # the status notice, then the satisfaction survey (tests/tickets/test_satisfaction.py)
    message, survey = _to(mailoutbox, ticket.customer.email)
    assert survey.subject == f"[#{ticket.pk}] How did we do? {ticket.title}"
    assert message.subject == f"[#{ticket.pk}] Your request is now Resolved: {ticket.title}"
    assert "Resolved" in message.body
    assert "Open" in message.body
    _assert_threaded(message, ticket.pk)


@pytest.mark.django_db
def test_a_reopen_by_the_customer_reply_sends_no_status_notice(
    agent, ticket, mailoutbox, django_capture_on_commit_callbacks
):
    ticket_services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        comments.comment_add(ticket=ticket, customer=ticket.customer, body="Here is the info")
    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.ticket_change_status(ticket=ticket, actor=ticket.customer.user, status=Status.RESOLVED)

    assert OutboxEvent.objects.filter(event="ticket.status_changed").count() == 3
    assert _to(mailoutbox, ticket.customer.email) == []


@pytest.mark.django_db
def test_assignment_mails_the_agent_but_not_on_self_assignment(
    agent, senior_agent, ticket, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.ticket_assign(ticket=ticket, actor=senior_agent.user, assignee=agent.user)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.ticket_assign(ticket=ticket, actor=senior_agent.user, assignee=senior_agent.user)

    [message] = _to(mailoutbox, agent.user.email)
    assert message.subject == f"[#{ticket.pk}] Assigned to you: {ticket.title}"
    assert f"/admin/tickets/ticket/{ticket.pk}/change/" in message.body
    _assert_threaded(message, ticket.pk)
    assert _to(mailoutbox, senior_agent.user.email) == []


@pytest.mark.django_db
def test_unassignment_sends_nothing(agent, ticket, mailoutbox, django_capture_on_commit_callbacks):
    ticket.assignee = agent.user
    ticket.save(update_fields=["assignee"])
    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.ticket_assign(ticket=ticket, actor=None, assignee=None)

    assert mailoutbox == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("event", "subject", "phrase"),
    [
        pytest.param("ticket.sla_warning", "SLA at risk", "at risk of breaching", id="sla-warning"),
        pytest.param("ticket.sla_breached", "SLA breached", "has breached its SLA", id="sla-breached"),
        pytest.param("ticket.escalated", "Escalated", "was escalated", id="escalated"),
    ],
)
def test_sla_events_mail_the_team_lead(
    event, subject, phrase, team, team_lead, ticket, mailoutbox, django_capture_on_commit_callbacks
):
    ticket.team = team
    ticket.save(update_fields=["team"])
    with django_capture_on_commit_callbacks(execute=True):
        notifications.publish(event, {"ticket": ticket_payload(ticket), "team_lead_id": team_lead.user.pk})

    [message] = mailoutbox
    assert message.to == [team_lead.user.email]
    assert message.subject == f"[#{ticket.pk}] {subject}: {ticket.title}"
    assert phrase in message.body
    assert phrase in _html(message)
    _assert_threaded(message, ticket.pk)


@pytest.mark.django_db
def test_sla_event_without_lead_id_falls_back_to_the_ticket_team_lead(
    team, team_lead, ticket, mailoutbox, django_capture_on_commit_callbacks
):
    ticket.team = team
    ticket.save(update_fields=["team"])
    with django_capture_on_commit_callbacks(execute=True):
        notifications.publish("ticket.sla_breached", {"ticket": ticket_payload(ticket)})

    assert [m.to for m in mailoutbox] == [[team_lead.user.email]]


@pytest.mark.django_db
def test_sla_event_for_a_ticket_without_team_or_lead_sends_nothing(
    ticket, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notifications.publish("ticket.escalated", {"ticket": ticket_payload(ticket)})

    assert mailoutbox == []


@pytest.mark.django_db
def test_opted_out_customer_gets_only_essential_mail(agent, customer_a, mailoutbox, django_capture_on_commit_callbacks):
    customer_a.email_opt_out = True
    customer_a.save()

    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_services.ticket_create(actor=agent.user, title="Quiet please", customer=customer_a)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.IN_PROGRESS)
    with django_capture_on_commit_callbacks(execute=True):
        comments.comment_add(ticket=ticket, actor=agent.user, body="Here is your answer")

    messages = _to(mailoutbox, customer_a.email)
    assert [m.subject for m in messages] == [f"[#{ticket.pk}] Re: Quiet please"]
    assert EmailLog.objects.get(recipient=customer_a.email).essential is True


@pytest.mark.django_db
def test_erased_customer_gets_no_mail(agent, ticket, mailoutbox, django_capture_on_commit_callbacks):
    from django.utils import timezone

    ticket.customer.erased_at = timezone.now()
    ticket.customer.save()
    with django_capture_on_commit_callbacks(execute=True):
        comments.comment_add(ticket=ticket, actor=agent.user, body="Answer")

    assert mailoutbox == []


@pytest.mark.django_db
def test_events_that_only_go_to_webhooks_send_no_mail(agent, ticket, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.ticket_update(ticket=ticket, actor=agent.user, data={"title": "A new title"})
        ticket_services.ticket_delete(ticket=ticket, actor=agent.user)

    assert mailoutbox == []
    assert set(OutboxEvent.objects.values_list("status", flat=True)) == {"dispatched"}


@pytest.mark.django_db
def test_event_for_a_deleted_ticket_sends_no_mail(agent, ticket, mailoutbox, django_capture_on_commit_callbacks):
    payload = {"ticket": ticket_payload(ticket), "actor_id": None}
    ticket.delete()
    with django_capture_on_commit_callbacks(execute=True):
        notifications.publish("ticket.created", payload)

    assert mailoutbox == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("event", "extra"),
    [
        pytest.param("ticket.created", {}, id="created"),
        pytest.param("ticket.status_changed", {"old_status": "open", "new_status": "resolved"}, id="status"),
        pytest.param("ticket.comment_added", {"comment": {"body": "x", "from_customer": True}}, id="customer-reply"),
        pytest.param("ticket.comment_added", {"comment": {"body": "x", "is_internal": False}}, id="agent-reply"),
        pytest.param("ticket.escalated", {}, id="escalated"),
    ],
)
def test_recipients_are_found_in_one_query(event, extra, agent, team, ticket, django_assert_num_queries):
    from notifications.recipients import email_recipients

    ticket.assignee = agent.user
    ticket.team = team
    ticket.save(update_fields=["assignee", "team"])
    payload = {"ticket": {"id": ticket.pk}, "actor_id": None, **extra}
    agent_reply = extra.get("comment", {}).get("is_internal") is False  # + the ticket's followers

    with django_assert_num_queries(2 if agent_reply else 1):
        mails = email_recipients(event, payload)

    assert len(mails) == 1
    assert mails[0].recipient
