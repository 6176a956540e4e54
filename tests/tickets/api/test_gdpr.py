"""GDPR endpoints (tickets/api/gdpr.py): admin only, audited."""

from __future__ import annotations

import pytest
from model_bakery import baker

from customers.models import Customer, GdprAction, GdprAuditEntry
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_tickets(customer_a, customer_b):
    mine = baker.make_recipe("tests.tickets.ticket", customer=customer_a, _quantity=2)
    for ticket in mine:
        baker.make_recipe("tests.tickets.comment", ticket=ticket, body=f"Alice writes on {ticket.pk}")
    baker.make_recipe("tests.tickets.ticket", customer=customer_b, title="Bob's ticket")
    return mine


def test_admin_exports_a_customer_as_a_json_document(api_admin, admin_agent, customer_a, alice_tickets):
    response = api_admin.get(f"/api/v1/customers/{customer_a.pk}/export/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert f'filename="customer-{customer_a.pk}.json"' in response["Content-Disposition"]
    document = response.json()
    assert document["customer"]["email"] == "alice@acme.example"
    assert sorted(t["id"] for t in document["tickets"]) == sorted(t.pk for t in alice_tickets)
    assert all(len(t["comments"]) == 1 for t in document["tickets"])
    assert "Bob's ticket" not in response.content.decode()
    entry = GdprAuditEntry.objects.get()
    assert (entry.action, entry.customer_ref, entry.actor_id) == (GdprAction.EXPORT, customer_a.pk, admin_agent.user.pk)


def test_admin_erases_a_customer(api_admin, customer_a, alice_tickets, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_admin.post(f"/api/v1/customers/{customer_a.pk}/erase/")

    assert response.status_code == 200
    customer_a.refresh_from_db()
    assert response.data == {"id": customer_a.pk, "erased_at": customer_a.erased_at}
    assert customer_a.email.startswith("erased-")
    assert customer_a.name == ""
    assert Ticket.objects.filter(customer=customer_a).count() == 2
    assert GdprAuditEntry.objects.filter(action=GdprAction.ERASE).count() == 1
    # Idempotent.
    assert api_admin.post(f"/api/v1/customers/{customer_a.pk}/erase/").status_code == 200
    assert GdprAuditEntry.objects.filter(action=GdprAction.ERASE).count() == 1


def test_erasure_clears_external_ids_and_changes_the_ticket_etags(
    api_admin, api_agent, customer_a, alice_tickets, django_capture_on_commit_callbacks
):
    first, second = alice_tickets
    Ticket.objects.filter(pk=first.pk).update(external_id="CRM-CASE-1")
    Ticket.objects.filter(pk=second.pk).update(external_id="CRM-CASE-2")
    etags_before = {t.pk: api_agent.get(f"/api/v1/tickets/{t.pk}/")["ETag"] for t in alice_tickets}
    assert etags_before == {first.pk: f'"{first.pk}-1"', second.pk: f'"{second.pk}-1"'}

    with django_capture_on_commit_callbacks(execute=True):
        assert api_admin.post(f"/api/v1/customers/{customer_a.pk}/erase/").status_code == 200

    for ticket in alice_tickets:
        response = api_agent.get(f"/api/v1/tickets/{ticket.pk}/")
        assert response.status_code == 200
        assert response.data["external_id"] is None
        assert response.data["title"] == "[erased]"
        assert response["ETag"] == f'"{ticket.pk}-2"'
        # A write based on what was read before the erasure is refused.
        stale = api_agent.patch(
            f"/api/v1/tickets/{ticket.pk}/", {"priority": "low"}, format="json", HTTP_IF_MATCH=etags_before[ticket.pk]
        )
        assert stale.status_code == 412
    assert set(Ticket.objects.filter(customer=customer_a).values_list("external_id", flat=True)) == {None}


@pytest.mark.parametrize(
    ("client_name", "expected"),
    [
        pytest.param("api_client", 401, id="anonymous"),
        pytest.param("api_customer_a", 403, id="the-customer-themself"),
        pytest.param("api_viewer", 403, id="viewer"),
        pytest.param("api_agent", 403, id="agent"),
        pytest.param("api_senior_agent", 403, id="senior-agent"),
    ],
)
@pytest.mark.parametrize("method", ["get-export", "post-erase"])
def test_only_admins(request, client_name, expected, method, customer_a):
    client = request.getfixturevalue(client_name)

    if method == "get-export":
        response = client.get(f"/api/v1/customers/{customer_a.pk}/export/")
    else:
        response = client.post(f"/api/v1/customers/{customer_a.pk}/erase/")

    assert response.status_code == expected
    customer_a.refresh_from_db()
    assert customer_a.erased_at is None
    assert GdprAuditEntry.objects.count() == 0


def test_unknown_customer_is_404(api_admin):
    assert api_admin.get("/api/v1/customers/999999/export/").status_code == 404
    assert api_admin.post("/api/v1/customers/999999/erase/").status_code == 404
    assert not Customer.objects.filter(pk=999999).exists()


def test_export_query_count_is_bounded(api_admin, customer_a, django_assert_max_num_queries):
    for n in (2, 20):
        for ticket in baker.make_recipe("tests.tickets.ticket", customer=customer_a, _quantity=n):
            baker.make_recipe("tests.tickets.comment", ticket=ticket, _quantity=2)
        with django_assert_max_num_queries(14):
            assert api_admin.get(f"/api/v1/customers/{customer_a.pk}/export/").status_code == 200
