"""Property-based run over the rest of the API (auth, me, agents, teams, API keys, customers,
organisations) as an admin: no 5xx, responses conform to the schema. Kept small; the ticket
endpoints get the larger run (tests/tickets/api/test_ticket_schema_fuzz.py)."""

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
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application).include(
    path_regex="^/api/v1/(customers|organizations|agents|teams|api-keys|me|auth)"
)


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """Like Django's test client: a WSGI request must not close the test transaction's connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=5, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_directory_endpoints_never_fail_and_match_the_schema(case, admin_token, customer_a, agent, org_a):
    substitutes = {
        "/api/v1/customers/": customer_a.pk,
        "/api/v1/organizations/": org_a.pk,
        "/api/v1/agents/": agent.user_id,
    }
    if case.path_parameters and "id" in case.path_parameters:
        for prefix, pk in substitutes.items():
            if case.path.startswith(prefix):
                case.path_parameters["id"] = pk
    response = case.call(headers={"Authorization": f"Bearer {admin_token}"})
    case.validate_response(response, checks=CHECKS)
