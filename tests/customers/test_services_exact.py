"""customers/services.py, value by value: the stored fields, the exact outbox payloads, the
exact refusals, portal logins, deletion and erasure."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from freezegun import freeze_time
from model_bakery import baker

from customers import services
from customers.models import Customer, Organization, OrganizationDomain
from notifications.models import OutboxEvent

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "zebra-crossing-77"


def payloads(event: str) -> list[dict]:
    return [row.payload for row in OutboxEvent.objects.filter(event=event).order_by("created_at")]


# --- create, update ---------------------------------------------------------------------------


def test_customer_create_stores_and_publishes_every_field(org_a):
    customer = services.customer_create(
        email="Kim@Example.org",
        name="Kim",
        company="Initech",
        phone="+14155550132",
        tier="premium",
        organization=org_a,
        metadata={"crm": "k1"},
        email_opt_out=True,
    )
    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.email, stored.name, stored.company, stored.phone, stored.tier, stored.organization) == (
        "kim@example.org",
        "Kim",
        "Initech",
        "+14155550132",
        "premium",
        org_a,
    )
    assert (stored.metadata, stored.email_opt_out) == ({"crm": "k1"}, True)
    assert payloads("customer.created") == [
        {
            "id": customer.pk,
            "email": "kim@example.org",
            "name": "Kim",
            "company": "Initech",
            "phone": "+14155550132",
            "tier": "premium",
            "organization_id": org_a.pk,
            "crm_id": "",
        }
    ]


def test_customer_create_defaults():
    customer = services.customer_create(email="plain@example.org")
    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.name, stored.company, stored.phone, stored.tier, stored.organization, stored.metadata) == (
        "",
        "",
        "",
        "free",
        None,
        {},
    )
    assert stored.email_opt_out is False


def test_an_explicit_organisation_wins_over_the_domain(org_a, org_b):
    org_b.default_tier = "basic"
    org_b.save()
    OrganizationDomain.objects.create(organization=org_a, domain="acme.example")
    customer = services.customer_create(email="x@acme.example", organization=org_b)
    assert (customer.organization, customer.tier) == (org_b, "basic")


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        pytest.param({"phone": "+1 415"}, {"phone": ["Enter a valid phone number."]}, id="phone"),
        pytest.param(
            {"tier": "gold"},
            {"tier": ["'gold' is not a valid tier; use one of: free, basic, premium, enterprise."]},
            id="tier",
        ),
        pytest.param({"metadata": ["x"]}, {"metadata": ["Metadata must be a JSON object."]}, id="metadata"),
        pytest.param(
            {"company": "x" * 201}, {"company": ["Ensure this value has at most 200 characters."]}, id="company"
        ),
        pytest.param({"name": "y" * 201}, {"name": ["Ensure this value has at most 200 characters."]}, id="name"),
    ],
)
def test_customer_create_refusals_are_exact(kwargs, expected):
    with pytest.raises(ValidationError) as exc:
        services.customer_create(**{"email": "ok@example.com", **kwargs})
    assert exc.value.message_dict == expected


def test_customer_update_publishes_the_whole_customer_and_what_changed(customer_a, org_b):
    customer = services.customer_update(
        customer=customer_a, data={"name": "Alice A.", "tier": "basic", "organization": org_b, "email_opt_out": True}
    )
    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.name, stored.tier, stored.organization, stored.email_opt_out) == ("Alice A.", "basic", org_b, True)
    assert payloads("customer.updated") == [
        {
            "id": customer_a.pk,
            "email": "alice@acme.example",
            "name": "Alice A.",
            "company": "",
            "phone": "",
            "tier": "basic",
            "organization_id": org_b.pk,
            "crm_id": "",
            "changed": ["name", "tier", "organization", "email_opt_out"],
        }
    ]


def test_customer_update_refusals_are_exact(customer_a, customer_b):
    with pytest.raises(ValidationError) as exc:
        services.customer_update(customer=customer_a, data={"crm_id": "x", "user": None})
    assert exc.value.message_dict == {
        "crm_id": ["This field cannot be changed."],
        "user": ["This field cannot be changed."],
    }
    with pytest.raises(ValidationError) as exc:
        services.customer_update(customer=customer_a, data={"email": "BOB@globex.example"})
    assert exc.value.message_dict == {"email": ["A customer with this email already exists."]}
    assert Customer.objects.get(pk=customer_a.pk).email == "alice@acme.example"


def test_get_or_create_creates_with_the_name_and_reports_it(db):
    customer, created = services.customer_get_or_create(email=" New@Example.com ", name="Newt")
    assert (customer.email, customer.name, created) == ("new@example.com", "Newt", True)
    again, created = services.customer_get_or_create(email="NEW@example.com", name="Other")
    assert (again.pk, again.name, created) == (customer.pk, "Newt", False)


def test_get_or_create_returns_the_row_a_failed_create_left(monkeypatch, customer_a):
    """The create lost a race (simulated: it refuses) but the row exists: it is returned."""
    calls = []
    real_filter = Customer.objects.filter

    def refuse(**kwargs):
        calls.append(kwargs)
        raise ValidationError({"email": ["A customer with this email already exists."]})

    monkeypatch.setattr(services, "customer_create", refuse)
    monkeypatch.setattr(
        services.Customer.objects,
        "filter",
        lambda *args, **kw: Customer.objects.none() if not calls else real_filter(*args, **kw),
    )
    found, created = services.customer_get_or_create(email="alice@acme.example", name="Ignored")
    assert (found.pk, created) == (customer_a.pk, False)
    assert calls == [{"email": "alice@acme.example", "name": "Ignored"}]


def test_get_or_create_refuses_a_bad_email(db):
    with pytest.raises(ValidationError):
        services.customer_get_or_create(email="not an email")


# --- organisations ----------------------------------------------------------------------------


def test_organization_create_exactly():
    organization = services.organization_create(
        name="Initech", default_tier="enterprise", domains=["initech.example"], notes="Key account", share_tickets=False
    )
    stored = Organization.objects.get(pk=organization.pk)
    assert (stored.name, stored.default_tier, stored.notes, stored.share_tickets) == (
        "Initech",
        "enterprise",
        "Key account",
        False,
    )
    assert list(stored.domains.values_list("domain", flat=True)) == ["initech.example"]
    plain = services.organization_create(name="Plain Co")
    assert (plain.default_tier, plain.notes, plain.share_tickets, list(plain.domains.all())) == ("free", "", True, [])


def test_organization_create_refusals_are_exact(org_a):
    with pytest.raises(ValidationError) as exc:
        services.organization_create(name="<b></b>")
    assert exc.value.message_dict == {"name": ["This field may not be blank."]}
    with pytest.raises(ValidationError) as exc:
        services.organization_create(name="ACME CORP")
    assert exc.value.message_dict == {"name": ["An organisation with this name already exists."]}


def test_organization_set_domains_refusal_names_each_taken_domain(org_a, org_b):
    services.organization_set_domains(organization=org_b, domains=["globex.example", "globex.io"])
    services.organization_set_domains(organization=org_a, domains=["acme.example"])
    with pytest.raises(ValidationError) as exc:
        services.organization_set_domains(organization=org_a, domains=["globex.io", "acme.example", "globex.example"])
    assert list(exc.value.message_dict) == ["domains"]
    assert sorted(exc.value.message_dict["domains"]) == [
        "'globex.example' already belongs to another organisation.",
        "'globex.io' already belongs to another organisation.",
    ]
    assert list(org_a.domains.values_list("domain", flat=True)) == ["acme.example"]


def test_organization_set_domains_keeps_existing_rows(org_a):
    services.organization_set_domains(organization=org_a, domains=["acme.example"])
    kept = OrganizationDomain.objects.get(domain="acme.example").pk
    assert services.organization_set_domains(organization=org_a, domains=["ACME.example", "acme.io", "acme.io"]) == [
        "acme.example",
        "acme.io",
    ]
    assert OrganizationDomain.objects.get(domain="acme.example").pk == kept


@freeze_time("2026-03-02 10:00:00")
def test_organization_update_exactly(org_a):
    organization = services.organization_update(
        organization=org_a,
        data={
            "name": " Acme Ltd ",
            "default_tier": "premium",
            "notes": None,
            "share_tickets": False,
            "domains": ["acme.example"],
        },
    )
    stored = Organization.objects.get(pk=organization.pk)
    assert (stored.name, stored.default_tier, stored.notes, stored.share_tickets, stored.updated_at) == (
        "Acme Ltd",
        "premium",
        "",
        False,
        datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
    )
    assert list(stored.domains.values_list("domain", flat=True)) == ["acme.example"]
    services.organization_update(organization=org_a, data={"notes": "VIP", "domains": None})
    stored = Organization.objects.get(pk=org_a.pk)
    assert (stored.notes, list(stored.domains.all())) == ("VIP", [])
    services.organization_update(organization=org_a, data={"name": "acme ltd"})
    assert Organization.objects.get(pk=org_a.pk).name == "acme ltd"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param({"crm": 1}, {"crm": ["This field cannot be changed."]}, id="unknown"),
        pytest.param({"name": ""}, {"name": ["This field may not be blank."]}, id="blank"),
        pytest.param({"name": "globex"}, {"name": ["An organisation with this name already exists."]}, id="taken"),
        pytest.param(
            {"default_tier": "gold"},
            {"default_tier": ["'gold' is not a valid tier; use one of: free, basic, premium, enterprise."]},
            id="tier",
        ),
        pytest.param({"share_tickets": "yes"}, {"share_tickets": ["Must be true or false."]}, id="share-not-bool"),
    ],
)
def test_organization_update_refusals_are_exact(org_a, org_b, data, expected):
    with pytest.raises(ValidationError) as exc:
        services.organization_update(organization=org_a, data=data)
    assert exc.value.message_dict == expected
    assert Organization.objects.get(pk=org_a.pk).name == "Acme Corp"


def test_organization_delete_keeps_its_customers(org_a, customer_a):
    services.organization_delete(organization=org_a)
    assert not Organization.objects.filter(pk=org_a.pk).exists()
    assert Customer.objects.get(pk=customer_a.pk).organization is None


# --- portal logins ----------------------------------------------------------------------------


def test_granting_portal_access_creates_the_login(agent):
    customer = baker.make_recipe("tests.customers.customer", email="pat@example.org", name="Pat")
    user = services.customer_grant_portal_access(customer=customer, password=PASSWORD, actor=agent.user)
    assert (user.email, user.name, user.is_active, user.check_password(PASSWORD)) == (
        "pat@example.org",
        "Pat",
        True,
        True,
    )
    assert Customer.objects.get(pk=customer.pk).user == user
    [payload] = payloads("customer.portal_access_granted")
    assert (payload["id"], payload["email"], payload["actor_id"]) == (customer.pk, "pat@example.org", agent.user.pk)


def test_granting_again_sets_a_new_password_and_reactivates(customer_a):
    customer_a.user.is_active = False
    customer_a.user.save()
    user = services.customer_grant_portal_access(customer=customer_a, password=PASSWORD)
    fresh = User.objects.get(pk=user.pk)
    assert (fresh.pk, fresh.is_active, fresh.check_password(PASSWORD)) == (customer_a.user.pk, True, True)
    assert payloads("customer.portal_access_granted")[0]["actor_id"] is None


def test_portal_access_refusals_are_exact(django_user_model):
    customer = baker.make_recipe("tests.customers.customer", email="taken@example.org")
    with pytest.raises(ValidationError) as exc:
        services.customer_grant_portal_access(customer=customer, password="123")
    assert list(exc.value.message_dict) == ["password"]
    assert "This password is too short. It must contain at least 8 characters." in exc.value.message_dict["password"]
    django_user_model.objects.create_user(email="TAKEN@example.org", password="x")
    with pytest.raises(ValidationError) as exc:
        services.customer_grant_portal_access(customer=customer, password=PASSWORD)
    assert exc.value.message_dict == {"email": ["Another login already uses this customer's email address."]}
    erased = baker.make_recipe("tests.customers.customer", erased_at=datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(ValidationError) as exc:
        services.customer_grant_portal_access(customer=erased, password=PASSWORD)
    assert exc.value.message_dict == {"customer": ["This customer's personal data was erased."]}


def test_enabling_a_portal_login_exactly(customer_a, django_user_model):
    customer = baker.make_recipe("tests.customers.customer", email="lee@example.org", name="Lee")
    user = services.customer_enable_portal_login(customer=customer)
    assert (user.email, user.name, user.has_usable_password()) == ("lee@example.org", "Lee", False)
    assert Customer.objects.get(pk=customer.pk).user == user
    assert [(p["id"], p["actor_id"]) for p in payloads("customer.portal_access_granted")] == [(customer.pk, None)]
    assert services.customer_enable_portal_login(customer=customer) == user
    assert services.customer_enable_portal_login(customer=customer_a) == customer_a.user
    assert len(payloads("customer.portal_access_granted")) == 1

    other = baker.make_recipe("tests.customers.customer", email="dup@example.org")
    django_user_model.objects.create_user(email="Dup@example.org", password="x")
    with pytest.raises(ValidationError) as exc:
        services.customer_enable_portal_login(customer=other)
    assert exc.value.message_dict == {"email": ["Another login already uses this customer's email address."]}
    erased = baker.make_recipe("tests.customers.customer", erased_at=datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(ValidationError) as exc:
        services.customer_enable_portal_login(customer=erased)
    assert exc.value.message_dict == {"customer": ["This customer's personal data was erased."]}


# --- delete, undeliverable, erase -------------------------------------------------------------


def test_customer_delete_removes_the_portal_login_and_publishes(customer_a):
    user_pk, pk = customer_a.user.pk, customer_a.pk
    services.customer_delete(customer=customer_a)
    assert not Customer.objects.filter(pk=pk).exists()
    assert not User.objects.filter(pk=user_pk).exists()
    assert payloads("customer.deleted") == [
        {
            "id": pk,
            "email": "alice@acme.example",
            "name": "Alice",
            "company": "",
            "phone": "",
            "tier": "free",
            "organization_id": customer_a.organization_id,
            "crm_id": "",
        }
    ]


def test_customer_delete_without_a_login(db):
    customer = baker.make_recipe("tests.customers.customer", email="nologin@example.org")
    services.customer_delete(customer=customer)
    assert not Customer.objects.filter(email="nologin@example.org").exists()


def test_a_customer_with_tickets_is_not_deleted(ticket, customer_a):
    with pytest.raises(ValidationError) as exc:
        services.customer_delete(customer=customer_a)
    assert exc.value.message_dict == {
        "customer": ["This customer has tickets; merge or erase the customer instead of deleting."]
    }
    assert Customer.objects.filter(pk=customer_a.pk).exists()
    assert payloads("customer.deleted") == []


@freeze_time("2026-03-02 10:00:00")
def test_clearing_undeliverable_resets_the_bounce_state(customer_a):
    customer_a.email_undeliverable_at = datetime(2026, 1, 1, tzinfo=UTC)
    customer_a.email_undeliverable_reason = "550 no such user"
    customer_a.email_soft_bounces = 3
    customer_a.save()
    services.customer_email_clear_undeliverable(customer=customer_a)
    fresh = Customer.objects.get(pk=customer_a.pk)
    assert (
        fresh.email_undeliverable_at,
        fresh.email_undeliverable_reason,
        fresh.email_soft_bounces,
        fresh.updated_at,
    ) == (
        None,
        "",
        0,
        datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
    )


@freeze_time("2026-03-02 10:00:00")
def test_erasing_personal_data_exactly(customer_a):
    customer_a.company, customer_a.phone, customer_a.metadata = "Acme", "+14155550132", {"k": "v"}
    customer_a.crm_id, customer_a.crm_last_error = "crm-1", "timeout"
    customer_a.save()
    user_pk = customer_a.user.pk

    services.customer_personal_data_erase(customer=customer_a)

    fresh = Customer.objects.get(pk=customer_a.pk)
    assert (fresh.email, fresh.name, fresh.company, fresh.phone, fresh.metadata) == (
        f"erased-{customer_a.pk}@erased.invalid",
        "",
        "",
        "",
        {},
    )
    assert (fresh.crm_id, fresh.crm_last_error, fresh.email_opt_out, fresh.user, fresh.erased_at) == (
        "",
        "",
        True,
        None,
        datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
    )
    login = User.objects.get(pk=user_pk)
    assert (login.email, login.name, login.is_active, login.has_usable_password()) == (
        f"erased-user-{user_pk}@erased.invalid",
        "",
        False,
        False,
    )


def test_erasing_a_customer_without_a_login(db):
    customer = baker.make_recipe("tests.customers.customer", email="solo@example.org", name="Solo")
    services.customer_personal_data_erase(customer=customer)
    fresh = Customer.objects.get(pk=customer.pk)
    assert (fresh.email, fresh.name, fresh.user) == (f"erased-{customer.pk}@erased.invalid", "", None)
