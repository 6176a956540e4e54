"""The conversation timeline: comments, files and events in plain words with names."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from model_bakery import baker

from agents.models import Team
from tickets import comments, services
from tickets.models import Category, EventKind, TicketEvent
from tickets.timeline import describe_events, timeline


def test_events_read_as_plain_words_with_names(make_agent, ticket):
    tom, sam = make_agent(name="Tom Becker"), make_agent(name="Sam Okafor")
    team = baker.make(Team, name="Billing")
    category = baker.make(Category, slug="refunds", name="Refunds")
    services.ticket_assign(ticket=ticket, actor=tom.user, assignee=sam.user)
    services.ticket_update(
        ticket=ticket, actor=tom.user, data={"priority": "critical", "team": team, "category": category}
    )
    services.ticket_update(ticket=ticket, actor=tom.user, data={"tags": ["vip"], "title": "New title"})
    services.ticket_change_status(ticket=ticket, actor=sam.user, status="pending")
    services.ticket_assign(ticket=ticket, actor=sam.user, assignee=None)
    TicketEvent.objects.create(
        ticket=ticket, kind=EventKind.SLA_BREACHED, field="first_response", new_value={"target": "first_response"}
    )
    TicketEvent.objects.create(ticket=ticket, kind=EventKind.ESCALATED, old_value="high", new_value="critical")

    events = list(TicketEvent.objects.filter(ticket=ticket).select_related("actor").order_by("id"))

    assert describe_events(events) == [
        "Tom Becker: assigned Sam Okafor",
        "Tom Becker: priority medium → critical",
        "Tom Becker: team none → Billing",
        "Tom Becker: category none → Refunds",
        "Tom Becker: tags none → vip",
        "Tom Becker: changed the title",
        "Sam Okafor: status open → pending (waiting on customer)",
        "Sam Okafor: unassigned Sam Okafor",
        "System: SLA first response breached",
        "System: escalated: priority high → critical",
    ]


def test_timeline_orders_replies_notes_files_and_events(agent, ticket):
    comments.comment_add(ticket=ticket, actor=agent.user, body="Looking", is_internal=True)
    comments.comment_add(
        ticket=ticket,
        actor=agent.user,
        body="Fixed",
        files=[SimpleUploadedFile("fix.txt", b"x", content_type="text/plain")],
    )
    comments.attachment_add(
        ticket=ticket, actor=agent.user, file=SimpleUploadedFile("loose.txt", b"y", content_type="text/plain")
    )
    services.ticket_change_status(ticket=ticket, actor=agent.user, status="resolved")

    entries = timeline(ticket=ticket)

    assert [(e.kind, e.text or (e.comment.body if e.comment else e.attachment.filename)) for e in entries] == [
        ("comment", "Looking"),
        ("comment", "Fixed"),
        ("attachment", "loose.txt"),
        ("event", "status open → resolved"),
    ]
    assert [a.filename for a in entries[1].attachments] == ["fix.txt"]
    public = timeline(ticket=ticket, include_internal=False)
    assert [e.kind for e in public] == ["comment", "attachment", "event"]


def test_timeline_after_an_event_has_only_what_is_new(agent, ticket):
    comments.comment_add(ticket=ticket, actor=agent.user, body="Old")
    seen = TicketEvent.objects.filter(ticket=ticket).order_by("-id").first().pk
    comments.comment_add(ticket=ticket, actor=agent.user, body="New")
    services.ticket_update(ticket=ticket, actor=agent.user, data={"priority": "high"})

    entries = timeline(ticket=ticket, after_event_id=seen)

    assert [(e.kind, e.text or e.comment.body) for e in entries] == [
        ("comment", "New"),
        ("event", "priority medium → high"),
    ]
