"""Time tracking: validation, logging on the ticket / a reply / a note (API and ticket page), and
totals that equal the sum of the entries in every view (API, ticket page, time entries admin,
reports, exports)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from model_bakery import baker

from agents.models import Role
from tests.tickets.admin.test_workspace import post_reply
from tickets import exports
from tickets.comments import comment_add
from tickets.models import EventKind, Ticket, TicketEvent, TimeEntry
from tickets.time_tracking import time_entry_add, time_totals_by

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("minutes", "message"),
    [
        pytest.param(0, "Between 1 and 1440 minutes (one day) per entry.", id="zero"),
        pytest.param(1441, "Between 1 and 1440 minutes (one day) per entry.", id="over-a-day"),
        pytest.param("ten", "'ten' is not a whole number of minutes.", id="words"),
        pytest.param(True, "A whole number of minutes.", id="bool"),
        pytest.param(1.5, "A whole number of minutes.", id="float"),
    ],
)
def test_bad_minutes_are_refused_naming_the_field(agent, ticket, minutes, message):
    with pytest.raises(ValidationError) as exc:
        time_entry_add(ticket=ticket, actor=agent.user, minutes=minutes)
    assert exc.value.message_dict == {"minutes": [message]}
    assert not TimeEntry.objects.exists()


def test_time_on_a_message_of_another_ticket_is_refused(agent, ticket, customer_a):
    other = baker.make_recipe("tests.tickets.ticket", customer=customer_a)
    note = comment_add(ticket=other, body="Note", actor=agent.user, is_internal=True)
    with pytest.raises(ValidationError) as exc:
        time_entry_add(ticket=ticket, actor=agent.user, minutes=5, comment=note)
    assert exc.value.message_dict == {"comment": ["That message belongs to another ticket."]}


def test_logging_is_audited_and_copies_customer_and_organisation(agent, ticket):
    entry = time_entry_add(ticket=ticket, actor=agent.user, minutes=25, is_billable=True, note="Call")
    assert (entry.customer_id, entry.organization_id) == (ticket.customer_id, ticket.organization_id)
    event = TicketEvent.objects.get(ticket=ticket, field="time_spent")
    assert (event.kind, event.new_value, event.note) == (
        EventKind.UPDATED,
        {"minutes": 25, "billable": True, "time_entry_id": entry.pk},
        "Call",
    )


def test_a_viewer_cannot_log_time(viewer_agent, ticket):
    from config.exceptions import ApplicationError

    with pytest.raises(ApplicationError):
        time_entry_add(ticket=ticket, actor=viewer_agent.user, minutes=5)


@pytest.fixture
def logged(make_agent, customer_a, customer_b):
    """Two agents' time on three tickets of two customers (two organisations)."""
    dana = make_agent(Role.AGENT, email="dana@support.example.com")
    fox = make_agent(Role.AGENT, email="fox@support.example.com")
    a1 = baker.make_recipe("tests.tickets.ticket", customer=customer_a, organization=customer_a.organization)
    a2 = baker.make_recipe("tests.tickets.ticket", customer=customer_a, organization=customer_a.organization)
    b1 = baker.make_recipe("tests.tickets.ticket", customer=customer_b, organization=customer_b.organization)
    for ticket, agent, minutes, billable in [
        (a1, dana, 30, True),
        (a1, fox, 15, False),
        (a2, dana, 45, True),
        (b1, fox, 60, False),
        (b1, fox, 10, True),
    ]:
        time_entry_add(ticket=ticket, actor=agent.user, minutes=minutes, is_billable=billable)
    return {"dana": dana, "fox": fox, "a1": a1, "a2": a2, "b1": b1}


def test_totals_per_agent_customer_and_organisation(logged, customer_a, customer_b):
    by_agent = {
        r["label"]: (r["minutes"], r["billable_minutes"], r["entries"]) for r in time_totals_by(dimension="agent")
    }
    assert by_agent == {"fox@support.example.com": (85, 10, 3), "dana@support.example.com": (75, 75, 2)}
    by_customer = {r["key"]: r["minutes"] for r in time_totals_by(dimension="customer")}
    assert by_customer == {customer_a.pk: 90, customer_b.pk: 70}
    by_org = {r["label"]: r["minutes"] for r in time_totals_by(dimension="organization")}
    assert by_org == {customer_a.organization.name: 90, customer_b.organization.name: 70}
    # Every view adds up the same rows: the sum of the entries.
    assert sum(by_agent[k][0] for k in by_agent) == sum(TimeEntry.objects.values_list("minutes", flat=True)) == 160


