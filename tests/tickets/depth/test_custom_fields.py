"""Custom fields: a table of valid and invalid values per type, scope, required-on-status, the
API (read, write, filter), customers' visibility, type changes and removed options keeping data,
exports and webhook payloads, and the GIN index on PostgreSQL."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from model_bakery import baker

from notifications.models import OutboxEvent
from tickets import exports, services
from tickets.custom_fields import clean_value
from tickets.models import CustomField, Ticket, TicketType

pytestmark = pytest.mark.django_db


def _field(key: str, field_type: str, **kwargs) -> CustomField:
    kwargs.setdefault("label", key.replace("_", " ").capitalize())
    return CustomField.objects.create(key=key, field_type=field_type, **kwargs)


OPTIONS = ["fixed", "wont_fix", "duplicate"]


@pytest.mark.parametrize(
    ("field_type", "raw", "stored"),
    [
        pytest.param("text", "  v2.3 ", "v2.3", id="text-stripped"),
        pytest.param("long_text", "line 1\nline 2", "line 1\nline 2", id="long-text"),
        pytest.param("number", 42, 42, id="number-int"),
        pytest.param("number", "-7", -7, id="number-from-form"),
        pytest.param("decimal", "12.50", "12.5", id="decimal-normalised"),
        pytest.param("decimal", 3, "3", id="decimal-int"),
        pytest.param("decimal", "100", "100", id="decimal-no-exponent"),
        pytest.param("date", "2026-02-28", "2026-02-28", id="date"),
        pytest.param("dropdown", "wont_fix", "wont_fix", id="dropdown"),
        pytest.param("multi_select", ["duplicate", "fixed"], ["fixed", "duplicate"], id="multi-in-option-order"),
        pytest.param("multi_select", "fixed, duplicate", ["fixed", "duplicate"], id="multi-comma-text"),
        pytest.param("checkbox", True, True, id="checkbox-true"),
        pytest.param("checkbox", "off", False, id="checkbox-off"),
        pytest.param("url", "https://status.example.com/x", "https://status.example.com/x", id="url"),
        pytest.param("text", "", None, id="empty-clears"),
        pytest.param("multi_select", [], None, id="empty-list-clears"),
    ],
)
def test_valid_values_are_stored_normalised(field_type, raw, stored):
    field = CustomField(key="f", label="F", field_type=field_type, options=OPTIONS)
    assert clean_value(field, raw) == stored


@pytest.mark.parametrize(
    ("field_type", "raw", "message"),
    [
        pytest.param("text", 5, "Must be text.", id="text-not-string"),
        pytest.param("text", "x" * 256, "At most 255 characters (this has 256).", id="text-too-long"),
        pytest.param("number", "4.5", "'4.5' is not a whole number.", id="number-fraction"),
        pytest.param("number", True, "Must be a whole number.", id="number-bool"),
        pytest.param("decimal", "abc", "'abc' is not a decimal number.", id="decimal-junk"),
        pytest.param("decimal", "NaN", "Must be a finite decimal number below 10^15.", id="decimal-nan"),
        pytest.param("date", "2026-02-30", "'2026-02-30' is not a date (YYYY-MM-DD).", id="date-impossible"),
        pytest.param("date", 20260101, "Must be a date, YYYY-MM-DD.", id="date-number"),
        pytest.param("dropdown", "maybe", "'maybe' is not one of: fixed, wont_fix, duplicate.", id="dropdown-unknown"),
        pytest.param(
            "multi_select",
            ["fixed", "later"],
            "Not an option: later; use: fixed, wont_fix, duplicate.",
            id="multi-unknown",
        ),
        pytest.param("multi_select", [1], "Must be a list of options.", id="multi-not-strings"),
        pytest.param("checkbox", "perhaps", "Must be true or false.", id="checkbox-junk"),
        pytest.param("url", "ftp://example.com/f", "'ftp://example.com/f' is not an http(s) URL.", id="url-scheme"),
        pytest.param("url", "not a url", "'not a url' is not an http(s) URL.", id="url-junk"),
    ],
)
def test_invalid_values_are_refused_with_the_reason(field_type, raw, message):
    field = CustomField(key="f", label="F", field_type=field_type, options=OPTIONS)
    with pytest.raises(ValidationError) as exc:
        clean_value(field, raw)
    assert exc.value.messages == [message]


def test_update_names_every_bad_field(agent, ticket):
    _field("version", "text")
    _field("hours", "number")
    with pytest.raises(ValidationError) as exc:
        services.ticket_update(
            ticket=ticket, actor=agent.user, data={"custom_fields": {"hours": "many", "nope": 1, "version": "2.1"}}
        )
    assert exc.value.message_dict == {
        "custom_fields.hours": ["Hours: 'many' is not a whole number."],
        "custom_fields.nope": ["Unknown custom field."],
    }
    ticket.refresh_from_db()
    assert ticket.custom_fields == {}


def test_scope_by_category_and_type(agent, ticket):
    billing = baker.make_recipe("tests.tickets.category", slug="billing")
    invoice = _field("invoice_number", "text")
    invoice.categories.add(billing)
    affected = _field("affected_version", "text")
    affected.ticket_types.add(TicketType.objects.get(slug="incident"))
    with pytest.raises(ValidationError) as exc:
        services.ticket_update(ticket=ticket, actor=agent.user, data={"custom_fields": {"invoice_number": "F-1"}})
    assert exc.value.message_dict == {
        "custom_fields.invoice_number": ["'Invoice number' does not apply to this ticket's category or type."]
    }
    # The category and type changed in the same write count.
    services.ticket_update(
        ticket=ticket,
        actor=agent.user,
        data={
            "category": "billing",
            "ticket_type": "incident",
            "custom_fields": {"invoice_number": "F-1", "affected_version": "2.3"},
        },
    )
    ticket.refresh_from_db()
    assert ticket.custom_fields == {"invoice_number": "F-1", "affected_version": "2.3"}


def test_a_required_field_blocks_resolving_with_a_400_naming_it(api_agent, ticket):
    _field("resolution_code", "dropdown", options=OPTIONS, required_statuses=["resolved", "closed"])
    refused = api_agent.patch(f"/api/v1/tickets/{ticket.pk}/", {"status": "resolved"})
    assert refused.status_code == 400
    assert refused.json() == {
        "custom_fields.resolution_code": ["'Resolution code' is required to set the status to resolved."]
    }
    ticket.refresh_from_db()
    assert ticket.status == "open"
    # Set in the same request: accepted (fields are written before the status).
    done = api_agent.patch(
        f"/api/v1/tickets/{ticket.pk}/", {"status": "resolved", "custom_fields": {"resolution_code": "fixed"}}
    )
    assert done.status_code == 200, done.content
    assert (done.json()["status"], done.json()["custom_fields"]) == ("resolved", {"resolution_code": "fixed"})


# Who else is held to a required field (customers, rules, scripts): test_required_fields.py and
# tests/tickets/portal/test_custom_fields_form.py.


def test_api_writes_reads_and_filters(api_agent, customer_a):
    _field("version", "text")
    _field("hours", "number")
    _field("areas", "multi_select", options=["ui", "api", "billing"])
    _field("urgent_fix", "checkbox")
    created = api_agent.post(
        "/api/v1/tickets/",
        {
            "title": "Crash on save",
            "customer_email": customer_a.email,
            "custom_fields": {"version": "2.3", "hours": "3", "areas": ["api", "ui"], "urgent_fix": True},
        },
    )
    assert created.status_code == 201, created.content
    assert created.json()["custom_fields"] == {
        "version": "2.3",
        "hours": 3,
        "areas": ["ui", "api"],
        "urgent_fix": True,
    }
    api_agent.post(
        "/api/v1/tickets/",
        {"title": "Other", "customer_email": customer_a.email, "custom_fields": {"version": "2.4", "hours": 3}},
    )

    def titles(query: str) -> list[str]:
        response = api_agent.get(f"/api/v1/tickets/?{query}")
        assert response.status_code == 200, response.content
        return sorted(t["title"] for t in response.json()["results"])

    assert titles("cf_version=2.3") == ["Crash on save"]
    assert titles("cf_hours=3") == ["Crash on save", "Other"]
    assert titles("cf_areas=api") == ["Crash on save"]
    assert titles("cf_areas=billing") == []
    assert titles("cf_urgent_fix=true&cf_hours=3") == ["Crash on save"]

    bad = api_agent.get("/api/v1/tickets/?cf_hours=lots&cf_nope=1")
    assert bad.status_code == 400
    assert bad.json() == {"cf_hours": ["'lots' is not a whole number."], "cf_nope": ["Unknown custom field."]}


def test_customers_see_and_fill_only_customer_visible_fields(api_customer_a, api_agent, customer_a):
    _field("order_number", "text", is_customer_visible=True)
    _field("root_cause", "text")
    refused = api_customer_a.post(
        "/api/v1/tickets/", {"title": "Where is my order", "custom_fields": {"root_cause": "x"}}
    )
    assert refused.status_code == 400
    assert refused.json() == {"custom_fields.root_cause": ["Unknown custom field."]}
    created = api_customer_a.post(
        "/api/v1/tickets/", {"title": "Where is my order", "custom_fields": {"order_number": "A-17"}}
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    api_agent.patch(f"/api/v1/tickets/{pk}/", {"custom_fields": {"root_cause": "courier"}})
    assert api_agent.get(f"/api/v1/tickets/{pk}/").json()["custom_fields"] == {
        "order_number": "A-17",
        "root_cause": "courier",
    }
    assert api_customer_a.get(f"/api/v1/tickets/{pk}/").json()["custom_fields"] == {"order_number": "A-17"}
    assert api_customer_a.get("/api/v1/tickets/").json()["results"][0]["custom_fields"] == {"order_number": "A-17"}
    assert api_customer_a.get("/api/v1/tickets/?cf_root_cause=courier").json() == {
        "cf_root_cause": ["Unknown custom field."]
    }


def test_changing_a_type_or_removing_an_option_keeps_the_data(agent, ticket):
    code = _field("resolution_code", "dropdown", options=OPTIONS)
    size = _field("size", "text")
    services.ticket_update(
        ticket=ticket, actor=agent.user, data={"custom_fields": {"resolution_code": "wont_fix", "size": "large"}}
    )
    code.options = ["fixed", "duplicate"]  # "wont_fix" removed
    code.save()
    size.field_type = "number"  # "large" is no number
    size.save()

    ticket.refresh_from_db()
    assert ticket.custom_fields == {"resolution_code": "wont_fix", "size": "large"}
    # Other writes go through untouched values...
    services.ticket_update(ticket=ticket, actor=agent.user, data={"title": "Renamed", "custom_fields": {}})
    ticket.refresh_from_db()
    assert ticket.custom_fields == {"resolution_code": "wont_fix", "size": "large"}
    # ...writing the field again must fit the field as it is now.
    with pytest.raises(ValidationError) as exc:
        services.ticket_update(ticket=ticket, actor=agent.user, data={"custom_fields": {"resolution_code": "wont_fix"}})
    assert exc.value.message_dict == {
        "custom_fields.resolution_code": ["Resolution code: 'wont_fix' is not one of: fixed, duplicate."]
    }
    services.ticket_update(ticket=ticket, actor=agent.user, data={"custom_fields": {"size": "12"}})
    ticket.refresh_from_db()
    assert ticket.custom_fields == {"resolution_code": "wont_fix", "size": 12}


def test_exports_and_webhook_payloads_carry_the_values(agent, ticket):
    _field("version", "text")
    services.ticket_update(ticket=ticket, actor=agent.user, data={"custom_fields": {"version": "2.3"}})
    payload = OutboxEvent.objects.get(event="ticket.updated").payload
    assert payload["ticket"]["custom_fields"] == {"version": "2.3"}
    assert payload["changes"]["custom_fields"] == {"old": {}, "new": {"version": "2.3"}}
    rows = list(exports.export_rows(Ticket.objects.all(), chunk_size=10))
    assert [row["custom_fields"] for row in rows] == [{"version": "2.3"}]
    assert exports._csv_value({"version": "2.3", "a": 1}) == '{"a": 1, "version": "2.3"}'


def test_ticket_list_filters_by_custom_field_for_exports(agent, make_ticket):
    from tickets.selectors import ticket_list

    _field("version", "text")
    match = make_ticket(custom_fields={"version": "2.3"})
    make_ticket(custom_fields={"version": "2.4"})
    assert list(ticket_list(user=agent.user, filters={"cf_version": "2.3"})) == [match]


@pytest.mark.postgres(reason="JSONB containment and GIN index")
def test_filtering_by_a_custom_field_uses_the_gin_index(api_agent, make_ticket):
    _field("version", "text")
    for i in range(30):
        make_ticket(custom_fields={"version": f"1.{i}"})
    with CaptureQueriesContext(connection) as ctx:
        response = api_agent.get("/api/v1/tickets/?cf_version=1.7")
    assert len(response.json()["results"]) == 1
    lookups = [q["sql"] for q in ctx.captured_queries if '"tickets_ticket"."custom_fields" @>' in q["sql"]]
    assert len(lookups) == 1, [q["sql"] for q in ctx.captured_queries]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {lookups[0]}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "ticket_custom_fields_gin" in plan, plan


def test_values_kept_after_a_type_change_or_a_removed_option_are_still_read_found_and_exported(
    api_agent, agent, make_ticket
):
    code = _field("resolution_code", "dropdown", options=OPTIONS)
    size = _field("size", "text")
    areas = _field("areas", "multi_select", options=["ui", "api", "billing"])
    old = make_ticket(title="Old", custom_fields={"resolution_code": "wont_fix", "size": "12", "areas": ["billing"]})
    other = make_ticket(title="Other", custom_fields={"size": "large"})
    code.options = ["fixed", "duplicate"]  # "wont_fix" removed
    code.save()
    areas.options = ["ui", "api"]  # "billing" removed
    areas.save()
    size.field_type = "number"
    size.save()
    new = make_ticket(title="New")
    services.ticket_update(ticket=new, actor=agent.user, data={"custom_fields": {"size": "12"}})

    def titles(query: str) -> list[str]:
        response = api_agent.get(f"/api/v1/tickets/?{query}")
        assert response.status_code == 200, response.content
        return sorted(t["title"] for t in response.json()["results"])

    assert titles("cf_resolution_code=wont_fix") == ["Old"]
    assert titles("cf_areas=billing") == ["Old"]
    assert titles("cf_size=12") == ["New", "Old"]  # the number 12 and the text "12" of the text type
    assert api_agent.get("/api/v1/tickets/?cf_size=large").json() == {"cf_size": ["'large' is not a whole number."]}
    assert api_agent.get(f"/api/v1/tickets/{old.pk}/").json()["custom_fields"] == {
        "resolution_code": "wont_fix",
        "size": "12",
        "areas": ["billing"],
    }
    assert api_agent.get(f"/api/v1/tickets/{other.pk}/").json()["custom_fields"] == {"size": "large"}
    rows = {row["title"]: row["custom_fields"] for row in exports.export_rows(Ticket.objects.all(), chunk_size=10)}
    assert rows == {
        "Old": {"resolution_code": "wont_fix", "size": "12", "areas": ["billing"]},
        "Other": {"size": "large"},
        "New": {"size": 12},
    }


@pytest.mark.postgres(reason="JSONB containment and GIN index")
def test_a_number_filter_matching_both_shapes_still_uses_the_gin_index(api_agent, make_ticket):
    _field("hours", "number")
    for i in range(30):
        make_ticket(custom_fields={"hours": i})
    make_ticket(custom_fields={"hours": "7"})  # text left by an earlier text type
    with CaptureQueriesContext(connection) as ctx:
        response = api_agent.get("/api/v1/tickets/?cf_hours=7")
    assert len(response.json()["results"]) == 2
    lookups = [q["sql"] for q in ctx.captured_queries if '"tickets_ticket"."custom_fields" @>' in q["sql"]]
    assert len(lookups) == 1, [q["sql"] for q in ctx.captured_queries]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {lookups[0]}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "ticket_custom_fields_gin" in plan, plan
