"""Triggers at work: they run at the end of the originating change, in order, through the
services (audited, named), once per ticket per change, and roll back with it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from notifications.models import OutboxEvent
from tickets import comments, services
from tickets.models import Channel, Comment, EventKind, Status, Ticket, TicketEvent, Trigger
from tickets.rules.services import rule_save

pytestmark = pytest.mark.django_db


def make_trigger(name, conditions, actions, position=100, is_active=True):
    return rule_save(
        rule=Trigger(name=name, conditions=conditions, actions=actions, position=position, is_active=is_active),
        actor=None,
    )


def when(*conditions, any_=()):
    return {"all": list(conditions), "any": list(any_)}


def c(field, operator, value=None):
    return {"field": field, "operator": operator, **({"value": value} if value is not None else {})}


def test_the_default_trigger_reopens_on_a_customer_reply_and_is_named_in_the_audit(agent, customer_a, ticket):
    services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.PENDING)
    comments.comment_add(ticket=ticket, customer=customer_a, body="Still broken.", channel=Channel.EMAIL)
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    event = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.STATUS_CHANGED).last()
    assert (event.old_value, event.new_value, event.actor, event.rule) == (
        Status.PENDING,
        Status.OPEN,
        None,
        "Trigger: Reopen on customer reply",
    )


def test_disabling_the_default_trigger_stops_it(agent, customer_a, ticket):
    default = Trigger.objects.get(key="reopen-on-customer-reply")
    default.is_active = False
    rule_save(rule=default, actor=None)
    services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.PENDING)
    comments.comment_add(ticket=ticket, customer=customer_a, body="Still broken.")
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING


def test_a_trigger_on_creation_tags_and_prioritises(agent, customer_a):
    make_trigger(
        "VIP tier",
        when(c("event", "is", "created"), c("customer_tier", "is", "premium")),
        [{"action": "add_tags", "value": ["vip"]}, {"action": "set_priority", "value": "high"}],
    )
    customer_a.tier = "premium"
    customer_a.save()
    ticket = services.ticket_create(actor=agent.user, title="Cannot log in", customer=customer_a)
    ticket.refresh_from_db()
    assert (ticket.tags, ticket.priority) == (["vip"], "high")
    rules = list(TicketEvent.objects.filter(ticket=ticket, kind=EventKind.UPDATED).values_list("field", "rule"))
    assert rules == [("tags", "Trigger: VIP tier"), ("priority", "Trigger: VIP tier")]
    other = services.ticket_create(actor=agent.user, title="Another one", customer_email="bob@example.org")
    assert (other.tags, other.priority) == ([], "medium")


def test_triggers_run_in_position_order_and_see_earlier_changes(agent, ticket):
    make_trigger("second", when(c("tags", "includes", ["a"])), [{"action": "add_tags", "value": ["b"]}], position=20)
    make_trigger("first", when(c("event", "is", "updated")), [{"action": "add_tags", "value": ["a"]}], position=10)
    services.ticket_update(ticket=ticket, actor=agent.user, data={"title": "New title"})
    ticket.refresh_from_db()
    assert ticket.tags == ["a", "b"]
    assert list(TicketEvent.objects.filter(ticket=ticket, field="tags").values_list("rule", flat=True)) == [
        "Trigger: first",
        "Trigger: second",
    ]


def test_two_triggers_that_undo_each_other_fire_once_each(agent, ticket):
    make_trigger(
        "to pending", when(c("status", "changed_to", "in_progress")), [{"action": "set_status", "value": "pending"}]
    )
    make_trigger("back", when(c("status", "changed_to", "pending")), [{"action": "set_status", "value": "in_progress"}])
    services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.IN_PROGRESS)
    ticket.refresh_from_db()
    statuses = list(
        TicketEvent.objects.filter(ticket=ticket, kind=EventKind.STATUS_CHANGED).values_list("new_value", "rule")
    )
    assert statuses == [
        ("in_progress", ""),
        ("pending", "Trigger: to pending"),
        ("in_progress", "Trigger: back"),
    ]
    assert ticket.status == Status.IN_PROGRESS


def test_a_failing_action_rolls_the_whole_change_back(agent, ticket):
    services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.CLOSED)
    make_trigger(
        "resolve it",
        when(c("status", "changed_to", "open")),
        [{"action": "add_tags", "value": ["reopened"]}, {"action": "set_status", "value": "resolved"}],
    )
    # resolved -> pending is not an allowed transition: this trigger's action is refused.
    make_trigger(
        "then park it",
        when(c("tags", "includes", ["reopened"])),
        [{"action": "set_status", "value": "pending"}],
        position=5,
    )
    events_before = TicketEvent.objects.count()
    outbox_before = OutboxEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.OPEN)
    assert "status" in exc.value.message_dict
    ticket.refresh_from_db()
    assert (ticket.status, ticket.tags) == (Status.CLOSED, [])
    assert (TicketEvent.objects.count(), OutboxEvent.objects.count()) == (events_before, outbox_before)


def test_conditions_on_who_acted(agent, customer_a, ticket):
    make_trigger(
        "note agent replies",
        when(c("event", "is", "agent_replied"), c("actor", "is", "agent")),
        [{"action": "add_tags", "value": ["answered"]}],
    )
    comments.comment_add(ticket=ticket, customer=customer_a, body="Hello?")
    ticket.refresh_from_db()
    assert ticket.tags == []
    comments.comment_add(ticket=ticket, actor=agent.user, body="Hi!")
    ticket.refresh_from_db()
    assert ticket.tags == ["answered"]


def test_notes_assignments_and_webhook_events(agent, ticket):
    make_trigger(
        "escalate to agent",
        when(c("priority", "changed_to", "critical")),
        [
            {"action": "assign", "value": agent.user.pk},
            {"action": "add_note", "value": "Critical: assigned to the on-call agent."},
            {"action": "publish_event", "value": "critical-ticket"},
        ],
    )
    services.ticket_update(ticket=ticket, actor=agent.user, data={"priority": "critical"})
    ticket.refresh_from_db()
    assert ticket.assignee_id == agent.user.pk
    note = Comment.objects.get(ticket=ticket)
    assert (note.body, note.is_internal, note.author) == ("Critical: assigned to the on-call agent.", True, None)
    published = OutboxEvent.objects.get(event="ticket.rule_event")
    assert (published.payload["name"], published.payload["rule"], published.payload["ticket"]["id"]) == (
        "critical-ticket",
        "Trigger: escalate to agent",
        ticket.pk,
    )


def test_inactive_triggers_do_not_run(agent, ticket):
    make_trigger("off", when(), [{"action": "add_tags", "value": ["x"]}], is_active=False)
    services.ticket_update(ticket=ticket, actor=agent.user, data={"title": "Changed title"})
    ticket.refresh_from_db()
    assert ticket.tags == []


def test_a_trigger_with_no_conditions_fires_once_per_change(agent, ticket):
    make_trigger("count", when(), [{"action": "add_note", "value": "Touched."}])
    services.ticket_update(ticket=ticket, actor=agent.user, data={"title": "Changed title", "priority": "low"})
    assert Comment.objects.filter(ticket=ticket).count() == 1
    services.ticket_update(ticket=Ticket.objects.get(pk=ticket.pk), actor=agent.user, data={"priority": "high"})
    assert Comment.objects.filter(ticket=ticket).count() == 2


def test_macro_and_category_actions(agent, ticket):
    from model_bakery import baker

    from tickets.models import Macro

    billing = baker.make_recipe("tests.tickets.category", slug="billing", name="Billing")
    macro = baker.make(
        Macro, name="Ack", body="Hello {{ customer_name }}, we are on it.", visibility="internal", add_tags=["acked"]
    )
    make_trigger(
        "ack billing",
        when(c("category", "changed_to", "billing")),
        [{"action": "apply_macro", "value": macro.pk}, {"action": "set_category", "value": None}],
    )
    services.ticket_update(ticket=ticket, actor=agent.user, data={"category": billing.slug})
    ticket.refresh_from_db()
    assert (ticket.tags, ticket.category) == (["acked"], None)
    assert Comment.objects.get(ticket=ticket).body == "Hello Alice, we are on it."


def test_an_escalating_trigger_is_named_in_the_escalation_event(agent, ticket):
    rule = [{"action": "escalate"}]
    make_trigger("Low is too low", when(c("event", "is", "updated"), c("priority", "is", "low")), rule)

    services.ticket_update(ticket=ticket, actor=agent.user, data={"priority": "low"})

    payload = OutboxEvent.objects.get(event="ticket.escalated").payload
    assert (payload["rule"], payload["reason"], payload["actor_id"], payload["new_priority"]) == (
        "Trigger: Low is too low",
        "Trigger: Low is too low",
        None,
        "medium",
    )
