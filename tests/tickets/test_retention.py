"""Data retention (tickets/jobs.py): closed tickets past the period deleted or anonymised."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from freezegun import freeze_time
from model_bakery import baker

from tickets import comments, retention
from tickets.anonymisation import ANONYMISED_TITLE
from tickets.models import Attachment, Comment, Status, Ticket, TicketEvent
from tickets.tasks import retention_run_task

pytestmark = pytest.mark.django_db

NOW = "2026-06-01 12:00:00"


@pytest.fixture(autouse=True)
def _frozen():
    """Frozen before the data fixtures run, so their ages are exact."""
    with freeze_time(NOW):
        yield


@pytest.fixture
def world(agent, customer_a):
    """Two old closed tickets (with comments and a file), one recently closed, one old but open,
    one old but only resolved."""
    now = timezone.now()

    def make(status: str, closed_days_ago: int | None, created_days_ago: int = 1000) -> Ticket:
        closed_at = now - timedelta(days=closed_days_ago) if closed_days_ago is not None else None
        return baker.make_recipe(
            "tests.tickets.ticket",
            customer=customer_a,
            status=status,
            closed_at=closed_at,
            resolved_at=closed_at or (now if status == Status.RESOLVED else None),
            created_at=now - timedelta(days=created_days_ago),
            title=f"{status} ticket of Alice",
        )

    old = [make(Status.CLOSED, 800), make(Status.CLOSED, 731)]
    for ticket in old:
        comments.comment_add(ticket=ticket, actor=agent.user, body="Hello Alice, your address is 1 Main St.")
    upload = SimpleUploadedFile("invoice.txt", b"secret", content_type="text/plain")
    attachment = comments.attachment_add(ticket=old[0], file=upload, actor=agent.user)
    return {
        "old": old,
        "recent": make(Status.CLOSED, 10),
        "open": make(Status.OPEN, None),
        "resolved": make(Status.RESOLVED, None),
        "file": attachment.file.name,
    }


def test_delete_mode_removes_old_closed_tickets_with_comments_and_files(
    world, django_capture_on_commit_callbacks, caplog
):
    old_ids = [t.pk for t in world["old"]]
    assert default_storage.exists(world["file"])

    with django_capture_on_commit_callbacks(execute=True):
        handled = retention.retention_run(days=730, mode="delete")

    assert handled == 2
    assert not Ticket.objects.filter(pk__in=old_ids).exists()
    assert not Comment.objects.filter(ticket_id__in=old_ids).exists()
    assert not Attachment.objects.filter(ticket_id__in=old_ids).exists()
    assert not TicketEvent.objects.filter(ticket_id__in=old_ids).exists()
    assert not default_storage.exists(world["file"])
    assert set(Ticket.objects.values_list("pk", flat=True)) == {
        world["recent"].pk,
        world["open"].pk,
        world["resolved"].pk,
    }
    assert "retention (delete, 730 days): 2 closed ticket(s) handled" in caplog.text


def test_anonymize_mode_keeps_the_rows_without_their_content(world, django_capture_on_commit_callbacks):
    old_ids = [t.pk for t in world["old"]]

    with django_capture_on_commit_callbacks(execute=True):
        handled = retention.retention_run(days=730, mode="anonymize")

    assert handled == 2
    for ticket in Ticket.objects.filter(pk__in=old_ids):
        assert ticket.title == ANONYMISED_TITLE
        assert (ticket.description, ticket.metadata, ticket.external_id) == ("", {}, None)
        assert ticket.status == Status.CLOSED
        assert ticket.anonymized_at == timezone.now()
    assert set(Comment.objects.filter(ticket_id__in=old_ids).values_list("body", flat=True)) == {"[removed]"}
    assert not Attachment.objects.filter(ticket_id__in=old_ids).exists()
    assert not default_storage.exists(world["file"])
    assert Ticket.objects.get(pk=world["recent"].pk).title == "closed ticket of Alice"
    assert Ticket.objects.count() == 5
    # Already anonymised rows are not counted again.
    assert retention.retention_run(days=730, mode="anonymize") == 0


def test_dry_run_counts_exactly_and_changes_nothing(world):
    assert retention.retention_run(days=730, dry_run=True) == 2
    assert retention.retention_run(days=5, dry_run=True) == 3
    assert retention.retention_run(days=900, dry_run=True) == 0
    assert Ticket.objects.count() == 5


def test_batches_handle_every_candidate_and_a_second_run_finds_nothing(customer_a, django_assert_max_num_queries):
    closed_at = timezone.now() - timedelta(days=400)
    baker.make_recipe(
        "tests.tickets.ticket", customer=customer_a, status=Status.CLOSED, closed_at=closed_at, _quantity=7
    )

    # Per batch, not per ticket: 3 + 20 per batch (3 batches here; 14 tickets in 5 batches take 103).
    # Each batch: the inbound messages' text and raw files forgotten (2), then the cascades of the
    # delete: comments, events, followers, links, merges, attachments, presence, automation firings,
    # SLA event logs (60 -> 63), and the deflection and inbound-message rows that keep their row
    # without the ticket.
    # 63 -> 66: each of the 3 batches also cascades to the tickets' time entries.
    with django_assert_max_num_queries(66):
        assert retention.retention_run(days=365, mode="delete", batch_size=3) == 7
    assert retention.retention_run(days=365, mode="delete", batch_size=3) == 0
    assert Ticket.objects.count() == 0


def test_the_beat_task_reads_its_settings(world, settings):
    settings.RETENTION_DAYS = 730
    settings.RETENTION_MODE = "anonymize"
    settings.RETENTION_BATCH_SIZE = 1

    assert retention_run_task.delay(dry_run=True).get() == 2
    assert retention_run_task.delay().get() == 2
    assert Ticket.objects.filter(anonymized_at__isnull=False).count() == 2


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [pytest.param({"mode": "shred"}, "mode", id="bad-mode"), pytest.param({"days": 0}, "days", id="zero-days")],
)
def test_bad_settings_are_refused(db, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        retention.retention_run(**kwargs)

    assert field in exc.value.message_dict


def test_the_retention_and_crm_beat_entries_exist(db):
    from django_celery_beat.models import PeriodicTask

    retention = PeriodicTask.objects.get(name="Data retention")
    sweep = PeriodicTask.objects.get(name="CRM sync sweep")
    jobs_sweep = PeriodicTask.objects.get(name="Background job sweep")

    assert (retention.task, retention.crontab.hour, retention.crontab.minute) == ("tickets.retention_run", "3", "30")
    assert (sweep.task, sweep.interval.every) == ("customers.crm_sync_sweep", 900)
    assert (jobs_sweep.task, jobs_sweep.interval.every) == ("tickets.job_requeue_stale", 300)
