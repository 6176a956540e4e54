"""Customers and organisations in the admin: smoke tests, writes through the services, the
bounded ticket lists, the domain inline, and role permissions."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from model_bakery import baker

from agents.models import Role
from customers.models import Customer, Organization, OrganizationDomain
from notifications.models import OutboxEvent
from tickets.admin.customers import RECENT_TICKETS

pytestmark = pytest.mark.django_db


def _inline(prefix, total=0, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _customer_post(**fields):
    data = {
        "email": "new@example.com",
        "name": "New Person",
        "company": "",
        "phone": "",
        "tier": "free",
        "organization": "",
        "metadata": "{}",
        **_inline("tickets"),
    }
    data.update(fields)
    return data


# --- customers --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("count", [3, 30])
def test_customer_pages_render_for_every_role_in_bounded_queries(
    client, login, customer_a, role, count, django_assert_max_num_queries
):
    login(role)
    baker.make_recipe("tests.customers.customer", organization=customer_a.organization, _quantity=count)
    baker.make_recipe("tests.tickets.ticket", customer=customer_a, _quantity=count)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("admin:customers_customer_changelist")).status_code == 200
    with django_assert_max_num_queries(10):
        response = client.get(reverse("admin:customers_customer_change", args=[customer_a.pk]))
    assert response.status_code == 200


def test_customer_page_lists_only_the_latest_tickets_with_links(client, login, customer_a):
    login(Role.AGENT)
    tickets = baker.make_recipe("tests.tickets.ticket", customer=customer_a, _quantity=RECENT_TICKETS + 5)
    response = client.get(reverse("admin:customers_customer_change", args=[customer_a.pk]))
    formset = next(f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "tickets")
    shown = [form.instance.pk for form in formset.formset.forms]
    assert len(shown) == RECENT_TICKETS
    assert shown == sorted((t.pk for t in tickets), reverse=True)[:RECENT_TICKETS]
    assert reverse("admin:tickets_ticket_change", args=[shown[0]]) in response.content.decode()


def test_customer_search(client, login, customer_a, customer_b):
    login(Role.AGENT)
    response = client.get(reverse("admin:customers_customer_changelist"), {"q": "globex"})
    assert list(response.context["cl"].result_list) == [customer_b]


def test_senior_agent_adds_a_customer_through_the_service(client, login, org_a):
    login(Role.SENIOR_AGENT)
    OrganizationDomain.objects.create(organization=org_a, domain="acme.example")
    response = client.post(
        reverse("admin:customers_customer_add"),
        _customer_post(email=" Zoe@ACME.example ", company="<b>Acme</b>", phone="(415) 555-0132", email_opt_out="on"),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    customer = Customer.objects.get(email="zoe@acme.example")
    assert (customer.company, customer.phone, customer.email_opt_out) == ("Acme", "+14155550132", True)
    assert OutboxEvent.objects.filter(event="customer.created", payload__id=customer.pk).exists()


def test_senior_agent_edits_a_customer_through_the_service(client, login, customer_a):
    login(Role.SENIOR_AGENT)
    response = client.post(
        reverse("admin:customers_customer_change", args=[customer_a.pk]),
        _customer_post(email=customer_a.email, name="Alice Renamed", organization=customer_a.organization_id),
    )
    assert response.status_code == 302
    customer_a.refresh_from_db()
    assert customer_a.name == "Alice Renamed"
    assert OutboxEvent.objects.get(event="customer.updated").payload["changed"] == ["name"]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        pytest.param({"phone": "12"}, "phone", "valid phone number", id="bad-phone"),
        pytest.param({"email": "alice@acme.example"}, "email", "already exists", id="duplicate-email"),
        pytest.param({"email": "ALICE@acme.example"}, "email", "already exists", id="duplicate-email-case"),
        pytest.param({"email": "not-an-email"}, "email", "valid email", id="bad-email"),
    ],
)
def test_customer_form_errors_name_the_field(client, login, customer_a, fields, field, message):
    login(Role.SENIOR_AGENT)
    before = Customer.objects.count()
    response = client.post(reverse("admin:customers_customer_add"), _customer_post(**fields))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in " ".join(errors[field]) or message in " ".join(errors.get("__all__", []))
    assert Customer.objects.count() == before


@pytest.mark.parametrize("role", [Role.AGENT, Role.VIEWER])
def test_agents_and_viewers_cannot_change_customers(client, login, customer_a, role):
    login(role)
    assert client.get(reverse("admin:customers_customer_change", args=[customer_a.pk])).status_code == 200
    response = client.post(
        reverse("admin:customers_customer_change", args=[customer_a.pk]), _customer_post(email=customer_a.email)
    )
    assert response.status_code == 403
    assert client.get(reverse("admin:customers_customer_add")).status_code == 403


def test_admin_deletes_a_customer_without_tickets_and_cannot_delete_one_with_tickets(
    client, login, customer_a, customer_b
):
    login(Role.ADMIN)
    baker.make_recipe("tests.tickets.ticket", customer=customer_a)
    response = client.post(reverse("admin:customers_customer_delete", args=[customer_b.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Customer.objects.filter(pk=customer_b.pk).exists()
    page = client.get(reverse("admin:customers_customer_delete", args=[customer_a.pk]))
    assert "protected" in page.content.decode().lower()


def test_bulk_delete_of_customers_goes_through_the_service(client, login):
    login(Role.ADMIN)
    customers = baker.make_recipe("tests.customers.customer", _quantity=2)
    response = client.post(
        reverse("admin:customers_customer_changelist"),
        {"action": "delete_selected", "_selected_action": [c.pk for c in customers], "post": "yes"},
    )
    assert response.status_code == 302
    assert OutboxEvent.objects.filter(event="customer.deleted").count() == 2


def test_service_error_is_shown_and_rolled_back(client, login, customer_a, monkeypatch):
    from django.core.exceptions import ValidationError

    from customers import services

    login(Role.SENIOR_AGENT)

    def refuse(**kwargs):
        raise ValidationError({"email": ["Taken meanwhile."]})

    monkeypatch.setattr(services, "customer_update", refuse)
    response = client.post(
        reverse("admin:customers_customer_change", args=[customer_a.pk]),
        _customer_post(email=customer_a.email, name="Other"),
        follow=True,
    )
    assert "Not saved: email: Taken meanwhile." in [str(m) for m in get_messages(response.wsgi_request)]
    customer_a.refresh_from_db()
    assert customer_a.name == "Alice"


# --- organisations --------------------------------------------------------------------------------


def _org_post(name="Initech", tier="basic", domains=(), initial=()):
    data = {"name": name, "default_tier": tier, "notes": "", **_inline("tickets")}
    data.update(_inline("domains", total=len(initial) + len(domains), initial=len(initial)))
    for n, (pk, domain, delete) in enumerate(initial):
        data[f"domains-{n}-id"] = pk
        data[f"domains-{n}-domain"] = domain
        if delete:
            data[f"domains-{n}-DELETE"] = "on"
    for n, domain in enumerate(domains, start=len(initial)):
        data[f"domains-{n}-domain"] = domain
    return data


@pytest.mark.parametrize("role", Role.values)
def test_organization_pages_render_for_every_role(
    client, login, org_a, customer_a, role, django_assert_max_num_queries
):
    login(role)
    OrganizationDomain.objects.create(organization=org_a, domain="acme.example")
    baker.make_recipe("tests.tickets.ticket", customer=customer_a, organization=org_a, _quantity=30)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("admin:customers_organization_changelist"), {"q": "acme"}).status_code == 200
    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:customers_organization_change", args=[org_a.pk]))
    assert response.status_code == 200
    assert "acme.example" in response.content.decode()


def test_admin_adds_an_organization_with_domains_through_the_services(client, login):
    login(Role.ADMIN)
    response = client.post(
        reverse("admin:customers_organization_add"), _org_post(domains=["Initech.EXAMPLE", "@initech-corp.example"])
    )
    assert response.status_code == 302
    organization = Organization.objects.get(name="Initech")
    assert list(organization.domains.values_list("domain", flat=True)) == ["initech-corp.example", "initech.example"]


def test_the_same_domain_twice_is_a_form_error(client, login):
    login(Role.ADMIN)
    response = client.post(
        reverse("admin:customers_organization_add"), _org_post(domains=["Initech.EXAMPLE", "@initech.example"])
    )
    assert response.status_code == 200
    assert not Organization.objects.filter(name="Initech").exists()


def test_admin_edits_an_organization_and_its_domains(client, login, org_a):
    login(Role.ADMIN)
    old = OrganizationDomain.objects.create(organization=org_a, domain="acme.example")
    response = client.post(
        reverse("admin:customers_organization_change", args=[org_a.pk]),
        _org_post(
            name="Acme Corporation", tier="enterprise", domains=["acme.io"], initial=[(old.pk, old.domain, True)]
        ),
    )
    assert response.status_code == 302
    org_a.refresh_from_db()
    assert (org_a.name, org_a.default_tier) == ("Acme Corporation", "enterprise")
    assert list(org_a.domains.values_list("domain", flat=True)) == ["acme.io"]


def test_organization_form_errors(client, login, org_a, org_b):
    login(Role.ADMIN)
    OrganizationDomain.objects.create(organization=org_b, domain="globex.example")
    bad_domain = client.post(reverse("admin:customers_organization_add"), _org_post(domains=["not a domain"]))
    assert bad_domain.status_code == 200
    assert not Organization.objects.filter(name="Initech").exists()
    blank = client.post(reverse("admin:customers_organization_add"), _org_post(name="<b></b>"))
    assert "may not be blank" in str(blank.context["adminform"].form.errors["name"])
    taken = client.post(
        reverse("admin:customers_organization_change", args=[org_a.pk]),
        _org_post(name=org_a.name, domains=["globex.example"]),
    )
    assert taken.status_code == 200
    assert "already exists" in taken.content.decode()
    assert not org_a.domains.exists()


def test_admin_deletes_organizations_through_the_service(client, login, org_a, org_b, customer_a):
    login(Role.ADMIN)
    assert (
        client.post(reverse("admin:customers_organization_delete", args=[org_a.pk]), {"post": "yes"}).status_code == 302
    )
    client.post(
        reverse("admin:customers_organization_changelist"),
        {"action": "delete_selected", "_selected_action": [org_b.pk], "post": "yes"},
    )
    assert not Organization.objects.exists()
    customer_a.refresh_from_db()
    assert customer_a.organization is None


@pytest.mark.parametrize("role", [Role.AGENT, Role.SENIOR_AGENT, Role.VIEWER])
def test_only_admins_change_organizations(client, login, org_a, role):
    login(role)
    response = client.post(reverse("admin:customers_organization_change", args=[org_a.pk]), _org_post(name="Hacked"))
    assert response.status_code == 403
    org_a.refresh_from_db()
    assert org_a.name == "Acme Corp"


def test_organization_service_error_is_shown_and_rolled_back(client, login, org_a, monkeypatch):
    from django.core.exceptions import ValidationError

    from customers import services

    login(Role.ADMIN)

    def refuse(**kwargs):
        raise ValidationError("Try again.")

    monkeypatch.setattr(services, "organization_update", refuse)
    response = client.post(
        reverse("admin:customers_organization_change", args=[org_a.pk]), _org_post(name="Renamed"), follow=True
    )
    assert "Not saved: Try again." in [str(m) for m in get_messages(response.wsgi_request)]
    org_a.refresh_from_db()
    assert org_a.name == "Acme Corp"
