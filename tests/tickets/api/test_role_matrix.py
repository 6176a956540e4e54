"""The role x endpoint x method matrix of the API contract, as one table of expected status codes.

Each row is an endpoint and a method; each column a caller. Another organisation's ticket is a
404 (never a 403) for a customer, whatever the method."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from model_bakery import baker

from agents.models import Role
from agents.services import api_key_create

ROLES = ("admin", "senior", "agent", "viewer", "cust_a", "cust_b", "anon")
CLIENT_FIXTURE = {
    "admin": "api_admin",
    "senior": "api_senior_agent",
    "agent": "api_agent",
    "viewer": "api_viewer",
    "cust_a": "api_customer_a",
    "cust_b": "api_customer_b",
    "anon": "api_client",
}
AGENT_BODY_TICKET = {"title": "Printer on fire", "customer_email": "new@example.org", "priority": "high"}
CUSTOMER_BODY_TICKET = {"title": "Printer on fire", "description": "Flames."}


def expect(admin, senior, agent, viewer, cust_a, cust_b, anon=401):
    return dict(zip(ROLES, (admin, senior, agent, viewer, cust_a, cust_b, anon), strict=True))


# (id, method, path template, body for agents, body for customers, expected per role)
MATRIX = [
    ("me", "get", "/api/v1/me/", None, None, expect(200, 200, 200, 200, 200, 200)),
    ("tickets-list", "get", "/api/v1/tickets/", None, None, expect(200, 200, 200, 200, 200, 200)),
    (
        "tickets-create",
        "post",
        "/api/v1/tickets/",
        AGENT_BODY_TICKET,
        CUSTOMER_BODY_TICKET,
        expect(201, 201, 201, 403, 201, 201),
    ),
    ("ticket-a-read", "get", "/api/v1/tickets/{ticket_a}/", None, None, expect(200, 200, 200, 200, 200, 404)),
    ("ticket-b-read", "get", "/api/v1/tickets/{ticket_b}/", None, None, expect(200, 200, 200, 200, 404, 200)),
    (
        "ticket-a-patch",
        "patch",
        "/api/v1/tickets/{ticket_a}/",
        {"priority": "high"},
        {"status": "closed"},
        expect(200, 200, 200, 403, 200, 404),
    ),
    ("ticket-a-delete", "delete", "/api/v1/tickets/{ticket_a}/", None, None, expect(204, 403, 403, 403, 403, 404)),
    (
        "ticket-a-comments-read",
        "get",
        "/api/v1/tickets/{ticket_a}/comments/",
        None,
        None,
        expect(200, 200, 200, 200, 200, 404),
    ),
    (
        "ticket-a-comment",
        "post",
        "/api/v1/tickets/{ticket_a}/comments/",
        {"body": "On it."},
        {"body": "Thanks"},
        expect(201, 201, 201, 403, 201, 404),
    ),
    ("ticket-a-events", "get", "/api/v1/tickets/{ticket_a}/events/", None, None, expect(200, 200, 200, 200, 403, 404)),
    (
        "ticket-a-assign",
        "post",
        "/api/v1/tickets/{ticket_a}/assign/",
        {"agent": "{agent_user}"},
        {"agent": None},
        expect(200, 200, 200, 403, 403, 404),
    ),
    ("ticket-missing", "get", "/api/v1/tickets/999999/", None, None, expect(404, 404, 404, 404, 404, 404)),
    ("customers-list", "get", "/api/v1/customers/", None, None, expect(200, 200, 200, 200, 403, 403)),
    (
        "customers-create",
        "post",
        "/api/v1/customers/",
        {"email": "carol@example.org"},
        {"email": "c@example.org"},
        expect(201, 201, 403, 403, 403, 403),
    ),
    ("customer-read", "get", "/api/v1/customers/{customer}/", None, None, expect(200, 200, 200, 200, 403, 403)),
    (
        "customer-patch",
        "patch",
        "/api/v1/customers/{customer}/",
        {"name": "Dora"},
        {"name": "Dora"},
        expect(200, 200, 403, 403, 403, 403),
    ),
    ("customer-delete", "delete", "/api/v1/customers/{customer}/", None, None, expect(204, 403, 403, 403, 403, 403)),
    (
        "customer-portal-access",
        "post",
        "/api/v1/customers/{customer}/portal-access/",
        {"password": "a-long-passphrase-42"},
        {"password": "a-long-passphrase-42"},
        expect(201, 403, 403, 403, 403, 403),
    ),
    ("organizations-list", "get", "/api/v1/organizations/", None, None, expect(200, 200, 200, 200, 403, 403)),
    (
        "organizations-create",
        "post",
        "/api/v1/organizations/",
        {"name": "Initech"},
        {"name": "Initech"},
        expect(201, 403, 403, 403, 403, 403),
    ),
    ("organization-read", "get", "/api/v1/organizations/{org}/", None, None, expect(200, 200, 200, 200, 403, 403)),
    (
        "organization-patch",
        "patch",
        "/api/v1/organizations/{org}/",
        {"notes": "VIP"},
        {"notes": "VIP"},
        expect(200, 403, 403, 403, 403, 403),
    ),
    ("organization-delete", "delete", "/api/v1/organizations/{org}/", None, None, expect(204, 403, 403, 403, 403, 403)),
    ("agents-list", "get", "/api/v1/agents/", None, None, expect(200, 200, 200, 200, 403, 403)),
    (
        "agents-create",
        "post",
        "/api/v1/agents/",
        {"email": "eve@support.example.com", "role": "agent"},
        {"email": "eve@support.example.com"},
        expect(201, 403, 403, 403, 403, 403),
    ),
    ("agent-read", "get", "/api/v1/agents/{agent_user}/", None, None, expect(200, 200, 200, 200, 403, 403)),
    (
        "agent-patch",
        "patch",
        "/api/v1/agents/{agent_user}/",
        {"is_available": False},
        {"is_available": False},
        expect(200, 403, 403, 403, 403, 403),
    ),
    ("agent-delete", "delete", "/api/v1/agents/{agent_user}/", None, None, expect(204, 403, 403, 403, 403, 403)),
    ("teams-list", "get", "/api/v1/teams/", None, None, expect(200, 200, 200, 200, 403, 403)),
    (
        "teams-create",
        "post",
        "/api/v1/teams/",
        {"name": "Billing"},
        {"name": "Billing"},
        expect(201, 403, 403, 403, 403, 403),
    ),
    ("team-read", "get", "/api/v1/teams/{team}/", None, None, expect(200, 200, 200, 200, 403, 403)),
    (
        "team-patch",
        "patch",
        "/api/v1/teams/{team}/",
        {"description": "Money"},
        {"description": "Money"},
        expect(200, 403, 403, 403, 403, 403),
    ),
    ("team-delete", "delete", "/api/v1/teams/{team}/", None, None, expect(204, 403, 403, 403, 403, 403)),
    ("api-keys-list", "get", "/api/v1/api-keys/", None, None, expect(200, 403, 403, 403, 403, 403)),
    (
        "api-keys-create",
        "post",
        "/api/v1/api-keys/",
        {"name": "CRM", "role": "agent"},
        {"name": "CRM"},
        expect(201, 403, 403, 403, 403, 403),
    ),
    ("api-key-revoke", "delete", "/api/v1/api-keys/{api_key}/", None, None, expect(204, 403, 403, 403, 403, 403)),
]

CASES = [
    pytest.param(method, path, agent_body, customer_body, role, expected[role], id=f"{name}-{role}")
    for name, method, path, agent_body, customer_body, expected in MATRIX
    for role in ROLES
]


@pytest.fixture
def world(ticket, ticket_b, agent, org_a, make_agent):
    spare_agent = make_agent(Role.AGENT)  # deleted/patched by the agent rows, never the caller
    return SimpleNamespace(
        ticket_a=ticket.pk,
        ticket_b=ticket_b.pk,
        agent_user=spare_agent.user_id,
        customer=baker.make_recipe("tests.customers.customer").pk,
        org=baker.make_recipe("tests.customers.organization").pk,
        team=baker.make_recipe("tests.agents.team").pk,
        api_key=api_key_create(name="Existing", role=Role.AGENT)[0].prefix,
    )


def _fill(value, world):
    if isinstance(value, str):
        return value.format(**vars(world))
    if isinstance(value, dict):
        filled = {k: _fill(v, world) for k, v in value.items()}
        return {k: int(v) if isinstance(v, str) and v.isdigit() and k == "agent" else v for k, v in filled.items()}
    return value


@pytest.mark.parametrize(("method", "path", "agent_body", "customer_body", "role", "expected"), CASES)
def test_role_matrix(request, world, method, path, agent_body, customer_body, role, expected):
    client = request.getfixturevalue(CLIENT_FIXTURE[role])
    body = customer_body if role.startswith("cust") else agent_body
    response = getattr(client, method)(_fill(path, world), _fill(body, world), format="json")

    assert response.status_code == expected, response.content
    if expected == 403:
        assert "permission" in response.json()["detail"].lower()
    if expected == 404:
        assert "detail" in response.json()
    if expected == 401:
        assert response.json()["detail"]
