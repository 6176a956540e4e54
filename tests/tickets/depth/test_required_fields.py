"""Custom fields required per status, by who changes the status (tickets/required_fields.py): an
agent and a script are refused; a customer only by the fields shown to them (and may fill them on the
way: portal and API); a trigger or an automation skips the status change and records why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from freezegun import freeze_time
from model_bakery import baker

from tickets import comments, services
from tickets.links import ticket_children_close, ticket_link_add
from tickets.models import AutomationFiring, CustomField, EventKind, Status, Ticket, TicketEvent
from tickets.rules.automations import automation_run
from tickets.rules.services import rule_save

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)


@pytest.fixture
def resolution_code():
    """Agents only: required to resolve and to close."""
    return CustomField.objects.create(
        key="resolution_code",
        label="Resolution code",
        field_type="dropdown",
        options=["fixed", "wont_fix"],
        required_statuses=["resolved", "closed"],
    )


@pytest.fixture
def satisfied():
    """Shown to customers: required to close."""
    return CustomField.objects.create(
        key="problem_solved",
        label="Was the problem solved?",
        field_type="dropdown",
        options=["yes", "partly", "no"],
        is_customer_visible=True,
        required_statuses=["closed"],
    )


def _status_event(ticket: Ticket) -> TicketEvent:
    return TicketEvent.objects.filter(ticket=ticket, kind=EventKind.STATUS_CHANGED).latest("id")


# --- scripts and agents --------------------------------------------------------------------------


def test_a_script_without_an_actor_is_refused_like_an_agent(ticket, resolution_code):
    with pytest.raises(ValidationError) as exc:
        services.ticket_change_status(ticket=ticket, actor=None, status="closed")
    assert exc.value.message_dict == {
        "custom_fields.resolution_code": ["'Resolution code' is required to set the status to closed."]
    }
    ticket.refresh_from_db()
    assert ticket.status == "open"


def test_closing_a_parents_children_is_refused_while_a_child_lacks_a_field(agent, customer_a, resolution_code):
    parent, child = baker.make_recipe("tests.tickets.ticket", customer=customer_a, _quantity=2)
    ticket_link_add(ticket=child, other=parent, kind="child_of", actor=agent.user)
    with pytest.raises(ValidationError) as exc:
        ticket_children_close(parent=parent, actor=agent.user)
    assert exc.value.message_dict == {
        "custom_fields.resolution_code": ["'Resolution code' is required to set the status to closed."]
    }
    services.ticket_update(ticket=child, actor=agent.user, data={"custom_fields": {"resolution_code": "fixed"}})
    assert ticket_children_close(parent=parent, actor=agent.user) == [child.pk]


# --- customers -----------------------------------------------------------------------------------


def test_a_customer_closes_through_the_api_with_the_field_shown_to_them(
    api_customer_a, ticket, resolution_code, satisfied
):
    url = f"/api/v1/tickets/{ticket.pk}/"
    refused = api_customer_a.patch(url, {"status": "closed"})
    assert refused.status_code == 400
    assert refused.json() == {
        "custom_fields.problem_solved": ["'Was the problem solved?' is required to set the status to closed."]
    }
    sneaky = api_customer_a.patch(url, {"status": "closed", "custom_fields": {"resolution_code": "fixed"}})
    assert sneaky.status_code == 400
    assert sneaky.json() == {"custom_fields.resolution_code": ["Unknown custom field."]}
    done = api_customer_a.patch(url, {"status": "closed", "custom_fields": {"problem_solved": "yes"}})
    assert done.status_code == 200, done.content
    assert (done.json()["status"], done.json()["custom_fields"]) == ("closed", {"problem_solved": "yes"})


# --- rules -----------------------------------------------------------------------------------------


def test_a_trigger_skips_the_status_and_records_why_the_rest_applies(agent, ticket, resolution_code):
    from tickets.models import Trigger

    rule_save(
        rule=Trigger(
            name="Resolve when tagged done",
            conditions={"all": [{"field": "tags", "operator": "includes", "value": ["done"]}], "any": []},
            actions=[{"action": "set_status", "value": "resolved"}, {"action": "add_tags", "value": ["auto"]}],
            position=5,
        ),
        actor=None,
    )
    services.ticket_update(ticket=ticket, actor=agent.user, data={"tags": ["done"]})  # not rolled back

    ticket.refresh_from_db()
    assert (ticket.status, ticket.tags) == ("open", ["done", "auto"])
    skipped = TicketEvent.objects.get(ticket=ticket, kind=EventKind.RULE_SKIPPED)
    assert (skipped.field, skipped.old_value, skipped.new_value, skipped.actor, skipped.rule, skipped.note) == (
        "status",
        "open",
        "resolved",
        None,
        "Trigger: Resolve when tagged done",
        "Status not set to resolved: 'Resolution code' is required to set the status to resolved.",
    )
    assert not TicketEvent.objects.filter(ticket=ticket, kind=EventKind.STATUS_CHANGED).exists()

    # With the field filled the same trigger resolves (on the next change that matches it).
    services.ticket_update(
        ticket=ticket, actor=agent.user, data={"custom_fields": {"resolution_code": "fixed"}, "tags": ["done", "x"]}
    )
    ticket.refresh_from_db()
    assert ticket.status == "resolved"


def test_the_timeline_says_which_rule_skipped_what(agent, ticket, resolution_code):
    from tickets.timeline import Names, event_text

    event = TicketEvent.objects.create(
        ticket=ticket,
        kind=EventKind.RULE_SKIPPED,
        field="status",
        old_value="open",
        new_value="resolved",
        rule="Automation: Resolve pending tickets",
        note="Status not set to resolved: 'Resolution code' is required to set the status to resolved.",
    )
    assert event_text(event, Names([event])) == (
        "Automation: Resolve pending tickets: Status not set to resolved: "
        "'Resolution code' is required to set the status to resolved."
    )


def test_an_automation_moves_the_tickets_that_have_the_field_and_skips_the_others(customer_a, resolution_code):
    from tickets.models import Automation

    rule = rule_save(
        rule=Automation(
            name="Resolve quiet pending tickets",
            conditions={
                "all": [
                    {"field": "status", "operator": "is", "value": "pending"},
                    {"field": "hours_since_updated", "operator": "gte", "value": 48},
                ],
                "any": [],
            },
            actions=[{"action": "set_status", "value": "resolved"}, {"action": "add_tags", "value": ["quiet"]}],
        ),
        actor=None,
    )
    with freeze_time(NOW - timedelta(days=3)):
        coded = baker.make_recipe(
            "tests.tickets.ticket", customer=customer_a, status="pending", custom_fields={"resolution_code": "fixed"}
        )
        empty = baker.make_recipe("tests.tickets.ticket", customer=customer_a, status="pending")

    assert automation_run(automation=rule, now=NOW) == 2
    coded.refresh_from_db()
    empty.refresh_from_db()
    assert (coded.status, coded.tags) == ("resolved", ["quiet"])
    assert (empty.status, empty.tags) == ("pending", ["quiet"])
    skipped = TicketEvent.objects.get(kind=EventKind.RULE_SKIPPED)
    assert (skipped.ticket_id, skipped.old_value, skipped.new_value, skipped.rule, skipped.note) == (
        empty.pk,
        "pending",
        "resolved",
        "Automation: Resolve quiet pending tickets",
        "Status not set to resolved: 'Resolution code' is required to set the status to resolved.",
    )
    assert list(TicketEvent.objects.filter(kind=EventKind.STATUS_CHANGED).values_list("ticket_id", flat=True)) == [
        coded.pk
    ]
    # Fired on both: the next run neither retries nor records the skip again.
    assert AutomationFiring.objects.filter(automation=rule).count() == 2
    assert automation_run(automation=rule, now=NOW + timedelta(hours=1)) == 0
    assert TicketEvent.objects.filter(kind=EventKind.RULE_SKIPPED).count() == 1


def test_the_default_reopen_trigger_skips_when_open_needs_a_field(customer_a, agent, ticket):
    CustomField.objects.create(key="triage", label="Triage note", field_type="text", required_statuses=["open"])
    services.ticket_update(ticket=ticket, actor=agent.user, data={"custom_fields": {"triage": "seen"}})
    services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.PENDING)
    services.ticket_update(ticket=ticket, actor=agent.user, data={"custom_fields": {"triage": ""}})

    reply = comments.comment_add(ticket=ticket, customer=customer_a, body="Still broken.")

    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING  # the reply is kept; the reopen was skipped
    assert reply.pk is not None
    skipped = TicketEvent.objects.get(ticket=ticket, kind=EventKind.RULE_SKIPPED)
    assert (skipped.rule, skipped.new_value) == ("Trigger: Reopen on customer reply", "open")
