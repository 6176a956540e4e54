"""Automations: set-based (the same queries at 5 and 500 tickets), fire once per ticket until the
ticket stops matching, agree with the Python evaluation, audited under the automation's name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time
from model_bakery import baker

from notifications.models import OutboxEvent
from tickets import services
from tickets.conditions import evaluate
from tickets.models import Automation, AutomationFiring, Comment, EventKind, Status, Ticket, TicketEvent
from tickets.rules.automations import automation_run, automations_run, matching
from tickets.rules.services import rule_save
from tickets.rules.triggers import facts_for

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)


def automation(name, conditions, actions, **extra):
    return rule_save(rule=Automation(name=name, conditions=conditions, actions=actions, **extra), actor=None)


def c(field, operator, value=None):
    return {"field": field, "operator": operator, **({"value": value} if value is not None else {})}


def stale_open(**extra):
    return automation(
        "Nudge stale open tickets",
        {"all": [c("status", "is", "open"), c("hours_since_updated", "gte", 48)], "any": []},
        [{"action": "add_tags", "value": ["stale"]}, {"action": "add_note", "value": "No activity for two days."}],
        **extra,
    )


def old_tickets(customer, n, **fields):
    with freeze_time(NOW - timedelta(days=3)):
        return baker.make_recipe("tests.tickets.ticket", customer=customer, _quantity=n, **fields)


def test_fires_once_until_the_ticket_stops_matching(customer_a, agent):
    rule = stale_open()
    [ticket] = old_tickets(customer_a, 1)

    assert automation_run(automation=rule, now=NOW) == 1
    assert automation_run(automation=rule, now=NOW + timedelta(hours=1)) == 0  # fired already
    ticket.refresh_from_db()
    assert ticket.tags == ["stale"]
    assert Comment.objects.get(ticket=ticket).body == "No activity for two days."
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.UPDATED, field="tags")
    assert (event.old_value, event.new_value, event.rule) == ([], ["stale"], "Automation: Nudge stale open tickets")

    # It stops matching (pending), the firing is forgotten; open and quiet again: it fires again.
    with freeze_time(NOW + timedelta(hours=2)):
        services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.PENDING)
    assert automation_run(automation=rule, now=NOW + timedelta(hours=3)) == 0
    assert not AutomationFiring.objects.filter(ticket=ticket).exists()
    with freeze_time(NOW + timedelta(hours=4)):
        services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.OPEN)
    assert automation_run(automation=rule, now=NOW + timedelta(hours=30)) == 0  # 26 h: not yet
    assert automation_run(automation=rule, now=NOW + timedelta(hours=53)) == 1
    assert Comment.objects.filter(ticket=ticket).count() == 2


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        pytest.param(5, {"postgresql": 11, "sqlite": 11}, id="5-tickets"),
        # SQLite caps a statement at 999 variables, so its bulk INSERTs of 500 rows go in chunks.
        pytest.param(500, {"postgresql": 11, "sqlite": 31}, id="500-tickets"),
    ],
)
def test_queries_do_not_grow_with_tickets(customer_a, n, expected, django_assert_num_queries):
    """11 whatever the number of tickets: savepoint (2), forget firings, lock the batch, stamp
    last_run_at, record firings, the tags (one bulk UPDATE), the notes, the events, the payloads'
    read, the outbox rows."""
    rule = stale_open()
    old_tickets(customer_a, n)
    with django_assert_num_queries(expected[connection.vendor]):
        assert automation_run(automation=rule, now=NOW) == n
    assert Ticket.objects.filter(tags=["stale"]).count() == n
    assert OutboxEvent.objects.filter(event="ticket.updated").count() == n


def test_the_sql_does_not_change_with_the_table(customer_a):
    rule = stale_open()
    statements = []
    for n in (5, 50):
        Ticket.objects.all().delete()
        old_tickets(customer_a, n)
        with CaptureQueriesContext(connection) as ctx:
            automation_run(automation=rule, now=NOW)
        statements.append(len(ctx.captured_queries))
    assert statements[0] == statements[1]


def test_sql_agrees_with_the_python_evaluation(customer_a, agent):
    from tickets import comments

    rule = automation(
        "Chase silent customers",
        {
            "all": [c("status", "is", "pending"), c("priority", "at_least", "medium")],
            "any": [c("hours_since_customer_reply", "blank"), c("hours_since_customer_reply", "gte", 24)],
        },
        [{"action": "publish_event", "value": "chase"}],
    )
    tickets = old_tickets(customer_a, 4, status=Status.PENDING, priority="high")
    Ticket.objects.filter(pk=tickets[3].pk).update(priority="low")
    with freeze_time(NOW - timedelta(hours=30)):
        comments.comment_add(ticket=tickets[1], customer=customer_a, body="old reply")
    with freeze_time(NOW - timedelta(hours=2)):
        comments.comment_add(ticket=tickets[2], customer=customer_a, body="fresh reply")
    Ticket.objects.filter(pk__in=[t.pk for t in tickets]).update(status=Status.PENDING)  # the reply reopened them

    with freeze_time(NOW):
        sql = set(matching(rule, now=NOW).values_list("pk", flat=True))
        python = {t.pk for t in Ticket.objects.all() if evaluate(rule.conditions, facts_for(t)).matched}
    assert sql == python == {tickets[0].pk, tickets[1].pk}
    assert automation_run(automation=rule, now=NOW) == 2
    names = sorted(
        (e.payload["ticket"]["id"], e.payload["name"]) for e in OutboxEvent.objects.filter(event="ticket.rule_event")
    )
    assert names == [(tickets[0].pk, "chase"), (tickets[1].pk, "chase")]


def test_a_status_change_that_resumes_the_sla_clock_goes_through_the_service(customer_a, agent):
    rule = automation(
        "Wake up on hold",
        {"all": [c("status", "is", "pending"), c("hours_since_status_change", "gte", 1)], "any": []},
        [{"action": "set_status", "value": "open"}],
    )
    with freeze_time(NOW - timedelta(hours=5)):
        ticket = services.ticket_create(actor=None, title="Waiting", customer=customer_a)
        services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.PENDING)
    with freeze_time(NOW):
        assert automation_run(automation=rule, now=NOW) == 1
    ticket.refresh_from_db()
    assert (ticket.status, ticket.sla_paused_at, ticket.status_changed_at) == (Status.OPEN, None, NOW)
    event = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.STATUS_CHANGED).last()
    assert (event.old_value, event.new_value, event.rule) == ("pending", "open", "Automation: Wake up on hold")


def test_inactive_automations_do_not_run(customer_a):
    stale_open(is_active=False)
    old_tickets(customer_a, 2)
    assert "Nudge stale open tickets" not in str(automations_run(now=NOW))
    assert not Ticket.objects.filter(tags=["stale"]).exists()


def test_forbidden_transitions_are_skipped_not_forced(customer_a):
    rule = automation(
        "Park everything",
        {"all": [c("hours_since_created", "gte", 1)], "any": []},
        [{"action": "set_status", "value": "pending"}],
    )
    tickets = old_tickets(customer_a, 2)
    Ticket.objects.filter(pk=tickets[1].pk).update(status=Status.CLOSED, closed_at=NOW, resolved_at=NOW)
    automation_run(automation=rule, now=NOW)
    assert dict(Ticket.objects.values_list("pk", "status")) == {tickets[0].pk: "pending", tickets[1].pk: "closed"}
