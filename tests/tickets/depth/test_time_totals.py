"""Time totals per customer, organisation and agent follow the viewer's ticket scope in every view
(the API's time totals, the reports page's table and its CSV, the Time entries list) and are
exportable; each view's figures equal the sum of the entries it lists."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone
from model_bakery import baker

from agents.models import Role
from agents.services import agent_update
from tickets.models import TimeEntry
from tickets.time_tracking import time_entry_add

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged(make_agent, customer_a, customer_b):
    """Ivy (senior agent, scope: only her assigned tickets) is assigned a1; b1 is nobody's.
    Time: a1 30 (billable) + 15 by Dana; b1 60 by Dana and 10 (billable) by Ivy."""
    ivy = make_agent(Role.SENIOR_AGENT, email="ivy@support.example.com")
    agent_update(agent=ivy, data={"ticket_scope": "assigned"})
    dana = make_agent(Role.AGENT, email="dana@support.example.com")
    a1 = baker.make_recipe(
        "tests.tickets.ticket", customer=customer_a, organization=customer_a.organization, assignee=ivy.user
    )
    b1 = baker.make_recipe("tests.tickets.ticket", customer=customer_b, organization=customer_b.organization)
    for ticket, agent, minutes, billable in [
        (a1, dana, 30, True),
        (a1, dana, 15, False),
        (b1, dana, 60, False),
        (b1, ivy, 10, True),
    ]:
        time_entry_add(ticket=ticket, actor=agent.user, minutes=minutes, is_billable=billable)
    return {"ivy": ivy, "dana": dana, "a1": a1, "b1": b1}


def _period() -> str:
    today = timezone.localdate().isoformat()
    return f"start={today}&end={today}"


def test_the_api_totals_count_the_tickets_in_the_callers_scope(logged, api_client_for, api_admin, customer_a):
    ivy = api_client_for(logged["ivy"].user)
    by_agent = ivy.get(f"/api/v1/time-totals/agent/?{_period()}").json()["rows"]
    assert [(r["label"], r["minutes"], r["billable_minutes"], r["entries"]) for r in by_agent] == [
        ("dana@support.example.com", 45, 30, 2)  # a1 only: her 10 minutes on b1 are out of her scope
    ]
    by_org = ivy.get(f"/api/v1/time-totals/organization/?{_period()}").json()["rows"]
    assert [(r["label"], r["minutes"]) for r in by_org] == [(customer_a.organization.name, 45)]

    everything = api_admin.get(f"/api/v1/time-totals/agent/?{_period()}").json()["rows"]
    assert [(r["label"], r["minutes"], r["entries"]) for r in everything] == [
        ("dana@support.example.com", 105, 3),
        ("ivy@support.example.com", 10, 1),
    ]
    assert sum(r["minutes"] for r in everything) == sum(TimeEntry.objects.values_list("minutes", flat=True)) == 115


def test_the_reports_table_and_its_csv_follow_the_scope(logged, client, admin_agent, customer_a, customer_b):
    client.force_login(logged["ivy"].user)
    page = client.get(f"/admin/tickets/ticket/reports/?dimension=team&{_period()}").content.decode()
    assert "<td>agent</td><td>dana@support.example.com</td><td>45</td><td>30</td><td>2</td>" in page
    assert "ivy@support.example.com</td><td>10" not in page
    assert 'id="time-csv"' in page

    response = client.get(f"/admin/tickets/ticket/reports/?dimension=team&{_period()}&format=time_csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert list(csv.reader(io.StringIO(response.content.decode()))) == [
        ["by", "key", "label", "minutes", "billable_minutes", "entries"],
        ["agent", str(logged["dana"].user_id), "dana@support.example.com", "45", "30", "2"],
        ["organization", str(customer_a.organization_id), customer_a.organization.name, "45", "30", "2"],
        ["customer", str(customer_a.pk), customer_a.email, "45", "30", "2"],
    ]

    client.force_login(admin_agent.user)
    response = client.get(f"/admin/tickets/ticket/reports/?dimension=team&{_period()}&format=time_csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1:] == [
        ["agent", str(logged["dana"].user_id), "dana@support.example.com", "105", "30", "3"],
        ["agent", str(logged["ivy"].user_id), "ivy@support.example.com", "10", "10", "1"],
        ["organization", str(customer_b.organization_id), customer_b.organization.name, "70", "10", "2"],
        ["organization", str(customer_a.organization_id), customer_a.organization.name, "45", "30", "2"],
        ["customer", str(customer_b.pk), customer_b.email, "70", "10", "2"],
        ["customer", str(customer_a.pk), customer_a.email, "45", "30", "2"],
    ]


def test_the_time_entries_list_and_its_csv_follow_the_scope(logged, client):
    client.force_login(logged["ivy"].user)
    listing = client.get("/admin/tickets/timeentry/")
    assert listing.status_code == 200
    assert '<strong id="time-total-minutes">45 min</strong>' in listing.content.decode()
    ids = sorted(TimeEntry.objects.filter(ticket=logged["a1"]).values_list("pk", flat=True))
    response = client.post(
        "/admin/tickets/timeentry/",
        {"action": "export_time_entries_csv", "_selected_action": [str(pk) for pk in ids]},
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "logged_at",
        "ticket",
        "ticket_title",
        "agent",
        "customer",
        "organization",
        "minutes",
        "billable",
        "note",
    ]
    a1 = logged["a1"]
    assert [row[1:] for row in rows[1:]] == [
        [str(a1.pk), a1.title, "dana@support.example.com", a1.customer.email, a1.organization.name, "30", "yes", ""],
        [str(a1.pk), a1.title, "dana@support.example.com", a1.customer.email, a1.organization.name, "15", "no", ""],
        ["", "", "", "", "", "45", "", ""],
    ]
    assert rows[-1][0] == "total"
