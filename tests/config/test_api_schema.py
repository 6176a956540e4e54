"""The OpenAPI schema describes every contract operation, and the docs page works offline."""

from __future__ import annotations

import pytest

CONTRACT = {
    "/api/v1/auth/token/": {"post"},
    "/api/v1/auth/token/refresh/": {"post"},
    "/api/v1/me/": {"get"},
    "/api/v1/tickets/": {"get", "post"},
    "/api/v1/tickets/{id}/": {"get", "patch", "delete"},
    "/api/v1/tickets/{ticket_pk}/comments/": {"get", "post"},
    "/api/v1/tickets/{ticket_pk}/events/": {"get"},
    "/api/v1/tickets/{id}/assign/": {"post"},
    "/api/v1/customers/": {"get", "post"},
    "/api/v1/customers/{id}/": {"get", "patch", "delete"},
    "/api/v1/customers/{id}/portal-access/": {"post"},
    "/api/v1/organizations/": {"get", "post"},
    "/api/v1/organizations/{id}/": {"get", "patch", "delete"},
    "/api/v1/agents/": {"get", "post"},
    "/api/v1/agents/{id}/": {"get", "patch", "delete"},
    "/api/v1/teams/": {"get", "post"},
    "/api/v1/teams/{id}/": {"get", "patch", "delete"},
    "/api/v1/api-keys/": {"get", "post"},
    "/api/v1/api-keys/{id}/": {"get", "delete"},
    "/api/v1/reports/": {"get"},
    "/api/v1/views/": {"get", "post"},
    "/api/v1/views/{id}/": {"get", "patch", "delete"},
    "/api/v1/views/{id}/tickets/": {"get"},
    "/api/v1/reports/{dimension}/": {"get"},
    "/api/v1/triggers/": {"get", "post"},
    "/api/v1/triggers/dry-run/": {"post"},
    "/api/v1/automations/": {"get", "post"},
    "/api/v1/automations/dry-run/": {"post"},
    "/api/v1/sla-policies/dry-run/": {"post"},
    "/api/v1/tickets/{ticket_pk}/explain/": {"get"},
    "/api/v1/tickets/{ticket_pk}/sla/": {"get"},
    "/api/v1/tickets/{ticket_pk}/followers/": {"get", "post"},
    "/api/v1/tickets/{ticket_pk}/followers/me/": {"delete"},
    "/api/v1/tickets/{ticket_pk}/time-entries/": {"get", "post"},
    "/api/v1/tickets/{ticket_pk}/time-entries/{id}/": {"delete"},
    "/api/v1/tickets/{ticket_pk}/time-entries/totals/": {"get"},
    "/api/v1/time-totals/{dimension}/": {"get"},
}


@pytest.fixture
def schema(api_client, db):
    response = api_client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_every_contract_operation_is_described(schema):
    for path, methods in CONTRACT.items():
        assert path in schema["paths"], path
        assert methods <= set(schema["paths"][path]), path


def test_security_schemes_and_headers(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["ApiKeyAuth"]["in"] == "header"
    assert schemes["jwtAuth"]["scheme"] == "bearer"
    create = schema["paths"]["/api/v1/tickets/"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in create["parameters"]}
    patch = schema["paths"]["/api/v1/tickets/{id}/"]["patch"]
    assert "If-Match" in {p["name"] for p in patch["parameters"]}
    assert "412" in patch["responses"]
    listing = schema["paths"]["/api/v1/tickets/"]["get"]
    assert {"status", "priority", "assignee", "tag", "urgent", "breached", "search", "cursor", "page_size"} <= {
        p["name"] for p in listing["parameters"]
    }


def test_ticket_sla_fields_are_read_only(schema):
    ticket = schema["components"]["schemas"]["Ticket"]["properties"]
    for field in ("first_response_due_at", "resolution_due_at", "sla_breached_at", "first_responded_at"):
        assert ticket[field]["readOnly"] is True


def test_docs_page_is_served_from_the_sidecar(api_client, db):
    response = api_client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist" in html
    assert "cdn.jsdelivr" not in html
    assert "unpkg.com" not in html


def test_ticket_depth_fields_are_described(schema):
    """Type, custom fields (read, write, the cf_<key> filter) and the time entry's writable fields."""
    ticket = schema["components"]["schemas"]["Ticket"]["properties"]
    assert {"type", "custom_fields"} <= set(ticket)
    patch_body = schema["paths"]["/api/v1/tickets/{id}/"]["patch"]["requestBody"]["content"]["application/json"]
    patch_schema = patch_body["schema"]["$ref"].rsplit("/", 1)[-1]
    assert {"type", "custom_fields"} <= set(schema["components"]["schemas"][patch_schema]["properties"])
    params = {p["name"] for p in schema["paths"]["/api/v1/tickets/"]["get"]["parameters"]}
    assert {"type", "cf_<key>"} <= params
    post = schema["paths"]["/api/v1/tickets/{ticket_pk}/time-entries/"]["post"]["requestBody"]["content"]
    time_entry = schema["components"]["schemas"][post["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]]
    time_entry = time_entry["properties"]
    assert set(time_entry) == {"minutes", "is_billable", "note", "comment"}
