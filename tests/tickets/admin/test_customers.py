"""GDPR admin actions (tickets/admin/customers.py)."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from customers.models import GdprAction, GdprAuditEntry

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:customers_customer_changelist")


def _action(client, action: str, ids: list[int], **extra):
    return client.post(CHANGELIST, {"action": action, ACTION_CHECKBOX_NAME: ids, **extra}, follow=True)


def test_admin_downloads_a_customer_export(client, admin_agent, customer_a, ticket):
    client.force_login(admin_agent.user)

    response = _action(client, "gdpr_export", [customer_a.pk])

    assert response["Content-Disposition"] == f'attachment; filename="customer-{customer_a.pk}.json"'
    assert response.json()["tickets"][0]["id"] == ticket.pk
    assert GdprAuditEntry.objects.get().action == GdprAction.EXPORT


def test_export_needs_exactly_one_customer(client, admin_agent, customer_a, customer_b):
    client.force_login(admin_agent.user)

    response = _action(client, "gdpr_export", [customer_a.pk, customer_b.pk])

    assert "Select exactly one customer" in response.content.decode()
    assert GdprAuditEntry.objects.count() == 0


def test_erase_asks_for_confirmation_then_erases(client, admin_agent, customer_a, customer_b):
    client.force_login(admin_agent.user)

    confirm = _action(client, "gdpr_erase", [customer_a.pk])
    assert "Erase personal data?" in confirm.content.decode()
    customer_a.refresh_from_db()
    assert customer_a.erased_at is None

    done = _action(client, "gdpr_erase", [customer_a.pk], confirm="yes")

    assert "Personal data erased for 1 customer(s)" in done.content.decode()
    customer_a.refresh_from_db()
    customer_b.refresh_from_db()
    assert customer_a.erased_at is not None
    assert customer_b.erased_at is None
    assert GdprAuditEntry.objects.get().action == GdprAction.ERASE
    assert client.get(reverse("admin:customers_gdprauditentry_changelist")).status_code == 200


@pytest.mark.parametrize("action", ["gdpr_export", "gdpr_erase"])
def test_non_admins_cannot_use_gdpr_actions(client, senior_agent, customer_a, action):
    client.force_login(senior_agent.user)

    response = _action(client, action, [customer_a.pk], confirm="yes")

    customer_a.refresh_from_db()
    assert customer_a.erased_at is None
    assert GdprAuditEntry.objects.count() == 0
    assert response.status_code in (200, 403)
