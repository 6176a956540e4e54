"""Customer and organisation services: validation naming fields, domain matching, duplicates, races."""

import pytest
from django.core.exceptions import ValidationError
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


def test_get_or_create_survives_losing_the_race(monkeypatch):
    """Another request commits the customer between our lookup (which missed it) and our insert:
    the insert hits the unique constraint and the existing row is returned."""
    other = baker.make_recipe("tests.customers.customer", email="race@example.com", name="The other request")
    real_filter = Customer.objects.filter
    calls = []

    class LateLookup:
        def filter(self, *args, **kwargs):
            calls.append(kwargs)
            qs = real_filter(*args, **kwargs)
            return qs.none() if len(calls) == 1 else qs  # the first lookup ran before the other commit

    monkeypatch.setattr(services.Customer, "objects", LateLookup())
    customer, created = services.customer_get_or_create(email="Race@example.com")
    assert (customer, created) == (other, False)
    assert len(calls) == 2
    assert real_filter(email="race@example.com").count() == 1


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
