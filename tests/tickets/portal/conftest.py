"""Portal fixtures: a signed-in customer's test client, a colleague in the same organisation."""

from __future__ import annotations

import pytest
from model_bakery import baker

from tests.conftest import PASSWORD


@pytest.fixture
def portal_client(client, customer_a):
    """The Django test client signed in as customer A (through the portal's own form)."""
    response = client.post("/portal/login/", {"username": customer_a.email, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


@pytest.fixture
def colleague_a(org_a, django_user_model):
    """Another customer of organisation A, with a login."""
    user = django_user_model.objects.create_user(email="carol@acme.example", password=PASSWORD, name="Carol")
    return baker.make_recipe(
        "tests.customers.customer", email="carol@acme.example", name="Carol", organization=org_a, user=user
    )
