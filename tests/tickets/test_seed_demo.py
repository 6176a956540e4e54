"""seed_demo: the quick start's demo desk, idempotent, and the bulk top-up."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, F
from model_bakery import baker

from agents.models import Agent, Role, Team
from customers.models import Customer, Organization
from tickets.models import Category, Comment, Status, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def _seed(*args):
    out, err = StringIO(), StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=err)
    return out.getvalue()


def test_small_run_creates_a_realistic_desk_through_the_services():
    output = _seed("--email", "boss@helpdesk.local", "--password", "s3cret-demo-pass")

    assert "Admin login: boss@helpdesk.local / s3cret-demo-pass" in output
    admin = get_user_model().objects.get(email="boss@helpdesk.local")
    assert admin.is_superuser
    assert admin.check_password("s3cret-demo-pass")
    assert set(Agent.objects.values_list("role", flat=True)) == set(Role.values)
    assert set(Category.objects.values_list("slug", flat=True)) == {
        "billing",
        "technical",
        "account",
        "shipping",
        "general",
    }
    assert not Category.objects.filter(team__isnull=True).exists()
    assert Team.objects.filter(is_default=True).count() == 1
    assert Organization.objects.filter(domains__isnull=False).distinct().count() == 4
    assert Customer.objects.filter(organization__isnull=False).count() >= 7  # matched by email domain
    assert set(Ticket.objects.values_list("status", flat=True)) == set(Status.values)
    assert Comment.objects.filter(is_internal=True).exists()
    assert Comment.objects.filter(is_internal=False, customer__isnull=False).exists()
    assert Comment.objects.filter(is_internal=False, author__agent__isnull=False).exists()
    # Written through the services: every ticket has its creation event and billing tickets went to Billing.
    assert TicketEvent.objects.filter(kind="created").count() == Ticket.objects.count()
    assert not Ticket.objects.filter(category__slug="billing").exclude(team__name="Billing").exists()
    # Agents can log in with the demo password.
    assert Agent.objects.exclude(user=admin).first().user.check_password("s3cret-demo-pass")


def test_running_again_keeps_the_desk_and_resets_the_admin_password():
    _seed()
    counts = (Ticket.objects.count(), Customer.objects.count(), Agent.objects.count())
    output = _seed("--password", "another-demo-pass")
    assert "Demo desk already present" in output
    assert (Ticket.objects.count(), Customer.objects.count(), Agent.objects.count()) == counts
    assert get_user_model().objects.get(email="admin@helpdesk.local").check_password("another-demo-pass")


def test_bulk_tickets_top_up_to_the_target():
    output = _seed("--tickets", "60", "--batch-size", "25")
    assert Ticket.objects.count() == 60
    assert "Bulk tickets created: 46." in output  # 14 demo tickets + 46 bulk
    bulk = Ticket.objects.filter(metadata__seed="bulk")
    assert not bulk.filter(status=Status.CLOSED, closed_at__isnull=True).exists()
    assert bulk.values("customer").distinct().count() > 1
    again = _seed("--tickets", "60", "--no-demo")
    assert "nothing to add" in again
    assert Ticket.objects.count() == 60


def test_no_demo_only_creates_the_admin():
    _seed("--no-demo", "--tickets", "10")
    assert not Organization.objects.filter(name="Acme Corporation").exists()
    assert Ticket.objects.count() == 10


def test_bulk_tickets_get_the_due_times_ticket_sla_apply_gives():
    from customers.models import Tier
    from tickets.models import BusinessCalendar, SLAPolicy, SLATarget
    from tickets.sla import services as sla_services

    _seed("--tickets", "14")  # the demo desk (its teams and categories)
    default = SLAPolicy.objects.get(is_default=True)
    SLATarget.objects.create(
        policy=default, priority="high", tier=Tier.ENTERPRISE, first_response_minutes=30, resolution_minutes=120
    )
    team = Team.objects.filter(pk__in=Category.objects.values("team_id")).order_by("pk").first()
    team_policy = baker.make(
        "tickets.SLAPolicy", name="Round the clock", calendar=BusinessCalendar.objects.get(name="24x7")
    )
    team_policy.conditions = {"all": [{"field": "team", "operator": "is", "value": team.pk}], "any": []}
    team_policy.save()
    for priority in ("low", "medium", "high", "critical"):
        SLATarget.objects.create(
            policy=team_policy, priority=priority, tier="", first_response_minutes=90, resolution_minutes=600
        )

    _seed("--tickets", "150", "--no-demo", "--batch-size", "40")

    bulk = list(Ticket.objects.filter(metadata__seed="bulk").select_related("customer"))
    assert len(bulk) == 136
    assert all(t.first_response_due_at and t.resolution_due_at and t.first_response_warn_at for t in bulk)
    assert {t.team_id == team.pk for t in bulk} == {True, False}  # both policies were used
    assert any(t.customer.tier == Tier.ENTERPRISE and t.priority == "high" for t in bulk)
    for ticket in bulk:
        stored = {name: getattr(ticket, name) for name in sla_services.DUE_FIELDS}
        assert sla_services.ticket_sla_apply(ticket=ticket) == [], (ticket.pk, stored)


def test_demo_desk_has_macros_files_and_every_sla_state():
    from django.utils import timezone

    from tickets.models import Attachment
    from tickets.models.macros import Macro
    from tickets.sla import rules

    _seed("--email", "boss@helpdesk.local", "--password", "s3cret-demo-pass")

    assert Macro.objects.filter(owner__isnull=True).count() == 4
    assert Macro.objects.filter(owner__email="boss@helpdesk.local").count() == 1
    assert set(Attachment.objects.values_list("filename", flat=True)) == {"export-worker.log", "screenshot.png"}
    assert Attachment.objects.filter(comment__is_internal=True).exists()
    now = timezone.now()
    states = {rules.sla_state(t, now=now) for t in Ticket.objects.all()}
    assert {"ok", "at_risk", "breached"} <= states
    assert Ticket.objects.filter(status=Status.PENDING, sla_paused_at__isnull=False).exists()


def _index_and_key_names() -> set[str]:
    from django.db import connection

    tables = ["tickets_ticket", "tickets_comment", "tickets_ticketevent", "tickets_attachment"]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            return set()
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = ANY(%s)", [tables])
        names = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT conname FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid WHERE t.relname = ANY(%s)",
            [tables],
        )
        return names | {row[0] for row in cursor.fetchall()}


def test_bulk_tickets_have_conversations_events_and_files(admin_agent, customer_a):
    from django.core.files.storage import default_storage

    from tickets.models import Attachment
    from tickets.services import ticket_create

    before = _index_and_key_names()
    output = _seed("--tickets", "300", "--no-demo", "--batch-size", "70")

    assert "Bulk tickets created: 300." in output
    bulk = Ticket.objects.filter(metadata__seed="bulk")
    per_ticket = {t.pk: t.n for t in bulk.annotate(n=Count("comments"))}
    assert set(per_ticket.values()) <= {1, 2, 3}
    assert {1, 2, 3} <= set(per_ticket.values())
    notes = Comment.objects.filter(ticket__in=bulk, is_internal=True)
    assert 0 < notes.count() < bulk.count()
    assert not notes.filter(customer__isnull=False).exists()
    assert Comment.objects.filter(ticket__in=bulk, customer__isnull=False, is_internal=False).exists()
    assert TicketEvent.objects.filter(ticket__in=bulk, kind="created").count() == 300
    assert not bulk.exclude(status=Status.OPEN).exclude(events__kind="status_changed").exists()
    files = Attachment.objects.filter(ticket__in=bulk)
    assert files.exists()
    assert all(default_storage.exists(f.file.name) for f in files[:5])
    assert not files.exclude(comment__ticket_id=F("ticket_id")).exists()
    # The indexes and foreign keys dropped for the load are all back, and the sequences moved on.
    assert _index_and_key_names() == before
    new = ticket_create(actor=admin_agent.user, title="After the seed", customer=customer_a)
    assert new.pk > max(per_ticket)
