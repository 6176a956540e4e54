"""Export and bulk-update endpoints (tickets/api/jobs.py)."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone
from model_bakery import baker

from tickets.models import BulkUpdateJob, EventKind, ExportJob, JobStatus, Status, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

EXPORTS = "/api/v1/exports/"
BULK = "/api/v1/tickets/bulk/"


@pytest.fixture
def tickets(customer_a, customer_b):
    high = baker.make_recipe("tests.tickets.ticket", customer=customer_a, priority="high", _quantity=3)
    baker.make_recipe("tests.tickets.ticket", customer=customer_b, priority="low", _quantity=2)
    return high


def _post(client, url, data, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(url, data, format="json")


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


# --- exports ------------------------------------------------------------------------------------


def test_export_request_poll_and_download(api_agent, tickets, django_capture_on_commit_callbacks):
    response = _post(
        api_agent, EXPORTS, {"format": "csv", "filters": {"priority": "high"}}, django_capture_on_commit_callbacks
    )

    assert response.status_code == 202, response.data
    job_id = response.data["id"]
    assert response["Location"] == f"/api/v1/exports/{job_id}/"
    detail = api_agent.get(f"{EXPORTS}{job_id}/")
    assert detail.status_code == 200
    assert (detail.data["status"], detail.data["progress"], detail.data["row_count"]) == ("completed", 100, 3)
    assert detail.data["download_url"] == f"http://testserver/api/v1/exports/{job_id}/download/"

    download = api_agent.get(detail.data["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "text/csv"
    assert f'filename="tickets-{job_id}.csv"' in download["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(_body(download).decode())))
    assert sorted(int(r["id"]) for r in rows) == sorted(t.pk for t in tickets)


def test_comma_separated_and_list_filters_mean_the_same(api_agent, tickets, django_capture_on_commit_callbacks):
    for filters in ({"priority": "high,low"}, {"priority": ["high", "low"]}):
        response = _post(
            api_agent, EXPORTS, {"format": "jsonl", "filters": filters}, django_capture_on_commit_callbacks
        )
        assert response.status_code == 202
        assert ExportJob.objects.get(pk=response.data["id"]).row_count == 5


def test_assignee_me_filter_uses_the_requester(api_agent, agent, customer_a, django_capture_on_commit_callbacks):
    mine = baker.make_recipe("tests.tickets.ticket", customer=customer_a, assignee=agent.user)
    baker.make_recipe("tests.tickets.ticket", customer=customer_a)

    response = _post(
        api_agent, EXPORTS, {"format": "jsonl", "filters": {"assignee": "me"}}, django_capture_on_commit_callbacks
    )

    job = ExportJob.objects.get(pk=response.data["id"])
    assert job.row_count == 1
    assert str(mine.pk) in job.file.read().decode()


def test_only_the_requester_can_read_or_download(api_agent, api_admin, api_senior_agent, tickets, agent):
    job = ExportJob.objects.create(requested_by=agent.user, format="csv")
    from tickets.exports import export_job_run

    export_job_run(job_id=job.pk)

    for client in (api_admin, api_senior_agent):
        assert client.get(f"{EXPORTS}{job.pk}/").status_code == 404
        assert client.get(f"{EXPORTS}{job.pk}/download/").status_code == 404
        assert client.get(EXPORTS).data["results"] == []
    assert api_agent.get(f"{EXPORTS}{job.pk}/download/").status_code == 200
    assert [j["id"] for j in api_agent.get(EXPORTS).data["results"]] == [job.pk]


def test_download_before_completion_is_a_409(api_agent, agent):
    job = ExportJob.objects.create(requested_by=agent.user, format="csv")

    response = api_agent.get(f"{EXPORTS}{job.pk}/download/")

    assert response.status_code == 409
    assert response.data["code"] == "not_ready"
    assert api_agent.get(f"{EXPORTS}{job.pk}/").data["download_url"] is None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        pytest.param({}, "format", id="missing-format"),
        pytest.param({"format": "xlsx"}, "format", id="bad-format"),
        pytest.param({"format": "csv", "filters": "open"}, "filters", id="filters-not-object"),
        pytest.param({"format": "csv", "filters": {"colour": "red"}}, "filters", id="unknown-filter"),
        pytest.param({"format": "csv", "filters": {"status": "done"}}, "filters", id="bad-status"),
        pytest.param({"format": "csv", "filters": {"assignee": "bob"}}, "filters", id="bad-assignee"),
        pytest.param({"format": "csv", "filters": {"category": "a\u0000b"}}, "filters", id="nul-character"),
        pytest.param({"format": "csv", "filters": {"ids": [2**70]}}, "filters", id="id-overflow"),
    ],
)
def test_bad_export_requests_are_400_naming_the_field(api_agent, payload, field):
    response = api_agent.post(EXPORTS, payload, format="json")

    assert response.status_code == 400
    assert field in response.data
    assert ExportJob.objects.count() == 0


def test_export_filter_errors_name_the_filter(api_agent):
    response = api_agent.post(EXPORTS, {"format": "csv", "filters": {"status": "done"}}, format="json")

    assert "status" in response.data["filters"]


@pytest.mark.parametrize(
    ("client_name", "expected"),
    [
        pytest.param("api_client", 401, id="anonymous"),
        pytest.param("api_customer_a", 403, id="customer"),
        pytest.param("api_viewer", 403, id="viewer-read-only-may-not-dump-every-ticket"),
        pytest.param("api_agent", 202, id="agent"),
    ],
)
def test_who_may_request_an_export(request, client_name, expected, django_capture_on_commit_callbacks):
    client = request.getfixturevalue(client_name)

    response = _post(client, EXPORTS, {"format": "csv"}, django_capture_on_commit_callbacks)

    assert response.status_code == expected


# --- bulk updates -------------------------------------------------------------------------------


def test_bulk_update_by_ids_returns_a_job_to_poll(api_agent, customer_a, django_capture_on_commit_callbacks):
    open_tickets = baker.make_recipe("tests.tickets.ticket", customer=customer_a, _quantity=3)
    closed = baker.make_recipe(
        "tests.tickets.ticket", customer=customer_a, status=Status.CLOSED, closed_at=timezone.now()
    )
    ids = [t.pk for t in open_tickets] + [closed.pk]

    response = _post(
        api_agent, BULK, {"ids": ids, "changes": {"status": "in_progress"}}, django_capture_on_commit_callbacks
    )

    assert response.status_code == 202, response.data
    job_id = response.data["id"]
    assert response["Location"] == f"/api/v1/bulk-jobs/{job_id}/"
    poll = api_agent.get(f"/api/v1/bulk-jobs/{job_id}/")
    assert poll.status_code == 200
    assert (poll.data["status"], poll.data["total"], poll.data["succeeded"], poll.data["failed"]) == (
        JobStatus.COMPLETED,
        4,
        3,
        1,
    )
    assert poll.data["failures"][0]["ticket_id"] == closed.pk
    assert "status" in poll.data["failures"][0]["errors"]
    assert TicketEvent.objects.filter(kind=EventKind.STATUS_CHANGED).count() == 3


def test_bulk_update_by_filters(api_senior_agent, customer_a, django_capture_on_commit_callbacks):
    baker.make_recipe("tests.tickets.ticket", customer=customer_a, priority="low", _quantity=2)
    baker.make_recipe("tests.tickets.ticket", customer=customer_a, priority="high")

    response = _post(
        api_senior_agent,
        BULK,
        {"filters": {"priority": "low"}, "changes": {"tags": ["triaged"]}},
        django_capture_on_commit_callbacks,
    )

    assert response.status_code == 202
    assert Ticket.objects.filter(tags=["triaged"]).count() == 2


def test_the_bulk_path_is_not_taken_by_the_ticket_detail_route(api_agent):
    assert api_agent.get(BULK).status_code == 405


def test_only_the_requester_can_poll_a_bulk_job(api_admin, agent):
    job = BulkUpdateJob.objects.create(requested_by=agent.user, ticket_ids=[], changes={"priority": "low"})

    assert api_admin.get(f"/api/v1/bulk-jobs/{job.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        pytest.param({"changes": {"priority": "low"}}, "ids", id="no-target"),
        pytest.param({"ids": [1], "filters": {}, "changes": {"priority": "low"}}, "ids", id="both-targets"),
        pytest.param({"ids": ["x"], "changes": {"priority": "low"}}, "ids", id="non-integer-id"),
        pytest.param({"ids": [], "changes": {"priority": "low"}}, "ids", id="empty-ids"),
        pytest.param({"ids": [1]}, "changes", id="no-changes"),
        pytest.param({"ids": [1], "changes": {"priority": "URGENT"}}, "changes.priority", id="bad-priority"),
        pytest.param({"ids": [1], "changes": {"title": "New"}}, "changes", id="unbulkable"),
        pytest.param({"filters": {"tag": ""}, "changes": {"colour": 1}}, "changes", id="bad-change-with-filters"),
        pytest.param({"filters": {"nope": 1}, "changes": {"priority": "low"}}, "filters", id="unknown-filter"),
        pytest.param({"ids": list(range(1, 1002)), "changes": {"priority": "low"}}, "ids", id="over-1000"),
        pytest.param({"ids": [2**70], "changes": {"priority": "low"}}, "ids", id="id-overflow"),
        pytest.param({"ids": [1], "changes": {"assignee": 2**70}}, "changes.assignee", id="assignee-overflow"),
        pytest.param({"filters": {"tag": "\u0000"}, "changes": {"priority": "low"}}, "filters", id="nul-filter"),
    ],
)
def test_bad_bulk_requests_are_400_naming_the_field(api_agent, payload, field):
    response = api_agent.post(BULK, payload, format="json")

    assert response.status_code == 400, response.data
    assert field in response.data
    assert BulkUpdateJob.objects.count() == 0


@pytest.mark.parametrize(
    ("client_name", "expected"),
    [
        pytest.param("api_client", 401, id="anonymous"),
        pytest.param("api_customer_a", 403, id="customer"),
        pytest.param("api_viewer", 403, id="viewer"),
        pytest.param("api_admin", 202, id="admin"),
    ],
)
def test_who_may_bulk_update(request, client_name, expected, ticket, django_capture_on_commit_callbacks):
    client = request.getfixturevalue(client_name)

    response = _post(
        client, BULK, {"ids": [ticket.pk], "changes": {"priority": "low"}}, django_capture_on_commit_callbacks
    )

    assert response.status_code == expected
