"""The default SLA rows come from a data migration (tickets/migrations/0013), not a post_migrate hook:
they survive a round trip of the schema and no receiver runs after every migrate."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models.signals import post_migrate

from tickets.models import BusinessCalendar, SLAPolicy


def _sla_tables_exist() -> bool:
    with connection.cursor() as cursor:
        return SLAPolicy._meta.db_table in connection.introspection.table_names(cursor)


def test_no_post_migrate_receiver_belongs_to_tickets():
    receivers = [entry[1]() for entry in post_migrate.receivers]
    modules = {getattr(receiver, "__module__", "") for receiver in receivers if receiver is not None}
    assert not {module for module in modules if module.startswith("tickets")}


@pytest.mark.django_db(transaction=True)
def test_migrating_tickets_backwards_past_the_sla_tables_and_forward_recreates_the_defaults():
    out = StringIO()
    try:
        call_command("migrate", "tickets", "0003", stdout=out, verbosity=0)
        assert not _sla_tables_exist()
    finally:
        call_command("migrate", "tickets", stdout=out, verbosity=0)
    assert _sla_tables_exist()
    policy = SLAPolicy.objects.get(is_default=True)
    assert policy.name == "Default"
    assert policy.calendar.name == "Business hours"
    assert sorted(BusinessCalendar.objects.values_list("name", flat=True)) == ["24x7", "Business hours"]
