"""The send_email action of triggers and automations: validated (errors name the action and what is
wrong), sent through the outbox to the customer, the assignee, the team or an address, with the
macro placeholders filled in; a dry run sends nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tickets import services
from tickets.models import Automation, Trigger
from tickets.rules.actions import validate_actions
from tickets.rules.automations import automation_run

pytestmark = pytest.mark.django_db

GOOD = {"to": "customer", "subject": "About {{ ticket_reference }}", "body": "Hi {{ customer_name }}, we are on it."}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param(
            {**GOOD, "to": "manager"},
            "action #1 (send_email): to must be one of customer, assignee, team, address.",
            id="unknown-recipient",
        ),
        pytest.param(
            {**GOOD, "to": "address", "address": "not-an-address"},
            "action #1 (send_email): address 'not-an-address' is not an email address.",
            id="bad-address",
        ),
        pytest.param({**GOOD, "subject": "  "}, "action #1 (send_email): the email needs a subject.", id="no-subject"),
        pytest.param(
            {**GOOD, "body": "Hello {{ password }}"},
            "action #1 (send_email): body: Unknown placeholder(s): password. Use: {{ customer_name }}, "
            "{{ customer_email }}, {{ ticket_reference }}, {{ ticket_title }}, {{ agent_name }}.",
            id="unknown-placeholder",
        ),
        pytest.param(
            "hello",
            'action #1 (send_email): {"to", "subject", "body"} (and "address" when to is address).',
            id="not-an-object",
        ),
    ],
)
def test_a_bad_email_action_is_named(value, message):
    with pytest.raises(ValidationError) as exc:
        validate_actions([{"action": "send_email", "value": value}], context="trigger")

    assert exc.value.messages == [message]


def test_a_trigger_emails_the_customer_with_placeholders_filled(
    customer_a, mailoutbox, django_capture_on_commit_callbacks
):
    Trigger.objects.create(
        name="Welcome VIPs",
        position=1,
        conditions={"all": [{"field": "tags", "operator": "includes", "value": ["vip"]}], "any": []},
        actions=[{"action": "send_email", "value": GOOD}],
    )

    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_create(actor=None, title="Help", customer=customer_a, tags=["vip"])

    mail = next(m for m in mailoutbox if m.subject.endswith(f"About #{ticket.pk}"))
    assert mail.to == [customer_a.email]
    assert mail.subject == f"[#{ticket.pk}] About #{ticket.pk}"
    assert f"Hi {customer_a.name}, we are on it." in mail.body


def test_an_automation_emails_a_fixed_address_once(customer_a, mailoutbox, django_capture_on_commit_callbacks):
    from django.utils import timezone

    automation = Automation.objects.create(
        name="Tell the duty manager",
        conditions={"all": [{"field": "priority", "operator": "is", "value": "critical"}], "any": []},
        actions=[
            {
                "action": "send_email",
                "value": {"to": "address", "address": "duty@example.com", "subject": "Critical", "body": "Look."},
            }
        ],
    )
    ticket = services.ticket_create(actor=None, title="Down", customer=customer_a, priority="critical")
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert automation_run(automation=automation, now=timezone.now()) == 1
        assert automation_run(automation=automation, now=timezone.now()) == 0

    assert [(m.to, m.subject) for m in mailoutbox] == [(["duty@example.com"], f"[#{ticket.pk}] Critical")]
