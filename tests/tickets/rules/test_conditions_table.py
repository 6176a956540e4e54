"""The condition language as a table: operator x value x expected match on hand-written facts, the
operators that take no value, and what counts as an agent's or a customer's reply in SQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Q
from model_bakery import baker

from tickets.conditions import Facts, evaluate, evaluate_one, to_q, validate_conditions
from tickets.models import Ticket

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def c(field, operator, value=None):
    condition = {"field": field, "operator": operator}
    if value is not None:
        condition["value"] = value
    return condition


def one(condition, **values):
    return evaluate_one(condition, Facts(values=values, now=NOW)).matched


# --- operator x value x expected --------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "values", "expected"),
    [
        # is / is_not / in / not_in on a plain value
        pytest.param(c("status", "is", "open"), {"status": "open"}, True, id="is-same"),
        pytest.param(c("status", "is", "open"), {"status": "pending"}, False, id="is-other"),
        pytest.param(c("status", "is_not", "open"), {"status": "open"}, False, id="is-not-same"),
        pytest.param(c("status", "is_not", "open"), {"status": "closed"}, True, id="is-not-other"),
        pytest.param(c("team", "is_not", 4), {}, True, id="is-not-missing"),
        pytest.param(c("status", "in", ["open", "closed"]), {"status": "closed"}, True, id="in-last"),
        pytest.param(c("status", "in", ["open", "closed"]), {"status": "pending"}, False, id="in-none"),
        pytest.param(c("status", "not_in", ["open", "closed"]), {"status": "pending"}, True, id="not-in-outside"),
        pytest.param(c("status", "not_in", ["open", "closed"]), {"status": "open"}, False, id="not-in-inside"),
        pytest.param(c("team", "not_in", [1, 2]), {"team": None}, True, id="not-in-missing"),
        # present / blank
        pytest.param(c("category", "present"), {"category": "billing"}, True, id="present-value"),
        pytest.param(c("category", "present"), {"category": ""}, False, id="present-empty-string"),
        pytest.param(c("category", "present"), {}, False, id="present-missing"),
        pytest.param(c("team", "present"), {"team": 0}, True, id="present-zero"),
        pytest.param(c("category", "blank"), {"category": None}, True, id="blank-none"),
        pytest.param(c("category", "blank"), {"category": "billing"}, False, id="blank-value"),
        pytest.param(c("team", "blank"), {"team": 0}, False, id="blank-zero"),
        # tags
        pytest.param(c("tags", "includes", ["a", "b"]), {"tags": ["b"]}, True, id="includes-second"),
        pytest.param(c("tags", "includes", ["a"]), {"tags": ["ab"]}, False, id="includes-not-a-substring"),
        pytest.param(c("tags", "includes", ["a"]), {"tags": None}, False, id="includes-no-tags"),
        pytest.param(c("tags", "excludes", ["a", "b"]), {"tags": ["c"]}, True, id="excludes-none-there"),
        pytest.param(c("tags", "excludes", ["a", "b"]), {"tags": ["b", "c"]}, False, id="excludes-second-there"),
        pytest.param(c("tags", "excludes", ["a"]), {"tags": None}, True, id="excludes-no-tags"),
        # flags: truthiness, not equality
        pytest.param(c("escalated", "is", True), {"escalated": True}, True, id="flag-true"),
        pytest.param(c("escalated", "is", False), {"escalated": True}, False, id="flag-true-is-false"),
        pytest.param(c("escalated", "is", False), {"escalated": None}, True, id="flag-none-is-false"),
        pytest.param(c("escalated", "is", True), {"escalated": None}, False, id="flag-none-is-true"),
        pytest.param(c("sla_breached", "is", True), {"sla_breached": NOW}, True, id="flag-a-time-is-true"),
        pytest.param(c("sla_breached", "is", False), {"sla_breached": NOW}, False, id="flag-a-time-is-not-false"),
        # priority ranks: low 1, medium 2, high 3, critical 4
        pytest.param(c("priority", "at_least", "medium"), {"priority": "low"}, False, id="at-least-below"),
        pytest.param(c("priority", "at_least", "medium"), {"priority": "medium"}, True, id="at-least-same"),
        pytest.param(c("priority", "at_least", "medium"), {"priority": "critical"}, True, id="at-least-above"),
        pytest.param(c("priority", "at_most", "medium"), {"priority": "low"}, True, id="at-most-below"),
        pytest.param(c("priority", "at_most", "medium"), {"priority": "medium"}, True, id="at-most-same"),
        pytest.param(c("priority", "at_most", "medium"), {"priority": "high"}, False, id="at-most-above"),
        pytest.param(c("priority", "at_least", "low"), {"priority": "low"}, True, id="at-least-lowest"),
        pytest.param(c("priority", "at_most", "critical"), {"priority": "critical"}, True, id="at-most-highest"),
        # hours since (the fact is a time; NOW - 10 h is 10.0 hours ago)
        pytest.param(c("hours_since_created", "gte", 10), {"hours_since_created": NOW - timedelta(hours=10)}, True),
        pytest.param(c("hours_since_created", "gte", 10.5), {"hours_since_created": NOW - timedelta(hours=10)}, False),
        pytest.param(c("hours_since_created", "lte", 10), {"hours_since_created": NOW - timedelta(hours=10)}, True),
        pytest.param(c("hours_since_created", "lte", 9.5), {"hours_since_created": NOW - timedelta(hours=10)}, False),
        pytest.param(
            c("hours_since_resolution_due", "lte", -1),
            {"hours_since_resolution_due": NOW + timedelta(hours=2)},
            True,
            id="due-in-two-hours-is-minus-two",
        ),
        pytest.param(
            c("hours_since_resolution_due", "gte", -1),
            {"hours_since_resolution_due": NOW + timedelta(hours=2)},
            False,
            id="due-in-two-hours-not-above-minus-one",
        ),
        pytest.param(c("hours_since_resolved", "present"), {"hours_since_resolved": NOW}, True, id="time-present"),
        pytest.param(c("hours_since_resolved", "blank"), {"hours_since_resolved": NOW}, False, id="time-not-blank"),
        pytest.param(c("hours_since_resolved", "lte", 5), {}, False, id="time-missing-lte"),
    ],
)
def test_operator_value_expected(condition, values, expected):
    assert one(condition, **values) is expected


@pytest.mark.parametrize(
    ("hours_ago", "reason"),
    [
        pytest.param(timedelta(hours=10), "hours_since_created is 10.0 h", id="ten"),
        pytest.param(timedelta(minutes=87), "hours_since_created is 1.4 h", id="rounded-down"),
        pytest.param(timedelta(minutes=93), "hours_since_created is 1.6 h", id="rounded-up"),
        pytest.param(-timedelta(hours=3), "hours_since_created is -3.0 h", id="in-the-future"),
    ],
)
def test_hours_since_reason(hours_ago, reason):
    facts = Facts(values={"hours_since_created": NOW - hours_ago}, now=NOW)

    assert evaluate_one(c("hours_since_created", "present"), facts).reason == reason


def test_one_condition_is_in_the_all_group_unless_told():
    facts = Facts(values={"status": "open"}, now=NOW)

    assert evaluate_one(c("status", "is", "open"), facts).group == "all"
    assert evaluate_one(c("status", "is", "open"), facts, "any").group == "any"


@pytest.mark.parametrize(
    "condition",
    [
        pytest.param(c("status", "bigger", "open"), id="value"),
        pytest.param(c("hours_since_created", "bigger", 2), id="time"),
    ],
)
def test_an_operator_never_validated_is_an_error_naming_it(condition):
    facts = Facts(values={"status": "open", "hours_since_created": NOW}, now=NOW)

    with pytest.raises(ValueError, match=r"^bigger$"):
        evaluate_one(condition, facts)


def test_an_operator_never_validated_is_not_compiled_to_sql():
    with pytest.raises(ValueError, match=r"^bigger$"):
        to_q({"all": [c("status", "bigger", "open")]}, now=NOW)


def test_the_event_and_actor_facts():
    facts = Facts(values={"event": "ignored", "actor": "ignored"}, now=NOW, events=("created",), actor="agent")

    assert facts.value("event") == ("created",)
    assert facts.value("actor") == "agent"
    assert facts.value("metadata.plan") is None
    assert facts.value("status") is None


def test_a_change_reason_shows_lists_and_missing_values():
    facts = Facts(values={}, now=NOW, changes={"tags": (["a", "b"], [])})

    outcome = evaluate_one(c("tags", "changed"), facts)

    assert (outcome.matched, outcome.reason) == (True, "tags changed a, b → (none)")


def test_outcomes_keep_their_group_and_order():
    facts = Facts(values={"status": "open", "team": 4}, now=NOW)

    result = evaluate({"all": [c("status", "is", "open"), c("team", "is", 5)], "any": [c("team", "is", 4)]}, facts)

    assert result.matched is False
    assert [(o.condition["field"], o.group, o.matched) for o in result.outcomes] == [
        ("status", "all", True),
        ("team", "all", False),
        ("team", "any", True),
    ]


# --- operators without a value ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "context"),
    [
        pytest.param(c("assignee", "present", "junk"), "automation", id="present"),
        pytest.param(c("assignee", "blank", "junk"), "automation", id="blank"),
        pytest.param(c("status", "changed", "junk"), "trigger", id="changed"),
        pytest.param(c("status", "not_changed", "junk"), "trigger", id="not-changed"),
        pytest.param(c("hours_since_resolved", "present", "junk"), "automation", id="time-present"),
    ],
)
def test_operators_without_a_value_drop_it(condition, context):
    assert validate_conditions({"all": [condition]}, context=context) == {
        "all": [{"field": condition["field"], "operator": condition["operator"]}],
        "any": [],
    }


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        pytest.param(
            c("status", "not_in", "open"), "all #1 (status): 'not_in' takes a non-empty list of values.", id="not-in"
        ),
        pytest.param(
            c("tags", "includes", "vip"), "all #1 (tags): 'includes' takes a non-empty list of values.", id="includes"
        ),
        pytest.param(
            c("metadata.plan", "in", ["gold", {"x": 1}]),
            "all #1 (metadata.plan): metadata values are strings, numbers or true/false.",
            id="metadata-second-value",
        ),
        pytest.param(
            c("status", "in", ["open", "shut"]),
            "all #1 (status): 'shut' is not one of open, in_progress, pending, on_hold, resolved, closed.",
            id="second-choice",
        ),
        pytest.param(
            c("assignee", "in", [3, "x"]), "all #1 (assignee): 'x' is not a valid assignee (user id).", id="second-id"
        ),
    ],
)
def test_list_values_are_checked_one_by_one(condition, message):
    with pytest.raises(ValidationError) as caught:
        validate_conditions({"all": [condition]}, context="automation")

    assert caught.value.messages == [message]


def test_metadata_conditions_hold_in_any_context():
    condition = c("metadata.plan", "is", "gold")

    for context in ("trigger", "automation", "sla", "report"):
        assert validate_conditions({"any": [condition]}, context=context) == {"all": [], "any": [condition]}
    with pytest.raises(ValidationError) as caught:
        validate_conditions({"any": [c("status", "is", "open")]}, context="report")
    assert caught.value.messages == ["any #1 (status): not available in report conditions."]


# --- whose reply counts, in SQL -----------------------------------------------------------------


@pytest.mark.django_db
def test_a_portal_reply_is_the_customers_and_a_system_reply_nobodys(make_ticket, agent):
    portal = make_ticket()
    system = make_ticket()
    agent_reply = make_ticket()
    baker.make_recipe(
        "tests.tickets.comment",
        ticket=portal,
        customer=portal.customer,
        author=portal.customer.user,
        created_at=NOW - timedelta(hours=3),
    )
    baker.make_recipe("tests.tickets.comment", ticket=system, created_at=NOW - timedelta(hours=3))
    baker.make_recipe(
        "tests.tickets.comment", ticket=agent_reply, author=agent.user, created_at=NOW - timedelta(hours=3)
    )

    def picked(condition):
        return set(Ticket.objects.filter(to_q({"all": [condition]}, now=NOW)).values_list("pk", flat=True))

    assert picked(c("hours_since_agent_reply", "present")) == {agent_reply.pk}
    assert picked(c("hours_since_agent_reply", "gte", 2)) == {agent_reply.pk}
    assert picked(c("hours_since_agent_reply", "lte", 4)) == {agent_reply.pk}
    assert picked(c("hours_since_agent_reply", "blank")) == {portal.pk, system.pk}
    assert picked(c("hours_since_customer_reply", "present")) == {portal.pk}


def test_tags_on_postgresql_are_a_containment_filter(monkeypatch):
    """PostgreSQL tests a tag with `@>` on the JSON list (GIN-friendly), one Q per tag."""
    from django.db import connection

    monkeypatch.setattr(connection, "vendor", "postgresql")

    assert to_q({"all": [c("tags", "includes", ["vip", "press"])]}, now=NOW) == Q() & (
        Q() | Q(tags__contains=["vip"]) | Q(tags__contains=["press"])
    )
    assert to_q({"all": [c("tags", "excludes", ["vip"])]}, now=NOW) == Q() & ~(Q() | Q(tags__contains=["vip"]))
