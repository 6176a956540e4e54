"""agents/selectors.py: whose agent profile, which role, who may be given a ticket. Expected
values are written out per kind of caller."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist

from agents.models import Role
from agents.selectors import agent_for_user, assignable_users, assignee_refusal, is_agent, user_role
from agents.services import agent_update, api_key_create

pytestmark = pytest.mark.django_db

NOT_ACTIVE = "Tickets can only be assigned to active agents."
VIEWER = "Tickets cannot be assigned to a viewer (the role is read-only)."
API_KEY = "Tickets cannot be assigned to an API key."


@pytest.fixture
def people(make_agent, customer_a, django_user_model):
    """One of every kind of caller, by name."""
    inactive = make_agent(Role.AGENT, email="gone@support.example.com")
    agent_update(agent=inactive, data={"is_active": False})
    inactive.user.refresh_from_db()
    key, _ = api_key_create(name="CRM sync", role=Role.AGENT)
    return {
        "admin": make_agent(Role.ADMIN, email="admin@support.example.com").user,
        "senior": make_agent(Role.SENIOR_AGENT, email="senior@support.example.com").user,
        "agent": make_agent(Role.AGENT, email="agent@support.example.com").user,
        "viewer": make_agent(Role.VIEWER, email="viewer@support.example.com").user,
        "inactive": inactive.user,
        "api key": key.user,
        "customer": customer_a.user,
        "superuser": django_user_model.objects.create_superuser(email="root@example.org", password="x"),
        "nobody": django_user_model.objects.create_user(email="nobody@example.org", password="x"),
        "anonymous": AnonymousUser(),
        "none": None,
    }


# name -> (role, is_agent, has an agent profile, why not assignable)
EXPECTED = {
    "admin": (Role.ADMIN, True, True, None),
    "senior": (Role.SENIOR_AGENT, True, True, None),
    "agent": (Role.AGENT, True, True, None),
    "viewer": (Role.VIEWER, True, True, VIEWER),
    "inactive": (Role.AGENT, True, True, NOT_ACTIVE),
    "api key": (Role.AGENT, True, True, API_KEY),
    "customer": ("customer", False, False, NOT_ACTIVE),
    "superuser": (Role.ADMIN, True, False, NOT_ACTIVE),
    "nobody": (None, False, False, NOT_ACTIVE),
    "anonymous": (None, False, False, NOT_ACTIVE),
    "none": (None, False, False, NOT_ACTIVE),
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_each_caller(people, name):
    role, agent_like, has_profile, refusal = EXPECTED[name]
    user = people[name]

    assert user_role(user) == role
    assert is_agent(user) is agent_like
    profile = agent_for_user(user)
    assert (profile is not None) is has_profile
    if has_profile:
        assert profile.user_id == user.pk
    assert assignee_refusal(user) == refusal


def test_a_role_is_exactly_the_agents_role_string(people):
    assert [user_role(people[n]) for n in ("admin", "senior", "agent", "viewer", "customer")] == [
        "admin",
        "senior_agent",
        "agent",
        "viewer",
        "customer",
    ]


def test_something_that_is_not_a_user_has_no_profile_and_no_role():
    class Stranger:
        """No `is_authenticated`, no `is_superuser`, no profile."""

    assert agent_for_user(Stranger()) is None  # type: ignore[arg-type]
    assert user_role(Stranger()) is None  # type: ignore[arg-type]
    assert assignee_refusal(Stranger()) == NOT_ACTIVE  # type: ignore[arg-type]


def test_an_agent_whose_login_is_a_superuser_keeps_the_agents_role(make_agent):
    user = make_agent(Role.VIEWER).user
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])

    assert user_role(user) == Role.VIEWER


def test_assignable_users_are_the_active_working_agents_only(people):
    assert sorted(assignable_users().values_list("email", flat=True)) == [
        "admin@support.example.com",
        "agent@support.example.com",
        "senior@support.example.com",
    ]


def test_disabling_the_login_makes_an_agent_unassignable(make_agent):
    """Active matters by itself: the same agent is assignable until the login is disabled."""
    agent = make_agent(Role.AGENT, email="soon-gone@support.example.com")
    assert list(assignable_users().values_list("email", flat=True)) == ["soon-gone@support.example.com"]
    assert assignee_refusal(agent.user) is None

    agent.user.is_active = False
    agent.user.save(update_fields=["is_active"])

    assert list(assignable_users()) == []
    assert assignee_refusal(agent.user) == NOT_ACTIVE


class _NoProfile:
    """A logged-in user of a model built on AbstractBaseUser alone: no `is_superuser` flag (no
    PermissionsMixin), no agent profile, no customer record."""

    is_authenticated = True

    @property
    def agent(self):
        raise ObjectDoesNotExist

    @property
    def customer(self):
        raise ObjectDoesNotExist


class _NoActiveFlag:
    """A logged-in working agent whose user object carries no `is_active` flag at all, and no API key."""

    is_authenticated = True
    agent = SimpleNamespace(role=Role.AGENT)

    @property
    def api_key(self):
        raise ObjectDoesNotExist


def test_a_user_without_the_superuser_flag_is_not_an_admin():
    assert user_role(_NoProfile()) is None  # type: ignore[arg-type]
    assert is_agent(_NoProfile()) is False  # type: ignore[arg-type]


def test_a_user_without_the_superuser_flag_but_with_a_customer_record_is_a_customer():
    class Customer(_NoProfile):
        customer = SimpleNamespace(pk=1)

    assert user_role(Customer()) == "customer"  # type: ignore[arg-type]


def test_an_agent_without_an_active_flag_counts_as_inactive():
    assert assignee_refusal(_NoActiveFlag()) == NOT_ACTIVE  # type: ignore[arg-type]

    class Active(_NoActiveFlag):
        is_active = True

    assert assignee_refusal(Active()) is None  # type: ignore[arg-type]
