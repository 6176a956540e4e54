"""config.db.email_matches: a case-insensitive email match that the LOWER(email) unique indexes of
customers and users serve (Django's iexact compares UPPER(), which no index covers)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from agents.models import User
from config.db import email_matches
from customers.models import Customer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("asked", "found"),
    [
        ("alice@acme.example", True),
        ("ALICE@ACME.EXAMPLE", True),
        ("Alice@Acme.Example", True),
        ("alice@acme.exampl", False),
        ("lice@acme.example", False),
        ("alice@acme.example ", False),
        ("", False),
        (None, False),
    ],
)
def test_customers_and_users_match_their_address_in_any_case(customer_a, asked, found):
    assert Customer.objects.filter(email_matches(asked)).exists() is found
    assert User.objects.filter(email_matches(asked)).exists() is found


def test_the_user_manager_finds_a_login_in_any_case(customer_a):
    assert User.objects.get_by_natural_key("ALICE@acme.EXAMPLE") == customer_a.user


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("model", "index"),
    [(Customer, "customer_email_ci_unique"), (User, "user_email_ci_unique")],
)
def test_on_postgresql_the_match_is_an_index_probe(customer_a, model, index):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # tiny test tables: make the planner show what it can use
        plan = model.objects.filter(email_matches("Alice@ACME.example")).explain()

    assert index in plan
