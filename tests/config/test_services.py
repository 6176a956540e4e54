"""config/services.py: model_update and fields_refuse_unknown, the one "change what differs" helper."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time
from model_bakery import baker

from agents.models import Team
from config.services import fields_refuse_unknown, model_update
from customers.models import Customer

pytestmark = pytest.mark.django_db


def test_only_changed_fields_are_written_with_updated_at():
    with freeze_time("2026-01-01 10:00"):
        customer = baker.make(Customer, name="Ada", email="ada@example.test", phone="1")
    with freeze_time("2026-01-02 10:00"), CaptureQueriesContext(connection) as queries:
        customer, changes = model_update(instance=customer, data={"name": "Ada L.", "phone": "1"})

    assert changes == {"name": ("Ada", "Ada L.")}
    [update] = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert '"name"' in update
    assert '"updated_at"' in update
    assert '"phone"' not in update
    assert '"email"' not in update
    customer.refresh_from_db()
    assert (customer.name, customer.updated_at.isoformat()) == ("Ada L.", "2026-01-02T10:00:00+00:00")


def test_nothing_changed_means_no_query():
    team = baker.make(Team, name="Billing")
    with CaptureQueriesContext(connection) as queries:
        _, changes = model_update(instance=team, data={"name": "Billing"})
    assert (changes, len(queries)) == ({}, 0)


def test_without_save_the_instance_changes_and_the_row_does_not():
    team = baker.make(Team, name="Billing")
    team, changes = model_update(instance=team, data={"name": "Payments"}, save=False)
    assert (team.name, changes) == ("Payments", {"name": ("Billing", "Payments")})
    assert Team.objects.get(pk=team.pk).name == "Billing"


@pytest.mark.parametrize(
    ("data", "verb", "expected"),
    [
        pytest.param({"name": "x"}, "changed", None, id="known"),
        pytest.param(
            {"name": "x", "id": 3, "created_at": ""},
            "changed",
            {"created_at": ["This field cannot be changed."], "id": ["This field cannot be changed."]},
            id="two-unknown",
        ),
        pytest.param({"owner": 1}, "set", {"owner": ["This field cannot be set."]}, id="verb"),
    ],
)
def test_unknown_fields_are_refused_by_name(data, verb, expected):
    if expected is None:
        fields_refuse_unknown(data, ("name",), verb=verb)
        return
    with pytest.raises(ValidationError) as caught:
        fields_refuse_unknown(data, ("name",), verb=verb)
    assert caught.value.message_dict == expected
