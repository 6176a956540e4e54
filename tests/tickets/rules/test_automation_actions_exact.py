"""Each automation action over a batch (tickets/rules/automations.py): the exact columns written,
the audit events (kind, field, old, new, note, rule, time) and the outbox payloads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from model_bakery import baker

from notifications.models import OutboxEvent
from tickets.models import Automation, Comment, EventKind, Ticket, TicketEvent
from tickets.rules.automations import automation_run
from tickets.rules.services import rule_save

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)
EARLIER = NOW - timedelta(days=3)
EVENT_FIELDS = ("ticket_id", "kind", "field", "old_value", "new_value", "note", "rule", "created_at", "actor_id")


def run(actions, *, name="Act", description="", conditions=None):
    rule = rule_save(
        rule=Automation(
            name=name,
            description=description,
            conditions=conditions or {"all": [{"field": "status", "operator": "is", "value": "open"}], "any": []},
            actions=actions,
        ),
        actor=None,
    )
    return rule, automation_run(automation=rule, now=NOW)


def make(customer, **fields):
    with freeze_time(EARLIER):
        return baker.make_recipe("tests.tickets.ticket", customer=customer, **fields)


def events(kind):
    return list(TicketEvent.objects.filter(kind=kind).order_by("ticket_id", "id").values_list(*EVENT_FIELDS))


def outbox(event):
    rows = OutboxEvent.objects.filter(event=event).order_by("id")
    return sorted(
        ({k: v for k, v in row.payload.items() if k != "ticket"} | {"id": row.payload["ticket"]["id"]} for row in rows),
        key=lambda p: p["id"],
    )


def test_set_priority_writes_only_the_tickets_it_changes(customer_a):
    medium = make(customer_a, priority="medium")
    high = make(customer_a, priority="high")
    versions = dict(Ticket.objects.values_list("pk", "version"))

    _, acted = run([{"action": "set_priority", "value": "high"}], description="Raise open tickets")

    assert acted == 2
    rows = {pk: (p, v, u) for pk, p, v, u in Ticket.objects.values_list("pk", "priority", "version", "updated_at")}
    assert rows == {
        medium.pk: ("high", versions[medium.pk] + 1, NOW),
        high.pk: ("high", versions[high.pk], EARLIER),
    }
    assert events(EventKind.UPDATED) == [
        (medium.pk, "updated", "priority", "medium", "high", "Raise open tickets", "Automation: Act", NOW, None)
    ]
    assert outbox("ticket.updated") == [
        {
            "id": medium.pk,
            "team_lead_id": None,
            "actor_id": None,
            "changes": {"priority": {"old": "medium", "new": "high"}},
        }
    ]
    assert OutboxEvent.objects.get(event="ticket.updated").payload["ticket"]["priority"] == "high"


def test_set_team_names_the_team_lead(customer_a, senior_agent):
    team = baker.make_recipe("tests.agents.team", lead=senior_agent.user)
    ticket = make(customer_a)

    run([{"action": "set_team", "value": team.pk}])

    assert Ticket.objects.get(pk=ticket.pk).team_id == team.pk
    assert events(EventKind.UPDATED) == [
        (ticket.pk, "updated", "team", None, team.pk, "Automation: Act", "Automation: Act", NOW, None)
    ]
    assert outbox("ticket.updated") == [
        {
            "id": ticket.pk,
            "team_lead_id": senior_agent.user.pk,
            "actor_id": None,
            "changes": {"team": {"old": None, "new": team.pk}},
        }
    ]


def test_set_category_by_slug_and_to_none(customer_a):
    billing = baker.make_recipe("tests.tickets.category", slug="billing", name="Billing")
    other = baker.make_recipe("tests.tickets.category", slug="other", name="Other")
    uncategorised = make(customer_a)
    elsewhere = make(customer_a, category=other)

    run([{"action": "set_category", "value": "billing"}], name="File")
    assert dict(Ticket.objects.values_list("pk", "category_id")) == {
        uncategorised.pk: billing.pk,
        elsewhere.pk: billing.pk,
    }
    assert [(e[0], e[2], e[3], e[4]) for e in events(EventKind.UPDATED)] == [
        (uncategorised.pk, "category", None, billing.pk),
        (elsewhere.pk, "category", other.pk, billing.pk),
    ]

    TicketEvent.objects.all().delete()
    run([{"action": "set_category", "value": None}], name="Unfile")
    assert set(Ticket.objects.values_list("category_id", flat=True)) == {None}
    assert [(e[0], e[3], e[4]) for e in events(EventKind.UPDATED)] == [
        (uncategorised.pk, billing.pk, None),
        (elsewhere.pk, billing.pk, None),
    ]


def test_assign_and_unassign(customer_a, agent):
    ticket = make(customer_a)

    run([{"action": "assign", "value": agent.user.pk}], name="Give")
    assert Ticket.objects.get(pk=ticket.pk).assignee_id == agent.user.pk
    assert events(EventKind.ASSIGNED) == [
        (ticket.pk, "assigned", "assignee", None, agent.user.pk, "Automation: Give", "Automation: Give", NOW, None)
    ]
    assert outbox("ticket.assigned") == [
        {"id": ticket.pk, "team_lead_id": None, "actor_id": None, "old_assignee_id": None, "assignee_id": agent.user.pk}
    ]
    assert not OutboxEvent.objects.filter(event="ticket.updated").exists()

    run([{"action": "unassign"}], name="Take")
    assert Ticket.objects.get(pk=ticket.pk).assignee_id is None
    assert events(EventKind.ASSIGNED)[1][3:7] == (agent.user.pk, None, "Automation: Take", "Automation: Take")


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param("low", "medium", id="low"),
        pytest.param("medium", "high", id="medium"),
        pytest.param("high", "critical", id="high"),
        pytest.param("critical", "critical", id="critical-stays"),
    ],
)
def test_escalate_one_priority_up(customer_a, before, after):
    ticket = make(customer_a, priority=before)
    version = ticket.version
    rule, _ = run([{"action": "escalate"}], name="Push", description="Too slow")

    row = Ticket.objects.values("priority", "escalated", "escalated_at", "version", "updated_at").get(pk=ticket.pk)
    assert row == {"priority": after, "escalated": True, "escalated_at": NOW, "version": version + 1, "updated_at": NOW}
    assert events(EventKind.ESCALATED) == [
        (ticket.pk, "escalated", "priority", before, after, "Too slow", "Automation: Push", NOW, None)
    ]
    assert outbox("ticket.escalated") == [
        {
            "id": ticket.pk,
            "team_lead_id": None,
            "actor_id": None,
            "rule": str(rule.pk),
            "reason": "Too slow",
            "old_priority": before,
            "new_priority": after,
        }
    ]


def test_add_and_remove_tags(customer_a):
    bare = make(customer_a, tags=[])
    tagged = make(customer_a, tags=["vip", "old"])
    versions = dict(Ticket.objects.values_list("pk", "version"))

    run([{"action": "add_tags", "value": ["vip", "new"]}], name="Tag")
    assert dict(Ticket.objects.values_list("pk", "tags")) == {bare.pk: ["vip", "new"], tagged.pk: ["vip", "old", "new"]}
    assert [(e[0], e[2], e[3], e[4], e[7]) for e in events(EventKind.UPDATED)] == [
        (bare.pk, "tags", [], ["vip", "new"], NOW),
        (tagged.pk, "tags", ["vip", "old"], ["vip", "old", "new"], NOW),
    ]
    assert [p["changes"] for p in outbox("ticket.updated")] == [
        {"tags": {"old": [], "new": ["vip", "new"]}},
        {"tags": {"old": ["vip", "old"], "new": ["vip", "old", "new"]}},
    ]
    assert dict(Ticket.objects.values_list("pk", "version")) == {
        bare.pk: versions[bare.pk] + 1,
        tagged.pk: versions[tagged.pk] + 1,
    }
    assert set(Ticket.objects.values_list("updated_at", flat=True)) == {NOW}

    TicketEvent.objects.all().delete()
    Ticket.objects.filter(pk=bare.pk).update(tags=["new"])
    run([{"action": "remove_tags", "value": ["old", "vip"]}], name="Untag")
    assert dict(Ticket.objects.values_list("pk", "tags")) == {bare.pk: ["new"], tagged.pk: ["new"]}
    assert [(e[0], e[3], e[4]) for e in events(EventKind.UPDATED)] == [(tagged.pk, ["vip", "old", "new"], ["new"])]


def test_tags_that_change_nothing_write_nothing(customer_a):
    ticket = make(customer_a, tags=["vip"])
    version = ticket.version
    run([{"action": "add_tags", "value": ["vip"]}, {"action": "remove_tags", "value": ["gone"]}])
    ticket.refresh_from_db()
    assert (ticket.tags, ticket.version, ticket.updated_at) == (["vip"], version, EARLIER)
    assert not TicketEvent.objects.filter(kind=EventKind.UPDATED).exists()


def test_add_note(customer_a):
    first, second = make(customer_a), make(customer_a)
    run([{"action": "add_note", "value": "Checked by the night shift."}], name="Note", description="Nightly")
    notes = list(
        Comment.objects.order_by("ticket_id").values_list("ticket_id", "body", "is_internal", "author", "created_at")
    )
    assert notes == [
        (first.pk, "Checked by the night shift.", True, None, NOW),
        (second.pk, "Checked by the night shift.", True, None, NOW),
    ]
    ids = dict(Comment.objects.values_list("ticket_id", "pk"))
    rule = "Automation: Note"
    assert events(EventKind.COMMENTED) == [
        (pk, "commented", "", None, {"comment_id": ids[pk], "is_internal": True}, "Nightly", rule, NOW, None)
        for pk in (first.pk, second.pk)
    ]


def test_publish_event_and_send_email(customer_a):
    ticket = make(customer_a)
    email = {"to": "customer", "subject": "Still there?", "body": "Hello"}
    run([{"action": "publish_event", "value": "stale"}, {"action": "send_email", "value": email}], name="Ping")
    assert outbox("ticket.rule_event") == [
        {"id": ticket.pk, "team_lead_id": None, "actor_id": None, "name": "stale", "rule": "Automation: Ping"}
    ]
    assert outbox("ticket.rule_email") == [
        {"id": ticket.pk, "team_lead_id": None, "actor_id": None, "email": email, "rule": "Automation: Ping"}
    ]


def test_a_long_description_is_cut_to_the_events_note(customer_a):
    ticket = make(customer_a)
    run([{"action": "set_priority", "value": "low"}], description="d" * 300)
    assert TicketEvent.objects.get(ticket=ticket, kind=EventKind.UPDATED).note == "d" * 255


def test_each_action_sees_the_batch_as_the_earlier_actions_left_it(customer_a):
    ticket = make(customer_a, priority="medium", tags=[])
    run(
        [
            {"action": "set_priority", "value": "high"},
            {"action": "set_priority", "value": "high"},
            {"action": "escalate"},
            {"action": "add_tags", "value": ["a"]},
            {"action": "add_tags", "value": ["b"]},
            {"action": "set_status", "value": "pending"},
            {"action": "set_status", "value": "on_hold"},
        ],
        name="Chain",
    )
    changes = list(
        TicketEvent.objects.filter(ticket=ticket).order_by("id").values_list("kind", "field", "old_value", "new_value")
    )
    assert changes == [
        ("updated", "priority", "medium", "high"),
        ("escalated", "priority", "high", "critical"),
        ("updated", "tags", [], ["a"]),
        ("updated", "tags", ["a"], ["a", "b"]),
        ("status_changed", "status", "open", "pending"),
        ("status_changed", "status", "pending", "on_hold"),
    ]
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.tags, ticket.status) == ("critical", ["a", "b"], "on_hold")
    assert list(ticket.sla_events.values_list("metric", "kind")) == [("resolution", "paused")]


def test_an_action_after_an_escalation_starts_from_the_raised_priority(customer_a):
    ticket = make(customer_a, priority="medium")
    run([{"action": "escalate"}, {"action": "set_priority", "value": "critical"}], name="Up")
    changes = list(
        TicketEvent.objects.filter(ticket=ticket).order_by("id").values_list("kind", "old_value", "new_value")
    )
    assert changes == [("escalated", "medium", "high"), ("updated", "high", "critical")]


def test_clearing_the_category_costs_no_lookup(customer_a, django_assert_num_queries):
    """6: savepoint (2), forget firings, lock the batch, stamp last_run_at, record firings."""
    make(customer_a)
    rule = rule_save(
        rule=Automation(
            name="Clear",
            conditions={"all": [{"field": "category", "operator": "blank"}], "any": []},
            actions=[{"action": "set_category", "value": None}],
        ),
        actor=None,
    )
    with django_assert_num_queries(6):
        assert automation_run(automation=rule, now=NOW) == 1
