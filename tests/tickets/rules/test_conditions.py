"""The condition language: validation errors name the condition, evaluation tables with written-out
outcomes, and SQL that selects exactly the tickets the Python evaluation matches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from tickets.conditions import Facts, evaluate, to_q, validate_conditions
from tickets.models import Ticket

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TICKET = {
    "status": "pending",
    "priority": "high",
    "channel": "email",
    "category": "billing",
    "team": 7,
    "assignee": None,
    "organization": 3,
    "customer_tier": "premium",
    "tags": ["vip", "refund"],
    "escalated": False,
    "sla_breached": True,
    "hours_since_created": NOW - timedelta(hours=50),
    "hours_since_customer_reply": None,
}


def facts(**extra):
    return Facts(
        values=TICKET,
        now=NOW,
        events=extra.get("events", ("customer_replied",)),
        changes=extra.get("changes", {"status": ("resolved", "pending")}),
        actor=extra.get("actor", "customer"),
        metadata={"plan": "gold", "seats": 40},
    )


def cond(field, operator, value=None):
    c = {"field": field, "operator": operator}
    if value is not None:
        c["value"] = value
    return c


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        pytest.param(cond("status", "is", "pending"), True, id="status-is"),
        pytest.param(cond("status", "is", "open"), False, id="status-is-other"),
        pytest.param(cond("status", "is_not", "open"), True, id="status-is-not"),
        pytest.param(cond("status", "in", ["open", "pending"]), True, id="status-in"),
        pytest.param(cond("status", "not_in", ["open", "pending"]), False, id="status-not-in"),
        pytest.param(cond("priority", "at_least", "high"), True, id="priority-at-least-same"),
        pytest.param(cond("priority", "at_least", "critical"), False, id="priority-at-least-higher"),
        pytest.param(cond("priority", "at_most", "medium"), False, id="priority-at-most-lower"),
        pytest.param(cond("channel", "is", "email"), True, id="channel"),
        pytest.param(cond("category", "is", "billing"), True, id="category-slug"),
        pytest.param(cond("category", "blank"), False, id="category-blank"),
        pytest.param(cond("team", "is", 7), True, id="team-id"),
        pytest.param(cond("assignee", "blank"), True, id="unassigned"),
        pytest.param(cond("assignee", "present"), False, id="assigned"),
        pytest.param(cond("organization", "in", [3, 4]), True, id="organization"),
        pytest.param(cond("customer_tier", "is", "premium"), True, id="tier"),
        pytest.param(cond("tags", "includes", ["vip"]), True, id="tags-includes"),
        pytest.param(cond("tags", "includes", ["legal", "press"]), False, id="tags-includes-none"),
        pytest.param(cond("tags", "excludes", ["legal"]), True, id="tags-excludes"),
        pytest.param(cond("tags", "excludes", ["refund"]), False, id="tags-excludes-present"),
        pytest.param(cond("escalated", "is", False), True, id="not-escalated"),
        pytest.param(cond("sla_breached", "is", True), True, id="breached"),
        pytest.param(cond("metadata.plan", "is", "gold"), True, id="metadata-is"),
        pytest.param(cond("metadata.seats", "is", 40), True, id="metadata-number"),
        pytest.param(cond("metadata.region", "blank"), True, id="metadata-missing"),
        pytest.param(cond("event", "is", "customer_replied"), True, id="event"),
        pytest.param(cond("event", "in", ["created", "agent_replied"]), False, id="event-other"),
        pytest.param(cond("actor", "is", "customer"), True, id="actor"),
        pytest.param(cond("actor", "is_not", "customer"), False, id="actor-not"),
        pytest.param(cond("status", "changed"), True, id="changed"),
        pytest.param(cond("priority", "changed"), False, id="unchanged-field"),
        pytest.param(cond("priority", "not_changed"), True, id="not-changed"),
        pytest.param(cond("status", "changed_from", "resolved"), True, id="changed-from"),
        pytest.param(cond("status", "changed_to", "open"), False, id="changed-to-other"),
        pytest.param(cond("status", "changed_to", "pending"), True, id="changed-to"),
        pytest.param(cond("hours_since_created", "gte", 48), True, id="hours-since-gte"),
        pytest.param(cond("hours_since_created", "lte", 48), False, id="hours-since-lte"),
        pytest.param(cond("hours_since_customer_reply", "gte", 1), False, id="never-replied-gte"),
        pytest.param(cond("hours_since_customer_reply", "blank"), True, id="never-replied-blank"),
    ],
)
def test_one_condition(condition, expected):
    result = evaluate({"all": [condition], "any": []}, facts())
    assert result.matched is expected
    assert result.outcomes[0].matched is expected


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        pytest.param({"all": [], "any": []}, True, id="no-conditions"),
        pytest.param(
            {"all": [cond("status", "is", "pending"), cond("channel", "is", "web")], "any": []},
            False,
            id="all-one-fails",
        ),
        pytest.param(
            {"all": [], "any": [cond("channel", "is", "web"), cond("team", "is", 7)]}, True, id="any-one-holds"
        ),
        pytest.param(
            {"all": [], "any": [cond("channel", "is", "web"), cond("team", "is", 8)]}, False, id="any-none-holds"
        ),
        pytest.param(
            {"all": [cond("status", "is", "pending")], "any": [cond("team", "is", 8)]}, False, id="all-and-any"
        ),
    ],
)
def test_all_and_any(conditions, expected):
    assert evaluate(conditions, facts()).matched is expected


def test_every_outcome_has_a_reason():
    result = evaluate({"all": [cond("status", "is", "open")], "any": [cond("tags", "includes", ["vip"])]}, facts())
    assert [(o.group, o.matched, o.reason) for o in result.outcomes] == [
        ("all", False, "status is pending"),
        ("any", True, "tags is vip, refund"),
    ]


@pytest.mark.parametrize(
    ("conditions", "context", "message"),
    [
        pytest.param([], "trigger", 'Conditions are an object with "all" and/or "any" lists.', id="not-an-object"),
        pytest.param(
            {"all": [{"field": "colour", "operator": "is", "value": 1}]},
            "trigger",
            "all #1: unknown field 'colour'.",
            id="unknown-field",
        ),
        pytest.param(
            {"all": [{"field": "status", "operator": "is", "value": "urgent"}]},
            "trigger",
            "all #1 (status): 'urgent' is not one of open, in_progress, pending, on_hold, resolved, closed.",
            id="bad-status",
        ),
        pytest.param(
            {
                "any": [
                    {"field": "status", "operator": "is", "value": "open"},
                    {"field": "status", "operator": "bigger"},
                ]
            },
            "trigger",
            "any #2 (status): operator 'bigger' is not one of is, is_not, in, not_in, changed, not_changed, "
            "changed_from, changed_to.",
            id="bad-operator",
        ),
        pytest.param(
            {"all": [{"field": "status", "operator": "changed"}]},
            "automation",
            "all #1 (status): operator 'changed' is not one of is, is_not, in, not_in.",
            id="change-in-automation",
        ),
        pytest.param(
            {"all": [{"field": "event", "operator": "is", "value": "created"}]},
            "automation",
            "all #1 (event): not available in automation conditions.",
            id="event-in-automation",
        ),
        pytest.param(
            {"all": [{"field": "hours_since_created", "operator": "gte", "value": 2}]},
            "trigger",
            "all #1 (hours_since_created): not available in trigger conditions.",
            id="time-in-trigger",
        ),
        pytest.param(
            {"all": [{"field": "hours_since_created", "operator": "gte", "value": "soon"}]},
            "automation",
            "all #1 (hours_since_created): the value must be a number of hours.",
            id="hours-not-a-number",
        ),
        pytest.param(
            {"all": [{"field": "tags", "operator": "includes", "value": []}]},
            "trigger",
            "all #1 (tags): 'includes' takes a non-empty list of values.",
            id="empty-list",
        ),
        pytest.param(
            {"all": [{"field": "team", "operator": "is", "value": "support"}]},
            "trigger",
            "all #1 (team): 'support' is not a valid team (id).",
            id="team-not-an-id",
        ),
    ],
)
def test_validation_names_the_condition(conditions, context, message):
    with pytest.raises(ValidationError) as exc:
        validate_conditions(conditions, context=context)
    assert exc.value.messages == [message]


@pytest.mark.django_db
def test_sql_selects_what_python_matches(make_ticket, customer_a):
    """The same conditions, compiled to SQL, pick exactly the tickets evaluation matches."""
    from tickets.rules.triggers import facts_for

    now = datetime.now(tz=UTC)
    tickets = [
        make_ticket(status="open", priority="high", tags=["vip"], created_at=now - timedelta(hours=80)),
        make_ticket(status="open", priority="low", tags=["vip"], created_at=now - timedelta(hours=80)),
        make_ticket(status="open", priority="critical", tags=[], created_at=now - timedelta(hours=2)),
        make_ticket(status="pending", priority="high", tags=["vip", "legal"], created_at=now - timedelta(hours=90)),
    ]
    conditions = {
        "all": [cond("status", "in", ["open", "pending"]), cond("priority", "at_least", "high")],
        "any": [cond("tags", "includes", ["vip"]), cond("hours_since_created", "lte", 24)],
    }
    sql = set(Ticket.objects.filter(to_q(conditions, now=now)).values_list("pk", flat=True))
    python = {t.pk for t in tickets if evaluate(conditions, facts_for(t)).matched}
    assert sql == python == {tickets[0].pk, tickets[2].pk, tickets[3].pk}
    excludes = {"all": [cond("tags", "excludes", ["legal"]), cond("assignee", "blank")], "any": []}
    assert set(Ticket.objects.filter(to_q(excludes, now=now)).values_list("pk", flat=True)) == {
        tickets[0].pk,
        tickets[1].pk,
        tickets[2].pk,
    }
