"""Users, agents, teams and API keys in the admin: smoke tests, and agents created through the service."""

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.urls import reverse
from model_bakery import baker

from agents.models import Agent, ApiKey, Role, Team, User

pytestmark = pytest.mark.django_db


MODEL_ADMINS = [
    "agents_user",
    "agents_agent",
    "agents_team",
    "agents_apikey",
    "tickets_category",
    "tickets_ticket",
    "customers_customer",
    "customers_organization",
]


@pytest.mark.parametrize("model", MODEL_ADMINS)
def test_changelist_search_add_and_change_pages_render(
    admin_client_, model, agent, ticket, django_assert_max_num_queries
):
    """Every ModelAdmin of the core: changelist, search, add and change pages (cookiecutter-style smoke)."""
    from django.apps import apps

    from agents.services import api_key_create

    baker.make_recipe("tests.agents.team", _quantity=3, lead=agent.user)
    baker.make_recipe("tests.tickets.category")
    api_key_create(name="Key")
    with django_assert_max_num_queries(12):
        assert admin_client_.get(reverse(f"admin:{model}_changelist")).status_code == 200
    assert admin_client_.get(reverse(f"admin:{model}_changelist"), {"q": "a"}).status_code == 200
    assert admin_client_.get(reverse(f"admin:{model}_add")).status_code == 200
    obj = apps.get_model(*model.split("_", 1)).objects.first()
    assert admin_client_.get(reverse(f"admin:{model}_change", args=[obj.pk])).status_code == 200


def test_change_pages_render(admin_client_, agent):
    team = baker.make_recipe("tests.agents.team", lead=agent.user)
    agent.teams.add(team)
    for url in (
        reverse("admin:agents_user_change", args=[agent.user.pk]),
        reverse("admin:agents_agent_change", args=[agent.pk]),
        reverse("admin:agents_team_change", args=[team.pk]),
    ):
        response = admin_client_.get(url)
        assert response.status_code == 200, url
    listing = admin_client_.get(reverse("admin:agents_agent_changelist")).content.decode()
    assert team.name in listing


def test_assignee_autocomplete_lists_agents_only(client, agent, customer_a):
    client.force_login(agent.user)
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "tickets", "model_name": "ticket", "field_name": "assignee", "term": ""},
    )
    assert response.status_code == 200
    ids = {int(r["id"]) for r in response.json()["results"]}
    assert agent.user.pk in ids
    assert customer_a.user.pk not in ids


def test_customer_autocomplete(client, agent, customer_a, customer_b):
    client.force_login(agent.user)
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "tickets", "model_name": "ticket", "field_name": "customer", "term": "alice"},
    )
    assert [int(r["id"]) for r in response.json()["results"]] == [customer_a.pk]


