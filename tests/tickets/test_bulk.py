"""Bulk ticket updates (tickets/jobs.py): through the services, per-ticket failures, limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from model_bakery import baker

from config.exceptions import ApplicationError
from tickets import bulk
from tickets.models import BulkUpdateJob, EventKind, JobStatus, Status, Ticket, TicketEvent
from tickets.tasks import bulk_update_job_run_task

pytestmark = pytest.mark.django_db


def _tickets(customer, n: int, **kwargs) -> list[Ticket]:
    return baker.make_recipe(
        "tests.tickets.ticket", customer=customer, organization=customer.organization, _quantity=n, **kwargs
    )


def _run(django_capture_on_commit_callbacks, **kwargs) -> BulkUpdateJob:
    with django_capture_on_commit_callbacks(execute=True):
        job = bulk.bulk_update_job_create(**kwargs)
    job.refresh_from_db()
    return job


def test_bulk_update_of_200_tickets_writes_200_events(agent, customer_a, django_capture_on_commit_callbacks):
    tickets = _tickets(customer_a, 200, priority="medium")
    ids = [t.pk for t in tickets]

    job = _run(django_capture_on_commit_callbacks, actor=agent.user, ids=ids, changes={"priority": "high"})

    assert (job.status, job.total, job.processed, job.succeeded, job.failures) == (
        JobStatus.COMPLETED,
        200,
        200,
        200,
        [],
    )
    assert job.progress == 100
    assert Ticket.objects.filter(pk__in=ids, priority="high").count() == 200
    events = TicketEvent.objects.filter(ticket_id__in=ids, kind=EventKind.UPDATED, field="priority")
    assert events.count() == 200
    assert set(events.values_list("actor_id", flat=True)) == {agent.user.pk}
    assert set(Ticket.objects.filter(pk__in=ids).values_list("version", flat=True)) == {2}


def test_bulk_status_change_respects_the_lifecycle_per_ticket(agent, customer_a, django_capture_on_commit_callbacks):
    open_tickets = _tickets(customer_a, 100)
    closed_tickets = _tickets(customer_a, 100, status=Status.CLOSED, closed_at=timezone.now())
    ids = [t.pk for t in open_tickets + closed_tickets]

    job = _run(django_capture_on_commit_callbacks, actor=agent.user, ids=ids, changes={"status": "pending"})

    assert job.status == JobStatus.COMPLETED
    assert job.succeeded == 100
    assert job.failed == 100
    assert {f["ticket_id"] for f in job.failures} == {t.pk for t in closed_tickets}
    assert "Cannot change status from 'closed' to 'pending'" in job.failures[0]["errors"]["status"][0]
    assert Ticket.objects.filter(pk__in=[t.pk for t in open_tickets], status=Status.PENDING).count() == 100
    assert Ticket.objects.filter(pk__in=[t.pk for t in closed_tickets], status=Status.CLOSED).count() == 100
    assert TicketEvent.objects.filter(ticket_id__in=ids, kind=EventKind.STATUS_CHANGED).count() == 100


def test_bulk_assign_tags_and_unassign(agent, senior_agent, customer_a, django_capture_on_commit_callbacks):
    tickets = _tickets(customer_a, 3)
    ids = [t.pk for t in tickets]

    job = _run(
        django_capture_on_commit_callbacks,
        actor=agent.user,
        ids=ids,
        changes={"assignee": senior_agent.user.pk, "tags": ["VIP", "vip", "billing"]},
    )

    assert job.succeeded == 3
    assert job.changes == {"assignee": senior_agent.user.pk, "tags": ["vip", "billing"]}
    assert set(Ticket.objects.filter(pk__in=ids).values_list("assignee_id", flat=True)) == {senior_agent.user.pk}
    assert all(t.tags == ["vip", "billing"] for t in Ticket.objects.filter(pk__in=ids))
    assert TicketEvent.objects.filter(ticket_id__in=ids, kind=EventKind.ASSIGNED).count() == 3

    _run(django_capture_on_commit_callbacks, actor=agent.user, ids=ids, changes={"assignee": None})
    assert set(Ticket.objects.filter(pk__in=ids).values_list("assignee_id", flat=True)) == {None}


def test_bulk_by_filters_updates_exactly_the_matching_tickets(agent, customer_a, django_capture_on_commit_callbacks):
    high = _tickets(customer_a, 4, priority="high")
    low = _tickets(customer_a, 2, priority="low")

    job = _run(
        django_capture_on_commit_callbacks,
        actor=agent.user,
        filters={"priority": "high"},
        changes={"status": "in_progress"},
    )

    assert sorted(job.ticket_ids) == sorted(t.pk for t in high)
    assert job.filters == {"priority": "high"}
    assert Ticket.objects.filter(status=Status.IN_PROGRESS).count() == 4
    assert Ticket.objects.filter(pk__in=[t.pk for t in low], status=Status.OPEN).count() == 2


def test_unknown_ids_become_per_ticket_failures(agent, customer_a, django_capture_on_commit_callbacks):
    ticket = _tickets(customer_a, 1)[0]

    job = _run(django_capture_on_commit_callbacks, actor=agent.user, ids=[ticket.pk, 999_999], changes={"tags": []})

    assert job.succeeded == 1
    assert job.failures == [{"ticket_id": 999_999, "errors": {"id": ["Not found."]}}]


def test_progress_is_saved_while_running(agent, customer_a):
    ids = [t.pk for t in _tickets(customer_a, 5)]
    job = BulkUpdateJob.objects.create(requested_by=agent.user, ticket_ids=ids, changes={"priority": "low"}, total=5)

    bulk.bulk_update_job_run(job_id=job.pk, save_every=2)

    job.refresh_from_db()
    assert (job.processed, job.progress, job.succeeded) == (5, 100, 5)


def test_rerunning_a_job_is_safe(agent, customer_a, settings, django_capture_on_commit_callbacks):
    ids = [t.pk for t in _tickets(customer_a, 3)]
    job = _run(django_capture_on_commit_callbacks, actor=agent.user, ids=ids, changes={"priority": "critical"})
    events = TicketEvent.objects.count()

    assert bulk_update_job_run_task.delay(job.pk).get() is None  # completed: skipped
    # As if the worker died mid-run, past the lease.
    BulkUpdateJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, started_at=timezone.now() - timedelta(seconds=settings.JOB_LEASE_SECONDS + 1)
    )
    bulk.bulk_update_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert TicketEvent.objects.count() == events  # changes already applied are no-ops
    assert (job.status, job.succeeded, job.attempts) == (JobStatus.COMPLETED, 3, 2)


def test_an_unexpected_error_fails_the_job_with_a_plain_message_and_logs_the_detail(
    agent, customer_a, django_user_model, caplog
):
    ids = [t.pk for t in _tickets(customer_a, 1)]
    job = BulkUpdateJob.objects.create(
        requested_by=agent.user, ticket_ids=ids, changes={"assignee": 987_654}, total=1
    )  # the assignee was deleted after the request

    with pytest.raises(django_user_model.DoesNotExist):
        bulk.bulk_update_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == "The job failed on an internal error; the administrators have the details in the log."
    assert "User.DoesNotExist" in caplog.text or "DoesNotExist" in caplog.text


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        pytest.param({"ids": [1], "changes": {}}, "changes", id="no-changes"),
        pytest.param({"ids": [1], "changes": {"title": "x"}}, "changes", id="unbulkable-field"),
        pytest.param({"ids": [1], "changes": {"priority": "HIGH"}}, "changes.priority", id="bad-priority"),
        pytest.param({"ids": [1], "changes": {"status": "done"}}, "changes.status", id="bad-status"),
        pytest.param({"ids": [1], "changes": {"tags": "vip"}}, "changes.tags", id="bad-tags"),
        pytest.param({"ids": [1], "changes": {"assignee": "me"}}, "changes.assignee", id="bad-assignee"),
        pytest.param({"ids": [1], "changes": {"assignee": 999_999}}, "changes.assignee", id="unknown-assignee"),
        pytest.param({"changes": {"priority": "low"}}, "ids", id="neither-ids-nor-filters"),
        pytest.param({"ids": [1], "filters": {}, "changes": {"priority": "low"}}, "ids", id="both"),
        pytest.param({"ids": [], "changes": {"priority": "low"}}, "ids", id="empty-ids"),
        pytest.param({"ids": ["1"], "changes": {"priority": "low"}}, "ids", id="string-ids"),
        pytest.param({"ids": list(range(1, 7)), "changes": {"priority": "low"}}, "ids", id="too-many-ids"),
    ],
)
def test_bad_requests_are_refused_naming_the_field(agent, settings, kwargs, field):
    settings.BULK_MAX_TICKETS = 5

    with pytest.raises(ValidationError) as exc:
        bulk.bulk_update_job_create(actor=agent.user, **kwargs)

    assert field in exc.value.message_dict
    assert BulkUpdateJob.objects.count() == 0


def test_a_customer_as_assignee_is_refused(agent, customer_a):
    with pytest.raises(ValidationError) as exc:
        bulk.bulk_update_job_create(actor=agent.user, ids=[1], changes={"assignee": customer_a.user.pk})

    assert "changes.assignee" in exc.value.message_dict


def test_filters_matching_more_than_the_limit_are_refused(agent, customer_a, settings):
    settings.BULK_MAX_TICKETS = 3
    _tickets(customer_a, 4)

    with pytest.raises(ValidationError) as exc:
        bulk.bulk_update_job_create(actor=agent.user, filters={}, changes={"priority": "low"})

    assert "more than 3 tickets" in exc.value.message_dict["filters"][0]


@pytest.mark.parametrize("role", ["viewer", "customer"])
def test_viewers_and_customers_cannot_bulk_update(role, viewer_agent, customer_a):
    user = viewer_agent.user if role == "viewer" else customer_a.user

    with pytest.raises(ApplicationError) as exc:
        bulk.bulk_update_job_create(actor=user, ids=[1], changes={"priority": "low"})

    assert exc.value.http_status == 403


def test_each_ticket_costs_the_same_fixed_number_of_queries(agent, customer_a):
    """Every ticket goes through the services (lock, save, event, outbox): a fixed cost per
    ticket, the same at 5 and at 20 tickets, and nothing that grows with the job."""
    counts = {}
    for n in (5, 20):
        ids = [t.pk for t in _tickets(customer_a, n)]
        job = BulkUpdateJob.objects.create(
            requested_by=agent.user, ticket_ids=ids, changes={"priority": "high"}, total=n
        )
        cache.clear()  # each run loads the SLA policy once (then it comes from the cache)
        with CaptureQueriesContext(connection) as queries:
            bulk.bulk_update_job_run(job_id=job.pk)
        counts[n] = len(queries)

    per_ticket, remainder = divmod(counts[20] - counts[5], 15)
    assert remainder == 0
    assert per_ticket <= 16  # find, savepoint, lock, update, refresh, event, outbox, SLA recompute
    assert counts[5] - 5 * per_ticket <= 10  # the job's own bookkeeping and the requester re-check


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        pytest.param(
            {"role": "viewer"},
            "Refused: the requester's role is now viewer, which may not change tickets.",
            id="demoted-to-viewer",
        ),
        pytest.param(
            {"is_active": False},
            "Refused: the requester ({email}) has been deactivated since the job was queued.",
            id="deactivated",
        ),
    ],
)
def test_a_job_whose_requester_lost_the_right_fails_clearly_and_changes_nothing(
    agent, customer_a, change, reason, django_capture_on_commit_callbacks
):
    tickets = _tickets(customer_a, 3, priority="medium")
    ids = [t.pk for t in tickets]
    with django_capture_on_commit_callbacks(execute=False) as queued:
        job = bulk.bulk_update_job_create(actor=agent.user, ids=ids, changes={"priority": "high"})
    # Between the request and the run, an admin demotes or deactivates the requester.
    if "role" in change:
        type(agent).objects.filter(pk=agent.pk).update(role=change["role"])
    else:
        type(agent.user).objects.filter(pk=agent.user.pk).update(is_active=False)

    for callback in queued:
        callback()  # the worker runs the job now

    job.refresh_from_db()
    assert (job.status, job.error, job.processed, job.succeeded) == (
        JobStatus.FAILED,
        reason.format(email=agent.user.email),
        0,
        0,
    )
    assert set(Ticket.objects.filter(pk__in=ids).values_list("priority", "version")) == {("medium", 1)}
    assert not TicketEvent.objects.filter(ticket_id__in=ids, kind=EventKind.UPDATED).exists()
