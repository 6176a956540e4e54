"""Customers and organisations: uniqueness the database enforces, and clean rollbacks."""

import pytest
from django.db import IntegrityError, transaction
from model_bakery import baker

from customers.models import Customer, Organization, OrganizationDomain

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "duplicate",
    [pytest.param("unique@example.com", id="same-case"), pytest.param("Unique@Example.com", id="other-case")],
)
def test_duplicate_customer_email_is_rolled_back_cleanly(duplicate):
    baker.make_recipe("tests.customers.customer", email="unique@example.com")
    before = Customer.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.create(email=duplicate, name="Duplicate")
    # The failed insert left nothing behind and the connection is usable.
    assert Customer.objects.count() == before
    assert Customer.objects.filter(name="Duplicate").count() == 0


def test_savepoint_keeps_the_outer_work():
    with transaction.atomic():
        kept = baker.make_recipe("tests.customers.customer", email="kept@example.com")
        sid = transaction.savepoint()
        baker.make_recipe("tests.customers.customer", email="dropped@example.com")
        transaction.savepoint_rollback(sid)
    assert list(Customer.objects.values_list("email", flat=True)) == [kept.email]


def test_organization_name_unique_case_insensitively():
    baker.make_recipe("tests.customers.organization", name="Acme")
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.create(name="ACME")
    assert Organization.objects.count() == 1


@pytest.mark.parametrize(
    "fields",
    [pytest.param({"tier": "gold"}, id="customer-tier"), pytest.param({"tier": "FREE"}, id="customer-tier-case")],
)
def test_customer_tier_check_constraint(fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.create(email="t@example.com", **fields)


def test_domain_must_be_lower_case_and_unique(org_a, org_b):
    OrganizationDomain.objects.create(organization=org_a, domain="acme.example")
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganizationDomain.objects.create(organization=org_b, domain="acme.example")
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganizationDomain.objects.create(organization=org_b, domain="Globex.example")
    assert OrganizationDomain.objects.count() == 1


def test_organization_customers_and_string_forms(org_a):
    customer = baker.make_recipe("tests.customers.customer", email="x@acme.example", name="X", organization=org_a)
    nameless = baker.make_recipe("tests.customers.customer", email="y@acme.example", name="", organization=org_a)
    assert list(org_a.customers.all()) == [customer, nameless]
    assert str(customer) == "X <x@acme.example>"
    assert str(nameless) == "y@acme.example"
    assert str(org_a) == "Acme Corp"
    assert str(OrganizationDomain(domain="acme.example")) == "acme.example"


def test_deleting_an_organization_keeps_its_customers(org_a, customer_a):
    org_a.delete()
    customer_a.refresh_from_db()
    assert customer_a.organization is None
