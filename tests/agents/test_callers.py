"""The caller cache (agents/callers.py): an authenticated request reads its user, agent profile and
customer record from the cache, and any save or delete of those rows applies from the next request."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from model_bakery import baker

from agents.callers import caller_get
from agents.models import Role

pytestmark = pytest.mark.django_db


def test_a_cold_caller_costs_one_query_and_a_warm_one_none(agent, django_assert_num_queries):
    with django_assert_num_queries(1):
        cold = caller_get(agent.user_id)
    with django_assert_num_queries(0):
        warm = caller_get(agent.user_id)
        assert warm.agent.role == Role.AGENT  # the profile came along: no query for the role
    assert cold == warm == agent.user


def test_a_user_who_does_not_exist_is_none_and_not_cached(django_assert_num_queries):
    assert caller_get(987654) is None
    with django_assert_num_queries(1):
        assert caller_get(987654) is None


@pytest.mark.parametrize(
    ("change", "status"),
    [
        pytest.param(lambda agent: setattr(agent.user, "is_active", False) or agent.user.save(), 401, id="deactivated"),
        pytest.param(lambda agent: agent.user.delete(), 401, id="deleted"),
        pytest.param(lambda agent: setattr(agent, "role", Role.VIEWER) or agent.save(), 403, id="made-viewer"),
        pytest.param(lambda agent: agent.delete(), 403, id="profile-removed"),
    ],
)
def test_a_change_to_the_caller_applies_from_the_next_request(api_client_for, agent, customer_a, change, status):
    client = api_client_for(agent.user)
    payload = {"title": "Printer on fire", "customer_email": customer_a.email}
    assert client.get("/api/v1/tickets/").status_code == 200  # the caller is cached now
    assert cache.get(f"caller:{agent.user_id}") is not None
    change(agent)
    assert client.post("/api/v1/tickets/", payload, format="json").status_code == status


def test_a_new_customer_record_applies_from_the_next_request(api_client_for, django_user_model, org_a):
    user = django_user_model.objects.create_user(email="late@acme.example", password="x" * 12)
    client = api_client_for(user)
    assert client.get("/api/v1/tickets/").status_code == 403  # neither agent nor customer yet
    baker.make("customers.Customer", user=user, email=user.email, organization=org_a)
    assert client.get("/api/v1/tickets/").status_code == 200
