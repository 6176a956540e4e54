"""Ticket exports (tickets/jobs.py): filtered content, progress, streaming, failures, retries."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db.models.query import QuerySet
from django.utils import timezone
from freezegun import freeze_time
from model_bakery import baker

from config.exceptions import ApplicationError
from tickets import exports, jobs, selectors
from tickets.models import BulkUpdateJob, ExportJob, JobStatus, Ticket
from tickets.tasks import export_job_run_task, job_requeue_stale_task

pytestmark = pytest.mark.django_db


def _read(job: ExportJob) -> str:
    job.refresh_from_db()
    with job.file.open("rb") as fh:
        return fh.read().decode("utf-8")


@pytest.fixture
def mixed_tickets(customer_a, customer_b):
    high = baker.make_recipe(
        "tests.tickets.ticket", customer=customer_a, organization=customer_a.organization, priority="high", _quantity=5
    )
    low = baker.make_recipe(
        "tests.tickets.ticket", customer=customer_b, organization=customer_b.organization, priority="low", _quantity=3
    )
    return high, low


def _export(django_capture_on_commit_callbacks, **kwargs) -> ExportJob:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = exports.export_job_create(**kwargs)
    assert len(callbacks) == 1
    job.refresh_from_db()
    return job


def test_csv_export_of_a_filtered_set_has_exact_rows_and_content(
    agent, mixed_tickets, django_capture_on_commit_callbacks
):
    high, _low = mixed_tickets
    job = _export(django_capture_on_commit_callbacks, actor=agent.user, format="csv", filters={"priority": "high"})

    assert job.status == JobStatus.COMPLETED
    assert job.progress == 100
    assert job.row_count == 5
    assert job.error == ""
    assert re.fullmatch(rf"exports/\d{{4}}/\d{{2}}/tickets-{job.pk}-[A-Za-z0-9_-]{{22}}\.csv", job.file.name)
    rows = list(csv.DictReader(io.StringIO(_read(job))))
    assert len(rows) == 5
    assert list(rows[0]) == list(exports.EXPORT_COLUMNS)
    assert [int(r["id"]) for r in rows] == sorted(t.pk for t in high)
    first = Ticket.objects.get(pk=rows[0]["id"])
    assert rows[0]["title"] == first.title
    assert rows[0]["priority"] == "high"
    assert rows[0]["status"] == "open"
    assert rows[0]["customer_email"] == "alice@acme.example"
    assert rows[0]["organization"] == "Acme Corp"
    assert rows[0]["created_at"] == first.created_at.isoformat()


def test_jsonl_export_writes_one_json_object_per_ticket(agent, mixed_tickets, django_capture_on_commit_callbacks):
    _high, low = mixed_tickets
    Ticket.objects.filter(pk=low[0].pk).update(tags=["vip", "billing"])
    job = _export(django_capture_on_commit_callbacks, actor=agent.user, format="jsonl", filters={"priority": "low"})

    lines = _read(job).splitlines()
    rows = [json.loads(line) for line in lines]
    assert job.row_count == 3
    assert [r["id"] for r in rows] == sorted(t.pk for t in low)
    assert rows[0]["tags"] == ["vip", "billing"]
    assert rows[0]["customer_email"] == "bob@globex.example"


def test_export_without_filters_exports_every_ticket(agent, mixed_tickets, django_capture_on_commit_callbacks):
    job = _export(django_capture_on_commit_callbacks, actor=agent.user, format="csv")

    assert job.row_count == 8
    assert job.filters == {}


def test_empty_export_completes_with_a_header_only(agent, django_capture_on_commit_callbacks):
    job = _export(django_capture_on_commit_callbacks, actor=agent.user, format="csv")

    assert job.status == JobStatus.COMPLETED
    assert job.progress == 100
    assert job.row_count == 0
    assert _read(job).strip() == ",".join(exports.EXPORT_COLUMNS)


def test_spreadsheet_formulas_are_neutralised_in_csv(agent, customer_a, django_capture_on_commit_callbacks):
    baker.make_recipe("tests.tickets.ticket", customer=customer_a, title="=HYPERLINK('http://evil')")
    job = _export(django_capture_on_commit_callbacks, actor=agent.user, format="csv")

    row = next(csv.DictReader(io.StringIO(_read(job))))
    assert row["title"] == "'=HYPERLINK('http://evil')"


def test_progress_is_updated_per_chunk_and_reaches_100(agent, customer_a, settings, django_assert_max_num_queries):
    settings.EXPORT_CHUNK_SIZE = 4
    baker.make_recipe("tests.tickets.ticket", customer=customer_a, _quantity=10)
    job = ExportJob.objects.create(requested_by=agent.user, format="csv")
    seen: list[tuple[int, int]] = []
    real_update = QuerySet.update

    def spy_update(self, **kwargs):
        if self.model is ExportJob and "progress" in kwargs:
            seen.append((kwargs["progress"], kwargs["row_count"]))
        return real_update(self, **kwargs)

    QuerySet.update = spy_update
    try:
        export_job_run_task.delay(job.pk)
    finally:
        QuerySet.update = real_update

    job.refresh_from_db()
    assert seen == [(40, 4), (80, 8)]
    assert (job.progress, job.row_count, job.status) == (100, 10, JobStatus.COMPLETED)


def test_export_streams_with_a_bounded_iterator_and_never_materialises_tickets(agent, customer_a, settings):
    """Memory stays flat at any size: the ticket rows are only ever read through
    QuerySet.iterator(chunk_size=EXPORT_CHUNK_SIZE), never loaded whole into a result cache."""
    settings.EXPORT_CHUNK_SIZE = 7
    baker.make_recipe("tests.tickets.ticket", customer=customer_a, _quantity=30)
    job = ExportJob.objects.create(requested_by=agent.user, format="jsonl")
    iterator_chunks: list[int] = []
    materialised: list[type] = []
    real_iterator, real_fetch_all = QuerySet.iterator, QuerySet._fetch_all

    def spy_iterator(self, chunk_size=None):
        if self.model is Ticket:
            iterator_chunks.append(chunk_size)
        return real_iterator(self, chunk_size=chunk_size)

    def spy_fetch_all(self):
        if self.model is Ticket and self._result_cache is None:
            materialised.append(self.model)
        return real_fetch_all(self)

    QuerySet.iterator, QuerySet._fetch_all = spy_iterator, spy_fetch_all
    try:
        exports.export_job_run(job_id=job.pk)
    finally:
        QuerySet.iterator, QuerySet._fetch_all = real_iterator, real_fetch_all

    job.refresh_from_db()
    assert job.row_count == 30
    assert iterator_chunks == [7]
    assert materialised == []


def test_export_rows_is_a_lazy_generator(customer_a):
    baker.make_recipe("tests.tickets.ticket", customer=customer_a, _quantity=3)
    rows = exports.export_rows(Ticket.objects.all(), chunk_size=2)

    assert iter(rows) is rows  # a generator: nothing is read until iterated
    assert [r["id"] for r in rows] == sorted(Ticket.objects.values_list("pk", flat=True))


def test_a_customer_cannot_request_an_export(customer_a):
    with pytest.raises(ApplicationError) as exc:
        exports.export_job_create(actor=customer_a.user, format="csv")

    assert exc.value.http_status == 403
    assert ExportJob.objects.count() == 0


def test_an_unknown_format_is_refused_naming_the_field(agent):
    with pytest.raises(ValidationError) as exc:
        exports.export_job_create(actor=agent.user, format="xlsx")

    assert "format" in exc.value.message_dict


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        pytest.param({"nonsense": "1"}, "nonsense", id="unknown-filter"),
        pytest.param({"priority": "urgent"}, "priority", id="invalid-choice"),
    ],
)
def test_invalid_filters_are_refused_when_requested(agent, filters, field):
    with pytest.raises(ApplicationError) as exc:
        exports.export_job_create(actor=agent.user, format="csv", filters=filters)

    assert field in exc.value.extra["filters"]
    assert ExportJob.objects.count() == 0


def test_filters_must_be_an_object(agent):
    with pytest.raises(ApplicationError) as exc:
        selectors.ticket_list(user=agent.user, filters=["status"])

    assert exc.value.extra == {"filters": ["Must be an object."]}


def test_search_filter_narrows_the_export(agent, customer_a, django_capture_on_commit_callbacks):
    baker.make_recipe("tests.tickets.ticket", customer=customer_a, title="Printer on fire")
    baker.make_recipe("tests.tickets.ticket", customer=customer_a, title="Password reset")
    job = _export(django_capture_on_commit_callbacks, actor=agent.user, format="csv", filters={"search": "printer"})

    rows = list(csv.DictReader(io.StringIO(_read(job))))
    assert [r["title"] for r in rows] == ["Printer on fire"]


def test_a_failure_is_recorded_with_its_reason_and_raised(agent, caplog):
    job = ExportJob.objects.create(requested_by=agent.user, format="csv", filters={"priority": "urgent"})

    with pytest.raises(ApplicationError):
        export_job_run_task.delay(job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    message = "Select a valid choice. urgent is not one of the available choices."
    assert job.error == 'Invalid filters. {"filters": {"priority": ["' + message + '"]}}'
    assert job.finished_at is not None
    assert f"ExportJob {job.pk} failed" in caplog.text


def test_running_twice_is_safe_and_a_failed_job_can_be_retried(agent, customer_a):
    baker.make_recipe("tests.tickets.ticket", customer=customer_a, _quantity=2)
    job = ExportJob.objects.create(requested_by=agent.user, format="csv", filters={"priority": "urgent"})
    with pytest.raises(ApplicationError):
        exports.export_job_run(job_id=job.pk)
    ExportJob.objects.filter(pk=job.pk).update(filters={})

    retried = exports.export_job_run(job_id=job.pk)
    again = exports.export_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert retried is not None
    assert again is None  # completed: nothing redone
    assert (job.status, job.row_count, job.attempts, job.error) == (JobStatus.COMPLETED, 2, 2, "")


def test_a_job_left_running_by_a_crashed_worker_is_redone(agent, customer_a, settings):
    settings.JOB_LEASE_SECONDS = 600
    baker.make_recipe("tests.tickets.ticket", customer=customer_a, _quantity=2)
    started = timezone.now() - timedelta(seconds=601)
    job = ExportJob.objects.create(
        requested_by=agent.user, format="csv", status=JobStatus.RUNNING, progress=50, started_at=started
    )

    exports.export_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.progress, job.row_count) == (JobStatus.COMPLETED, 100, 2)


def test_a_job_running_within_its_lease_is_not_run_twice(agent, settings, caplog):
    settings.JOB_LEASE_SECONDS = 600
    started = timezone.now() - timedelta(seconds=60)
    job = ExportJob.objects.create(requested_by=agent.user, format="csv", status=JobStatus.RUNNING, started_at=started)

    assert exports.export_job_run(job_id=job.pk) is None

    job.refresh_from_db()
    assert (job.status, job.started_at, job.attempts) == (JobStatus.RUNNING, started, 0)
    assert "is already running" in caplog.text


def test_a_broker_outage_leaves_the_job_pending_and_the_sweep_enqueues_it(
    agent, customer_a, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    from kombu.exceptions import OperationalError

    baker.make_recipe("tests.tickets.ticket", customer=customer_a, _quantity=2)
    real_enqueue = jobs._enqueue

    def broker_down(task_name: str, job_id: int) -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(jobs, "_enqueue", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        job = exports.export_job_create(actor=agent.user, format="csv")
    job.refresh_from_db()
    assert job.status == JobStatus.PENDING
    assert "connection refused" in caplog.text

    monkeypatch.setattr(jobs, "_enqueue", real_enqueue)
    assert job_requeue_stale_task.delay().get() == 0  # too recent: its task may still be queued
    with freeze_time(timezone.now() + timedelta(minutes=6)):
        assert jobs.job_requeue_stale() == 1

    job.refresh_from_db()
    assert (job.status, job.row_count) == (JobStatus.COMPLETED, 2)


def test_the_sweep_takes_over_jobs_running_past_their_lease(agent, settings):
    settings.JOB_LEASE_SECONDS = 600
    dead = BulkUpdateJob.objects.create(
        requested_by=agent.user,
        changes={"priority": "low"},
        status=JobStatus.RUNNING,
        started_at=timezone.now() - timedelta(hours=1),
    )
    live = BulkUpdateJob.objects.create(
        requested_by=agent.user, changes={"priority": "low"}, status=JobStatus.RUNNING, started_at=timezone.now()
    )

    assert jobs.job_requeue_stale() == 1

    dead.refresh_from_db()
    live.refresh_from_db()
    assert (dead.status, live.status) == (JobStatus.COMPLETED, JobStatus.RUNNING)


def test_a_missing_job_is_a_logged_no_op(caplog):
    assert exports.export_job_run(job_id=999_999) is None
    assert "ExportJob 999999 does not exist" in caplog.text


def test_ids_narrow_the_export_within_the_callers_scope(agent, mixed_tickets, django_capture_on_commit_callbacks):
    high, low = mixed_tickets
    chosen = [high[0].pk, low[0].pk]

    job = _export(
        django_capture_on_commit_callbacks, actor=agent.user, format="csv", filters={"ids": chosen, "priority": "low"}
    )

    assert [int(r["id"]) for r in csv.DictReader(io.StringIO(_read(job)))] == [low[0].pk]


@pytest.mark.parametrize("ids", [pytest.param("1,2", id="string"), pytest.param([1, True], id="bool")])
def test_ids_must_be_a_list_of_integers(agent, ids):
    with pytest.raises(ApplicationError) as exc:
        selectors.ticket_list(user=agent.user, filters={"ids": ids})

    assert "ids" in exc.value.extra["filters"]


def test_filters_mean_what_the_ticket_list_means(agent, customer_a, mixed_tickets):
    """The export reuses the API's FilterSet: comma lists, booleans, `assignee=me`."""
    mine = baker.make_recipe("tests.tickets.ticket", customer=customer_a, assignee=agent.user, escalated=False)

    assert selectors.ticket_list(user=agent.user, filters={"priority": ["high", "low"]}).count() == 8
    assert selectors.ticket_list(user=agent.user, filters={"priority": "high,low"}).count() == 8
    assert list(selectors.ticket_list(user=agent.user, filters={"assignee": "me"})) == [mine]
    assert selectors.ticket_list(user=agent.user, filters={"escalated": False}).count() == 9


def test_a_customers_scope_applies_to_filters(customer_a, mixed_tickets):
    assert selectors.ticket_list(user=customer_a.user, filters={"priority": "low"}).count() == 0
    assert selectors.ticket_list(user=customer_a.user, filters={"priority": "high"}).count() == 5
