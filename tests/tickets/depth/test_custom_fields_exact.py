"""tickets/custom_fields.py helpers, value by value: merging changes (every refusal named),
required fields per status, what customers may see, the ticket page's rows and form round trip,
and the cf_ filter."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from model_bakery import baker

from tickets import custom_fields as cf
from tickets import required_fields
from tickets.models import CustomField, Ticket, TicketType

pytestmark = pytest.mark.django_db


def field(key: str, field_type: str = "text", **kwargs) -> CustomField:
    kwargs.setdefault("label", key.capitalize())
    return CustomField.objects.create(key=key, field_type=field_type, **kwargs)


# --- single values ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field_type", "raw", "stored"),
    [
        pytest.param("number", " 12 ", 12, id="number-text-spaces"),
        pytest.param("number", 2**53, 2**53, id="number-at-limit"),
        pytest.param("decimal", 2.5, "2.5", id="decimal-float"),
        pytest.param("decimal", "-0.50", "-0.5", id="decimal-negative"),
        pytest.param("decimal", "999999999999999.9", "999999999999999.9", id="decimal-just-below-limit"),
        pytest.param("date", " 2026-03-02 ", "2026-03-02", id="date-spaces"),
        pytest.param("checkbox", " YES ", True, id="checkbox-yes"),
        pytest.param("checkbox", "0", False, id="checkbox-zero"),
        pytest.param("checkbox", False, False, id="checkbox-false"),
        pytest.param("multi_select", " duplicate ,, fixed ", ["fixed", "duplicate"], id="multi-text-spaces"),
        pytest.param("long_text", "x" * 10_000, "x" * 10_000, id="long-text-at-limit"),
        pytest.param("url", "http://a.example/", "http://a.example/", id="url-http"),
        pytest.param("text", None, None, id="none-clears"),
    ],
)
def test_clean_value_edges(field_type, raw, stored):
    assert cf.clean_value(field("f", field_type, options=["fixed", "wont_fix", "duplicate"]), raw) == stored


@pytest.mark.parametrize(
    ("field_type", "raw", "message"),
    [
        pytest.param("number", 2**53 + 1, "Too large a number.", id="number-too-large"),
        pytest.param("number", -(2**53) - 1, "Too large a number.", id="number-too-small"),
        pytest.param("number", 1.5, "Must be a whole number.", id="number-float"),
        pytest.param("number", "x" * 60, f"'{'x' * 50}' is not a whole number.", id="number-text-cut"),
        pytest.param("decimal", True, "Must be a decimal number, e.g. 12.50.", id="decimal-bool"),
        pytest.param("decimal", [1], "Must be a decimal number, e.g. 12.50.", id="decimal-list"),
        pytest.param("decimal", "1e15", "Must be a finite decimal number below 10^15.", id="decimal-at-limit"),
        pytest.param("decimal", "-1e15", "Must be a finite decimal number below 10^15.", id="decimal-negative-limit"),
        pytest.param("decimal", "Infinity", "Must be a finite decimal number below 10^15.", id="decimal-infinite"),
        pytest.param("decimal", "y" * 60, f"'{'y' * 50}' is not a decimal number.", id="decimal-text-cut"),
        pytest.param("date", "z" * 60, f"'{'z' * 50}' is not a date (YYYY-MM-DD).", id="date-text-cut"),
        pytest.param("dropdown", 3, "'3' is not one of: fixed, wont_fix, duplicate.", id="dropdown-number"),
        pytest.param(
            "multi_select",
            ["fixed", "nope", "also"],
            "Not an option: nope, also; use: fixed, wont_fix, duplicate.",
            id="multi-unknown",
        ),
        pytest.param("multi_select", 5, "Must be a list of options.", id="multi-number"),
        pytest.param("checkbox", 1, "Must be true or false.", id="checkbox-number"),
        pytest.param("long_text", "x" * 10_001, "At most 10000 characters (this has 10001).", id="long-text-over"),
        pytest.param("url", "u" * 2_001, "At most 2000 characters (this has 2001).", id="url-too-long"),
        pytest.param("url", 5, "Must be text.", id="url-not-text"),
    ],
)
def test_clean_value_refusals(field_type, raw, message):
    with pytest.raises(ValidationError) as exc:
        cf.clean_value(field("f", field_type, options=["fixed", "wont_fix", "duplicate"]), raw)
    assert exc.value.messages == [message]


def test_a_dropdown_without_options_accepts_nothing():
    with pytest.raises(ValidationError) as exc:
        cf.clean_value(CustomField(key="f", field_type="dropdown", options=None), "x")
    assert exc.value.messages == ["'x' is not one of: ."]
    with pytest.raises(ValidationError) as exc:
        cf.clean_value(CustomField(key="g", field_type="multi_select", options=None), ["x"])
    assert exc.value.messages == ["Not an option: x; use: ."]


@pytest.mark.parametrize(
    ("value", "empty"), [(None, True), ("", True), ([], True), (0, False), (False, False), (" ", False)]
)
def test_is_empty(value, empty):
    assert cf.is_empty(value) is empty


# --- merging changes --------------------------------------------------------------------------


def test_merge_applies_changes_removes_emptied_values_and_names_every_refusal():
    billing = baker.make_recipe("tests.tickets.category", slug="billing")
    field("plan")
    field("hours", "number")
    field("secret", is_customer_visible=False)
    field("retired", is_active=False)
    scoped = field("invoice")
    scoped.categories.set([billing])

    merged = cf.custom_fields_merge(
        current={"plan": "old", "hours": 3, "keep": "x"},
        changes={"plan": "gold", "hours": ""},
        category_id=None,
        ticket_type_id=None,
    )
    assert merged == {"plan": "gold", "keep": "x"}

    with pytest.raises(ValidationError) as exc:
        cf.custom_fields_merge(
            current={},
            changes={"hours": "many", "nope": 1, "retired": "x", "invoice": "A-1", "plan": "fine"},
            category_id=None,
            ticket_type_id=None,
        )
    assert exc.value.message_dict == {
        "custom_fields.hours": ["Hours: 'many' is not a whole number."],
        "custom_fields.nope": ["Unknown custom field."],
        "custom_fields.retired": ["Unknown custom field."],
        "custom_fields.invoice": ["'Invoice' does not apply to this ticket's category or type."],
    }
    assert cf.custom_fields_merge(
        current={}, changes={"invoice": "A-1"}, category_id=billing.pk, ticket_type_id=None
    ) == {"invoice": "A-1"}
    # Emptying a value that does not apply is allowed (it clears it).
    assert (
        cf.custom_fields_merge(
            current={"invoice": "A-1"}, changes={"invoice": ""}, category_id=None, ticket_type_id=None
        )
        == {}
    )


def test_merge_for_a_customer_knows_only_visible_fields():
    field("plan", is_customer_visible=True)
    field("secret", is_customer_visible=False)
    with pytest.raises(ValidationError) as exc:
        cf.custom_fields_merge(
            current={}, changes={"secret": "x", "plan": "p"}, category_id=None, ticket_type_id=None, customer_only=True
        )
    assert exc.value.message_dict == {"custom_fields.secret": ["Unknown custom field."]}
    assert cf.custom_fields_merge(current={}, changes={"secret": "x"}, category_id=None, ticket_type_id=None) == {
        "secret": "x"
    }


def test_merge_refuses_changes_that_are_not_an_object_and_takes_given_definitions():
    with pytest.raises(ValidationError) as exc:
        cf.custom_fields_merge(current={}, changes=["x"], category_id=None, ticket_type_id=None)
    assert exc.value.message_dict == {"custom_fields": ['An object of {"<field key>": value}.']}
    only = field("given", is_active=False)  # not among the definitions: only the given list has it
    assert cf.custom_fields_merge(
        current=None, changes={"given": "v"}, category_id=None, ticket_type_id=None, fields=[only]
    ) == {"given": "v"}


def test_applies_to_by_category_and_type():
    a, b = baker.make_recipe("tests.tickets.category", _quantity=2)
    incident = TicketType.objects.get(slug="incident")
    task = TicketType.objects.get(slug="task")
    both = field("both")
    both.categories.set([a])
    both.ticket_types.set([incident])
    anywhere = field("anywhere")
    assert [
        cf.applies_to(both, category_id=c, ticket_type_id=t)
        for c, t in [(a.pk, incident.pk), (b.pk, incident.pk), (a.pk, task.pk), (None, None)]
    ] == [
        True,
        False,
        False,
        False,
    ]
    assert cf.applies_to(anywhere, category_id=None, ticket_type_id=None) is True


# --- required fields --------------------------------------------------------------------------


def test_required_missing(make_ticket):
    billing = baker.make_recipe("tests.tickets.category", slug="billing")
    field("code", required_statuses=["resolved", "closed"], label="Resolution code")
    field("invoice", required_statuses=["resolved"]).categories.set([billing])
    field("optional")
    field("retired", required_statuses=["resolved"], is_active=False)
    plain = make_ticket()
    billed = make_ticket(category=billing, custom_fields={"invoice": "A-1"})

    assert required_fields.required_missing(plain, "resolved") == {
        "custom_fields.code": ["'Resolution code' is required to set the status to resolved."]
    }
    assert required_fields.required_missing(plain, "closed") == {
        "custom_fields.code": ["'Resolution code' is required to set the status to closed."]
    }
    assert required_fields.required_missing(plain, "pending") == {}
    assert required_fields.required_missing(billed, "resolved") == {
        "custom_fields.code": ["'Resolution code' is required to set the status to resolved."]
    }
    billed.custom_fields = {"invoice": "", "code": "fixed"}
    assert required_fields.required_missing(billed, "resolved") == {
        "custom_fields.invoice": ["'Invoice' is required to set the status to resolved."]
    }


# --- visibility, form round trip, page rows ---------------------------------------------------


def test_visible_values():
    assert cf.visible_values(None, ["a"]) == {}
    assert cf.visible_values({}, None) == {}
    assert cf.visible_values({"a": 1, "b": 2}, None) == {"a": 1, "b": 2}
    assert cf.visible_values({"a": 1, "b": 2}, ["b", "c"]) == {"b": 2}


def test_customer_visible_keys():
    field("shown", is_customer_visible=True)
    field("hidden", is_customer_visible=False)
    field("old", is_customer_visible=True, is_active=False)
    assert cf.customer_visible_keys() == ["shown"]


@pytest.mark.parametrize(
    ("stored", "posted"),
    [(None, ""), (True, "true"), (False, "false"), (["a", "b"], ["a", "b"]), ([1], ["1"]), (12, "12"), ("x", "x")],
)
def test_form_value(stored, posted):
    assert cf.form_value(stored) == posted


def test_panel_rows_and_changed_from_form(make_ticket):
    billing = baker.make_recipe("tests.tickets.category", slug="billing")
    code = field("code", "dropdown", options=["fixed", "duplicate"])
    tags = field("labels", "multi_select", options=["a", "b"])
    flag = field("urgent", "checkbox")
    other = field("invoice")
    other.categories.set([billing])
    ticket = make_ticket(custom_fields={"code": "wont_fix", "labels": ["a", "gone"], "urgent": True})

    rows = cf.panel_rows(ticket)

    assert [(r["field"].key, r["value"], r["chosen"], r["removed"]) for r in rows] == [
        ("code", "wont_fix", ["wont_fix"], ["wont_fix"]),
        ("labels", ["a", "gone"], ["a", "gone"], ["gone"]),
        ("urgent", "true", ["true"], []),
    ]
    assert [r["field"].key for r in cf.panel_rows(ticket, fields=[flag, code])] == ["urgent", "code"]
    assert cf.panel_rows(Ticket(custom_fields=None), fields=[flag])[0]["value"] == ""
    assert cf.changed_from_form(ticket, {"code": "wont_fix", "labels": ["a"], "urgent": "true", "invoice": ""}) == {
        "labels": ["a"]
    }
    assert cf.changed_from_form(Ticket(custom_fields=None), {"code": ""}) == {}
    assert tags.pk


def test_definitions_are_the_active_fields_in_order(django_assert_num_queries):
    field("b")
    field("a")
    field("off", is_active=False)
    with django_assert_num_queries(3):
        found = cf.definitions()
        scopes = [(f.key, list(f.categories.all()), list(f.ticket_types.all())) for f in found]
    assert [s[0] for s in scopes] == [f.key for f in CustomField.objects.filter(is_active=True)]
    assert "off" not in [s[0] for s in scopes]


# --- the cf_ filter ---------------------------------------------------------------------------


def test_custom_field_filter(make_ticket):
    field("plan")
    field("seats", "number")
    field("labels", "multi_select", options=["a", "b"])
    field("secret", is_customer_visible=False)
    make_ticket(title="one", custom_fields={"plan": "gold", "seats": 5, "labels": ["a", "b"], "secret": "s"})
    make_ticket(title="two", custom_fields={"plan": "silver", "seats": 50, "labels": ["b"]})
    qs = Ticket.objects.all()

    def titles(params, **kw):
        return sorted(cf.custom_field_filter(qs, params, **kw).values_list("title", flat=True))

    assert titles({"cf_plan": "gold"}) == ["one"]
    assert titles({"cf_seats": "50"}) == ["two"]
    assert titles({"cf_labels": "b"}) == ["one", "two"]
    assert titles({"cf_labels": "a", "cf_plan": "gold"}) == ["one"]
    assert titles({"status": "open", "other": "x"}) == ["one", "two"]
    assert titles({"cf_secret": "s"}) == ["one"]
    with pytest.raises(ValidationError) as exc:
        titles({"cf_secret": "s"}, customer_only=True)
    assert exc.value.message_dict == {"cf_secret": ["Unknown custom field."]}
    with pytest.raises(ValidationError) as exc:
        titles({"cf_seats": "many", "cf_plan": "", "cf_nope": "x"})
    assert exc.value.message_dict == {
        "cf_seats": ["'many' is not a whole number."],
        "cf_plan": ["Give a value."],
        "cf_nope": ["Unknown custom field."],
    }


def test_error_key():
    assert cf.error_key("plan") == "custom_fields.plan"
