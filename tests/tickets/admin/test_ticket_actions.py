"""The ticket changelist's bulk actions: each reports exactly what changed, what was skipped and why,
refuses what the caller's role may not do, and passes any service error on as a message."""

import pytest
from model_bakery import baker

from agents.models import Role
from tests.tickets.admin.helpers import (
    CHANGELIST,
    bulk_action,
    make_tickets,
    messages_of,
)
from tickets import services
from tickets.models import EventKind, Priority, Status, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


# --- bulk actions -----------------------------------------------------------------------------


def test_action_assign_to_me(client, login, customer_a):
    me = login(Role.AGENT)
    tickets = make_tickets(3, customer_a)
    response = bulk_action(client, "assign_to_me", tickets)
    ids = ", ".join(f"#{t.pk}" for t in tickets)
    assert messages_of(response) == [f"Assigned to you: 3 tickets ({ids})."]
    assert set(Ticket.objects.values_list("assignee", flat=True)) == {me.user.pk}
    assert TicketEvent.objects.filter(kind=EventKind.ASSIGNED, actor=me.user).count() == 3


def test_action_change_status_reports_forbidden_transitions(client, login, customer_a, agent):
    login(Role.AGENT)
    open_ticket, closed_ticket = make_tickets(2, customer_a)
    services.ticket_change_status(ticket=closed_ticket, actor=agent.user, status=Status.CLOSED)
    response = bulk_action(client, "change_status", [open_ticket, closed_ticket], status=Status.PENDING)
    messages = messages_of(response)
    assert messages == [
        f"Status set to Pending (waiting on customer): 1 ticket (#{open_ticket.pk}).",
        f"Not changed: #{closed_ticket.pk}: status: Cannot change status from 'closed' to 'pending'; allowed: open.",
    ]
    assert Ticket.objects.get(pk=open_ticket.pk).status == Status.PENDING
    assert Ticket.objects.get(pk=closed_ticket.pk).status == Status.CLOSED


def test_action_change_status_needs_a_status(client, login, customer_a):
    login(Role.AGENT)
    tickets = make_tickets(1, customer_a)
    response = bulk_action(client, "change_status", tickets, status="")
    assert "Choose the new status in the 'new status' list." in messages_of(response)


def test_action_change_priority(client, login, customer_a):
    me = login(Role.SENIOR_AGENT)
    tickets = make_tickets(2, customer_a, priority=Priority.LOW)
    response = bulk_action(client, "change_priority", tickets, priority=Priority.CRITICAL)
    assert messages_of(response) == [f"Priority set to Critical: 2 tickets (#{tickets[0].pk}, #{tickets[1].pk})."]
    assert set(Ticket.objects.values_list("priority_rank", flat=True)) == {4}
    assert TicketEvent.objects.filter(kind=EventKind.UPDATED, field="priority", actor=me.user).count() == 2
    response = bulk_action(client, "change_priority", tickets, priority="")
    assert "Choose the new priority in the 'new priority' list." in messages_of(response)


def test_action_close(client, login, customer_a):
    login(Role.AGENT)
    tickets = make_tickets(2, customer_a)
    response = bulk_action(client, "close_tickets", tickets)
    assert messages_of(response) == [f"Closed: 2 tickets (#{tickets[0].pk}, #{tickets[1].pk})."]
    assert set(Ticket.objects.values_list("status", flat=True)) == {Status.CLOSED}
    assert not Ticket.objects.filter(closed_at__isnull=True).exists()


def test_many_failures_are_summarised(client, login, customer_a, agent):
    login(Role.AGENT)
    tickets = make_tickets(22, customer_a)
    for t in tickets:
        services.ticket_change_status(ticket=t, actor=agent.user, status=Status.CLOSED)
    messages = messages_of(bulk_action(client, "change_status", tickets, status=Status.PENDING))
    first_20 = ", ".join(f"#{t.pk}" for t in tickets[:20])
    assert messages == [
        f"Not changed: {first_20} and 2 more: status: Cannot change status from 'closed' to 'pending'; allowed: open."
    ]


def test_viewer_has_no_actions_and_cannot_post_them(client, login, customer_a):
    login(Role.VIEWER)
    tickets = make_tickets(1, customer_a)
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    offered = {name for name, _ in response.context["action_form"].fields["action"].choices}
    assert not offered & {"assign_to_me", "change_status", "change_priority", "close_tickets", "delete_selected"}
    bulk_action(client, "close_tickets", tickets)
    assert Ticket.objects.get().status == Status.OPEN


