"""Customer and organisation services: validation naming fields, domain matching, duplicates, races."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from model_bakery import baker

from customers import services
from customers.models import Customer, Organization, OrganizationDomain
from notifications.models import OutboxEvent

pytestmark = pytest.mark.django_db


def test_customer_create_normalises_and_publishes():
    customer = services.customer_create(
        email=" Jane@Example.COM ", name="<b>Jane</b>  Doe", company="<script>x</script>Acme", phone="(415) 555-0132"
    )
    assert (customer.email, customer.name, customer.company, customer.phone, customer.tier) == (
        "jane@example.com",
        "Jane Doe",
        "Acme",
        "+14155550132",
        "free",
    )
    assert OutboxEvent.objects.get(event="customer.created").payload["email"] == "jane@example.com"


def test_customer_create_matches_the_organization_by_domain_and_takes_its_tier(org_a):
    org_a.default_tier = "enterprise"
    org_a.save()
    OrganizationDomain.objects.create(organization=org_a, domain="acme.example")
    matched = services.customer_create(email="x@ACME.example")
    explicit = services.customer_create(email="y@acme.example", tier="basic")
    unmatched = services.customer_create(email="z@elsewhere.example")
    assert (matched.organization, matched.tier) == (org_a, "enterprise")
    assert (explicit.organization, explicit.tier) == (org_a, "basic")
    assert (unmatched.organization, unmatched.tier) == (None, "free")


@pytest.mark.parametrize(
    ("kwargs", "fields"),
    [
        pytest.param({"email": "nope"}, {"email"}, id="email"),
        pytest.param({"phone": "123"}, {"phone"}, id="phone"),
        pytest.param({"tier": "gold"}, {"tier"}, id="tier"),
        pytest.param({"company": "x" * 201}, {"company"}, id="company-too-long"),
        pytest.param({"email": "", "phone": "abc", "tier": "FREE"}, {"email", "phone", "tier"}, id="all-at-once"),
    ],
)
def test_customer_create_errors_name_their_fields(kwargs, fields):
    with pytest.raises(ValidationError) as exc:
        services.customer_create(**{"email": "ok@example.com", **kwargs})
    assert set(exc.value.message_dict) == fields
    assert not Customer.objects.exists()


def test_duplicate_email_is_a_validation_error_and_rolls_back_cleanly(customer_a):
    before = Customer.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.customer_create(email="ALICE@acme.example")
    assert exc.value.message_dict == {"email": ["A customer with this email already exists."]}
    assert Customer.objects.count() == before
    assert not OutboxEvent.objects.filter(event="customer.created", payload__email="alice@acme.example").exists()


def test_get_or_create_finds_case_insensitively(customer_a):
    found, created = services.customer_get_or_create(email="Alice@ACME.example")
    assert (found, created) == (customer_a, False)
    new, created = services.customer_get_or_create(email="new@example.com", name="New")
    assert created is True
    assert new.name == "New"


@pytest.mark.postgres(reason="a second connection committing while ours is in a transaction")
@pytest.mark.django_db(transaction=True)
def test_get_or_create_survives_losing_the_race(monkeypatch):
    """Another request commits the same customer, on its own connection, after our lookup missed it
    and before our insert: the insert hits the unique constraint, its savepoint rolls back (no event
    of ours is left), and the row the other request committed is returned."""
    real_organization_for_email = services.organization_for_email
    committed = []

    def other_request() -> None:
        try:
            committed.append(Customer.objects.create(email="race@example.com", name="Other", metadata={}).pk)
        finally:
            connection.close()

    def the_other_request_commits_first(email):
        # Runs inside customer_create, after customer_get_or_create's lookup found nothing.
        if not committed:
            thread = threading.Thread(target=other_request)
            thread.start()
            thread.join(timeout=10)
        return real_organization_for_email(email)

    monkeypatch.setattr(services, "organization_for_email", the_other_request_commits_first)

    customer, created = services.customer_get_or_create(email="Race@example.com", name="Ours")

    assert (customer.pk, customer.name, created) == (committed[0], "Other", False)
    assert Customer.objects.filter(email__iexact="race@example.com").count() == 1
    assert not OutboxEvent.objects.filter(event="customer.created").exists()


def test_get_or_create_reraises_when_nothing_was_created(monkeypatch):
    def refuse(**kwargs):
        raise ValidationError({"email": ["Refused."]})

    monkeypatch.setattr(services, "customer_create", refuse)
    with pytest.raises(ValidationError):
        services.customer_get_or_create(email="nobody@example.com")


def test_customer_update_changes_only_what_differs(customer_a):
    customer = services.customer_update(customer=customer_a, data={"name": "Alice", "phone": "+44 20 7946 0958"})
    assert customer.phone == "+442079460958"
    assert OutboxEvent.objects.get(event="customer.updated").payload["changed"] == ["phone"]
    services.customer_update(customer=customer, data={"name": "Alice"})  # nothing changed
    assert OutboxEvent.objects.filter(event="customer.updated").count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param({"crm_id": "x"}, "crm_id", id="not-writable"),
        pytest.param({"phone": "12"}, "phone", id="bad-phone"),
        pytest.param({"email": "bob@globex.example"}, "email", id="duplicate-email"),
    ],
)
def test_customer_update_errors_name_their_fields(customer_a, customer_b, data, field):
    with pytest.raises(ValidationError) as exc:
        services.customer_update(customer=customer_a, data=data)
    assert field in exc.value.message_dict
    customer_a.refresh_from_db()
    assert customer_a.email == "alice@acme.example"


def test_organization_create_with_domains():
    organization = services.organization_create(
        name=" <i>Initech</i> ", default_tier="basic", domains=["Initech.example", "@initech.io"]
    )
    assert organization.name == "Initech"
    assert list(organization.domains.values_list("domain", flat=True)) == ["initech.example", "initech.io"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        pytest.param({"name": "<b></b>"}, "name", id="blank-after-stripping"),
        pytest.param({"name": "acme corp"}, "name", id="duplicate-any-case"),
    ],
)
def test_organization_create_errors(org_a, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        services.organization_create(**kwargs)
    assert field in exc.value.message_dict
    assert Organization.objects.count() == 1


def test_organization_set_domains_replaces_and_refuses_taken_ones(org_a, org_b):
    services.organization_set_domains(organization=org_b, domains=["globex.example"])
    assert services.organization_set_domains(organization=org_a, domains=["acme.example", "acme.io"]) == [
        "acme.example",
        "acme.io",
    ]
    services.organization_set_domains(organization=org_a, domains=["acme.io"])
    assert list(org_a.domains.values_list("domain", flat=True)) == ["acme.io"]
    with pytest.raises(ValidationError) as exc:
        services.organization_set_domains(organization=org_a, domains=["globex.example"])
    assert "already belongs to another organisation" in exc.value.message_dict["domains"][0]


def test_organization_for_email(org_a):
    baker.make(OrganizationDomain, organization=org_a, domain="acme.example")
    assert services.organization_for_email("x@ACME.example") == org_a
    assert services.organization_for_email("x@other.example") is None


def test_portal_access_refused_for_an_erased_customer(db):
    customer = baker.make_recipe("tests.customers.customer", erased_at=timezone.now())
    with pytest.raises(ValidationError) as exc:
        services.customer_grant_portal_access(customer=customer, password="zebra-crossing-77")
    assert "customer" in exc.value.message_dict


def test_customer_delete_keeps_an_agent_login(agent):
    customer = baker.make_recipe("tests.customers.customer", user=agent.user)
    services.customer_delete(customer=customer)
    agent.user.refresh_from_db()
    assert agent.user.is_active


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param({"crm": 1}, "crm", id="unknown"),
        pytest.param({"name": ""}, "name", id="blank"),
        pytest.param({"default_tier": "gold"}, "default_tier", id="tier"),
    ],
)
def test_organization_update_refuses(org_a, data, field):
    with pytest.raises(ValidationError) as exc:
        services.organization_update(organization=org_a, data=data)
    assert field in exc.value.message_dict
