"""The trigger runner (tickets/rules/triggers.py): which triggers run and in what order, the walk
that starts again from the top after each firing, every ticket of one originating change, and a
change that noted no ticket instance. Expected orders are written out."""

from __future__ import annotations

import pytest

from tickets import services
from tickets.changes import Scope, TicketChange, change_scope
from tickets.models import Ticket, TicketEvent, Trigger
from tickets.rules.services import rule_save
from tickets.rules.triggers import active_triggers, triggers_run

pytestmark = pytest.mark.django_db


def make_trigger(name, conditions, actions, position=100, is_active=True):
    return rule_save(
        rule=Trigger(
            name=name,
            conditions={"all": conditions, "any": []},
            actions=actions,
            position=position,
            is_active=is_active,
        ),
        actor=None,
    )


def c(field, operator, value=None):
    return {"field": field, "operator": operator, **({"value": value} if value is not None else {})}


def tag(*names):
    return [{"action": "add_tags", "value": list(names)}]


def test_active_triggers_by_position_then_id():
    make_trigger("late", [], tag("x"), position=20)
    make_trigger("tie first", [], tag("x"), position=15)
    make_trigger("tie second", [], tag("x"), position=15)
    make_trigger("early", [], tag("x"), position=5)
    make_trigger("off", [], tag("x"), position=1, is_active=False)
    assert [t.name for t in active_triggers()] == [
        "early",
        "Reopen on customer reply",  # the default trigger, position 10
        "tie first",
        "tie second",
        "late",
    ]


def test_ties_go_by_id_whatever_order_the_rows_were_written_in():
    for pk, name in ((900_002, "higher id, written first"), (900_001, "lower id, written second")):
        Trigger.objects.create(pk=pk, name=name, position=15, actions=tag("x"))
    assert [t.name for t in active_triggers()][1:] == ["lower id, written second", "higher id, written first"]


def test_after_each_firing_the_walk_starts_again_from_the_top(agent, ticket):
    make_trigger("top", [c("tags", "includes", ["b"])], tag("after-b"), position=10)
    make_trigger("middle", [c("event", "is", "updated")], tag("b"), position=20)
    make_trigger("bottom", [c("event", "is", "updated")], tag("c"), position=30)
    services.ticket_update(ticket=ticket, actor=agent.user, data={"title": "Changed title"})
    ticket.refresh_from_db()
    # middle fires, the walk restarts and top now matches, then bottom: in that order.
    assert ticket.tags == ["b", "after-b", "c"]
    fired = TicketEvent.objects.filter(ticket=ticket, field="tags").order_by("id").values_list("rule", flat=True)
    assert list(fired) == ["Trigger: middle", "Trigger: top", "Trigger: bottom"]


def test_every_ticket_of_one_change_gets_the_triggers(agent, customer_a):
    make_trigger("mark", [c("event", "is", "updated")], tag("seen"))
    first = services.ticket_create(actor=agent.user, title="First", customer=customer_a)
    second = services.ticket_create(actor=agent.user, title="Second", customer=customer_a)
    services.ticket_create(actor=agent.user, title="Third", customer=customer_a)

    @change_scope
    def update_two():
        services.ticket_update(ticket=first, actor=agent.user, data={"title": "First, changed"})
        services.ticket_update(ticket=second, actor=agent.user, data={"title": "Second, changed"})

    update_two()
    assert dict(Ticket.objects.values_list("title", "tags")) == {
        "First, changed": ["seen"],
        "Second, changed": ["seen"],
        "Third": [],
    }


def test_a_change_without_a_ticket_instance_runs_nothing(ticket):
    make_trigger("anything", [], tag("x"))
    scope = Scope(tickets={ticket.pk: TicketChange(ticket_id=ticket.pk, events=["updated"])})
    triggers_run(scope)
    assert scope.fired == set()
    ticket.refresh_from_db()
    assert ticket.tags == []


def test_with_no_active_trigger_nothing_runs(ticket):
    Trigger.objects.update(is_active=False)
    scope = Scope(tickets={ticket.pk: TicketChange(ticket_id=ticket.pk, events=["updated"], ticket=ticket)})
    triggers_run(scope)
    assert scope.fired == set()
