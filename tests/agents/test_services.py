"""Agents' writes: roles map to groups and permissions; agent_create and agent_update keep them in step."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from model_bakery import baker

from agents.models import Agent, Role
from agents.roles import ROLE_GROUP_NAMES, ROLE_PERMISSIONS
from agents.services import agent_create, agent_update, api_key_create, role_groups_sync, team_create, team_update

pytestmark = pytest.mark.django_db


def test_groups_exist_after_migrate_with_their_permissions():
    for role, name in ROLE_GROUP_NAMES.items():
        group = Group.objects.get(name=name)
        perms = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
        assert perms == set(ROLE_PERMISSIONS[role])


def test_role_groups_sync_is_idempotent_and_repairs_drift():
    viewer = Group.objects.get(name="Viewer")
    viewer.permissions.add(*Group.objects.get(name="Admin").permissions.all())
    Group.objects.get(name="Agent").delete()
    role_groups_sync()
    role_groups_sync()
    assert Group.objects.filter(name__in=ROLE_GROUP_NAMES.values()).count() == 4
    assert not Group.objects.get(name="Viewer").permissions.exclude(codename__startswith="view_").exists()


@pytest.mark.parametrize(
    ("role", "allowed", "denied"),
    [
        pytest.param(
            Role.VIEWER,
            {"tickets.view_ticket", "customers.view_customer", "tickets.view_ticketevent"},
            {"tickets.change_ticket", "tickets.add_comment", "customers.change_customer", "tickets.delete_ticket"},
            id="viewer-looks",
        ),
        pytest.param(
            Role.AGENT,
            {"tickets.change_ticket", "tickets.add_ticket", "tickets.add_comment"},
            {"tickets.delete_ticket", "customers.change_customer", "customers.delete_customer"},
            id="agent-works-never-deletes",
        ),
        pytest.param(
            Role.SENIOR_AGENT,
            {"tickets.change_ticket", "customers.change_customer", "customers.add_customer"},
            {"tickets.delete_ticket", "customers.delete_customer", "customers.change_organization"},
            id="senior-also-edits-customers",
        ),
        pytest.param(
            Role.ADMIN,
            {"tickets.delete_ticket", "customers.delete_customer", "agents.change_agent"},
            set(),
            id="admin-everything",
        ),
    ],
)
def test_role_permissions(make_agent, role, allowed, denied):
    user = make_agent(role).user
    assert user.is_staff is True
    assert user.is_superuser is (role == Role.ADMIN)
    assert all(user.has_perm(p) for p in allowed)
    assert not any(user.has_perm(p) for p in denied)
    assert list(user.groups.values_list("name", flat=True)) == [ROLE_GROUP_NAMES[role]]


def test_agent_create_validates_every_field(make_agent):
    make_agent(Role.AGENT, email="taken@support.example")
    with pytest.raises(ValidationError) as exc:
        agent_create(email="TAKEN@support.example", role="boss", password="123")
    assert set(exc.value.message_dict) == {"email", "role", "password"}
    with pytest.raises(ValidationError) as exc:
        agent_create(email="not-an-email")
    assert "email" in exc.value.message_dict


def test_agent_create_sets_profile_and_teams():
    team = baker.make_recipe("tests.agents.team")
    agent = agent_create(
        email=" New@Support.example ", name="New", teams=[team], skills=["billing"], max_open_tickets=5
    )
    assert agent.user.email == "new@support.example"
    assert list(agent.teams.all()) == [team]
    assert (agent.skills, agent.max_open_tickets, agent.role) == (["billing"], 5, Role.AGENT)
    assert agent.user.has_usable_password() is False


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param(Role.AGENT, Role.ADMIN, id="promote-to-admin"),
        pytest.param(Role.ADMIN, Role.VIEWER, id="demote-admin"),
        pytest.param(Role.VIEWER, Role.SENIOR_AGENT, id="viewer-to-senior"),
    ],
)
def test_agent_update_role_moves_group_and_superuser(make_agent, admin_agent, old, new):
    agent = make_agent(old)
    custom = Group.objects.create(name="Night shift")
    agent.user.groups.add(custom)
    agent = agent_update(agent=agent, data={"role": new}, actor=admin_agent.user)
    user = type(agent.user).objects.get(pk=agent.user_id)
    assert Agent.objects.get(pk=agent.pk).role == new
    assert user.is_superuser is (new == Role.ADMIN)
    assert set(user.groups.values_list("name", flat=True)) == {ROLE_GROUP_NAMES[new], "Night shift"}


def test_agent_update_profile_and_login_fields(agent, admin_agent):
    team = baker.make_recipe("tests.agents.team")
    agent = agent_update(
        agent=agent,
        data={
            "name": "Renamed",
            "teams": [team],
            "skills": ["technical"],
            "max_open_tickets": 3,
            "is_available": False,
            "is_active": False,
        },
        actor=admin_agent.user,
    )
    agent.refresh_from_db()
    agent.user.refresh_from_db()
    assert (agent.user.name, agent.user.is_active) == ("Renamed", False)
    assert (agent.skills, agent.max_open_tickets, agent.is_available) == (["technical"], 3, False)
    assert list(agent.teams.all()) == [team]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param({"role": "boss"}, "role", id="unknown-role"),
        pytest.param({"email": "x@y.example"}, "email", id="not-updatable"),
        pytest.param({"max_open_tickets": -1}, "max_open_tickets", id="negative-capacity"),
        pytest.param({"max_open_tickets": "5"}, "max_open_tickets", id="capacity-not-int"),
        pytest.param({"skills": "billing"}, "skills", id="skills-not-a-list"),
    ],
)
def test_agent_update_rejects_bad_input(agent, data, field):
    with pytest.raises(ValidationError) as exc:
        agent_update(agent=agent, data=data)
    assert field in exc.value.message_dict


def test_admin_cannot_lock_themselves_out(admin_agent):
    with pytest.raises(ValidationError) as exc:
        agent_update(agent=admin_agent, data={"role": Role.AGENT, "is_active": False}, actor=admin_agent.user)
    assert set(exc.value.message_dict) == {"role", "is_active"}
    admin_agent.user.refresh_from_db()
    assert admin_agent.user.is_superuser is True


def test_agent_create_recreates_a_missing_role_group():
    Group.objects.filter(name="Viewer").delete()
    agent = agent_create(email="late@support.example", role=Role.VIEWER)
    assert list(agent.user.groups.values_list("name", flat=True)) == ["Viewer"]
    assert agent.user.has_perm("tickets.view_ticket")


def test_api_key_expiry_set_cleared_and_refused_once_revoked(admin_agent):
    from datetime import timedelta

    from django.utils import timezone

    from agents.models import ApiKey
    from agents.services import api_key_create, api_key_revoke, api_key_set_expiry

    api_key, plain = api_key_create(name="Integration", role=Role.AGENT, actor=admin_agent.user)
    past = timezone.now() - timedelta(minutes=1)

    api_key_set_expiry(api_key=api_key, expiry_date=past, actor=admin_agent.user)
    assert ApiKey.objects.get(pk=api_key.pk).has_expired
    assert not ApiKey.objects.is_valid(plain)

    api_key_set_expiry(api_key=api_key, expiry_date=None, actor=admin_agent.user)
    assert ApiKey.objects.is_valid(plain)

    api_key_revoke(api_key=api_key, actor=admin_agent.user)
    with pytest.raises(ValidationError) as exc:
        api_key_set_expiry(api_key=api_key, expiry_date=past, actor=admin_agent.user)
    assert "expiry_date" in exc.value.message_dict


@pytest.mark.parametrize(
    ("data", "field"),
    [pytest.param({"email": "x@y.z"}, "email", id="unknown"), pytest.param({"role": "boss"}, "role", id="role")],
)
def test_agent_update_refuses(agent, data, field):
    with pytest.raises(ValidationError) as exc:
        agent_update(agent=agent, data=data)
    assert field in exc.value.message_dict


def test_team_services_refuse_unknown_fields(db):
    with pytest.raises(ValidationError) as exc:
        team_create(name="A", last_assigned_agent=None)
    assert "last_assigned_agent" in exc.value.message_dict
    team = team_create(name="B")
    with pytest.raises(ValidationError) as exc:
        team_update(team=team, data={"created_at": None})
    assert "created_at" in exc.value.message_dict


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        pytest.param({"name": " "}, "name", id="blank"),
        pytest.param({"name": "x", "role": "customer"}, "role", id="role"),
    ],
)
def test_api_key_create_refuses(db, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        api_key_create(**kwargs)
    assert field in exc.value.message_dict


def test_api_key_service_user_is_never_assignable(db):
    api_key, _ = api_key_create(name="Robot", role=Role.SENIOR_AGENT)
    profile = api_key.user.agent
    assert (profile.role, profile.is_available, profile.max_open_tickets) == (Role.SENIOR_AGENT, False, 0)
    assert api_key.user.has_usable_password() is False
    assert api_key.user.is_staff is False


def test_api_key_create_stores_its_expiry_and_a_lower_case_service_login(db):
    expiry = datetime(2027, 1, 1, 12, 0, tzinfo=UTC)
    key, _ = api_key_create(name="Billing sync", expiry_date=expiry)
    key.refresh_from_db()
    assert key.expiry_date == expiry
    assert key.user.email == f"api-key-{key.prefix.lower()}@api-keys.invalid"
