"""The ticket changelist action "Assign with the team's strategy" (tickets/admin/tickets.py), which goes
through tickets.services.ticket_assign_by_strategy; and the category -> team routing map."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from model_bakery import baker

from agents.models import AssignmentStrategy, Role
from tickets import services
from tickets.models import EventKind, Status, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:tickets_ticket_changelist")
ACTION = "assign_by_team_strategy"


def _post_action(client, tickets):
    data = {"action": ACTION, "_selected_action": [t.pk for t in tickets], "index": 0}
    return client.post(CHANGELIST, data, follow=True)


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _ticket(customer, **kwargs) -> Ticket:
    return baker.make_recipe("tests.tickets.ticket", customer=customer, organization=customer.organization, **kwargs)


@pytest.fixture
def team(make_agent):
    team = baker.make_recipe("tests.agents.team", assignment_strategy=AssignmentStrategy.ROUND_ROBIN)
    team.members = [make_agent(teams=[team]) for _ in range(2)]
    return team


def test_action_is_offered_on_the_changelist(client, agent):
    client.force_login(agent.user)

    response = client.get(CHANGELIST)

    assert response.status_code == 200
    choices = dict(response.context["action_form"].fields["action"].choices)
    assert choices[ACTION] == "Assign with the team's strategy"


def test_action_assigns_each_ticket_with_its_teams_strategy(client, agent, team, customer_a):
    client.force_login(agent.user)
    tickets = [_ticket(customer_a, team=team) for _ in range(4)]

    response = _post_action(client, tickets)

    assert "Assigned with the team's strategy: 4 tickets." in _messages(response)
    first, second = (member.user_id for member in team.members)
    assignees = [Ticket.objects.get(pk=t.pk).assignee_id for t in tickets]
    assert assignees == [first, second, first, second]
    assert TicketEvent.objects.filter(kind=EventKind.ASSIGNED, actor=agent.user).count() == 4


def test_per_ticket_failures_are_reported_and_the_others_assigned(client, agent, team, customer_a):
    client.force_login(agent.user)
    good = _ticket(customer_a, team=team)
    no_team = _ticket(customer_a)
    closed = services.ticket_change_status(
        ticket=_ticket(customer_a, team=team), actor=agent.user, status=Status.CLOSED
    )
    nobody_team = baker.make_recipe("tests.agents.team", name="Empty")
    nobody = _ticket(customer_a, team=nobody_team)

    messages = _messages(_post_action(client, [good, no_team, closed, nobody]))

    assert "Assigned with the team's strategy: 1 ticket." in messages
    assert f"Not changed: #{no_team.pk}: This ticket has no team to assign it from; set its team first." in messages
    assert any(m.startswith(f"Not changed: #{closed.pk}: A closed ticket") for m in messages)
    assert any(m.startswith(f"Not changed: #{nobody.pk}: No agent of this ticket's team") for m in messages)
    assert Ticket.objects.get(pk=good.pk).assignee_id == team.members[0].user_id
    assert Ticket.objects.exclude(pk=good.pk).filter(assignee__isnull=False).count() == 0


@pytest.mark.parametrize("role", [pytest.param(Role.VIEWER, id="viewer"), pytest.param(None, id="no-agent-profile")])
def test_only_writing_agents_may_run_the_action(client, team, customer_a, role, make_agent, django_user_model):
    if role is None:
        user = django_user_model.objects.create_superuser(email="root@example.com", password="x")
    else:
        user = make_agent(role).user
    client.force_login(user)
    ticket = _ticket(customer_a, team=team)

    messages = _messages(_post_action(client, [ticket]))

    assert Ticket.objects.get(pk=ticket.pk).assignee_id is None
    if role is None:  # a superuser sees the action but is not an agent
        assert "Only agents who may work tickets can assign them." in messages


def test_routing_map_is_editable_on_the_category_changelist(client, admin_agent, make_agent, customer_a):
    billing_team = baker.make_recipe("tests.agents.team", name="Billing")
    biller = make_agent(teams=[billing_team])
    category = baker.make_recipe("tests.tickets.category", slug="billing", name="Billing")
    client.force_login(admin_agent.user)

    response = client.post(
        reverse("admin:tickets_category_changelist"),
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "1000",
            "form-0-id": str(category.pk),
            "form-0-team": str(billing_team.pk),
            "_save": "Save",
        },
        follow=True,
    )

    assert response.status_code == 200
    category.refresh_from_db()
    assert category.team == billing_team
    ticket = services.ticket_create(
        actor=None, title="Invoice wrong", customer=customer_a, category="billing", priority="high"
    )
    assert (ticket.team, ticket.assignee) == (billing_team, biller.user)
