"""SLA fields on ticket responses (sla_status, time_remaining_seconds) and the live breached /
at_risk filters, with a frozen clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from freezegun import freeze_time

from tickets import services
from tickets.models import Status, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("wall_clock")]

URL = "/api/v1/tickets/"
T0 = datetime(2025, 1, 6, 10, tzinfo=UTC)  # a Monday
HOUR = 3600


def make(customer, *, priority: str = "high", **changes) -> Ticket:
    with freeze_time(T0):
        ticket = services.ticket_create(actor=None, title="Help", customer=customer, priority=priority)
    if changes:
        Ticket.objects.filter(pk=ticket.pk).update(**changes)
        ticket.refresh_from_db()
    return ticket


def get_at(api_client_for, user, moment: datetime, path: str, params=None):
    with freeze_time(moment):
        response = api_client_for(user).get(path, params or {})
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize(
    ("changes", "after", "status", "remaining"),
    [
        pytest.param({}, timedelta(hours=1), "ok", 3 * HOUR, id="first-response-running"),
        pytest.param({}, timedelta(hours=3, minutes=30), "at_risk", 30 * 60, id="past-the-warning-point"),
        pytest.param({}, timedelta(hours=5), "breached", -HOUR, id="first-response-missed"),
        pytest.param({"first_responded_at": T0}, timedelta(hours=5), "ok", 19 * HOUR, id="racing-resolution"),
        pytest.param({"first_responded_at": T0}, timedelta(hours=25), "breached", -HOUR, id="resolution-missed"),
        pytest.param(
            {"first_responded_at": T0, "status": Status.PENDING, "sla_paused_at": T0 + timedelta(hours=2)},
            timedelta(hours=30),
            "ok",
            22 * HOUR,
            id="pending-freezes-the-clock",
        ),
        pytest.param({"sla_breached_at": T0}, timedelta(hours=1), "breached", 3 * HOUR, id="stamped-by-the-scan"),
        pytest.param(
            {"status": Status.CLOSED, "closed_at": T0}, timedelta(hours=5), None, None, id="closed-has-no-target"
        ),
        pytest.param(
            {
                "first_response_due_at": None,
                "resolution_due_at": None,
                "first_response_warn_at": None,
                "resolution_warn_at": None,
            },
            timedelta(hours=5),
            None,
            None,
            id="no-target",
        ),
    ],
)
def test_sla_status_and_time_remaining(api_client_for, agent, customer_a, changes, after, status, remaining):
    ticket = make(customer_a, **changes)

    detail = get_at(api_client_for, agent.user, T0 + after, f"{URL}{ticket.pk}/")
    listed = get_at(api_client_for, agent.user, T0 + after, URL)["results"][0]

    for body in (detail, listed):
        assert (body["sla_status"], body["time_remaining_seconds"]) == (status, remaining)


def test_customers_see_the_sla_fields_too(api_client_for, customer_a):
    ticket = make(customer_a)
    body = get_at(api_client_for, customer_a.user, T0 + timedelta(hours=5), f"{URL}{ticket.pk}/")
    assert body["sla_status"] == "breached"


def test_breached_filter_is_live_and_includes_stamped_tickets(api_client_for, agent, customer_a, customer_b):
    overdue = make(customer_a)  # 4 h target, not yet stamped by the scan
    stamped = make(customer_a, priority="low", sla_breached_at=T0)
    fine = make(customer_a, priority="low")  # 72 h target
    answered = make(customer_a, first_responded_at=T0)  # racing the 24 h resolution target
    closed = make(customer_a, status=Status.CLOSED, closed_at=T0)
    at = T0 + timedelta(hours=5)

    breached = {t["id"] for t in get_at(api_client_for, agent.user, at, URL, {"breached": "true"})["results"]}
    not_breached = {t["id"] for t in get_at(api_client_for, agent.user, at, URL, {"breached": "false"})["results"]}

    assert breached == {overdue.pk, stamped.pk}
    assert not_breached == {fine.pk, answered.pk, closed.pk}


def test_at_risk_filter(api_client_for, agent, customer_a):
    warned = make(customer_a)  # warning at 3 h 12
    breached = make(customer_a, first_response_due_at=T0 + timedelta(hours=3))
    fine = make(customer_a, priority="low")
    at = T0 + timedelta(hours=3, minutes=30)

    at_risk = {t["id"] for t in get_at(api_client_for, agent.user, at, URL, {"at_risk": "true"})["results"]}
    others = {t["id"] for t in get_at(api_client_for, agent.user, at, URL, {"at_risk": "false"})["results"]}

    assert at_risk == {warned.pk}
    assert others == {breached.pk, fine.pk}


@pytest.mark.parametrize("param", ["breached", "at_risk"])
def test_bad_sla_filter_values_are_400(api_agent, param):
    response = api_agent.get(URL, {param: "maybe"})
    assert response.status_code == 400
    assert param in response.json()


def test_sla_fields_add_no_queries(api_client_for, agent, customer_a, django_assert_num_queries):
    """The fields are computed from the row: the list costs the page alone (the JWT's user comes
    from the caller cache, agents/callers.py), for 2 tickets as for 30."""
    for n in range(30):
        make(customer_a, priority=["low", "medium", "high", "critical"][n % 4])
    with freeze_time(T0 + timedelta(minutes=50)):
        api_client_for(agent.user).get(URL)  # the caller is cached from here on

    def count(page_size: int) -> int:
        with freeze_time(T0 + timedelta(minutes=50)), django_assert_num_queries(1) as captured:
            response = api_client_for(agent.user).get(URL, {"page_size": page_size, "breached": "false"})
        assert response.status_code == 200
        assert len(response.json()["results"]) == page_size
        assert all(t["sla_status"] in {"ok", "at_risk", "breached"} for t in response.json()["results"])
        return len(captured.captured_queries)

    small, large = count(2), count(30)
    assert small == large, connection.queries[-large:]
