"""agents/services.py, value by value: exact refusals, the stored login and profile, teams, API
keys' service users, and how a role change moves groups and flags."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from model_bakery import baker

from agents.models import Agent, ApiKey, Role, Team
from agents.services import (
    agent_create,
    agent_deactivate,
    agent_update,
    api_key_create,
    api_key_revoke,
    api_key_set_expiry,
    role_groups_sync,
    team_create,
    team_delete,
    team_update,
)

pytestmark = pytest.mark.django_db

User = get_user_model()
ROLE_CHOICES = "admin, senior_agent, agent, viewer"


# --- agent_create -----------------------------------------------------------------------------


def test_agent_create_stores_the_login_and_profile_exactly():
    team = baker.make_recipe("tests.agents.team", name="Tier 2")
    agent = agent_create(
        email="Sam@Support.example",
        name="Sam",
        role=Role.SENIOR_AGENT,
        teams=[team],
        password="correct-horse-battery-staple",
        skills=["billing"],
        max_open_tickets=7,
    )
    user = User.objects.get(pk=agent.user_id)
    assert (user.email, user.name, user.is_staff, user.is_superuser, user.is_active) == (
        "sam@support.example",
        "Sam",
        True,
        False,
        True,
    )
    assert user.check_password("correct-horse-battery-staple")
    profile = Agent.objects.get(pk=agent.pk)
    assert (profile.role, profile.skills, profile.max_open_tickets, list(profile.teams.all())) == (
        "senior_agent",
        ["billing"],
        7,
        [team],
    )
    assert list(user.groups.values_list("name", flat=True)) == ["Senior agent"]


def test_agent_create_defaults():
    agent = agent_create(email="plain@support.example")
    user = User.objects.get(pk=agent.user_id)
    assert (user.name, user.is_superuser, user.has_usable_password()) == ("", False, False)
    profile = Agent.objects.get(pk=agent.pk)
    assert (profile.role, profile.skills, profile.max_open_tickets, list(profile.teams.all())) == ("agent", [], 20, [])


def test_an_admin_is_a_superuser():
    agent = agent_create(email="boss@support.example", role=Role.ADMIN)
    assert User.objects.get(pk=agent.user_id).is_superuser is True


def test_agent_create_refusals_are_exact(make_agent):
    make_agent(Role.AGENT, email="taken@support.example")
    with pytest.raises(ValidationError) as exc:
        agent_create(email="TAKEN@support.example", role="boss")
    assert exc.value.message_dict == {
        "email": ["A user with this email already exists."],
        "role": [f"'boss' is not a valid role; use one of: {ROLE_CHOICES}."],
    }
    with pytest.raises(ValidationError) as exc:
        agent_create(email="new@support.example", name="New Person", password="new@support.example")
    assert list(exc.value.message_dict) == ["password"]
    assert "The password is too similar to the email address." in exc.value.message_dict["password"]
    with pytest.raises(ValidationError) as exc:
        agent_create(email="not-an-email")
    assert exc.value.message_dict == {"email": ["Enter a valid email address."]}
    assert not User.objects.filter(email="new@support.example").exists()


# --- agent_deactivate -------------------------------------------------------------------------


def test_agent_deactivate_exactly(agent, admin_agent):
    agent_deactivate(agent=agent, actor=admin_agent.user)
    fresh = Agent.objects.select_related("user").get(pk=agent.pk)
    assert (fresh.user.is_active, fresh.is_available) == (False, False)


def test_an_agent_cannot_deactivate_themself(admin_agent):
    with pytest.raises(ValidationError) as exc:
        agent_deactivate(agent=admin_agent, actor=admin_agent.user)
    assert exc.value.message_dict == {"agent": ["You cannot deactivate yourself."]}
    assert User.objects.get(pk=admin_agent.user_id).is_active is True


def test_the_system_may_deactivate_anyone(agent):
    agent_deactivate(agent=agent)
    assert User.objects.get(pk=agent.user_id).is_active is False


# --- teams ------------------------------------------------------------------------------------


def test_team_create_exactly(agent):
    team = team_create(
        name="  Night shift ",
        description="After hours",
        email="night@support.example",
        lead=agent.user,
        assignment_strategy="least_loaded",
        auto_assign_priorities=["critical"],
        is_default=True,
    )
    stored = Team.objects.get(pk=team.pk)
    assert (stored.name, stored.description, stored.email, stored.lead, stored.assignment_strategy) == (
        "Night shift",
        "After hours",
        "night@support.example",
        agent.user,
        "least_loaded",
    )
    assert (stored.auto_assign_priorities, stored.is_default) == (["critical"], True)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param({"name": "  "}, {"name": ["This field may not be blank."]}, id="blank"),
        pytest.param({"name": None}, {"name": ["This field may not be blank."]}, id="none"),
        pytest.param({"name": "FRONT DESK"}, {"name": ["A team with this name already exists."]}, id="taken"),
        pytest.param(
            {"name": "X", "assignment_strategy": "random"},
            {"assignment_strategy": ["Use one of: round_robin, least_loaded, skills, seniority."]},
            id="strategy",
        ),
        pytest.param(
            {"name": "X", "auto_assign_priorities": ["urgent"]},
            {"auto_assign_priorities": ["A list of priorities: low, medium, high, critical."]},
            id="priorities",
        ),
        pytest.param(
            {"name": "X", "auto_assign_priorities": "high"},
            {"auto_assign_priorities": ["A list of priorities: low, medium, high, critical."]},
            id="priorities-not-a-list",
        ),
        pytest.param(
            {"name": "X", "is_default": True},
            {"is_default": ["Another team is already the default team."]},
            id="default",
        ),
        pytest.param({"name": "X", "colour": "red"}, {"colour": ["This field cannot be set."]}, id="unknown"),
    ],
)
def test_team_create_refusals_are_exact(fields, expected):
    team_create(name="Front desk", is_default=True)
    with pytest.raises(ValidationError) as exc:
        team_create(**fields)
    assert exc.value.message_dict == expected
    assert Team.objects.count() == 1


def test_team_create_reports_every_error_at_once():
    with pytest.raises(ValidationError) as exc:
        team_create(name="", assignment_strategy="x", auto_assign_priorities=["x"])
    assert set(exc.value.message_dict) == {"name", "assignment_strategy", "auto_assign_priorities"}


def test_team_update_exactly():
    team = team_create(name="Front desk", is_default=True)
    team = team_update(team=team, data={"name": "front desk", "is_default": True, "auto_assign_priorities": []})
    stored = Team.objects.get(pk=team.pk)
    assert (stored.name, stored.is_default, stored.auto_assign_priorities) == ("front desk", True, [])
    other = team_create(name="Back office")
    with pytest.raises(ValidationError) as exc:
        team_update(team=other, data={"name": "Front Desk"})
    assert exc.value.message_dict == {"name": ["A team with this name already exists."]}
    with pytest.raises(ValidationError) as exc:
        team_update(team=other, data={"is_default": True})
    assert exc.value.message_dict == {"is_default": ["Another team is already the default team."]}
    with pytest.raises(ValidationError) as exc:
        team_update(team=other, data={"created_at": None})
    assert exc.value.message_dict == {"created_at": ["This field cannot be changed."]}
    team_update(team=other, data={"is_default": False, "description": "Paper"})
    assert Team.objects.get(pk=other.pk).description == "Paper"


def test_team_delete_keeps_its_tickets(ticket):
    team = team_create(name="Gone soon")
    ticket.team = team
    ticket.save()
    team_delete(team=team)
    assert not Team.objects.filter(pk=team.pk).exists()
    ticket.refresh_from_db()
    assert ticket.team is None


# --- API keys ---------------------------------------------------------------------------------


def test_api_key_create_exactly(admin_agent):
    api_key, plain = api_key_create(name="  CRM sync  ", role=Role.VIEWER, actor=admin_agent.user)
    stored = ApiKey.objects.select_related("user").get(pk=api_key.pk)
    assert (stored.name, stored.role, stored.created_by, stored.expiry_date, stored.revoked) == (
        "CRM sync",
        "viewer",
        admin_agent.user,
        None,
        False,
    )
    assert ApiKey.objects.is_valid(plain)
    user = stored.user
    assert (user.email, user.name, user.is_staff, user.has_usable_password()) == (
        f"api-key-{stored.prefix.lower()}@api-keys.invalid",
        "API key: CRM sync",
        False,
        False,
    )
    profile = user.agent
    assert (profile.role, profile.is_available, profile.max_open_tickets) == ("viewer", False, 0)


def test_api_key_names_are_cut_to_the_columns(db):
    api_key, _ = api_key_create(name="n" * 200)
    stored = ApiKey.objects.select_related("user").get(pk=api_key.pk)
    assert (stored.name, stored.user.name) == ("n" * 50, ("API key: " + "n" * 200)[:150])
    assert stored.role == "agent"


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        pytest.param({"name": " "}, {"name": ["This field may not be blank."]}, id="blank"),
        pytest.param({"name": None}, {"name": ["This field may not be blank."]}, id="none"),
        pytest.param(
            {"name": "", "role": "customer"},
            {
                "name": ["This field may not be blank."],
                "role": [f"'customer' is not a valid role; use one of: {ROLE_CHOICES}."],
            },
            id="both",
        ),
    ],
)
def test_api_key_create_refusals_are_exact(db, kwargs, expected):
    with pytest.raises(ValidationError) as exc:
        api_key_create(**kwargs)
    assert exc.value.message_dict == expected
    assert not ApiKey.objects.exists()


def test_api_key_revoke_and_expiry_exactly(db):
    api_key, plain = api_key_create(name="Revoke me")
    from datetime import UTC, datetime

    when = datetime(2030, 1, 1, tzinfo=UTC)
    api_key_set_expiry(api_key=api_key, expiry_date=when)
    assert ApiKey.objects.get(pk=api_key.pk).expiry_date == when
    assert api_key_revoke(api_key=api_key) == api_key
    assert ApiKey.objects.get(pk=api_key.pk).revoked is True
    api_key_revoke(api_key=api_key)  # again: still revoked, no error
    assert not ApiKey.objects.is_valid(plain)
    with pytest.raises(ValidationError) as exc:
        api_key_set_expiry(api_key=api_key, expiry_date=None)
    assert exc.value.message_dict == {"expiry_date": ["A revoked key cannot be changed."]}
    assert ApiKey.objects.get(pk=api_key.pk).expiry_date == when


# --- roles, groups, agent_update --------------------------------------------------------------


def test_role_groups_sync_returns_the_group_of_each_role():
    groups = role_groups_sync()
    assert {role: group.name for role, group in groups.items()} == {
        "viewer": "Viewer",
        "agent": "Agent",
        "senior_agent": "Senior agent",
        "admin": "Admin",
    }
    assert groups[Role.VIEWER].permissions.filter(codename="view_ticket").exists()
    assert not groups[Role.VIEWER].permissions.filter(codename="change_ticket").exists()


def test_a_role_change_makes_a_non_staff_login_staff(make_agent):
    agent = make_agent(Role.AGENT)
    User.objects.filter(pk=agent.user_id).update(is_staff=False)
    agent.user.refresh_from_db()
    agent_update(agent=agent, data={"role": Role.VIEWER})
    user = User.objects.get(pk=agent.user_id)
    assert (user.is_staff, user.is_superuser, list(user.groups.values_list("name", flat=True))) == (
        True,
        False,
        ["Viewer"],
    )


def test_agent_update_stores_every_profile_field(agent, admin_agent):
    agent = agent_update(
        agent=agent,
        data={"ticket_scope": "assigned", "notify_followed": "public", "notify_mentions": False, "is_available": False},
        actor=admin_agent.user,
    )
    fresh = Agent.objects.get(pk=agent.pk)
    assert (fresh.ticket_scope, fresh.notify_followed, fresh.notify_mentions, fresh.is_available) == (
        "assigned",
        "public",
        False,
        False,
    )


def test_agent_update_with_teams_only_keeps_the_role(agent):
    team = baker.make_recipe("tests.agents.team")
    agent_update(agent=agent, data={"teams": [team]})
    fresh = Agent.objects.get(pk=agent.pk)
    assert (fresh.role, list(fresh.teams.all())) == ("agent", [team])
    agent_update(agent=agent, data={"name": "Only the name"})
    assert list(Agent.objects.get(pk=agent.pk).teams.all()) == [team]


def test_agent_update_refusals_are_exact(agent):
    with pytest.raises(ValidationError) as exc:
        agent_update(
            agent=agent,
            data={
                "ticket_scope": "mine",
                "notify_followed": "some",
                "notify_mentions": "yes",
                "role": "boss",
                "max_open_tickets": -1,
                "skills": ["billing", ""],
            },
        )
    assert exc.value.message_dict == {
        "ticket_scope": ["'mine' is not a valid scope; use one of: all, teams, assigned."],
        "notify_followed": ["Use one of: all, public, none."],
        "notify_mentions": ["Must be true or false."],
        "role": [f"'boss' is not a valid role; use one of: {ROLE_CHOICES}."],
        "max_open_tickets": ["Enter a whole number, 0 or more."],
        "skills": ["Skills must be a list of category slugs."],
    }


@pytest.mark.parametrize(
    ("data", "ok"),
    [
        pytest.param({"max_open_tickets": 0}, True, id="zero-capacity"),
        pytest.param({"max_open_tickets": "3"}, False, id="capacity-text"),
        pytest.param({"skills": []}, True, id="no-skills"),
        pytest.param({"skills": "billing"}, False, id="skills-text"),
        pytest.param({"skills": ["billing", 3]}, False, id="skills-number"),
        pytest.param({"notify_mentions": True}, True, id="mentions-true"),
        pytest.param({"notify_mentions": 1}, False, id="mentions-one"),
        pytest.param({"ticket_scope": "teams"}, True, id="scope-teams"),
        pytest.param({"notify_followed": "none"}, True, id="followed-none"),
    ],
)
def test_agent_update_edges(agent, data, ok):
    if ok:
        agent_update(agent=agent, data=data)
        fresh = Agent.objects.get(pk=agent.pk)
        assert {key: getattr(fresh, key) for key in data} == data
    else:
        with pytest.raises(ValidationError) as exc:
            agent_update(agent=agent, data=data)
        assert list(exc.value.message_dict) == list(data)


def test_an_admin_cannot_lock_themself_out_exactly(admin_agent):
    with pytest.raises(ValidationError) as exc:
        agent_update(agent=admin_agent, data={"role": Role.AGENT, "is_active": False}, actor=admin_agent.user)
    assert exc.value.message_dict == {
        "role": ["You cannot remove your own admin role."],
        "is_active": ["You cannot deactivate your own login."],
    }
    # Keeping the role, or being changed by somebody else, is fine.
    agent_update(agent=admin_agent, data={"role": Role.ADMIN, "is_active": True}, actor=admin_agent.user)
    agent_update(agent=admin_agent, data={"name": "Still me"}, actor=admin_agent.user)


def test_another_admin_may_demote_and_deactivate_an_admin(admin_agent, make_agent):
    other = make_agent(Role.ADMIN)
    agent_update(agent=other, data={"role": Role.AGENT, "is_active": False}, actor=admin_agent.user)
    user = User.objects.get(pk=other.user_id)
    assert (Agent.objects.get(pk=other.pk).role, user.is_active, user.is_superuser) == ("agent", False, False)


def test_a_non_admin_may_deactivate_nobody_but_change_their_own_role_freely(make_agent):
    senior = make_agent(Role.SENIOR_AGENT)
    agent_update(agent=senior, data={"role": Role.AGENT}, actor=senior.user)
    assert Agent.objects.get(pk=senior.pk).role == "agent"
    with pytest.raises(ValidationError) as exc:
        agent_update(agent=senior, data={"is_active": False}, actor=senior.user)
    assert exc.value.message_dict == {"is_active": ["You cannot deactivate your own login."]}


def test_a_missing_role_group_is_recreated_on_a_role_change(agent):
    Group.objects.filter(name="Admin").delete()
    agent_update(agent=agent, data={"role": Role.ADMIN})
    assert list(User.objects.get(pk=agent.user_id).groups.values_list("name", flat=True)) == ["Admin"]
