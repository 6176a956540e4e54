"""Hostile input is a 400 naming the field, never a 500: deeply nested JSON, NUL characters and
lone UTF-16 surrogates in any text, UTC offsets PostgreSQL cannot store, on every route that
used to fail (as found by an attack run), for agents, customers and anonymous callers alike."""

from __future__ import annotations

import json

import pytest
from model_bakery import baker

from config.text_input import clean_text, json_problem
from tickets.models import ExportJob, Ticket

DEEP = "[" * 990 + "]" * 990
FORTY_DEEP = "[" * 40 + "]" * 40
NUL = json.dumps("bad\u0000text")
SURROGATE = '"bad \\ud800 text"'


def raw_json(template: str, **values: object) -> str:
    """A JSON text with `<name>` replaced by raw JSON fragments (which json.dumps cannot write)."""
    for name, value in values.items():
        template = template.replace(f"<{name}>", str(value))
    return template


def post_raw(client, path: str, body: str, method: str = "post"):
    return getattr(client, method)(path, data=body.encode("utf-8", "surrogatepass"), content_type="application/json")


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/api/v1/auth/token/", id="token"),
        pytest.param("/api/v1/auth/token/refresh/", id="refresh"),
    ],
)
def test_deep_json_is_refused_before_login(api_client, db, path):
    deep, forty = post_raw(api_client, path, DEEP), post_raw(api_client, path, FORTY_DEEP)

    assert deep.status_code == 400
    assert deep.json() == {"detail": "JSON parse error - nested deeper than 32 levels."}
    assert forty.status_code == 400
    assert forty.json() == {"non_field_errors": ["Nested deeper than 32 levels."]}


def test_deep_json_in_a_field_names_the_field(api_admin, customer_a):
    body = raw_json('{"title": "x", "customer": <pk>, "metadata": {"a": <deep>}}', pk=customer_a.pk, deep=FORTY_DEEP)
    response = post_raw(api_admin, "/api/v1/tickets/", body)

    assert response.status_code == 400
    assert response.json() == {"metadata": ["Nested deeper than 32 levels."]}
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("text", [pytest.param(NUL, id="nul"), pytest.param(SURROGATE, id="lone-surrogate")])
def test_bad_text_in_ticket_metadata_on_create(api_admin, customer_a, text):
    body = raw_json('{"title": "x", "customer": <pk>, "metadata": {"note": <text>}}', pk=customer_a.pk, text=text)
    response = post_raw(api_admin, "/api/v1/tickets/", body)

    assert response.status_code == 400
    assert response.json() == {
        "metadata": ["Must not contain NUL characters or unpaired surrogates. (at metadata.note)"]
    }


