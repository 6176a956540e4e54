"""Customers and organisations through the API."""

from __future__ import annotations

import pytest
from model_bakery import baker

from customers.models import Customer, Organization

CUSTOMERS = "/api/v1/customers/"
ORGS = "/api/v1/organizations/"


def test_create_customer_matches_organisation_by_domain(api_senior_agent):
    org = Organization.objects.create(name="Initech", default_tier="premium")
    org.domains.create(domain="initech.example")
    response = api_senior_agent.post(
        CUSTOMERS,
        {"email": " Peter@Initech.example ", "name": "<b>Peter</b>", "phone": "+1 415 555 0100", "email_opt_out": True},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "peter@initech.example"
    assert body["name"] == "Peter"
    assert body["phone"] == "+14155550100"
    assert body["organization"] == org.pk
    assert body["tier"] == "premium"
    assert body["has_portal_access"] is False
    assert Customer.objects.get(pk=body["id"]).email_opt_out is True


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        pytest.param({"email": "not-an-email"}, "email", id="bad-email"),
        pytest.param({}, "email", id="missing-email"),
        pytest.param({"email": "a@example.org", "phone": "call me"}, "phone", id="bad-phone"),
        pytest.param({"email": "a@example.org", "tier": "gold"}, "tier", id="bad-tier"),
        pytest.param({"email": "a@example.org", "organization": 999999}, "organization", id="unknown-org"),
        pytest.param({"email": "a@example.org", "metadata": [1]}, "metadata", id="metadata-not-object"),
        pytest.param({"email": "a@example.org", "crm_id": "x"}, "crm_id", id="crm-id-not-writable"),
        pytest.param({"email": "a@example.org", "name": "x" * 300}, "name", id="long-name"),
    ],
)
def test_customer_validation_names_the_field(api_admin, payload, field):
    response = api_admin.post(CUSTOMERS, payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_duplicate_email_is_400(api_admin):
    baker.make_recipe("tests.customers.customer", email="dup@example.org")
    response = api_admin.post(CUSTOMERS, {"email": "DUP@example.org"}, format="json")
    assert response.status_code == 400
    assert "email" in response.json()


def test_patch_customer(api_senior_agent, org_a):
    customer = baker.make_recipe("tests.customers.customer")
    response = api_senior_agent.patch(
        f"{CUSTOMERS}{customer.pk}/", {"name": "Renamed", "organization": org_a.pk, "tier": "basic"}, format="json"
    )
    assert response.status_code == 200, response.content
    customer.refresh_from_db()
    assert (customer.name, customer.organization, customer.tier) == ("Renamed", org_a, "basic")
    bad = api_senior_agent.patch(f"{CUSTOMERS}{customer.pk}/", {"phone": "nope"}, format="json")
    assert bad.status_code == 400
    assert "phone" in bad.json()


def test_customer_with_tickets_cannot_be_deleted(api_admin, ticket):
    response = api_admin.delete(f"{CUSTOMERS}{ticket.customer_id}/")
    assert response.status_code == 400
    assert "customer" in response.json()
    assert Customer.objects.filter(pk=ticket.customer_id).exists()


def test_deleting_a_customer_removes_their_portal_login(api_admin, customer_b, django_user_model):
    user_id = customer_b.user_id
    assert api_admin.delete(f"{CUSTOMERS}{customer_b.pk}/").status_code == 204
    assert not Customer.objects.filter(pk=customer_b.pk).exists()
    assert not django_user_model.objects.filter(pk=user_id).exists()


def test_customer_list_filters(api_agent, org_a, customer_a, customer_b):
    by_org = api_agent.get(CUSTOMERS, {"organization": org_a.pk}).json()["results"]
    assert [c["id"] for c in by_org] == [customer_a.pk]
    by_search = api_agent.get(CUSTOMERS, {"search": "globex"}).json()["results"]
    assert [c["id"] for c in by_search] == [customer_b.pk]
    by_email = api_agent.get(CUSTOMERS, {"email": "ALICE@acme.example"}).json()["results"]
    assert [c["id"] for c in by_email] == [customer_a.pk]
    assert api_agent.get(CUSTOMERS, {"tier": "gold"}).status_code == 400


def test_organization_create_update_delete(api_admin, ticket):
    created = api_admin.post(
        ORGS, {"name": "Umbrella", "default_tier": "enterprise", "domains": ["@Umbrella.example"]}, format="json"
    )
    assert created.status_code == 201, created.content
    org = Organization.objects.get(pk=created.json()["id"])
    assert created.json()["domains"] == ["umbrella.example"]
    updated = api_admin.patch(
        f"{ORGS}{org.pk}/",
        {
            "name": "Umbrella Corp",
            "domains": ["umbrella.example", "umb.example"],
            "notes": "n",
            "default_tier": "basic",
        },
        format="json",
    )
    assert updated.status_code == 200, updated.content
    assert updated.json()["domains"] == ["umb.example", "umbrella.example"]
    assert updated.json()["default_tier"] == "basic"
    assert api_admin.delete(f"{ORGS}{ticket.organization_id}/").status_code == 204
    ticket.refresh_from_db()
    assert ticket.organization is None  # tickets stay, without an organisation


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        pytest.param({"name": ""}, "name", id="blank-name"),
        pytest.param({"name": "<i></i>"}, "name", id="markup-only-name"),
        pytest.param({"name": "Acme Corp"}, "name", id="duplicate-name"),
        pytest.param({"name": "New", "domains": ["not a domain"]}, "domains", id="bad-domain"),
        pytest.param({"name": "New", "domains": ["acme.example"]}, "domains", id="taken-domain"),
        pytest.param({"name": "New", "default_tier": "gold"}, "default_tier", id="bad-tier"),
    ],
)
def test_organization_validation(api_admin, org_a, payload, field):
    org_a.domains.create(domain="acme.example")
    response = api_admin.post(ORGS, payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_organization_patch_validation(api_admin, org_a, org_b):
    response = api_admin.patch(f"{ORGS}{org_b.pk}/", {"name": org_a.name.upper()}, format="json")
    assert response.status_code == 400
    assert "name" in response.json()


def test_organization_search(api_agent, org_a, org_b):
    assert [o["id"] for o in api_agent.get(ORGS, {"search": "glob"}).json()["results"]] == [org_b.pk]
