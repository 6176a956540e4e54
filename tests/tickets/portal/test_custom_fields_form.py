"""The portal's new-request form asks the custom fields shown to customers, and only those."""

from __future__ import annotations

import pytest

from tickets.models import CustomField, Ticket

pytestmark = pytest.mark.django_db


def test_the_portal_form_asks_customer_visible_fields(portal_client):
    CustomField.objects.create(key="root_cause", label="Root cause", field_type="text")
    CustomField.objects.create(key="order_number", label="Order number", field_type="text", is_customer_visible=True)
    html = portal_client.get("/portal/tickets/new/").content.decode()
    assert 'name="cf_order_number"' in html
    assert 'name="cf_root_cause"' not in html
    response = portal_client.post(
        "/portal/tickets/new/", {"title": "Where is it", "description": "Ordered last week", "cf_order_number": "A-1"}
    )
    assert response.status_code == 302
    assert Ticket.objects.get().custom_fields == {"order_number": "A-1"}