def test_assign_to_me_refuses_a_superuser_without_agent_profile(client, customer_a, django_user_model):
    boss = django_user_model.objects.create_superuser(email="root@example.com", password="x")
    client.force_login(boss)
    tickets = make_tickets(1, customer_a)
    response = bulk_action(client, "assign_to_me", tickets)
    assert "Only agents who may work tickets can take them." in messages_of(response)
    assert Ticket.objects.get().assignee is None


@pytest.mark.parametrize(
    ("error", "text"),
    [
        pytest.param("application", "Not changed: #{pk}: Locked by an integration.", id="application-error"),
        pytest.param("plain", "Not changed: #{pk}: Try later.", id="plain-validation-error"),
    ],
)
def test_bulk_action_reports_any_service_error(client, login, customer_a, monkeypatch, error, text):
    from django.core.exceptions import ValidationError

    from config.exceptions import ApplicationError

    login(Role.AGENT)
    (ticket,) = make_tickets(1, customer_a)

    def refuse(**kwargs):
        if error == "application":
            raise ApplicationError("Locked by an integration.", code="locked")
        raise ValidationError("Try later.")

    monkeypatch.setattr(services, "ticket_assign", refuse)
    assert text.format(pk=ticket.pk) in messages_of(bulk_action(client, "assign_to_me", [ticket]))


@pytest.mark.parametrize(
    ("action", "extra", "expected"),
    [
        pytest.param(
            "close_tickets",
            {},
            ["Closed: 1 ticket (#{open}).", "Skipped 1 ticket (#{closed}): already closed."],
            id="close-skips-closed",
        ),
        pytest.param(
            "change_status",
            {"status": "closed"},
            ["Status set to Closed: 1 ticket (#{open}).", "Skipped 1 ticket (#{closed}): already closed."],
            id="status-skips-same",
        ),
        pytest.param(
            "change_priority",
            {"priority": "low"},
            ["Priority set to Low: 1 ticket (#{open}).", "Skipped 1 ticket (#{closed}): already low priority."],
            id="priority-skips-same",
        ),
    ],
)
def test_bulk_actions_report_what_changed_and_what_was_skipped(
    client, login, customer_a, agent, action, extra, expected
):
    login(Role.AGENT)
    open_ticket, closed_ticket = make_tickets(2, customer_a, priority=Priority.MEDIUM)
    services.ticket_change_status(ticket=closed_ticket, actor=agent.user, status=Status.CLOSED)
    Ticket.objects.filter(pk=closed_ticket.pk).update(priority=Priority.LOW)
    messages = messages_of(bulk_action(client, action, [open_ticket, closed_ticket], **extra))
    assert messages == [m.format(open=open_ticket.pk, closed=closed_ticket.pk) for m in expected]


def test_assign_to_me_skips_tickets_already_mine(client, login, customer_a):
    me = login(Role.AGENT)
    mine, other = make_tickets(2, customer_a)
    services.ticket_assign(ticket=mine, actor=me.user, assignee=me.user)
    messages = messages_of(bulk_action(client, "assign_to_me", [mine, other]))
    assert messages == [
        f"Assigned to you: 1 ticket (#{other.pk}).",
        f"Skipped 1 ticket (#{mine.pk}): already assigned to you.",
    ]


def test_assign_by_strategy_skips_tickets_without_a_team(client, login, customer_a):
    login(Role.AGENT)
    ticket = baker.make_recipe("tests.tickets.ticket", customer=customer_a, team=None)
    messages = messages_of(bulk_action(client, "assign_by_team_strategy", [ticket]))
    assert messages == [f"Skipped 1 ticket (#{ticket.pk}): no team to choose an agent from."]


def test_bulk_action_reports_selected_tickets_the_queue_no_longer_shows(client, login, customer_a, agent):
    login(Role.AGENT)
    open_ticket, closed_ticket = make_tickets(2, customer_a)
    services.ticket_change_status(ticket=closed_ticket, actor=agent.user, status=Status.CLOSED)
    messages = messages_of(bulk_action(client, "close_tickets", [open_ticket, closed_ticket], url=CHANGELIST))
    assert messages == [
        f"Closed: 1 ticket (#{open_ticket.pk}).",
        f"Skipped 1 ticket (#{closed_ticket.pk}): no longer match this queue's filters (changed meanwhile?).",
    ]
