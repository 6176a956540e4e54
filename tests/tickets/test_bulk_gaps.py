"""tickets/bulk.py, the cases the value-by-value tests leave open (found by mutation testing)."""

from __future__ import annotations

import logging

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext
from model_bakery import baker

from tickets import bulk
from tickets.models import BulkUpdateJob

pytestmark = pytest.mark.django_db


def test_any_other_error_is_recorded_by_its_text():
    """The run catches only the services' errors; any other one would still be recorded as its text."""
    assert bulk._error_messages(ValueError("Disk full.")) == {"non_field_errors": ["Disk full."]}


def test_filters_read_one_id_past_the_limit_and_no_more(agent, customer_a, settings):
    """Telling "too many" from "at the limit" takes limit + 1 ids, whatever the filters match."""
    settings.BULK_MAX_TICKETS = 2
    baker.make_recipe("tests.tickets.ticket", customer=customer_a, organization=customer_a.organization, _quantity=5)
    with CaptureQueriesContext(connection) as queries, pytest.raises(bulk.ValidationError):
        bulk.bulk_update_job_create(actor=agent.user, filters={}, changes={"priority": "low"})
    reads = [q["sql"] for q in queries.captured_queries if 'FROM "tickets_ticket"' in q["sql"]]
    assert len(reads) == 1
    assert reads[0].endswith("LIMIT 3")


def test_by_default_progress_is_saved_every_50_tickets(agent, monkeypatch):
    """51 ids nobody can see: the progress is saved once on the way, after the 50th."""
    ids = list(range(900_001, 900_052))
    job = BulkUpdateJob.objects.create(requested_by=agent.user, ticket_ids=ids, changes={"priority": "low"}, total=51)
    seen = []
    original = QuerySet.update

    def spy(self, **kwargs):
        updated = original(self, **kwargs)
        if self.model is BulkUpdateJob and "processed" in kwargs:  # what the job's row holds now
            row = BulkUpdateJob.objects.get(pk=job.pk)
            seen.append((row.processed, row.succeeded, len(row.failures), row.progress))
        return updated

    monkeypatch.setattr(QuerySet, "update", spy)
    job = bulk.bulk_update_job_run(job_id=job.pk)

    assert seen == [(50, 0, 50, 98)]
    assert (job.processed, job.succeeded, len(job.failures), job.progress) == (51, 0, 51, 100)


def test_the_finished_run_writes_only_its_outcome(agent, customer_a, monkeypatch):
    """A second worker claiming the job meanwhile (attempts 1 -> 2) is not undone when the first one
    records the outcome."""
    ticket = baker.make_recipe("tests.tickets.ticket", customer=customer_a, organization=customer_a.organization)
    job = BulkUpdateJob.objects.create(
        requested_by=agent.user, ticket_ids=[ticket.pk], changes={"priority": "low"}, total=1
    )
    from tickets import services

    original = services.ticket_update

    def claimed_again_meanwhile(**kwargs):
        BulkUpdateJob.objects.filter(pk=job.pk).update(attempts=2)
        return original(**kwargs)

    monkeypatch.setattr(services, "ticket_update", claimed_again_meanwhile)
    bulk.bulk_update_job_run(job_id=job.pk)

    row = BulkUpdateJob.objects.get(pk=job.pk)
    assert (row.attempts, row.status, row.processed, row.succeeded) == (2, "completed", 1, 1)


def test_a_finished_run_is_logged_with_its_counts(agent, customer_a, caplog):
    ticket = baker.make_recipe("tests.tickets.ticket", customer=customer_a, organization=customer_a.organization)
    job = BulkUpdateJob.objects.create(
        requested_by=agent.user, ticket_ids=[ticket.pk, 900_001], changes={"priority": "low"}, total=2
    )
    with caplog.at_level(logging.INFO, logger="tickets.bulk"):
        bulk.bulk_update_job_run(job_id=job.pk)
    assert [r.getMessage() for r in caplog.records if r.name == "tickets.bulk"] == [
        f"bulk update {job.pk}: 1 succeeded, 1 failed"
    ]