def test_create_agent_through_the_service(admin_client_):
    team = baker.make_recipe("tests.agents.team")
    response = admin_client_.post(
        reverse("admin:agents_agent_add"),
        {
            "email": "New.Agent@support.example",
            "name": "New Agent",
            "password": "a-long-and-unusual-passphrase",
            "role": Role.SENIOR_AGENT,
            "teams": [team.pk],
            "skills": "Billing, technical, billing",
            "max_open_tickets": 7,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    agent = Agent.objects.get(user__email="new.agent@support.example")
    assert (agent.role, agent.skills, agent.max_open_tickets, agent.is_available) == (
        Role.SENIOR_AGENT,
        ["billing", "technical"],
        7,
        False,
    )
    assert list(agent.teams.all()) == [team]
    assert agent.user.check_password("a-long-and-unusual-passphrase")
    assert list(agent.user.groups.values_list("name", flat=True)) == ["Senior agent"]


def test_create_agent_errors_are_shown(admin_client_, agent):
    response = admin_client_.post(
        reverse("admin:agents_agent_add"),
        {"email": agent.user.email, "password": "123", "role": Role.AGENT, "max_open_tickets": 5},
        follow=True,
    )
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("already exists" in m and "password" in m for m in messages)
    assert Agent.objects.filter(user__email=agent.user.email).count() == 1


def test_change_agent_role_through_the_service(admin_client_, agent):
    response = admin_client_.post(
        reverse("admin:agents_agent_change", args=[agent.pk]),
        {
            "name": "Promoted",
            "is_active": "on",
            "role": Role.ADMIN,
            "skills": "",
            "max_open_tickets": 20,
            "is_available": "on",
        },
    )
    assert response.status_code == 302
    agent.refresh_from_db()
    agent.user.refresh_from_db()
    assert (agent.role, agent.user.name, agent.user.is_superuser) == (Role.ADMIN, "Promoted", True)
    assert list(agent.user.groups.values_list("name", flat=True)) == ["Admin"]


@pytest.mark.parametrize("role", [Role.AGENT, Role.SENIOR_AGENT, Role.VIEWER])
def test_non_admins_cannot_manage_agents(client, make_agent, agent, role):
    client.force_login(make_agent(role).user)
    assert client.get(reverse("admin:agents_agent_changelist")).status_code == 200  # may look
    assert client.get(reverse("admin:agents_agent_add")).status_code == 403
    assert client.get(reverse("admin:agents_apikey_changelist")).status_code == 403


def test_team_create_update_delete_through_the_services(admin_client_, agent):
    url = reverse("admin:agents_team_add")
    data = {
        "name": "Billing",
        "description": "",
        "email": "",
        "lead": agent.user.pk,
        "assignment_strategy": "least_loaded",
        "auto_assign_priorities": '["critical"]',
    }
    assert admin_client_.post(url, data).status_code == 302
    team = Team.objects.get()
    assert (team.lead, team.assignment_strategy, team.auto_assign_priorities) == (
        agent.user,
        "least_loaded",
        ["critical"],
    )
    change = admin_client_.post(
        reverse("admin:agents_team_change", args=[team.pk]), {**data, "name": "Billing EU", "is_default": "on"}
    )
    assert change.status_code == 302
    team.refresh_from_db()
    assert (team.name, team.is_default) == ("Billing EU", True)
    # Refused either by the form (model validation) or by team_create (shown as a message).
    for bad in ({"auto_assign_priorities": '["URGENT"]'}, {"is_default": "on"}):
        field = next(iter(bad))
        response = admin_client_.post(url, {**data, "name": "Other", **bad}, follow=True)
        messages = [str(m) for m in get_messages(response.wsgi_request)]
        form_errors = response.context["adminform"].form.errors
        assert field in form_errors or any(m.startswith(f"Not saved: {field}:") for m in messages), field
    assert Team.objects.count() == 1
    assert admin_client_.post(reverse("admin:agents_team_delete", args=[team.pk]), {"post": "yes"}).status_code == 302
    other = baker.make_recipe("tests.agents.team")
    admin_client_.post(
        reverse("admin:agents_team_changelist"),
        {"action": "delete_selected", "_selected_action": [other.pk], "post": "yes"},
    )
    assert not Team.objects.exists()


def test_api_key_created_once_shown_and_revoked(admin_client_):
    response = admin_client_.post(
        reverse("admin:agents_apikey_add"), {"name": "CRM sync", "role": Role.AGENT}, follow=True
    )
    api_key = ApiKey.objects.get()
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    shown = next(m for m in messages if "The API key for CRM sync is:" in m)
    plain = shown.split("is: ")[1].split(" ")[0]
    assert ApiKey.objects.get_from_key(plain) == api_key
    assert api_key.user is not None
    change_url = reverse("admin:agents_apikey_change", args=[api_key.pk])
    assert admin_client_.get(change_url).status_code == 200
    assert (
        admin_client_.post(change_url, {"expiry_date_0": "2020-01-01", "expiry_date_1": "00:00:00"}).status_code == 302
    )
    api_key.refresh_from_db()
    assert api_key.has_expired
    assert not ApiKey.objects.is_valid(plain)
    assert (
        admin_client_.post(change_url, {"revoked": "on", "expiry_date_0": "", "expiry_date_1": ""}).status_code == 302
    )
    api_key.refresh_from_db()
    assert api_key.revoked is True
    assert admin_client_.get(reverse("admin:agents_apikey_delete", args=[api_key.pk])).status_code == 403


def test_user_admin_add_and_role_column(admin_client_, agent):
    response = admin_client_.post(
        reverse("admin:agents_user_add"),
        {
            "email": "portal@example.com",
            "name": "Portal",
            "password1": "a-long-and-unusual-passphrase",
            "password2": "a-long-and-unusual-passphrase",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    assert User.objects.filter(email="portal@example.com").exists()
    listing = admin_client_.get(reverse("admin:agents_user_changelist")).content.decode()
    assert "Agent" in listing
    assert Group.objects.filter(name="Agent").exists()