@pytest.mark.parametrize("text", [pytest.param(NUL, id="nul"), pytest.param(SURROGATE, id="lone-surrogate")])
def test_bad_text_in_ticket_metadata_on_patch(api_admin, ticket, text):
    response = post_raw(
        api_admin, f"/api/v1/tickets/{ticket.pk}/", raw_json('{"metadata": {"k": <text>}}', text=text), "patch"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["metadata"]


@pytest.mark.parametrize("text", [pytest.param(NUL, id="nul"), pytest.param(SURROGATE, id="lone-surrogate")])
def test_bad_text_in_customer_metadata(api_admin, text):
    body = raw_json('{"email": "new@example.com", "name": "New", "metadata": {"k": <text>}}', text=text)
    response = post_raw(api_admin, "/api/v1/customers/", body)

    assert response.status_code == 400
    assert list(response.json()) == ["metadata"]


@pytest.mark.parametrize("text", [pytest.param(NUL, id="nul"), pytest.param(SURROGATE, id="lone-surrogate")])
def test_bad_text_in_a_title_from_a_portal_customer(api_customer_a, text):
    response = post_raw(
        api_customer_a, "/api/v1/tickets/", raw_json('{"title": <text>, "description": "d"}', text=text)
    )

    assert response.status_code == 400
    assert response.json() == {"title": ["Must not contain NUL characters or unpaired surrogates."]}
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("text", [pytest.param(NUL, id="nul"), pytest.param(SURROGATE, id="lone-surrogate")])
def test_bad_text_in_an_export_search_filter(api_admin, text):
    response = post_raw(
        api_admin, "/api/v1/exports/", raw_json('{"format": "csv", "filters": {"search": <text>}}', text=text)
    )

    assert response.status_code == 400
    assert list(response.json()) == ["filters"]
    assert not ExportJob.objects.exists()


def test_a_nul_in_a_form_field_is_refused(api_admin, ticket):
    response = api_admin.post(f"/api/v1/tickets/{ticket.pk}/attachments/", {"comment": "1\x00"}, format="multipart")

    assert response.status_code == 400
    assert response.json() == {"comment": ["Must not contain NUL characters or unpaired surrogates."]}


@pytest.mark.parametrize(
    "client_fixture",
    ["api_admin", "api_agent", "api_viewer", "api_customer_a"],
)
@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("2020-01-01T00:00:00-20:00", "The UTC offset must be within ±15:59.", id="offset-minus-20"),
        pytest.param("2020-01-01T00:00:00+16:00", "The UTC offset must be within ±15:59.", id="offset-plus-16"),
        pytest.param("0001-01-01T00:00:00+05:00", "Date and time out of range.", id="before-year-1-in-utc"),
    ],
)
def test_out_of_range_date_filters_on_the_ticket_list(request, client_fixture, value, message):
    client = request.getfixturevalue(client_fixture)
    response = client.get("/api/v1/tickets/", {"updated_after": value})

    assert response.status_code == 400
    assert response.json() == {"updated_after": [message]}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("2020-01-01T00:00:00+15:59", 200, id="offset-plus-15-59"),
        pytest.param("2020-01-01T00:00:00-15:59", 200, id="offset-minus-15-59"),
        pytest.param("2020-01-01T00:00:00-16:00", 400, id="offset-minus-16"),
    ],
)
def test_the_offset_limit_is_postgresqls(api_admin, ticket, value, expected):
    assert api_admin.get("/api/v1/tickets/", {"created_after": value}).status_code == expected


def test_out_of_range_date_filter_on_bulk_and_export(api_admin, ticket):
    filters = {"updated_after": "2020-01-01T00:00:00-20:00"}
    bulk = api_admin.post("/api/v1/tickets/bulk/", {"filters": filters, "changes": {"priority": "high"}}, format="json")
    export = api_admin.post("/api/v1/exports/", {"format": "csv", "filters": filters}, format="json")

    expected = {"updated_after": ["The UTC offset must be within ±15:59."]}
    assert (bulk.status_code, bulk.json()["filters"]) == (400, expected)
    assert (export.status_code, export.json()["filters"]) == (400, expected)
    assert not ExportJob.objects.exists()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param({"a": "ok"}, None, id="clean"),
        pytest.param(
            {"a": ["x", {"b": "\x00"}]},
            ("a", "Must not contain NUL characters or unpaired surrogates. (at a.1.b)"),
            id="nested-nul",
        ),
        pytest.param(
            {"\ud800": 1}, ("\ud800", "Must not contain NUL characters or unpaired surrogates."), id="bad-key"
        ),
        pytest.param(
            "\x00", ("non_field_errors", "Must not contain NUL characters or unpaired surrogates."), id="top-level"
        ),
        pytest.param({"a": "\U0001f600"}, None, id="emoji-is-a-valid-pair"),
    ],
)
def test_json_problem(value, expected):
    assert json_problem(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("plain", "plain", id="plain"),
        pytest.param("a\x00b", "ab", id="nul-removed"),
        pytest.param("a\ud800b", "a\ufffdb", id="surrogate-replaced"),
    ],
)
def test_clean_text(text, expected):
    assert clean_text(text) == expected


def test_a_job_that_hit_an_internal_error_shows_a_plain_message(agent, ticket, monkeypatch, caplog):
    from tickets import exports
    from tickets.tasks import export_job_run_task

    job = baker.make(ExportJob, requested_by=agent.user, format="csv", filters={})

    def broken(*args, **kwargs):
        raise RuntimeError('relation "secret_table" does not exist LINE 1: SELECT ...')

    monkeypatch.setattr(exports, "export_rows", broken)
    with pytest.raises(RuntimeError):
        export_job_run_task.delay(job.pk)

    job.refresh_from_db()
    assert job.error == "The job failed on an internal error; the administrators have the details in the log."
    assert "secret_table" in caplog.text
