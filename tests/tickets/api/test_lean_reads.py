"""The ticket list and detail read dicts (tickets/api/reads.py), not serializers: their JSON must
stay exactly what TicketSerializer / TicketDetailSerializer give, key for key and in the same order,
for tickets in every SLA state, with and without category, satisfaction and files, in UTC and in
another time zone."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from freezegun import freeze_time
from model_bakery import baker
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIRequestFactory

from tickets.api.serializers import TicketDetailSerializer, TicketSerializer
from tickets.comments import comment_add
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


def _as_serializer_would(data) -> list | dict:
    """The serializer's data through the API's renderer and back: what the old path answered."""
    return json.loads(JSONRenderer().render(data))


@pytest.fixture
def desk(customer_a, agent):
    """Tickets covering what the row formatter decides: SLA ok / at risk / breached / paused / none,
    urgent or not, a category or none, a satisfaction rating, tags and metadata, a file on a public
    reply and one on an internal note."""
    hour = timedelta(hours=1)
    make = lambda **kw: baker.make_recipe(  # noqa: E731
        "tests.tickets.ticket", customer=customer_a, organization=customer_a.organization, **kw
    )
    tickets = [
        make(status="open", priority="high", first_response_due_at=NOW + 5 * hour, tags=["vip", "billing"]),
        make(
            status="open",
            priority="low",
            first_response_due_at=NOW + hour,
            first_response_warn_at=NOW - hour,
            metadata={"plan": "gold", "seats": 3, "nested": {"a": [1, 2]}},
        ),
        make(status="in_progress", assignee=agent.user, first_responded_at=NOW - hour, resolution_due_at=NOW - hour),
        make(
            status="pending",
            first_responded_at=NOW - 3 * hour,
            resolution_due_at=NOW + hour,
            sla_paused_at=NOW - 2 * hour,
        ),
        make(
            status="resolved",
            resolved_at=NOW - hour,
            satisfaction="good",
            satisfaction_comment="Quick and kind.",
            satisfaction_rated_at=NOW - timedelta(minutes=5, microseconds=123456),
            escalated=True,
            escalated_at=NOW - 2 * hour,
            sla_breached_at=NOW - 2 * hour,
            external_id="CRM-7",
        ),
        make(status="closed", closed_at=NOW - hour, category=None),
    ]
    upload = lambda name: [SimpleUploadedFile(name, b"x", content_type="text/plain")]  # noqa: E731
    comment_add(ticket=tickets[0], body="public file", actor=agent.user, files=upload("public.txt"))
    comment_add(ticket=tickets[0], body="internal file", actor=agent.user, is_internal=True, files=upload("n.txt"))
    return tickets


def _expected_list() -> list:
    tickets = Ticket.objects.select_related("customer", "category").order_by("-created_at", "-id")
    return _as_serializer_would(TicketSerializer(tickets, many=True).data)


@pytest.mark.parametrize("time_zone", ["UTC", "America/Sao_Paulo"])
def test_the_list_answers_exactly_what_the_serializer_gives(settings, api_client_for, admin_agent, desk, time_zone):
    settings.TIME_ZONE = time_zone
    with freeze_time(NOW):  # the token too: issued on the frozen clock
        results = api_client_for(admin_agent.user).get("/api/v1/tickets/?page_size=100").json()["results"]
        expected = _expected_list()
    assert len(results) == len(desk)
    assert results == expected
    assert [list(row) for row in results] == [list(row) for row in expected]  # key order: the same bytes
    assert {row["sla_status"] for row in results} == {"ok", "at_risk", "breached", None}


@pytest.mark.parametrize(
    ("caller", "files"),
    [
        pytest.param("admin_agent", ["public.txt", "n.txt"], id="agent-sees-every-file"),
        pytest.param("customer_a", ["public.txt"], id="customer-not-the-internal-note-file"),
    ],
)
def test_the_detail_answers_exactly_what_the_serializer_gives(request, api_client_for, desk, caller, files):
    ticket = Ticket.objects.select_related("customer", "category").get(pk=desk[0].pk)  # as the replies left it
    with freeze_time(NOW):  # the token too: issued on the frozen clock
        client = api_client_for(request.getfixturevalue(caller).user)
        response = client.get(f"/api/v1/tickets/{ticket.pk}/")
        http_request = APIRequestFactory().get("/")
        http_request.user = client.user
        expected = _as_serializer_would(TicketDetailSerializer(ticket, context={"request": http_request}).data)
    data = response.json()
    assert [file["filename"] for file in data["attachments"]] == files
    assert data == expected
    assert list(data) == list(expected)
    assert response["ETag"] == f'"{ticket.pk}-{ticket.version}"'
