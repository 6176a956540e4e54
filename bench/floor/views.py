"""The floor: what the API's pages cost when nothing but one SQL query and orjson run. Each view
returns the same rows and columns as the API page it stands for (the list's first page of 25,
newest first: every column the API's rows read, customer email and category and type slugs joined;
a ticket with its files; a search), with no authentication, permission, serializer or pagination
logic. The API cannot beat these; the bench
reports how close it comes."""

from __future__ import annotations

import orjson
from django.db import connection
from django.http import HttpRequest, HttpResponse

# The columns the API's ticket rows read (tickets/api/reads.py TICKET_ROW_FIELDS): the list's
# page shows every one of them, directly or through its SLA fields.
COLUMNS = """t.id, t.title, t.description, t.status, t.priority, cat.slug AS category, tt.slug AS type,
    t.custom_fields, t.tags, t.metadata, t.external_id, t.channel, t.customer_id AS customer,
    c.email AS customer_email, t.organization_id AS organization, t.team_id AS team,
    t.assignee_id AS assignee, t.escalated, t.escalated_at, t.first_response_due_at, t.resolution_due_at,
    t.first_response_warn_at, t.resolution_warn_at, t.next_reply_due_at, t.next_reply_breached_at,
    t.sla_breached_at, t.sla_paused_at, t.satisfaction, t.satisfaction_comment, t.satisfaction_rated_at,
    t.first_responded_at, t.resolved_at, t.closed_at, t.version, t.created_at, t.updated_at"""
# JSON columns arrive as their JSON text (Django's loader) and go out as they are.
JSON_COLUMNS = frozenset({"custom_fields", "tags", "metadata"})
FROM = """tickets_ticket t JOIN customers_customer c ON c.id = t.customer_id
    LEFT JOIN tickets_category cat ON cat.id = t.category_id
    LEFT JOIN tickets_tickettype tt ON tt.id = t.ticket_type_id"""
LIST_SQL = f"SELECT {COLUMNS} FROM {FROM} ORDER BY t.created_at DESC, t.id DESC LIMIT %s"
SEARCH_SQL = f"""SELECT {COLUMNS} FROM {FROM} WHERE {{vector}} @@ websearch_to_tsquery('english', %s)
    ORDER BY t.created_at DESC, t.id DESC LIMIT %s"""
_search_sql: list[str] = []


def _search_query() -> str:
    """The search with exactly the GIN index's expression (read from the index once), so the
    floor uses the same index as the API."""
    if not _search_sql:
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'ticket_search_gin'")
            definition = cursor.fetchone()[0]
        expression = definition.split("USING gin ", 1)[1][1:-1]
        expression = expression.replace("title", "t.title").replace("description", "t.description")
        _search_sql.append(SEARCH_SQL.replace("{vector}", expression))
    return _search_sql[0]


DETAIL_SQL = f"""SELECT {COLUMNS},
    (SELECT coalesce(json_agg(json_build_object('id', a.id, 'filename', a.filename, 'content_type',
        a.content_type, 'size', a.size, 'created_at', a.created_at) ORDER BY a.created_at, a.id), '[]')
     FROM tickets_attachment a WHERE a.ticket_id = t.id) AS attachments
    FROM {FROM} WHERE t.id = %s"""


def _rows(sql: str, params: list) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        json_at = [index for index, name in enumerate(names) if name in JSON_COLUMNS]
        rows = []
        for values in cursor.fetchall():
            row = dict(zip(names, values, strict=True))
            for index in json_at:
                row[names[index]] = orjson.Fragment(values[index])
            rows.append(row)
        return rows


def _json(data: object) -> HttpResponse:
    return HttpResponse(orjson.dumps(data), content_type="application/json")


def ticket_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("search")
    rows = _rows(_search_query(), [search, 25]) if search else _rows(LIST_SQL, [25])
    return _json({"next": None, "previous": None, "results": rows})


def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rows = _rows(DETAIL_SQL, [pk])
    if not rows:
        return HttpResponse(status=404)
    return _json(rows[0])