def test_the_api_lists_logs_totals_and_removes(logged, api_client_for, api_admin):
    fox = api_client_for(logged["fox"].user)
    a1 = logged["a1"]
    listed = fox.get(f"/api/v1/tickets/{a1.pk}/time-entries/").json()["results"]
    assert [(e["agent_email"], e["minutes"], e["is_billable"]) for e in listed] == [
        ("dana@support.example.com", 30, True),
        ("fox@support.example.com", 15, False),
    ]
    note = comment_add(ticket=a1, body="Investigated", actor=logged["fox"].user, is_internal=True)
    created = fox.post(
        f"/api/v1/tickets/{a1.pk}/time-entries/", {"minutes": 20, "comment": note.pk, "note": "logs"}, format="json"
    )
    assert created.status_code == 201, created.content
    assert (created.json()["comment"], created.json()["minutes"]) == (note.pk, 20)
    totals = fox.get(f"/api/v1/tickets/{a1.pk}/time-entries/totals/").json()
    assert totals == {"minutes": 65, "billable_minutes": 30, "entries": 3}
    assert totals["minutes"] == sum(e.minutes for e in TimeEntry.objects.filter(ticket=a1))

    dana_entry = TimeEntry.objects.get(ticket=a1, agent=logged["dana"].user)
    assert fox.delete(f"/api/v1/tickets/{a1.pk}/time-entries/{dana_entry.pk}/").status_code == 403
    assert api_admin.delete(f"/api/v1/tickets/{a1.pk}/time-entries/{dana_entry.pk}/").status_code == 204
    bad = fox.post(f"/api/v1/tickets/{a1.pk}/time-entries/", {"minutes": 0}, format="json")
    assert bad.status_code == 400
    assert list(bad.json()) == ["minutes"]

    by_agent = api_admin.get("/api/v1/time-totals/agent/").json()["rows"]
    assert {r["label"]: r["minutes"] for r in by_agent} == {
        "fox@support.example.com": 105,
        "dana@support.example.com": 45,
    }
    assert fox.get("/api/v1/time-totals/agent/").status_code == 403  # reports: admins and senior agents


def test_customers_do_not_see_time(logged, api_customer_a):
    response = api_customer_a.get(f"/api/v1/tickets/{logged['a1'].pk}/time-entries/")
    assert response.status_code == 403


def test_the_composer_logs_time_on_the_reply_and_the_panel_sums(client, logged):
    a1 = logged["a1"]
    client.force_login(logged["fox"].user)
    response = post_reply(client, a1, body="Fixed the printer driver.", time_minutes="12", time_billable="1")
    assert response.status_code == 302
    entry = TimeEntry.objects.get(ticket=a1, minutes=12)
    assert (entry.comment.body, entry.is_billable, entry.agent_id) == (
        "Fixed the printer driver.",
        True,
        logged["fox"].user.pk,
    )
    page = client.get(f"/admin/tickets/ticket/{a1.pk}/change/").content.decode()
    assert "57 min (42 billable)" in page  # 30 + 15 + 12; 30 + 12
    assert client.post(f"/admin/tickets/ticket/{a1.pk}/time/", {"minutes": "3", "note": "wrap-up"}).status_code == 302
    assert "60 min (42 billable)" in client.get(f"/admin/tickets/ticket/{a1.pk}/change/").content.decode()


def test_the_admin_list_reports_and_exports_add_up_the_entries(admin_client_, logged, customer_a):
    listing = admin_client_.get(f"/admin/tickets/timeentry/?organization__id__exact={customer_a.organization_id}")
    assert listing.status_code == 200
    assert '<strong id="time-total-minutes">90 min</strong>' in listing.content.decode()
    today = timezone.localdate()
    start, end = (today - timedelta(days=1)).isoformat(), today.isoformat()
    report = admin_client_.get(f"/admin/tickets/ticket/reports/?dimension=team&start={start}&end={end}")
    html = report.content.decode()
    assert "<td>agent</td><td>fox@support.example.com</td><td>85</td><td>10</td><td>3</td>" in html
    assert f"<td>organization</td><td>{customer_a.organization.name}</td><td>90</td><td>75</td><td>3</td>" in html
    rows = {r["id"]: r["time_minutes"] for r in exports.export_rows(Ticket.objects.all(), chunk_size=10)}
    assert rows == {logged["a1"].pk: 45, logged["a2"].pk: 45, logged["b1"].pk: 70}


def test_a_customer_merge_moves_their_time_to_the_target(agent, org_b, ticket, customer_a):
    from tickets import merge

    time_entry_add(ticket=ticket, actor=agent.user, minutes=30)
    target = baker.make_recipe("tests.customers.customer", organization=org_b)
    merge.customer_merge(source=customer_a, target=target, actor=agent.user)
    assert {r["key"]: r["minutes"] for r in time_totals_by(dimension="customer")} == {target.pk: 30}
    assert {r["label"]: r["minutes"] for r in time_totals_by(dimension="organization")} == {org_b.name: 30}


def test_a_ticket_merge_moves_the_time_with_the_conversation_and_undo_brings_it_back(agent, customer_a, ticket):
    from tickets.ticket_merge import ticket_merge, ticket_merge_undo

    target = baker.make_recipe("tests.tickets.ticket", customer=customer_a, organization=customer_a.organization)
    note = comment_add(ticket=ticket, body="Looked into it", actor=agent.user, is_internal=True)
    entry = time_entry_add(ticket=ticket, actor=agent.user, minutes=20, comment=note)
    ticket_merge(source=ticket, target=target, actor=agent.user)
    entry.refresh_from_db()
    assert (entry.ticket_id, entry.comment.ticket_id) == (target.pk, target.pk)
    ticket_merge_undo(source=Ticket.objects.get(pk=ticket.pk), actor=agent.user)
    entry.refresh_from_db()
    assert (entry.ticket_id, entry.comment.ticket_id) == (ticket.pk, ticket.pk)
