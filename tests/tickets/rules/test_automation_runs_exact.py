"""How automations run (tickets/rules/automations.py): which run and under what name in the
result, the batch limit, a dry run's scope, the firings (kept per automation), last_run_at, and the
default automations' counts under their old names. Expected values are written out."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from model_bakery import baker

from tickets.models import Automation, AutomationFiring, Ticket
from tickets.rules.automations import automation_run, automations_run, sla_escalate, tickets_auto_close
from tickets.rules.services import rule_save

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)
DEFAULT_KEYS = ["escalate-sla-breached", "escalate-unassigned", "auto-close-resolved", "auto-resolve-pending"]


def c(field, operator, value=None):
    return {"field": field, "operator": operator, **({"value": value} if value is not None else {})}


def automation(name, conditions, actions=None, **extra):
    return rule_save(
        rule=Automation(
            name=name,
            conditions={"all": conditions, "any": []},
            actions=actions or [{"action": "add_tags", "value": [name.lower()]}],
            **extra,
        ),
        actor=None,
    )


def make(customer, n=1, **fields):
    with freeze_time(NOW - timedelta(hours=1)):
        return baker.make_recipe("tests.tickets.ticket", customer=customer, _quantity=n, **fields)


def test_the_result_names_each_automation_by_key_or_id_in_order(customer_a, caplog):
    Automation.objects.filter(key="escalate-unassigned").update(position=1)
    mine = automation("Mine", [c("status", "is", "open")], position=15)
    automation("Off", [c("status", "is", "open")], is_active=False)
    make(customer_a, 2)

    with caplog.at_level(logging.INFO, logger="tickets.rules.automations"):
        done = automations_run(now=NOW)

    assert list(done.items()) == [
        ("escalate-unassigned", 0),
        ("escalate-sla-breached", 0),
        (str(mine.pk), 2),
        ("auto-close-resolved", 0),
        ("auto-resolve-pending", 0),
    ]
    assert [r.getMessage() for r in caplog.records if r.name == "tickets.rules.automations"] == [f"Automations: {done}"]
    assert list(Ticket.objects.values_list("tags", flat=True)) == [["mine"], ["mine"]]


def test_nothing_done_logs_nothing(customer_a, caplog):
    with caplog.at_level(logging.INFO, logger="tickets.rules.automations"):
        done = automations_run(now=NOW)
    assert done == dict.fromkeys(DEFAULT_KEYS, 0)
    assert [r for r in caplog.records if r.name == "tickets.rules.automations"] == []


def test_only_the_given_keys_run(customer_a):
    automation("Mine", [c("status", "is", "open")])
    make(customer_a)
    assert automations_run(now=NOW, keys=["auto-close-resolved", "escalate-sla-breached"]) == {
        "escalate-sla-breached": 0,
        "auto-close-resolved": 0,
    }
    assert Ticket.objects.get().tags == []


def test_a_run_takes_at_most_the_limit(customer_a, settings):
    rule = automation("Tag", [c("status", "is", "open")])
    make(customer_a, 3)
    assert automation_run(automation=rule, now=NOW, limit=2) == 2
    assert automation_run(automation=rule, now=NOW, limit=2) == 1
    assert automation_run(automation=rule, now=NOW, limit=2) == 0

    settings.SLA_SCAN_BATCH_SIZE = 1
    other = automation("Other", [c("status", "is", "open")])
    assert [automation_run(automation=other, now=NOW) for _ in range(4)] == [1, 1, 1, 0]


def test_the_limit_applies_through_automations_run(customer_a):
    rule = automation("Tag", [c("status", "is", "open")])
    make(customer_a, 3)
    assert automations_run(now=NOW, limit=2, keys=None)[str(rule.pk)] == 2


def test_a_scoped_run_acts_on_the_given_tickets_only(customer_a):
    rule = automation("Tag", [c("status", "is", "open")])
    first, second, third = make(customer_a, 3)
    assert automation_run(automation=rule, now=NOW, scope_ids=[first.pk, third.pk]) == 2
    assert dict(Ticket.objects.values_list("pk", "tags")) == {first.pk: ["tag"], second.pk: [], third.pk: ["tag"]}


def test_firings_and_last_run_are_recorded(customer_a):
    rule = automation("Tag", [c("status", "is", "open")])
    first, second = make(customer_a, 2)
    make(customer_a, status="pending")

    assert automation_run(automation=rule, now=NOW) == 2

    assert sorted(AutomationFiring.objects.values_list("automation_id", "ticket_id", "fired_at")) == [
        (rule.pk, first.pk, NOW),
        (rule.pk, second.pk, NOW),
    ]
    rule.refresh_from_db()
    assert rule.last_run_at == NOW
    later = NOW + timedelta(hours=1)
    assert automation_run(automation=rule, now=later) == 0
    rule.refresh_from_db()
    assert rule.last_run_at == later


def test_a_ticket_that_stops_matching_forgets_only_that_automations_firing(customer_a):
    on_open = automation("Open", [c("status", "is", "open")])
    on_vip = automation("Vip", [c("priority", "is", "high")])
    [ticket] = make(customer_a, priority="high")
    assert automation_run(automation=on_open, now=NOW) == 1
    assert automation_run(automation=on_vip, now=NOW) == 1

    Ticket.objects.filter(pk=ticket.pk).update(status="pending")
    assert automation_run(automation=on_open, now=NOW) == 0

    assert list(AutomationFiring.objects.values_list("automation_id", flat=True)) == [on_vip.pk]
    assert automation_run(automation=on_vip, now=NOW) == 0  # still fired: not again


def test_the_default_automations_count_under_their_old_names(customer_a):
    make(customer_a, sla_breached_at=NOW - timedelta(minutes=5))
    with freeze_time(NOW - timedelta(days=4)):
        baker.make_recipe("tests.tickets.ticket", customer=customer_a)  # open, unassigned for four days
    assert sla_escalate(now=NOW) == {"sla_breached": 1, "unassigned": 1}
    assert tickets_auto_close(now=NOW) == {"closed": 0, "resolved": 0}


def test_a_disabled_default_counts_zero(customer_a):
    Automation.objects.filter(key="escalate-sla-breached").update(is_active=False)
    make(customer_a, sla_breached_at=NOW - timedelta(minutes=5))
    assert sla_escalate(now=NOW, limit=5) == {"sla_breached": 0, "unassigned": 0}
    assert Ticket.objects.get().escalated is False


def test_the_defaults_run_at_the_given_time_and_limit(customer_a, agent):
    breached = make(customer_a, 2, sla_breached_at=NOW - timedelta(minutes=5), assignee=agent.user)
    assert sla_escalate(now=NOW, limit=1) == {"sla_breached": 1, "unassigned": 0}
    assert sorted(Ticket.objects.filter(escalated=True).values_list("escalated_at", flat=True)) == [NOW]
    assert sla_escalate(now=NOW, limit=1) == {"sla_breached": 1, "unassigned": 0}
    assert set(Ticket.objects.filter(pk__in=[t.pk for t in breached]).values_list("escalated", flat=True)) == {True}

    Ticket.objects.update(status="resolved", resolved_at=NOW - timedelta(days=8))
    assert tickets_auto_close(now=NOW, limit=1) == {"closed": 1, "resolved": 0}
    assert list(Ticket.objects.filter(status="closed").values_list("closed_at", flat=True)) == [NOW]
    assert tickets_auto_close(now=NOW - timedelta(days=2), limit=1) == {"closed": 0, "resolved": 0}


def test_without_a_time_the_run_is_now(customer_a):
    with freeze_time(NOW):
        assert automations_run(keys=["auto-close-resolved"]) == {"auto-close-resolved": 0}
    assert Automation.objects.get(key="auto-close-resolved").last_run_at == NOW
    assert Automation.objects.get(key="auto-resolve-pending").last_run_at is None


def test_the_payloads_read_their_team_and_category_in_the_same_query(
    customer_a, senior_agent, django_assert_num_queries
):
    """10: savepoint (2), forget firings, lock the batch, stamp last_run_at, record firings, the
    UPDATE, the events, the payloads' read (with team and category), the outbox rows."""
    team = baker.make_recipe("tests.agents.team", lead=senior_agent.user)
    category = baker.make_recipe("tests.tickets.category", slug="billing", name="Billing")
    make(customer_a, 3, team=team, category=category)
    rule = automation("Raise", [c("status", "is", "open")], [{"action": "set_priority", "value": "high"}])
    with django_assert_num_queries(10):
        assert automation_run(automation=rule, now=NOW) == 3


@pytest.mark.parametrize(
    "condition",
    [
        pytest.param(c("category", "blank"), id="category-blank"),
        pytest.param(c("category", "is_not", "billing"), id="category-is-not"),
        pytest.param(c("ticket_type", "not_in", ["incident"]), id="type-not-in"),
    ],
)
def test_conditions_that_outer_join_lock_only_the_tickets(customer_a, condition):
    """PostgreSQL refuses FOR UPDATE on the nullable side of an outer join: the batch locks only
    the ticket rows (these conditions join categories or types with LEFT OUTER JOIN)."""
    rule = automation("Outer", [condition])
    [ticket] = make(customer_a)
    assert automation_run(automation=rule, now=NOW) == 1
    assert Ticket.objects.get(pk=ticket.pk).tags == ["outer"]


def test_automations_at_one_position_run_by_id_whatever_order_they_were_written_in(customer_a):
    Automation.objects.update(is_active=False)
    for pk, name in ((900_002, "Higher id"), (900_001, "Lower id")):
        Automation.objects.create(pk=pk, name=name, position=5, actions=[{"action": "add_tags", "value": ["x"]}])
    assert list(automations_run(now=NOW)) == ["900001", "900002"]
