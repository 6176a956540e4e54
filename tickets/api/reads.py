"""The ticket list's and detail's lean read path: the rows as dicts from one `values()` query (no
model instances, no select_related joins to build, no serializer fields walked per row), turned
into exactly the JSON `TicketSerializer` and `TicketDetailSerializer` give, key for key.

The list is the API's busiest request: at 25 rows DRF's field-by-field serialisation and six model
instances per row cost several times the page's SQL. The serializers stay the schema and the one
shape every other response uses; `tests/tickets/api/test_lean_reads.py` holds the two paths equal
over tickets in every SLA state, with and without category, satisfaction and files."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta, tzinfo
from functools import cache
from typing import Any

import orjson
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import ExpressionWrapper, F, OuterRef, QuerySet, TextField
from django.db.models.functions import JSONObject
from django.urls import reverse
from django.utils import timezone

from tickets import selectors
from tickets.custom_fields import customer_visible_keys, visible_values
from tickets.models import Attachment, Ticket
from tickets.models.tickets import URGENT_PRIORITIES, URGENT_STATUSES
from tickets.sla import rules

# What a row needs: the serializer's columns, and the SLA attributes its computed fields read.
TICKET_ROW_FIELDS = (
    "id",
    "title",
    "description",
    "status",
    "priority",
    "category__slug",
    "ticket_type__slug",
    "external_id",
    "channel",
    "customer_id",
    "customer__email",
    "organization_id",
    "team_id",
    "assignee_id",
    "escalated",
    "escalated_at",
    "first_response_due_at",
    "resolution_due_at",
    "first_response_warn_at",
    "resolution_warn_at",
    "next_reply_due_at",
    "next_reply_breached_at",
    "sla_breached_at",
    "sla_paused_at",
    "satisfaction",
    "satisfaction_comment",
    "satisfaction_rated_at",
    "first_responded_at",
    "resolved_at",
    "closed_at",
    "version",
    "created_at",
    "updated_at",
)
# The JSON columns, read as their JSON text and parsed by orjson (Django's JSONField parses each of
# a page's 75 values with the standard library's json, several times slower): `<name>` holds the value.
JSON_FIELDS = ("custom_fields", "tags", "metadata")
JSON_TEXT = {name: ExpressionWrapper(F(name), output_field=TextField()) for name in JSON_FIELDS}
ZERO = timedelta(0)
# A file's keys (as AttachmentSerializer names them) and columns.
FILE_JSON = {
    "id": "id",
    "ticket": "ticket_id",
    "comment": "comment_id",
    "filename": "filename",
    "content_type": "content_type",
    "size": "size",
    "created_at": "created_at",
}


class _Row:
    """A row read as attributes, for the SLA rules (tickets/sla/rules.py reads any such object)."""

    __slots__ = ("_values",)

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None


@cache
def _rows_template() -> QuerySet[Any]:
    """The rows' values() query, built once per process: every request clones it and adds its
    scope, filters, ordering and page (setting up 36 columns and three joins is a third of building
    the query; a queryset that is never evaluated itself is safe to share)."""
    return Ticket.objects.values(*TICKET_ROW_FIELDS, **{f"{name}_json": text for name, text in JSON_TEXT.items()})


def _parsed(row: dict[str, Any]) -> dict[str, Any]:
    """The row with its JSON columns parsed from their text."""
    for name in JSON_FIELDS:
        text = row.pop(f"{name}_json")
        row[name] = None if text is None else orjson.loads(text)
    return row


def ticket_rows(user: Any) -> QuerySet[Any]:
    """The tickets `user` may see (selectors.ticket_visible_q) as the dicts `ticket_row_data` reads."""
    visible = selectors.ticket_visible_q(user)
    rows = _rows_template()
    return rows.none() if visible is None else rows.filter(visible)


def _datetime(value: datetime | None, zone: tzinfo | None) -> datetime | None:
    """DRF's DateTimeField, left to the renderer: the value in the current time zone, which the
    JSON renderer writes as DRF would (ISO 8601, UTC as `Z`; config/api/renderers.py). `zone` None:
    the current zone is UTC, in which the database already returns every value."""
    return value if value is None or zone is None else value.astimezone(zone)


def _zone() -> tzinfo | None:
    """The current time zone, or None when it is UTC (no conversion to make)."""
    zone = timezone.get_current_timezone()
    return None if zone.utcoffset(None) == ZERO else zone


def ticket_row_data(
    row: dict[str, Any], *, now: datetime, zone: tzinfo | None, visible_keys: Iterable[str] | None = None
) -> dict[str, Any]:
    """One row as TicketSerializer writes it (same keys, same order, same values). `visible_keys`:
    the custom fields a customer may see (None: all, for agents)."""
    state, remaining = rules.sla_summary(_Row(row), now=now)  # type: ignore[arg-type]
    satisfaction = None
    if row["satisfaction"]:
        satisfaction = {
            "rating": row["satisfaction"],
            "comment": row["satisfaction_comment"],
            "rated_at": _datetime(row["satisfaction_rated_at"], zone),
        }
    status, priority = row["status"], row["priority"]
    return {
        "id": row["id"],
        "reference": f"#{row['id']}",
        "title": row["title"],
        "description": row["description"],
        "status": status,
        "priority": priority,
        "category": row["category__slug"],
        "type": row["ticket_type__slug"],
        "custom_fields": visible_values(row["custom_fields"], visible_keys),
        "tags": row["tags"],
        "metadata": row["metadata"],
        "external_id": row["external_id"],
        "channel": row["channel"],
        "customer": row["customer_id"],
        "customer_email": row["customer__email"],
        "organization": row["organization_id"],
        "team": row["team_id"],
        "assignee": row["assignee_id"],
        "escalated": row["escalated"],
        "escalated_at": _datetime(row["escalated_at"], zone),
        "is_urgent": status in URGENT_STATUSES and row["assignee_id"] is None and priority in URGENT_PRIORITIES,
        "first_response_due_at": _datetime(row["first_response_due_at"], zone),
        "next_reply_due_at": _datetime(row["next_reply_due_at"], zone),
        "resolution_due_at": _datetime(row["resolution_due_at"], zone),
        "sla_breached_at": _datetime(row["sla_breached_at"], zone),
        "sla_status": None if state == "none" else state,
        "time_remaining_seconds": None if remaining is None else math.floor(remaining.total_seconds()),
        "satisfaction": satisfaction,
        "first_responded_at": _datetime(row["first_responded_at"], zone),
        "resolved_at": _datetime(row["resolved_at"], zone),
        "closed_at": _datetime(row["closed_at"], zone),
        "version": row["version"],
        "created_at": _datetime(row["created_at"], zone),
        "updated_at": _datetime(row["updated_at"], zone),
    }


def _visible_keys(rows: list[dict[str, Any]], *, is_customer: bool) -> list[str] | None:
    """For a customer, the custom fields shown to customers: one query, only when a row has values."""
    if not is_customer or not any(row["custom_fields"] for row in rows):
        return None if not is_customer else []
    return customer_visible_keys()


def ticket_rows_data(rows: Iterable[dict[str, Any]], *, is_customer: bool = False) -> list[dict[str, Any]]:
    """A page of rows, with one clock for all of them (their SLA states agree with each other)."""
    now, zone = timezone.now(), _zone()
    rows = [_parsed(row) for row in rows]
    visible = _visible_keys(rows, is_customer=is_customer)
    return [ticket_row_data(row, now=now, zone=zone, visible_keys=visible) for row in rows]


def _attachments(ticket_id: Any, *, include_internal: bool) -> QuerySet[Attachment]:
    rows = Attachment.objects.filter(ticket_id=ticket_id).order_by("created_at", "id")
    return rows if include_internal else rows.exclude(comment__is_internal=True)


@cache
def _detail_template(include_internal: bool) -> QuerySet[Any]:
    """The rows, on PostgreSQL each with its files (`files`, oldest first; a customer's without the
    files of internal notes) from an array subquery of the same query; built once per process."""
    files = _attachments(OuterRef("pk"), include_internal=include_internal)
    return _rows_template().annotate(files=ArraySubquery(files.values(as_json=JSONObject(**FILE_JSON))))


def ticket_detail_rows(user: Any, *, include_internal: bool) -> QuerySet[Any]:
    """`ticket_rows`, with each ticket's files on PostgreSQL (a ticket's detail is one query);
    elsewhere `ticket_files` reads them."""
    if connection.vendor != "postgresql":
        return ticket_rows(user)
    visible = selectors.ticket_visible_q(user)
    rows = _detail_template(include_internal)
    return rows.none() if visible is None else rows.filter(visible)


def ticket_files(row: dict[str, Any], *, include_internal: bool) -> list[dict[str, Any]]:
    """The detail row's files: from the row (PostgreSQL, timestamps as JSON text), else one query."""
    if "files" in row:
        return [{**file, "created_at": datetime.fromisoformat(file["created_at"])} for file in row["files"]]
    rows = _attachments(row["id"], include_internal=include_internal).values(*FILE_JSON.values())
    return [{key: file[column] for key, column in FILE_JSON.items()} for file in rows]


def ticket_detail_data(
    row: dict[str, Any], attachments: Iterable[dict[str, Any]], *, is_customer: bool = False
) -> dict[str, Any]:
    """TicketDetailSerializer's shape: the ticket and its files."""
    zone = _zone()
    row = _parsed(row)
    visible = _visible_keys([row], is_customer=is_customer)
    data = ticket_row_data(row, now=timezone.now(), zone=zone, visible_keys=visible)
    data["attachments"] = [
        {
            "id": file["id"],
            "ticket": file["ticket"],
            "comment": file["comment"],
            "filename": file["filename"],
            "content_type": file["content_type"],
            "size": file["size"],
            "download_url": reverse("attachment-download", kwargs={"pk": file["id"]}),
            "created_at": _datetime(file["created_at"], zone),
        }
        for file in attachments
    ]
    return data
