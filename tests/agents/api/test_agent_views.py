"""Agents and teams through the API."""

from __future__ import annotations

import pytest
from model_bakery import baker

from agents.models import Agent, Role, Team
from tests.conftest import PASSWORD

AGENTS = "/api/v1/agents/"
TEAMS = "/api/v1/teams/"


def test_create_agent_and_log_in(api_admin, api_client):
    team = baker.make_recipe("tests.agents.team")
    response = api_admin.post(
        AGENTS,
        {
            "email": "New@Support.example.com",
            "name": "New Agent",
            "role": "senior_agent",
            "teams": [team.pk],
            "password": "a-very-long-passphrase",
            "skills": ["billing"],
            "max_open_tickets": 5,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    agent = Agent.objects.get(user_id=body["id"])
    assert agent.role == Role.SENIOR_AGENT
    assert list(agent.teams.all()) == [team]
    assert body["email"] == "new@support.example.com"
    assert body["teams"] == [team.pk]
    token = api_client.post(
        "/api/v1/auth/token/", {"email": "new@support.example.com", "password": "a-very-long-passphrase"}
    )
    assert token.status_code == 200


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        pytest.param({"email": "bad"}, "email", id="bad-email"),
        pytest.param({"email": "admin1@support.example.com"}, "email", id="duplicate-email"),
        pytest.param({"email": "x@support.example.com", "role": "boss"}, "role", id="bad-role"),
        pytest.param({"email": "x@support.example.com", "password": "123"}, "password", id="weak-password"),
        pytest.param({"email": "x@support.example.com", "teams": [999999]}, "teams", id="unknown-team"),
        pytest.param({"email": "x@support.example.com", "is_superuser": True}, "is_superuser", id="mass-assignment"),
    ],
)
def test_create_agent_validation(api_admin, payload, field):
    response = api_admin.post(AGENTS, payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_patch_agent_role_and_teams(api_admin, agent):
    team = baker.make_recipe("tests.agents.team")
    response = api_admin.patch(
        f"{AGENTS}{agent.user_id}/",
        {"role": "admin", "teams": [team.pk], "name": "Promoted", "max_open_tickets": 3},
        format="json",
    )
    assert response.status_code == 200, response.content
    agent.refresh_from_db()
    agent.user.refresh_from_db()
    assert agent.role == Role.ADMIN
    assert agent.user.is_superuser is True
    assert agent.user.name == "Promoted"
    assert agent.max_open_tickets == 3
    assert list(agent.teams.all()) == [team]
    bad = api_admin.patch(f"{AGENTS}{agent.user_id}/", {"email": "x@y.z"}, format="json")
    assert bad.status_code == 400
    assert "email" in bad.json()


def test_deactivate_agent(api_admin, api_client, agent):
    assert api_admin.delete(f"{AGENTS}{agent.user_id}/").status_code == 204
    agent.refresh_from_db()
    agent.user.refresh_from_db()
    assert agent.user.is_active is False
    assert agent.is_available is False
    assert api_client.post("/api/v1/auth/token/", {"email": agent.user.email, "password": PASSWORD}).status_code == 401


def test_admin_cannot_deactivate_themselves(api_admin, admin_agent):
    response = api_admin.delete(f"{AGENTS}{admin_agent.user_id}/")
    assert response.status_code == 400
    assert "agent" in response.json()


def test_unknown_agent_is_404(api_admin):
    assert api_admin.get(f"{AGENTS}999999/").status_code == 404


def test_team_crud(api_admin, agent):
    created = api_admin.post(
        TEAMS,
        {
            "name": "Billing",
            "assignment_strategy": "least_loaded",
            "auto_assign_priorities": ["critical"],
            "lead": agent.user_id,
            "is_default": True,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    team = Team.objects.get(pk=created.json()["id"])
    assert (team.lead, team.assignment_strategy, team.is_default) == (agent.user, "least_loaded", True)
    updated = api_admin.patch(f"{TEAMS}{team.pk}/", {"description": "Money matters"}, format="json")
    assert updated.status_code == 200
    assert updated.json()["description"] == "Money matters"
    assert api_admin.delete(f"{TEAMS}{team.pk}/").status_code == 204
    assert not Team.objects.filter(pk=team.pk).exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        pytest.param({"name": ""}, "name", id="blank-name"),
        pytest.param({"name": "   "}, "name", id="whitespace-name"),
        pytest.param({"name": "support"}, "name", id="duplicate-name"),
        pytest.param({"name": "New", "assignment_strategy": "random"}, "assignment_strategy", id="bad-strategy"),
        pytest.param({"name": "New", "auto_assign_priorities": ["urgent"]}, "auto_assign_priorities", id="bad-prio"),
        pytest.param({"name": "New", "is_default": True}, "is_default", id="second-default"),
        pytest.param({"name": "New", "lead": 999999}, "lead", id="unknown-lead"),
        pytest.param({"name": "New", "last_assigned_agent": 1}, "last_assigned_agent", id="not-writable"),
    ],
)
def test_team_validation(api_admin, payload, field):
    baker.make_recipe("tests.agents.team", name="Support", is_default=True)
    response = api_admin.post(TEAMS, payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_team_patch_validation(api_admin):
    first = baker.make_recipe("tests.agents.team", name="One")
    second = baker.make_recipe("tests.agents.team", name="Two")
    response = api_admin.patch(f"{TEAMS}{second.pk}/", {"name": first.name}, format="json")
    assert response.status_code == 400
    assert "name" in response.json()
