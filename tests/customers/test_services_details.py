"""customers/services.py, the details around the main paths: the error codes of each refusal, the
organisation an odd address belongs to, what a save writes (only its own fields: a stale copy
never overwrites another change), the password checked against the new login's email, and the
queries of a lookup that finds its customer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from model_bakery import baker

from customers import services
from customers.models import Customer, Organization

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


# --- error codes (exc.args[1]: the code given with the field errors) ------------------------------


def refusal(call):
    with pytest.raises(ValidationError) as exc:
        call()
    return exc.value.message_dict, exc.value.args[1]


def test_each_refusal_carries_its_code(customer_a, customer_b, org_a, org_b, ticket):
    assert refusal(lambda: services.customer_create(email="ALICE@acme.example")) == (
        {"email": ["A customer with this email already exists."]},
        "unique",
    )
    assert refusal(lambda: services.customer_update(customer=customer_b, data={"email": "alice@acme.example"})) == (
        {"email": ["A customer with this email already exists."]},
        "unique",
    )
    assert refusal(lambda: services.organization_create(name=org_a.name.upper())) == (
        {"name": ["An organisation with this name already exists."]},
        "unique",
    )
    assert refusal(lambda: services.organization_update(organization=org_b, data={"name": org_a.name})) == (
        {"name": ["An organisation with this name already exists."]},
        "unique",
    )
    services.organization_set_domains(organization=org_a, domains=["acme.example"])
    assert refusal(lambda: services.organization_set_domains(organization=org_b, domains=["acme.example"])) == (
        {"domains": ["'acme.example' already belongs to another organisation."]},
        "unique",
    )
    assert refusal(lambda: services.customer_delete(customer=customer_a)) == (
        {"customer": ["This customer has tickets; merge or erase the customer instead of deleting."]},
        "protected",
    )


# --- the organisation of an address ----------------------------------------------------------------


@pytest.mark.parametrize(
    "email",
    [
        pytest.param("kim@acme.example", id="plain"),
        pytest.param("Kim@ACME.Example", id="any-case"),
        pytest.param('"kim@home"@acme.example', id="at-sign-in-the-quoted-local-part"),
        pytest.param("acme.example", id="a-bare-domain"),
    ],
)
def test_the_organisation_is_the_one_of_the_last_at_signs_domain(org_a, email):
    services.organization_set_domains(organization=org_a, domains=["acme.example"])
    assert services.organization_for_email(email) == org_a


def test_the_organisation_comes_with_its_domain_in_one_query(org_a, django_assert_num_queries):
    services.organization_set_domains(organization=org_a, domains=["acme.example"])
    with django_assert_num_queries(1):
        assert services.organization_for_email("kim@acme.example").name == org_a.name
    assert services.organization_for_email("kim@elsewhere.example") is None


# --- a save writes its own fields only ------------------------------------------------------------


def test_clearing_undeliverable_writes_only_the_bounce_fields(customer_a):
    stale = Customer.objects.get(pk=customer_a.pk)
    Customer.objects.filter(pk=customer_a.pk).update(
        name="Renamed meanwhile", email_undeliverable_at=T0, email_undeliverable_reason="550", email_soft_bounces=3
    )
    services.customer_email_clear_undeliverable(customer=stale)
    fresh = Customer.objects.get(pk=customer_a.pk)
    assert (fresh.name, fresh.email_undeliverable_at, fresh.email_undeliverable_reason, fresh.email_soft_bounces) == (
        "Renamed meanwhile",
        None,
        "",
        0,
    )


def test_organization_update_writes_only_the_given_fields(org_a):
    stale = Organization.objects.get(pk=org_a.pk)
    Organization.objects.filter(pk=org_a.pk).update(notes="Written meanwhile")
    services.organization_update(organization=stale, data={"share_tickets": False})
    fresh = Organization.objects.get(pk=org_a.pk)
    assert (fresh.notes, fresh.share_tickets) == ("Written meanwhile", False)


def test_erasure_writes_only_the_logins_erased_fields(customer_a, django_user_model):
    user = customer_a.user
    django_user_model.objects.filter(pk=user.pk).update(last_login=T0)
    services.customer_personal_data_erase(customer=customer_a)
    fresh = django_user_model.objects.get(pk=user.pk)
    assert (fresh.email, fresh.is_active, fresh.last_login) == (f"erased-user-{user.pk}@erased.invalid", False, T0)


# --- the password of a new login, a lookup that finds its customer -------------------------------


def test_a_new_logins_password_may_not_be_its_email(db):
    customer = baker.make_recipe("tests.customers.customer", email="pat.morgan@example.org", name="Pat")
    with pytest.raises(ValidationError) as exc:
        services.customer_grant_portal_access(customer=customer, password="pat.morgan@example.org")
    assert exc.value.message_dict == {"password": ["The password is too similar to the email address."]}
    assert Customer.objects.get(pk=customer.pk).user is None


def test_get_or_create_without_a_name_leaves_it_blank(db):
    customer, created = services.customer_get_or_create(email="nameless@example.org")
    assert (customer.name, created) == ("", True)


def test_get_or_create_finds_an_existing_customer_in_one_query(customer_a, django_assert_num_queries):
    with django_assert_num_queries(1):
        found, created = services.customer_get_or_create(email="Alice@Acme.example")
    assert (found.pk, created) == (customer_a.pk, False)
