"""Actions applied to one ticket (tickets/rules/actions.py apply): each action's exact effect on the
ticket, the comment it writes, the audit event and the outbox payload, written out by hand."""

from __future__ import annotations

import pytest
from model_bakery import baker

from agents.models import Role
from notifications.models import OutboxEvent
from tickets.models import Comment, EventKind, Macro, Ticket, TicketEvent
from tickets.rules import actions

pytestmark = pytest.mark.django_db

RULE = "Trigger: Tidy up"


def _apply(ticket, *items):
    return actions.apply(list(items), ticket, rule=RULE)


def _outbox(event):
    return [row.payload for row in OutboxEvent.objects.filter(event=event).order_by("created_at")]


def test_a_note_is_an_internal_comment_by_nobody(ticket):
    returned = _apply(ticket, {"action": "add_note", "value": "Checked by the rule."})

    note = Comment.objects.get(ticket=ticket)
    assert (note.body, note.is_internal, note.author, note.customer) == ("Checked by the rule.", True, None, None)
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.COMMENTED)
    assert (event.actor, event.new_value) == (None, {"comment_id": note.pk, "is_internal": True})
    assert returned is ticket
    assert _outbox("ticket.comment_added")[0]["comment"]["is_internal"] is True


def test_a_published_event_carries_the_name_the_rule_and_the_ticket_as_stored(ticket):
    Ticket.objects.filter(pk=ticket.pk).update(title="Renamed elsewhere")

    returned = _apply(ticket, {"action": "publish_event", "value": "crm.sync"})

    [payload] = _outbox("ticket.rule_event")
    assert set(payload) == {"name", "rule", "ticket", "actor_id"}
    assert (payload["name"], payload["rule"], payload["actor_id"]) == ("crm.sync", RULE, None)
    assert (payload["ticket"]["id"], payload["ticket"]["title"]) == (ticket.pk, "Renamed elsewhere")
    assert returned.title == "Renamed elsewhere"
    assert _outbox("ticket.rule_email") == []


def test_an_email_goes_to_the_outbox_with_its_recipient_and_texts(ticket):
    Ticket.objects.filter(pk=ticket.pk).update(priority="critical")
    email = {"to": "address", "address": "duty@acme.example", "subject": "Look", "body": "Now."}

    returned = _apply(ticket, {"action": "send_email", "value": email})

    [payload] = _outbox("ticket.rule_email")
    assert set(payload) == {"email", "rule", "ticket", "actor_id"}
    assert (payload["email"], payload["rule"], payload["actor_id"]) == (email, RULE, None)
    assert (payload["ticket"]["id"], payload["ticket"]["priority"]) == (ticket.pk, "critical")
    assert returned.priority == "critical"
    assert _outbox("ticket.rule_event") == []


def test_a_public_macro_replies_and_changes_the_fields(ticket):
    macro = baker.make(
        Macro,
        name="Ack",
        body="  Hello {{ customer_name }}, see {{ ticket_reference }}.  ",
        visibility="public",
        set_priority="high",
        add_tags=["acked"],
    )

    returned = _apply(ticket, {"action": "apply_macro", "value": macro.pk})

    reply = Comment.objects.get(ticket=ticket)
    assert (reply.body, reply.is_internal, reply.author) == (f"Hello Alice, see #{ticket.pk}.", False, None)
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.tags) == ("high", ["acked"])
    assert (returned.priority, returned.tags) == ("high", ["acked"])
    assert sorted(
        TicketEvent.objects.filter(ticket=ticket, kind=EventKind.UPDATED).values_list("field", "old_value", "new_value")
    ) == [("priority", "medium", "high"), ("tags", [], ["acked"])]


def test_an_internal_macro_writes_a_note(ticket):
    macro = baker.make(Macro, name="Internal", body="Watch this one.", visibility="internal")

    returned = _apply(ticket, {"action": "apply_macro", "value": macro.pk})

    note = Comment.objects.get(ticket=ticket)
    assert (note.body, note.is_internal) == ("Watch this one.", True)
    assert not TicketEvent.objects.filter(ticket=ticket, kind=EventKind.UPDATED).exists()
    assert returned is ticket


def test_a_macro_without_a_body_only_changes_fields(make_agent, ticket):
    team = baker.make("agents.Team", name="Billing")
    agent = make_agent(Role.AGENT)
    blank = baker.make(Macro, name="Blank", body="   ", set_team=team, set_assignee=agent.user, set_status="pending")

    returned = _apply(ticket, {"action": "apply_macro", "value": blank.pk})

    assert not Comment.objects.filter(ticket=ticket).exists()
    ticket.refresh_from_db()
    assert (ticket.team_id, ticket.assignee_id, ticket.status) == (team.pk, agent.user_id, "pending")
    assert (returned.team_id, returned.assignee_id, returned.status) == (team.pk, agent.user_id, "pending")


def test_actions_apply_in_order_each_on_the_ticket_the_last_returned(ticket):
    returned = _apply(
        ticket,
        {"action": "set_priority", "value": "high"},
        {"action": "escalate"},
        {"action": "add_tags", "value": ["b", "a"]},
        {"action": "remove_tags", "value": ["b"]},
        {"action": "set_status", "value": "pending"},
    )

    ticket.refresh_from_db()
    assert (ticket.priority, ticket.escalated, ticket.tags, ticket.status) == ("critical", True, ["a"], "pending")
    assert (returned.priority, returned.escalated, returned.tags, returned.status) == (
        "critical",
        True,
        ["a"],
        "pending",
    )
    assert list(
        TicketEvent.objects.filter(ticket=ticket).order_by("id").values_list("kind", "field", "old_value", "new_value")
    ) == [
        (EventKind.UPDATED, "priority", "medium", "high"),
        (EventKind.ESCALATED, "priority", "high", "critical"),
        (EventKind.UPDATED, "tags", [], ["b", "a"]),
        (EventKind.UPDATED, "tags", ["b", "a"], ["a"]),
        (EventKind.STATUS_CHANGED, "status", "open", "pending"),
    ]
    escalated = TicketEvent.objects.get(ticket=ticket, kind=EventKind.ESCALATED)
    assert escalated.note == RULE
    assert TicketEvent.objects.get(ticket=ticket, kind=EventKind.STATUS_CHANGED).note == RULE


def test_assign_team_category_and_unassign(make_agent, ticket):
    team = baker.make("agents.Team", name="Support")
    billing = baker.make_recipe("tests.tickets.category", slug="billing")
    agent = make_agent(Role.AGENT)

    _apply(
        ticket,
        {"action": "set_team", "value": team.pk},
        {"action": "set_category", "value": "billing"},
        {"action": "assign", "value": agent.user_id},
    )
    ticket.refresh_from_db()
    assert (ticket.team_id, ticket.category_id, ticket.assignee_id) == (team.pk, billing.pk, agent.user_id)
    assigned = TicketEvent.objects.get(ticket=ticket, kind=EventKind.ASSIGNED)
    assert (assigned.old_value, assigned.new_value, assigned.note) == (None, agent.user_id, RULE)

    _apply(ticket, {"action": "set_category", "value": None}, {"action": "unassign"})
    ticket.refresh_from_db()
    assert (ticket.category_id, ticket.assignee_id) == (None, None)
    unassigned = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ASSIGNED).order_by("id").last()
    assert (unassigned.old_value, unassigned.new_value, unassigned.note) == (agent.user_id, None, RULE)


def test_no_actions_return_the_ticket_untouched(ticket):
    assert actions.apply([], ticket, rule=RULE) is ticket
    assert not TicketEvent.objects.filter(ticket=ticket).exists()
