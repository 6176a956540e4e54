"""Conditions compiled to SQL filters (tickets/conditions.py to_q), written out as the Q objects
they must be, plus the readable reasons of evaluation and the remaining validation branches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Q
from model_bakery import baker

from tickets.conditions import Facts, evaluate, evaluate_one, field_spec, to_q, validate_conditions
from tickets.models import Ticket

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def c(field, operator, value=None):
    condition = {"field": field, "operator": operator}
    if value is not None:
        condition["value"] = value
    return condition


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        pytest.param(c("status", "is", "open"), Q(status="open"), id="is"),
        pytest.param(c("status", "is_not", "open"), ~Q(status="open") | Q(status__isnull=True), id="is-not"),
        pytest.param(c("status", "in", ["open", "pending"]), Q(status__in=["open", "pending"]), id="in"),
        pytest.param(c("team", "not_in", [1, 2]), ~Q(team_id__in=[1, 2]) | Q(team_id__isnull=True), id="not-in"),
        pytest.param(c("category", "present"), Q(category__slug__isnull=False), id="present"),
        pytest.param(c("assignee", "blank"), Q(assignee_id__isnull=True), id="blank"),
        pytest.param(c("customer_tier", "is", "premium"), Q(customer__tier="premium"), id="column"),
        pytest.param(c("priority", "at_least", "high"), Q(priority_rank__gte=3), id="at-least"),
        pytest.param(c("priority", "at_most", "low"), Q(priority_rank__lte=1), id="at-most"),
        pytest.param(c("metadata.plan", "is", "gold"), Q(metadata__plan="gold"), id="metadata"),
        pytest.param(c("metadata.plan", "blank"), Q(metadata__plan__isnull=True), id="metadata-blank"),
        pytest.param(c("escalated", "is", True), Q(escalated=True), id="flag"),
        pytest.param(c("escalated", "is", False), Q(escalated=False), id="flag-false"),
        pytest.param(c("sla_breached", "is", True), Q(sla_breached_at__isnull=False), id="flag-at-true"),
        pytest.param(c("sla_breached", "is", False), Q(sla_breached_at__isnull=True), id="flag-at-false"),
        pytest.param(c("hours_since_created", "gte", 2), Q(created_at__lte=NOW - timedelta(hours=2)), id="gte"),
        pytest.param(c("hours_since_updated", "lte", 1.5), Q(updated_at__gte=NOW - timedelta(hours=1.5)), id="lte"),
        pytest.param(c("hours_since_resolved", "present"), Q(resolved_at__isnull=False), id="time-present"),
        pytest.param(c("hours_since_resolution_due", "blank"), Q(resolution_due_at__isnull=True), id="time-blank"),
    ],
)
def test_one_condition_as_a_filter(condition, expected):
    assert to_q({"all": [condition]}, now=NOW) == Q() & expected


def test_all_and_any_combine():
    conditions = {
        "all": [c("status", "is", "open"), c("channel", "is", "email")],
        "any": [c("team", "is", 7), c("team", "is", 8)],
    }

    assert to_q(conditions, now=NOW) == Q() & Q(status="open") & Q(channel="email") & (
        Q() | Q(team_id=7) | Q(team_id=8)
    )
    assert to_q({"all": [], "any": []}, now=NOW) == Q()
    assert to_q({"any": [c("team", "is", 7)]}, now=NOW) == Q() & (Q() | Q(team_id=7))


@pytest.mark.django_db
def test_reply_times_and_tags_in_sql(make_ticket, agent):
    customer_late = make_ticket(tags=["vip", "legal"])
    customer_recent = make_ticket(tags=["press"])
    agent_only = make_ticket(tags=[])
    note_only = make_ticket(tags=["vip"])
    for ticket, hours in ((customer_late, 30), (customer_recent, 2)):
        baker.make_recipe(
            "tests.tickets.comment", ticket=ticket, customer=ticket.customer, created_at=NOW - timedelta(hours=hours)
        )
    baker.make_recipe(
        "tests.tickets.comment",
        ticket=customer_late,
        customer=customer_late.customer,
        created_at=NOW - timedelta(hours=40),
    )
    baker.make_recipe(
        "tests.tickets.comment", ticket=agent_only, author=agent.user, created_at=NOW - timedelta(hours=5)
    )
    baker.make_recipe(
        "tests.tickets.comment",
        ticket=note_only,
        author=agent.user,
        is_internal=True,
        created_at=NOW - timedelta(hours=50),
    )

    def picked(*conditions, group="all"):
        return set(Ticket.objects.filter(to_q({group: list(conditions)}, now=NOW)).values_list("pk", flat=True))

    assert picked(c("hours_since_customer_reply", "present")) == {customer_late.pk, customer_recent.pk}
    assert picked(c("hours_since_customer_reply", "blank")) == {agent_only.pk, note_only.pk}
    assert picked(c("hours_since_customer_reply", "gte", 24)) == {customer_late.pk}
    assert picked(c("hours_since_customer_reply", "gte", 30)) == {customer_late.pk}
    assert picked(c("hours_since_customer_reply", "lte", 24)) == {customer_recent.pk}
    assert picked(c("hours_since_customer_reply", "lte", 2)) == {customer_recent.pk}
    assert picked(c("hours_since_agent_reply", "present")) == {agent_only.pk}
    assert picked(c("hours_since_agent_reply", "gte", 4)) == {agent_only.pk}
    assert picked(c("hours_since_agent_reply", "gte", 6)) == set()
    assert picked(c("tags", "includes", ["vip", "press"])) == {customer_late.pk, customer_recent.pk, note_only.pk}
    assert picked(c("tags", "excludes", ["vip", "press"])) == {agent_only.pk}
    assert picked(c("tags", "includes", ["legal"]), c("tags", "includes", ["vip"])) == {customer_late.pk}


# --- evaluation reasons ----------------------------------------------------------------------


def facts(**fields):
    values = {
        "status": "pending",
        "priority": "high",
        "tags": [],
        "team": None,
        "category": "",
        "escalated": 0,
        "hours_since_created": NOW - timedelta(hours=1, minutes=30),
        "hours_since_resolved": None,
    }
    return Facts(
        values=values,
        now=NOW,
        events=fields.get("events", ("created", "assigned")),
        changes=fields.get("changes", {"status": ("open", "pending"), "team": (None, 3)}),
        actor="agent",
        metadata={"plan": "gold"},
    )


@pytest.mark.parametrize(
    ("condition", "matched", "reason"),
    [
        pytest.param(c("event", "is", "assigned"), True, "events: created, assigned", id="event"),
        pytest.param(c("event", "in", ["updated", "created"]), True, "events: created, assigned", id="event-in"),
        pytest.param(c("event", "in", ["updated"]), False, "events: created, assigned", id="event-in-none"),
        pytest.param(c("status", "changed"), True, "status changed open → pending", id="changed"),
        pytest.param(c("team", "changed_from", None), True, "team changed (none) → 3", id="changed-from-none"),
        pytest.param(c("team", "changed_to", 3), True, "team changed (none) → 3", id="changed-to-value"),
        pytest.param(c("status", "changed_from", "open"), True, "status changed open → pending", id="changed-from"),
        pytest.param(c("status", "changed_to", "open"), False, "status changed open → pending", id="changed-to"),
        pytest.param(c("priority", "not_changed"), True, "priority not changed", id="not-changed"),
        pytest.param(c("priority", "changed_to", "high"), False, "priority not changed", id="changed-to-unchanged"),
        pytest.param(c("priority", "changed_from", "high"), False, "priority not changed", id="changed-from-unchanged"),
        pytest.param(c("hours_since_created", "gte", 1.5), True, "hours_since_created is 1.5 h", id="hours"),
        pytest.param(c("hours_since_created", "lte", 1.4), False, "hours_since_created is 1.5 h", id="hours-lte"),
        pytest.param(c("hours_since_resolved", "gte", 1), False, "hours_since_resolved is (none)", id="hours-none"),
        pytest.param(c("hours_since_resolved", "lte", 1), False, "hours_since_resolved is (none)", id="hours-none-lte"),
        pytest.param(c("category", "blank"), True, "category is (none)", id="empty-string"),
        pytest.param(c("tags", "blank"), True, "tags is (none)", id="empty-list"),
        pytest.param(c("tags", "includes", ["vip"]), False, "tags is (none)", id="includes-nothing"),
        pytest.param(c("tags", "excludes", ["vip"]), True, "tags is (none)", id="excludes-nothing"),
        pytest.param(c("team", "present"), False, "team is (none)", id="none"),
        pytest.param(c("escalated", "is", False), True, "escalated is 0", id="flag-falsy"),
        pytest.param(c("priority", "at_most", "high"), True, "priority is high", id="at-most-same"),
        pytest.param(c("priority", "at_least", "critical"), False, "priority is high", id="at-least"),
        pytest.param(c("metadata.plan", "is_not", "gold"), False, "metadata.plan is gold", id="metadata"),
        pytest.param(c("actor", "in", ["agent", "system"]), True, "actor is agent", id="actor"),
    ],
)
def test_evaluate_one_reason(condition, matched, reason):
    outcome = evaluate_one(condition, facts(), "any")

    assert (outcome.matched, outcome.reason, outcome.group) == (matched, reason, "any")
    assert outcome.as_dict() == {**condition, "group": "any", "matched": matched, "reason": reason}


def test_an_unknown_priority_ranks_below_every_priority():
    values = Facts(values={"priority": None}, now=NOW)

    assert evaluate_one(c("priority", "at_most", "low"), values).matched is True
    assert evaluate_one(c("priority", "at_least", "low"), values).matched is False


def test_evaluation_as_a_document():
    result = evaluate({"all": [c("status", "is", "pending")], "any": None}, facts())

    assert result.as_dict() == {
        "matched": True,
        "conditions": [
            {
                "field": "status",
                "operator": "is",
                "value": "pending",
                "group": "all",
                "matched": True,
                "reason": "status is pending",
            }
        ],
    }


def test_the_metadata_prefix_alone_is_not_a_field():
    assert field_spec("metadata.") is None
    assert field_spec("metadata.plan").label == "Metadata plan"


# --- validation branches ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("conditions", "message"),
    [
        pytest.param(
            {"all": [], "none": []}, 'Conditions are an object with "all" and/or "any" lists.', id="extra-group"
        ),
        pytest.param({"any": "x"}, '"any" must be a list of conditions.', id="group-not-a-list"),
        pytest.param({"all": ["x"]}, 'all #1: a condition is {"field", "operator", "value"}.', id="not-an-object"),
        pytest.param(
            {"all": [{"field": "status"}]}, 'all #1: a condition is {"field", "operator", "value"}.', id="no-op"
        ),
        pytest.param(
            {"all": [{"operator": "is"}]}, 'all #1: a condition is {"field", "operator", "value"}.', id="no-field"
        ),
        pytest.param(
            {"all": [c("status", "in", "open")]},
            "all #1 (status): 'in' takes a non-empty list of values.",
            id="not-list",
        ),
        pytest.param(
            {"all": [c("metadata.plan", "is", ["gold"])]},
            "all #1 (metadata.plan): metadata values are strings, numbers or true/false.",
            id="metadata-list",
        ),
        pytest.param(
            {"all": [c("escalated", "is", 1)]}, "all #1 (escalated): 1 is not a valid escalated.", id="flag-not-bool"
        ),
        pytest.param(
            {"all": [c("team", "is", True)]}, "all #1 (team): True is not a valid team (id).", id="bool-as-id"
        ),
        pytest.param(
            {"all": [c("hours_since_created", "gte", True)]},
            "all #1 (hours_since_created): the value must be a number of hours.",
            id="hours-bool",
        ),
        pytest.param(
            {"all": [c("tags", "excludes", ["vip", 3])]}, "all #1 (tags): 3 is not a valid tags.", id="tag-not-str"
        ),
    ],
)
def test_more_refusals(conditions, message):
    with pytest.raises(ValidationError) as caught:
        validate_conditions(conditions, context="automation")

    assert caught.value.messages == [message]


def test_validation_normalises():
    assert validate_conditions(None, context="trigger") == {"all": [], "any": []}
    assert validate_conditions("", context="trigger") == {"all": [], "any": []}
    assert validate_conditions(
        {
            "all": [
                {"field": "status", "operator": "changed", "value": "ignored"},
                {"field": "team", "operator": "is", "value": 4},
                {"field": "category", "operator": "is", "value": None},
            ],
            "any": None,
        },
        context="trigger",
    ) == {
        "all": [
            {"field": "status", "operator": "changed"},
            {"field": "team", "operator": "is", "value": 4},
            {"field": "category", "operator": "is"},
        ],
        "any": [],
    }
    assert validate_conditions(
        {"all": [{"field": "metadata.seats", "operator": "in", "value": [1, 2.5, True, "x"]}]}, context="sla"
    ) == {"all": [{"field": "metadata.seats", "operator": "in", "value": [1, 2.5, True, "x"]}], "any": []}
    assert validate_conditions(
        {"all": [{"field": "hours_since_created", "operator": "gte", "value": 2.5}]}, context="automation"
    ) == {"all": [{"field": "hours_since_created", "operator": "gte", "value": 2.5}], "any": []}
