"""tickets/apps.py: the post_migrate SLA defaults hook, and the outbox consumer registration."""

from __future__ import annotations

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from tickets import apps as tickets_apps
from tickets.models import BusinessCalendar, SLAPolicy


def _sla_tables_exist() -> bool:
    with connection.cursor() as cursor:
        return SLAPolicy._meta.db_table in connection.introspection.table_names(cursor)


@pytest.mark.django_db
def test_hook_fills_the_defaults_when_the_tables_exist():
    SLAPolicy.objects.all().delete()
    BusinessCalendar.objects.all().delete()
    tickets_apps._sla_defaults(sender=apps.get_app_config("tickets"), using="default")
    assert SLAPolicy.objects.filter(is_default=True).exists()


@pytest.mark.django_db
def test_hook_skips_when_the_sla_tables_are_missing(monkeypatch):
    calls = []
    monkeypatch.setattr("tickets.sla.services.sla_defaults_ensure", lambda: calls.append(1))
    monkeypatch.setattr(connection.introspection, "table_names", lambda cursor=None, **kw: ["tickets_ticket"])
    tickets_apps._sla_defaults(sender=apps.get_app_config("tickets"), using="default")
    assert calls == []


@pytest.mark.django_db(transaction=True)
def test_migrating_tickets_backwards_past_the_sla_tables_does_not_fail():
    """`migrate tickets 0003` removes the SLA tables; post_migrate must not crash on them, and
    migrating forward again recreates the tables and the defaults."""
    out = StringIO()
    try:
        call_command("migrate", "tickets", "0003", stdout=out, verbosity=0)
        assert not _sla_tables_exist()
    finally:
        call_command("migrate", "tickets", stdout=out, verbosity=0)
    assert _sla_tables_exist()
    assert SLAPolicy.objects.filter(is_default=True).exists()
