"""Exact query counts of the API's hot paths beside the lists (tests/config/test_api_list_queries.py):
a ticket's detail and opening a ticket. Each count is the request's whole cost, authentication
included; a changed count is explained in the commit that changes it."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from model_bakery import baker

from tickets.comments import comment_add

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket_with_file(agent, customer_a):
    ticket = baker.make_recipe("tests.tickets.ticket", customer=customer_a, organization=customer_a.organization)
    upload = SimpleUploadedFile("notes.txt", b"x", content_type="text/plain")
    comment_add(ticket=ticket, body="a file", actor=agent.user, files=[upload])
    return ticket


@pytest.mark.parametrize("client_fixture", ["api_agent", "api_customer_a"])
def test_ticket_detail_costs_exactly(request, ticket_with_file, client_fixture, django_assert_num_queries):
    client = request.getfixturevalue(client_fixture)
    url = f"/api/v1/tickets/{ticket_with_file.pk}/"
    # The JWT's user comes from the caller cache (agents/callers.py, filled by the first request);
    # the ticket's row with its files: on PostgreSQL in one query (an array subquery,
    # tickets/api/reads.py), elsewhere a second one.
    expected = 1 if connection.vendor == "postgresql" else 2
    client.get(url)
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert response.status_code == 200
    assert [a["filename"] for a in response.json()["attachments"]] == ["notes.txt"]


def test_ticket_create_costs_exactly(
    api_agent, customer_a, django_assert_num_queries, django_capture_on_commit_callbacks
):
    payload = {"title": "Printer on fire", "customer_email": customer_a.email, "priority": "high"}
    api_agent.post("/api/v1/tickets/", payload, format="json")  # warm-up: the SLA policy cache
    # the JWT's user from the caller cache (no query); the transaction; the customer by email; the routing team (no
    # category: the default team); the ticket (its SLA policy from the cache); its `created` event;
    # the outbox row; the active triggers (none); the end of the transaction. No idempotency key,
    # nobody to auto-assign. 9 -> 10: its SLA event log's first entries (first response and resolution
    # started), one INSERT; the policy (first match) still comes from the cache. 10 -> 9: the caller
    # cache (agents/callers.py).
    with django_assert_num_queries(9):
        response = api_agent.post("/api/v1/tickets/", payload, format="json")
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    ("engine", "expected"),
    [
        # the session row, the page; the user (agent profile and customer record joined) comes
        # from the caller cache (agents/callers.py)
        pytest.param("django.contrib.sessions.backends.db", 2, id="database-sessions"),
        # production with Redis: the session comes from the cache too (cached_db writes through)
        pytest.param("django.contrib.sessions.backends.cached_db", 1, id="cached-sessions"),
    ],
)
def test_session_list_costs_exactly(settings, client, agent, ticket, engine, expected, django_assert_num_queries):
    settings.SESSION_ENGINE = engine
    client.force_login(agent.user)
    client.get("/api/v1/tickets/")
    with django_assert_num_queries(expected):
        response = client.get("/api/v1/tickets/")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [ticket.pk]
