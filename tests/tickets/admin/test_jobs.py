"""Admin for background jobs (tickets/admin/jobs.py): export and retention dry-run actions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from model_bakery import baker

from tickets.models import BulkUpdateJob, ExportJob, JobStatus, Status, Ticket

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:tickets_ticket_changelist")


def _action(client, action: str, ids: list[int], **extra):
    return client.post(CHANGELIST, {"action": action, ACTION_CHECKBOX_NAME: ids, **extra}, follow=True)


@pytest.mark.parametrize(("action", "fmt"), [("export_tickets_csv", "csv"), ("export_tickets_jsonl", "jsonl")])
def test_export_action_exports_the_selection(
    admin_client_, admin_agent, customer_a, action, fmt, django_capture_on_commit_callbacks
):
    tickets = baker.make_recipe("tests.tickets.ticket", customer=customer_a, _quantity=3)
    chosen = [tickets[0].pk, tickets[2].pk]

    with django_capture_on_commit_callbacks(execute=True):
        response = _action(admin_client_, action, chosen)

    job = ExportJob.objects.get()
    assert (job.format, job.requested_by, job.status, job.row_count) == (fmt, admin_agent.user, "completed", 2)
    assert job.filters == {"ids": sorted(chosen)}
    assert f"Export #{job.pk} of 2 ticket(s) started" in response.content.decode()
    assert admin_client_.get(reverse("admin:tickets_exportjob_change", args=[job.pk])).status_code == 200


def test_export_action_refuses_an_oversized_selection(admin_client_, customer_a, monkeypatch):
    from tickets.admin import jobs as job_admin

    monkeypatch.setattr(job_admin, "ADMIN_EXPORT_MAX_TICKETS", 1)
    ids = [t.pk for t in baker.make_recipe("tests.tickets.ticket", customer=customer_a, _quantity=2)]

    response = _action(admin_client_, "export_tickets_csv", ids)

    assert "At most 1 tickets per export" in response.content.decode()
    assert ExportJob.objects.count() == 0


def test_retention_dry_run_counts_without_changing_anything(admin_client_, customer_a, settings):
    settings.RETENTION_DAYS = 30
    settings.RETENTION_MODE = "delete"
    old = baker.make_recipe(
        "tests.tickets.ticket",
        customer=customer_a,
        status=Status.CLOSED,
        closed_at=timezone.now() - timedelta(days=40),
        _quantity=3,
    )
    fresh = baker.make_recipe("tests.tickets.ticket", customer=customer_a)

    response = _action(admin_client_, "retention_dry_run", [old[0].pk, fresh.pk])

    assert "1 of the selected tickets and 3 in all would be deleted" in response.content.decode()
    assert Ticket.objects.count() == 4


def test_job_pages_show_own_jobs(admin_client_, client, admin_agent, agent, customer_a):
    mine = ExportJob.objects.create(requested_by=agent.user, format="csv", status=JobStatus.COMPLETED)
    mine.file.save("x.csv", ContentFile(b"id\n"))
    BulkUpdateJob.objects.create(requested_by=admin_agent.user, changes={"priority": "low"})

    assert admin_client_.get(reverse("admin:tickets_exportjob_changelist")).status_code == 200
    assert admin_client_.get(reverse("admin:tickets_bulkupdatejob_changelist")).status_code == 200
    assert admin_client_.get(reverse("admin:tickets_bulkupdatejob_add")).status_code == 403
    admin_page = admin_client_.get(reverse("admin:tickets_exportjob_changelist")).content.decode()
    assert f"/api/v1/exports/{mine.pk}/download/" in admin_page  # superusers see every job
    assert admin_client_.get(reverse("admin:tickets_exportjob_change", args=[mine.pk])).status_code == 200
