"""tickets/bulk.py, value by value: the exact refusals, the stored job, the per-ticket failures
and the progress saved while a job runs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from freezegun import freeze_time
from model_bakery import baker

from agents.models import Role
from config.exceptions import ApplicationError
from tickets import bulk
from tickets.models import BulkUpdateJob, JobStatus, Ticket

pytestmark = pytest.mark.django_db

FIELDS = "status, priority, assignee, tags"


def _tickets(customer, n: int, **kwargs) -> list[Ticket]:
    return baker.make_recipe(
        "tests.tickets.ticket", customer=customer, organization=customer.organization, _quantity=n, **kwargs
    )


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        pytest.param({"changes": {}}, {"changes": [f"Give at least one of: {FIELDS}."]}, id="empty"),
        pytest.param({"changes": ["status"]}, {"changes": [f"Give at least one of: {FIELDS}."]}, id="not-a-dict"),
        pytest.param(
            {"changes": {"title": "x", "body": "y", "status": "open"}},
            {
                "changes": [
                    f"'body' cannot be changed in bulk; use: {FIELDS}.",
                    f"'title' cannot be changed in bulk; use: {FIELDS}.",
                ]
            },
            id="unbulkable",
        ),
        pytest.param(
            {"changes": {"status": "done", "priority": "HIGH"}},
            {
                "changes.status": [
                    "'done' is not a valid status; use one of: open, in_progress, pending, on_hold, resolved, closed."
                ],
                "changes.priority": ["'HIGH' is not a valid priority; use one of: low, medium, high, critical."],
            },
            id="bad-values",
        ),
        pytest.param(
            {"changes": {"assignee": "me"}}, {"changes.assignee": ["'me' is not the id of an agent."]}, id="me"
        ),
        pytest.param(
            {"changes": {"assignee": 999_999}},
            {"changes.assignee": ["'999999' is not the id of an agent."]},
            id="unknown",
        ),
        pytest.param(
            {"changes": {"priority": "low"}, "filters": {}, "ids": [1]},
            {"ids": ["Give either 'ids' or 'filters', not both and not neither."]},
            id="both",
        ),
        pytest.param(
            {"changes": {"priority": "low"}},
            {"ids": ["Give either 'ids' or 'filters', not both and not neither."]},
            id="neither",
        ),
        pytest.param(
            {"changes": {"priority": "low"}, "ids": []}, {"ids": ["A non-empty list of ticket ids."]}, id="empty-ids"
        ),
        pytest.param(
            {"changes": {"priority": "low"}, "ids": "1,2"}, {"ids": ["A non-empty list of ticket ids."]}, id="text-ids"
        ),
        pytest.param(
            {"changes": {"priority": "low"}, "ids": [1, 0]}, {"ids": ["A non-empty list of ticket ids."]}, id="zero-id"
        ),
        pytest.param(
            {"changes": {"priority": "low"}, "ids": [1, 2, 3, 4]},
            {"ids": ["At most 3 tickets per bulk update."]},
            id="too-many",
        ),
    ],
)
def test_bulk_refusals_are_exact(agent, settings, kwargs, expected):
    settings.BULK_MAX_TICKETS = 3
    with pytest.raises(ValidationError) as exc:
        bulk.bulk_update_job_create(actor=agent.user, **kwargs)
    assert exc.value.message_dict == expected
    assert BulkUpdateJob.objects.count() == 0


def test_a_customer_or_viewer_is_not_an_assignee(agent, customer_a, make_agent):
    viewer = make_agent(Role.VIEWER)
    with pytest.raises(ValidationError) as exc:
        bulk.bulk_update_job_create(actor=agent.user, ids=[1], changes={"assignee": customer_a.user.pk})
    assert exc.value.message_dict == {"changes.assignee": [f"'{customer_a.user.pk}' is not the id of an agent."]}
    job = bulk.bulk_update_job_create(actor=agent.user, ids=[1], changes={"assignee": viewer.user.pk})
    assert job.changes == {"assignee": viewer.user.pk}


def test_the_limit_counts_distinct_ids(agent, settings):
    settings.BULK_MAX_TICKETS = 3
    job = bulk.bulk_update_job_create(actor=agent.user, ids=[3, 1, 3, 2, 1], changes={"priority": "low"})
    assert (job.ticket_ids, job.total) == ([3, 1, 2], 3)


def test_filters_at_the_limit_are_accepted_and_one_more_is_refused(agent, customer_a, settings):
    settings.BULK_MAX_TICKETS = 3
    made = _tickets(customer_a, 3)
    job = bulk.bulk_update_job_create(actor=agent.user, filters={}, changes={"priority": "low"})
    assert job.ticket_ids == sorted(t.pk for t in made)
    _tickets(customer_a, 1)
    with pytest.raises(ValidationError) as exc:
        bulk.bulk_update_job_create(actor=agent.user, filters={}, changes={"priority": "low"})
    assert exc.value.message_dict == {"filters": ["These filters match more than 3 tickets; narrow them."]}


def test_filters_pick_only_the_visible_matching_tickets(customer_a, customer_b, make_agent):
    team = baker.make_recipe("tests.agents.team")
    scoped = make_agent(Role.AGENT)
    scoped.ticket_scope = "teams"
    scoped.save()
    scoped.teams.add(team)
    mine = _tickets(customer_a, 2, team=team, priority="high")
    _tickets(customer_b, 2, priority="high")
    _tickets(customer_a, 1, team=team, priority="low")

    job = bulk.bulk_update_job_create(actor=scoped.user, filters={"priority": ["high"]}, changes={"tags": ["x"]})

    assert job.ticket_ids == sorted(t.pk for t in mine)


def test_the_stored_job_exactly(agent, customer_a, senior_agent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = bulk.bulk_update_job_create(
            actor=agent.user,
            ids=[5, 4],
            changes={"status": "pending", "priority": "high", "tags": ["B"], "assignee": senior_agent.user.pk},
        )
    stored = BulkUpdateJob.objects.get(pk=job.pk)
    assert (stored.requested_by, stored.ticket_ids, stored.filters, stored.total, stored.status) == (
        agent.user,
        [5, 4],
        {},
        2,
        JobStatus.PENDING,
    )
    assert stored.changes == {"status": "pending", "priority": "high", "tags": ["b"], "assignee": senior_agent.user.pk}
    assert len(callbacks) == 1
    unassign = bulk.bulk_update_job_create(actor=agent.user, ids=[5], changes={"assignee": None})
    assert unassign.changes == {"assignee": None}


@pytest.mark.parametrize("role", [Role.VIEWER, "customer"])
def test_only_writing_agents_start_a_bulk_update(role, make_agent, customer_a):
    user = customer_a.user if role == "customer" else make_agent(role).user
    with pytest.raises(ApplicationError):
        bulk.bulk_update_job_create(actor=user, ids=[1], changes={"priority": "low"})


@freeze_time("2026-03-02 10:00:00")
def test_a_run_records_each_outcome_exactly(agent, senior_agent, customer_a, customer_b, make_agent):
    scoped = make_agent(Role.AGENT)
    scoped.ticket_scope = "assigned"
    scoped.save()
    ok = _tickets(customer_a, 1, assignee=scoped.user)[0]
    closed = _tickets(
        customer_a, 1, assignee=scoped.user, status="closed", resolved_at=timezone.now(), closed_at=timezone.now()
    )[0]
    hidden = _tickets(customer_b, 1)[0]
    job = BulkUpdateJob.objects.create(
        requested_by=scoped.user,
        ticket_ids=[ok.pk, closed.pk, hidden.pk],
        changes={"status": "pending", "assignee": scoped.user.pk},
        total=3,
    )

    bulk.bulk_update_job_run(job_id=job.pk)

    stored = BulkUpdateJob.objects.get(pk=job.pk)
    assert (stored.processed, stored.succeeded, stored.progress, stored.status, stored.finished_at) == (
        3,
        1,
        100,
        JobStatus.COMPLETED,
        datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
    )
    assert stored.failures == [
        {
            "ticket_id": closed.pk,
            "errors": {"status": ["Cannot change status from 'closed' to 'pending'; allowed: open."]},
        },
        {"ticket_id": hidden.pk, "errors": {"id": ["Not found."]}},
    ]
    assert (Ticket.objects.get(pk=ok.pk).status, Ticket.objects.get(pk=ok.pk).assignee) == ("pending", scoped.user)


def test_a_run_with_a_named_assignee_assigns(agent, senior_agent, customer_a):
    ticket = _tickets(customer_a, 1)[0]
    job = BulkUpdateJob.objects.create(
        requested_by=agent.user, ticket_ids=[ticket.pk], changes={"assignee": senior_agent.user.pk}, total=1
    )
    bulk.bulk_update_job_run(job_id=job.pk)
    assert Ticket.objects.get(pk=ticket.pk).assignee == senior_agent.user


def test_progress_is_saved_every_few_tickets(agent, customer_a, monkeypatch):
    ids = [t.pk for t in _tickets(customer_a, 5)]
    job = BulkUpdateJob.objects.create(
        requested_by=agent.user, ticket_ids=[*ids[:2], 999_999, *ids[2:]], changes={"priority": "low"}, total=6
    )
    seen = []
    from django.db.models import QuerySet

    original = QuerySet.update

    def spy(self, **kwargs):
        if self.model is BulkUpdateJob and "processed" in kwargs:
            seen.append(
                (
                    kwargs["processed"],
                    kwargs["succeeded"],
                    [f["ticket_id"] for f in kwargs["failures"]],
                    kwargs["progress"],
                )
            )
        return original(self, **kwargs)

    monkeypatch.setattr(QuerySet, "update", spy)
    bulk.bulk_update_job_run(job_id=job.pk, save_every=2)

    assert seen == [(2, 2, [], 33), (4, 3, [999_999], 66), (6, 5, [999_999], 100)]


def test_an_application_error_is_recorded_with_its_fields_or_its_message(agent, customer_a, monkeypatch):
    from tickets import services

    tickets = _tickets(customer_a, 2)
    calls = iter(
        [
            ApplicationError("Refused.", code="x", extra={"why": ["Because."]}),
            ApplicationError("Plain refusal.", code="y"),
        ]
    )

    def refuse(**kwargs):
        raise next(calls)

    monkeypatch.setattr(services, "ticket_update", refuse)
    job = BulkUpdateJob.objects.create(
        requested_by=agent.user, ticket_ids=[t.pk for t in tickets], changes={"priority": "low"}, total=2
    )
    bulk.bulk_update_job_run(job_id=job.pk)
    assert BulkUpdateJob.objects.get(pk=job.pk).failures == [
        {"ticket_id": tickets[0].pk, "errors": {"why": ["Because."]}},
        {"ticket_id": tickets[1].pk, "errors": {"non_field_errors": ["Plain refusal."]}},
    ]


def test_a_plain_validation_error_is_recorded_as_non_field_errors(agent, customer_a, monkeypatch):
    from tickets import services

    ticket = _tickets(customer_a, 1)[0]

    def refuse(**kwargs):
        raise ValidationError("Nope.")

    monkeypatch.setattr(services, "ticket_update", refuse)
    job = BulkUpdateJob.objects.create(
        requested_by=agent.user, ticket_ids=[ticket.pk], changes={"priority": "low"}, total=1
    )
    bulk.bulk_update_job_run(job_id=job.pk)
    assert BulkUpdateJob.objects.get(pk=job.pk).failures == [
        {"ticket_id": ticket.pk, "errors": {"non_field_errors": ["Nope."]}}
    ]


def test_running_an_unknown_or_finished_job_does_nothing(agent):
    assert bulk.bulk_update_job_run(job_id=999_999) is None
