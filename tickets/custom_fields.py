"""Custom field values: validation (one rule per type), scope, required-ness per status and the
containment filter. The definitions are tickets/models/custom_fields.py; the values are the ticket's
JSONB `custom_fields` object, `{key: value}`.

Stored shapes: text, long text, URL, dropdown and date (ISO `YYYY-MM-DD`) as strings; number as a
JSON integer; decimal as a normalised decimal string ("12.5", exact, never a float); checkbox as
true/false; multi-select as a list of strings in the order of the field's options. An empty value
removes the key, so "has no value" is one shape.

Changing a field's type or removing a dropdown option never rewrites tickets: values are validated
when they are written, not when they are read, so a ticket keeps (and shows) what it had, other
writes to the ticket go through, and the old value is only refused when someone writes that field
again (it must then fit the field as it is now)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import connection
from django.db.models import BooleanField, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL

from tickets.models import Category, Ticket, TicketType
from tickets.models.custom_fields import CustomField, FieldType

MAX_LENGTH = {FieldType.TEXT: 255, FieldType.LONG_TEXT: 10_000, FieldType.URL: 2_000}
TRUE_WORDS = {"true", "1", "yes", "on"}
FALSE_WORDS = {"false", "0", "no", "off"}
FILTER_PREFIX = "cf_"


def error_key(key: str) -> str:
    """How a bad value is named in a 400: `custom_fields.<key>`."""
    return f"custom_fields.{key}"


def definitions() -> list[CustomField]:
    """The active fields with their scopes (three queries), in their order."""
    return list(
        CustomField.objects.filter(is_active=True).prefetch_related(
            Prefetch("categories", queryset=Category.objects.only("pk")),
            Prefetch("ticket_types", queryset=TicketType.objects.only("pk")),
        )
    )


def applies_to(field: CustomField, *, category_id: int | None, ticket_type_id: int | None) -> bool:
    """All tickets when the field names no category or type; else the ticket's must be among them."""
    categories = {c.pk for c in field.categories.all()}
    types = {t.pk for t in field.ticket_types.all()}
    return (not categories or category_id in categories) and (not types or ticket_type_id in types)


def _text(field: CustomField, value: Any) -> str:
    if not isinstance(value, str):
        raise ValidationError("Must be text.")
    value = value.strip()
    limit = MAX_LENGTH[FieldType(field.field_type)]
    if len(value) > limit:
        raise ValidationError(f"At most {limit} characters (this has {len(value)}).")
    return value


