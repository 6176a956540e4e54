"""Custom fields on the agents' ticket page (shown, edited with the type, a bad value named, a
removed option kept) and in the queue's filter."""

from __future__ import annotations

import pytest

from agents.models import Role
from tests.tickets.admin.test_workspace import page_url, post_properties
from tickets import services
from tickets.models import CustomField, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def fields():
    return {
        "code": CustomField.objects.create(
            key="resolution_code", label="Resolution code", field_type="dropdown", options=["fixed", "wont_fix"]
        ),
        "areas": CustomField.objects.create(
            key="areas", label="Areas", field_type="multi_select", options=["ui", "api"]
        ),
        "hours": CustomField.objects.create(key="hours", label="Hours", field_type="number"),
    }


def test_the_ticket_page_shows_and_saves_custom_fields_and_type(client, login, ticket, fields):
    login(Role.AGENT)
    html = client.get(page_url(ticket)).content.decode()
    assert 'name="cf_resolution_code"' in html
    assert 'name="cf_areas"' in html
    response = post_properties(
        client,
        ticket,
        ticket_type=str(Ticket._meta.get_field("ticket_type").related_model.objects.get(slug="incident").pk),
        cf_fields=["resolution_code", "areas", "hours"],
        cf_multi=["areas"],
        cf_resolution_code="fixed",
        cf_areas=["api", "ui"],
        cf_hours="2",
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.ticket_type.slug == "incident"
    assert ticket.custom_fields == {"resolution_code": "fixed", "areas": ["ui", "api"], "hours": 2}


def test_a_bad_value_is_refused_on_the_page_naming_the_field(client, login, ticket, fields):
    login(Role.AGENT)
    response = post_properties(client, ticket, cf_fields=["hours"], cf_hours="two")
    assert response.status_code == 400
    assert "Hours: &#x27;two&#x27; is not a whole number." in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.custom_fields == {}


def test_a_removed_option_stays_on_the_ticket_when_the_page_is_saved(client, login, agent, ticket, fields):
    services.ticket_update(ticket=ticket, actor=agent.user, data={"custom_fields": {"resolution_code": "wont_fix"}})
    fields["code"].options = ["fixed"]
    fields["code"].save()
    login(Role.AGENT)
    ticket.refresh_from_db()
    assert "wont_fix (removed option)" in client.get(page_url(ticket)).content.decode()
    events = TicketEvent.objects.count()
    response = post_properties(
        client, ticket, priority="high", cf_fields=["resolution_code"], cf_resolution_code="wont_fix"
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.custom_fields) == ("high", {"resolution_code": "wont_fix"})
    assert TicketEvent.objects.count() == events + 1  # the priority only


def test_the_queue_filters_by_custom_field_values(client, login, make_ticket, fields):
    login(Role.AGENT)
    make_ticket(title="Fixed one", custom_fields={"resolution_code": "fixed", "areas": ["ui", "api"]})
    make_ticket(title="Wont fix one", custom_fields={"resolution_code": "wont_fix", "areas": ["api"], "hours": 2})
    make_ticket(title="Nothing set")
    queue = "/admin/tickets/ticket/?status=all"

    def titles(query: str) -> list[str]:
        response = client.get(f"{queue}&{query}")
        assert response.status_code == 200, response.get("Location")
        return sorted(t.title for t in response.context["cl"].result_list)

    assert titles("cf_resolution_code=fixed") == ["Fixed one"]
    assert titles("cf_areas=api") == ["Fixed one", "Wont fix one"]
    assert titles("cf_areas=api&cf_hours=2") == ["Wont fix one"]
    html = client.get(queue).content.decode()
    assert "cf_resolution_code=wont_fix" in html
    assert "Resolution code: wont_fix" in html
    assert "Areas: ui" in html
    # A value the field cannot hold is the admin's "bad filter" redirect, not a 500.
    bad = client.get(f"{queue}&cf_hours=two")
    assert (bad.status_code, bad["Location"]) == (302, "/admin/tickets/ticket/?e=1")
