"""Property-based run over the ticket endpoints (schemathesis against the live OpenAPI schema,
served and called through the WSGI app inside the test's database transaction): whatever the
generated input, no 5xx, and every response conforms to the schema."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from config.wsgi import application

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """Like Django's test client: a WSGI request must not close the test transaction's connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Loaded at collection through the WSGI app (schema generation touches no database).
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application).include(path_regex="^/api/v1/tickets")


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_ticket_endpoints_never_fail_and_match_the_schema(case, admin_token, conversation, agent):
    # Aim most requests at a real ticket, so they reach the views rather than stop at a 404.
    if case.path_parameters:
        for name in ("id", "ticket_pk"):
            if name in case.path_parameters:
                case.path_parameters[name] = conversation.ticket.pk
    response = case.call(headers={"Authorization": f"Bearer {admin_token}"})
    case.validate_response(response, checks=CHECKS)


@pytest.fixture
def customer_token(customer_a) -> str:
    from rest_framework_simplejwt.tokens import AccessToken

    return str(AccessToken.for_user(customer_a.user))


@schema.parametrize()
@settings(max_examples=5, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_ticket_endpoints_as_a_customer(case, customer_token, conversation):
    """The customer's narrower serializers and scope: still no 5xx, still the documented shapes."""
    if case.path_parameters:
        for name in ("id", "ticket_pk"):
            if name in case.path_parameters:
                case.path_parameters[name] = conversation.ticket.pk
    response = case.call(headers={"Authorization": f"Bearer {customer_token}"})
    case.validate_response(response, checks=CHECKS)
    body = response.json() if response.status_code == 200 else None
    if "/comments/" in case.path and isinstance(body, dict) and "results" in body:
        assert all(not c["is_internal"] for c in body["results"])