def _number(field: CustomField, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationError("Must be a whole number.")
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise ValidationError(f"'{value[:50]}' is not a whole number.") from None
    if abs(value) > 2**53:
        raise ValidationError("Too large a number.")
    return value


def _decimal(field: CustomField, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValidationError("Must be a decimal number, e.g. 12.50.")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError(f"'{str(value)[:50]}' is not a decimal number.") from None
    if not number.is_finite() or abs(number) >= Decimal(10) ** 15:
        raise ValidationError("Must be a finite decimal number below 10^15.")
    return format(number.normalize(), "f")


def _date(field: CustomField, value: Any) -> str:
    if not isinstance(value, str):
        raise ValidationError("Must be a date, YYYY-MM-DD.")
    try:
        return dt.date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise ValidationError(f"'{value[:50]}' is not a date (YYYY-MM-DD).") from None


def _dropdown(field: CustomField, value: Any) -> str:
    if not isinstance(value, str) or value not in (field.options or []):
        raise ValidationError(f"'{str(value)[:50]}' is not one of: {', '.join(field.options or [])}.")
    return value


def _multi_select(field: CustomField, value: Any) -> list[str]:
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError("Must be a list of options.")
    unknown = [v for v in value if v not in (field.options or [])]
    if unknown:
        raise ValidationError(f"Not an option: {', '.join(unknown)[:100]}; use: {', '.join(field.options or [])}.")
    return [option for option in field.options if option in value]


def _checkbox(field: CustomField, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in TRUE_WORDS | FALSE_WORDS:
        return value.strip().lower() in TRUE_WORDS
    raise ValidationError("Must be true or false.")


def _url(field: CustomField, value: Any) -> str:
    value = _text(field, value)
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise ValidationError(f"'{value[:50]}' is not an http(s) URL.") from None
    return value


CLEANERS = {
    FieldType.TEXT: _text,
    FieldType.LONG_TEXT: _text,
    FieldType.NUMBER: _number,
    FieldType.DECIMAL: _decimal,
    FieldType.DATE: _date,
    FieldType.DROPDOWN: _dropdown,
    FieldType.MULTI_SELECT: _multi_select,
    FieldType.CHECKBOX: _checkbox,
    FieldType.URL: _url,
}


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def clean_value(field: CustomField, value: Any) -> Any:
    """The stored form of `value` for `field` (None: remove the value), or ValidationError with the reason."""
    if is_empty(value):
        return None
    return CLEANERS[FieldType(field.field_type)](field, value)


def custom_fields_merge(
    *,
    current: Mapping[str, Any],
    changes: Any,
    category_id: int | None,
    ticket_type_id: int | None,
    fields: Iterable[CustomField] | None = None,
    customer_only: bool = False,
) -> dict[str, Any]:
    """`current` with `changes` applied: each changed key must be an active field that applies to the
    ticket's category and type (and, for `customer_only`, one shown to customers); each value must
    fit its type. Every bad key is named in one ValidationError (`custom_fields.<key>`)."""
    if not isinstance(changes, Mapping):
        raise ValidationError({"custom_fields": ['An object of {"<field key>": value}.']})
    by_key = {f.key: f for f in (definitions() if fields is None else fields)}
    merged = dict(current or {})
    errors: dict[str, list[str]] = {}
    for key, value in changes.items():
        field = by_key.get(key)
        if field is None or (customer_only and not field.is_customer_visible):
            errors[error_key(key)] = ["Unknown custom field."]
            continue
        if not is_empty(value) and not applies_to(field, category_id=category_id, ticket_type_id=ticket_type_id):
            errors[error_key(key)] = [f"'{field.label}' does not apply to this ticket's category or type."]
            continue
        try:
            cleaned = clean_value(field, value)
        except ValidationError as exc:
            errors[error_key(key)] = [f"{field.label}: {message}" for message in exc.messages]
            continue
        if cleaned is None:
            merged.pop(key, None)
        else:
            merged[key] = cleaned
    if errors:
        raise ValidationError(errors)
    return merged


# --- filtering ------------------------------------------------------------------------------------


def _one_filter(queryset: QuerySet[Ticket], field: CustomField, raw: str) -> QuerySet[Ticket]:
    """Tickets whose value of `field` is (or, multi-select, includes) `raw`. On PostgreSQL a
    containment `custom_fields @> '{"key": value}'`, which the GIN index (jsonb_path_ops) answers;
    on SQLite (no containment operator) the JSON path, or json_each for a multi-select.

    Values written before a change of the field keep being found: a choice is taken as written,
    not checked against the options (an option removed since still finds the tickets that keep it),
    and a value typed as text also matches the text stored by an earlier text type (`12` finds
    the number 12 and the text "12")."""
    text = raw.strip()
    if field.has_options:
        wanted: list[Any] = [[text] if field.field_type == FieldType.MULTI_SELECT else text] if text else []
    else:
        cleaned = clean_value(field, raw)
        wanted = [] if cleaned is None else [cleaned] if cleaned == text else [cleaned, text]
    if not wanted:
        raise ValidationError("Give a value.")
    if connection.vendor == "postgresql":
        match = Q()
        for value in wanted:
            match |= Q(custom_fields__contains={field.key: value})
        return queryset.filter(match)
    if field.field_type == FieldType.MULTI_SELECT:
        table = Ticket._meta.db_table
        has = RawSQL(  # noqa: S611 - the key is a validated slug and the value a bound parameter
            f'EXISTS (SELECT 1 FROM json_each("{table}"."custom_fields", %s) WHERE json_each.value = %s)',  # noqa: S608
            (f'$."{field.key}"', text),
            output_field=BooleanField(),
        )
        return queryset.alias(**{f"_cf_{field.key}": has}).filter(**{f"_cf_{field.key}": True})
    match = Q()
    for value in wanted:
        match |= Q(**{f"custom_fields__{field.key}": value})
    return queryset.filter(match)


def custom_field_filter(
    queryset: QuerySet[Ticket], params: Mapping[str, Any], *, customer_only: bool = False
) -> QuerySet[Ticket]:
    """Apply every `cf_<key>=value` of `params`; a ValidationError names each bad parameter. A
    customer (`customer_only`) filters by the fields shown to customers only."""
    wanted = {name: value for name, value in params.items() if name.startswith(FILTER_PREFIX)}
    if not wanted:
        return queryset
    fields_qs = CustomField.objects.filter(key__in=[n[len(FILTER_PREFIX) :] for n in wanted])
    if customer_only:
        fields_qs = fields_qs.filter(is_customer_visible=True)
    fields = {f.key: f for f in fields_qs}
    errors: dict[str, list[str]] = {}
    for name, value in wanted.items():
        field = fields.get(name[len(FILTER_PREFIX) :])
        if field is None:
            errors[name] = ["Unknown custom field."]
            continue
        try:
            queryset = _one_filter(queryset, field, str(value))
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)
    return queryset


def visible_values(values: Mapping[str, Any] | None, visible_keys: Iterable[str] | None) -> dict[str, Any]:
    """The values a reader may see: all (`visible_keys` None: agents) or those of customer-visible fields."""
    if not values:
        return {}
    if visible_keys is None:
        return dict(values)
    keys = set(visible_keys)
    return {k: v for k, v in values.items() if k in keys}


def customer_visible_keys() -> list[str]:
    return list(CustomField.objects.filter(is_customer_visible=True, is_active=True).values_list("key", flat=True))


def form_value(value: Any) -> Any:
    """A stored value as a form posts it back (a list for a multi-select), to tell what an agent changed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return [str(v) for v in value]
    return str(value)


def panel_rows(ticket: Ticket, fields: Iterable[CustomField] | None = None) -> list[dict[str, Any]]:
    """The ticket page's custom fields: each active field that applies to the ticket, with its value
    as the form shows it; a value no longer among a dropdown's options is kept and marked removed."""
    values = ticket.custom_fields or {}
    rows = []
    for field in definitions() if fields is None else fields:
        if not applies_to(field, category_id=ticket.category_id, ticket_type_id=ticket.ticket_type_id):
            continue
        stored = values.get(field.key)
        current = form_value(stored)
        chosen = current if isinstance(current, list) else [current]
        removed = [v for v in chosen if v and field.has_options and v not in (field.options or [])]
        rows.append({"field": field, "value": current, "chosen": chosen, "removed": removed})
    return rows


def changed_from_form(ticket: Ticket, posted: Mapping[str, Any]) -> dict[str, Any]:
    """The custom fields an agent changed on the ticket page: `posted` is {key: raw value} of the
    fields the page showed; an untouched value (even one a field no longer accepts) is left out."""
    values = ticket.custom_fields or {}
    return {key: raw for key, raw in posted.items() if raw != form_value(values.get(key))}
