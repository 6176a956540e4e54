"""API plumbing that the endpoint tests reach only partly: services behind the API, the
idempotency wrapper, the default pagination's ordering fallback, the comment author name."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from model_bakery import baker
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate

from agents.models import Agent, Role, Team
from agents.services import agent_update, api_key_create, team_create, team_update
from config.api.idempotency import idempotent
from config.api.models import IdempotencyKey
from config.api.pagination import DefaultCursorPagination
from customers.services import (
    customer_delete,
    customer_grant_portal_access,
    organization_update,
)


def test_idempotent_releases_the_key_when_the_handler_answers_an_error(agent):
    factory = APIRequestFactory()
    raw = factory.post("/x/", {"a": 1}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    force_authenticate(raw, user=agent.user)
    request = Request(raw, parsers=[JSONParser()])
    request.user = agent.user
    response = idempotent(request, lambda: Response({"detail": "nope"}, status=409))
    assert response.status_code == 409
    assert not IdempotencyKey.objects.exists()


@pytest.mark.parametrize(
    ("model", "expected"),
    [pytest.param(Team, ("name",), id="meta-ordering"), pytest.param(Agent, ("-pk",), id="fallback-pk")],
)
def test_pagination_orders_by_model_when_the_view_declares_nothing(db, model, expected):
    paginator = DefaultCursorPagination()
    view = SimpleNamespace(filter_backends=[])
    assert paginator.get_ordering(None, model.objects.all(), view) == expected


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


def test_portal_access_refused_for_an_erased_customer(db):
    from django.utils import timezone

    customer = baker.make_recipe("tests.customers.customer", erased_at=timezone.now())
    with pytest.raises(ValidationError) as exc:
        customer_grant_portal_access(customer=customer, password="zebra-crossing-77")
    assert "customer" in exc.value.message_dict


def test_customer_delete_keeps_an_agent_login(agent):
    customer = baker.make_recipe("tests.customers.customer", user=agent.user)
    customer_delete(customer=customer)
    agent.user.refresh_from_db()
    assert agent.user.is_active


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param({"crm": 1}, "crm", id="unknown"),
        pytest.param({"name": ""}, "name", id="blank"),
        pytest.param({"default_tier": "gold"}, "default_tier", id="tier"),
    ],
)
def test_organization_update_refuses(org_a, data, field):
    with pytest.raises(ValidationError) as exc:
        organization_update(organization=org_a, data=data)
    assert field in exc.value.message_dict


def test_comment_author_name_for_system_comments(ticket):
    from tickets.api.serializers import CommentSerializer

    comment = baker.make_recipe("tests.tickets.comment", ticket=ticket, author=None, customer=None)
    assert CommentSerializer(comment).data["author_name"] is None
