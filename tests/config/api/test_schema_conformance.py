"""What the schemathesis runs (tests/schema_fuzz.py) found, pinned as plain tests: each answered a
500, an HTML page, or accepted input its own schema calls invalid."""

from __future__ import annotations

import pytest
from django.urls import reverse
from model_bakery import baker


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("/api/v1/tickets/%C2%B2/apply-macro/", id="superscript-two-was-a-500"),
        pytest.param("/api/v1/tickets/%C2%B2/merge/", id="merge"),
        pytest.param("/api/v1/triggers/%C2%B2/restore/", id="rule"),
        pytest.param("/api/v1/tickets/%C2%B2/sla/", id="sla"),
    ],
)
def test_an_id_int_refuses_is_a_json_404(api_admin, url):
    response = api_admin.get(url) if url.endswith("/sla/") else api_admin.post(url, {}, format="json")
    assert (response.status_code, response["Content-Type"]) == (404, "application/json")


def test_a_url_no_api_route_matches_is_a_json_404(api_admin):
    response = api_admin.get("/api/v1/macros/0.5/")
    assert (response.status_code, response["Content-Type"], response.json()) == (
        404,
        "application/json",
        {"detail": "Not found."},
    )


@pytest.mark.parametrize(
    ("url", "param"),
    [
        pytest.param("/api/v1/tickets/?updated_after=", "updated_after", id="empty-date"),
        pytest.param("/api/v1/tickets/?team=", "team", id="empty-id"),
        pytest.param("/api/v1/tickets/?escalated=", "escalated", id="empty-flag"),
        pytest.param("/api/v1/tickets/?status=open,", "status", id="empty-item"),
        pytest.param("/api/v1/customers/?organization=0.0", "organization", id="decimal-id"),
        pytest.param("/api/v1/tickets/?page_size=ten", "page_size", id="page-size-word"),
        pytest.param("/api/v1/teams/?page_size=101", "page_size", id="page-size-over-100"),
        pytest.param("/api/v1/reports/?start=", "start", id="empty-report-date"),
    ],
)
def test_malformed_query_parameters_are_a_400_naming_them(api_admin, url, param):
    response = api_admin.get(url)
    assert (response.status_code, list(response.json())) == (400, [param])


def test_text_and_flags_in_json_bodies_keep_their_types(api_admin):
    response = api_admin.post("/api/v1/teams/", {"name": 0, "is_default": 0}, format="json")
    assert response.status_code == 400
    assert response.json() == {"name": ["Must be a string."], "is_default": ["Must be true or false."]}


def test_bodies_are_json_a_form_is_a_415(api_admin, customer_a):
    response = api_admin.post("/api/v1/tickets/", {"title": "x", "customer": customer_a.pk}, format="multipart")
    assert response.status_code == 415


def test_a_macro_that_changes_no_status_matches_its_schema(api_agent):
    from tickets.models import Macro

    macro = baker.make(Macro, name="Thanks", body="Thanks!", owner=None, set_status="", set_priority="")
    assert api_agent.get(f"/api/v1/macros/{macro.pk}/").json()["set_status"] == ""


def test_every_operation_documents_its_error_responses(api_admin):
    schema = api_admin.get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            codes = set(operation["responses"])
            assert {"400", "401", "403", "404", "414", "429"} <= codes, (method, path)
            if method != "get":
                assert "409" in codes, (method, path)
            if "requestBody" in operation:
                assert {"413", "415"} <= codes, (method, path)
                forms = {"multipart/form-data", "application/x-www-form-urlencoded"} & set(
                    operation["requestBody"]["content"]
                )
                assert not forms or path.endswith("/attachments/"), (method, path)
            if method != "get" and path.startswith("/api/v1/tickets/{"):
                assert "412" in codes, (method, path)


def test_an_etag_with_a_superscript_version_is_stale_not_a_500(api_admin, ticket):
    response = api_admin.patch(
        f"/api/v1/tickets/{ticket.pk}/", {"priority": "high"}, format="json", HTTP_IF_MATCH=f'"{ticket.pk}-²"'
    )
    assert response.status_code == 412
