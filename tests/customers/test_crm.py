"""CRM sync (customers/crm.py) against a real HTTP server on loopback (pytest-httpserver)."""

from __future__ import annotations

import json
import socket

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from freezegun import freeze_time
from model_bakery import baker
from werkzeug import Response

from customers import crm
from customers.models import Customer
from customers.services import customer_create, customer_update
from customers.tasks import crm_pull_tiers_task, crm_sync_sweep_task, customer_crm_push_task
from notifications import dispatch
from notifications.models import ConsumerRun, ConsumerRunStatus

pytestmark = pytest.mark.django_db

TOKEN = "crm-test-token"


@pytest.fixture
def crm_server(httpserver, settings):
    settings.CRM_BASE_URL = httpserver.url_for("/api/")
    settings.CRM_API_TOKEN = TOKEN
    settings.CRM_TIMEOUT_SECONDS = 2
    return httpserver


def test_a_new_customer_is_pushed_after_commit_and_gets_its_crm_id(crm_server, django_capture_on_commit_callbacks):
    crm_server.expect_oneshot_request(
        "/api/customers", method="POST", headers={"Authorization": f"Bearer {TOKEN}"}
    ).respond_with_json({"id": "crm-42"}, status=201)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        customer = customer_create(email="new@example.com", name="New Person", phone="+14155550100")
    assert crm_server.log == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()

    crm_server.check_assertions()
    customer.refresh_from_db()
    assert customer.crm_id == "crm-42"
    assert customer.crm_synced_at is not None
    assert customer.crm_last_error == ""
    request, _response = crm_server.log[0]
    body = json.loads(request.data)
    assert body == {
        "external_id": str(customer.pk),
        "email": "new@example.com",
        "name": "New Person",
        "company": "",
        "phone": "+14155550100",
        "tier": "free",
        "organization": None,
    }
    assert request.headers["Idempotency-Key"] == f"helpdesk-customer-{customer.pk}"


def test_a_changed_customer_is_updated_by_its_crm_id(crm_server, customer_a, django_capture_on_commit_callbacks):
    Customer.objects.filter(pk=customer_a.pk).update(crm_id="crm-7")
    customer_a.refresh_from_db()
    crm_server.expect_oneshot_request("/api/customers/crm-7", method="PUT").respond_with_json({"id": "crm-7"})

    with django_capture_on_commit_callbacks(execute=True):
        customer_update(customer=customer_a, data={"tier": "premium"})

    crm_server.check_assertions()
    body = json.loads(crm_server.log[0][0].data)
    assert (body["tier"], body["organization"]) == ("premium", "Acme Corp")
    customer_a.refresh_from_db()
    assert customer_a.crm_synced_at is not None


@pytest.fixture
def eager_retries():
    """Eager tasks re-run their retries in place only when exceptions do not propagate."""
    app = customer_crm_push_task.app
    previous = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = previous


def test_500_then_200_is_retried_and_succeeds(crm_server, customer_a, eager_retries):
    crm_server.expect_ordered_request("/api/customers", method="POST").respond_with_data("boom", status=500)
    crm_server.expect_ordered_request("/api/customers", method="POST").respond_with_json({"id": "crm-9"})

    result = customer_crm_push_task.delay(customer_a.pk)

    assert result.successful()
    assert result.get() == "crm-9"

    crm_server.check_assertions()
    assert len(crm_server.log) == 2
    customer_a.refresh_from_db()
    assert customer_a.crm_id == "crm-9"
    assert customer_a.crm_last_error == ""


def test_transient_failures_are_retried_with_backoff_then_recorded(crm_server, customer_a, eager_retries):
    crm_server.expect_request("/api/customers", method="POST").respond_with_data("busy", status=503)

    result = customer_crm_push_task.delay(customer_a.pk)

    assert result.failed()
    assert isinstance(result.result, crm.CrmTransientError)

    assert len(crm_server.log) == customer_crm_push_task.max_retries + 1
    assert customer_crm_push_task.retry_backoff == 2
    assert customer_crm_push_task.retry_jitter is True
    customer_a.refresh_from_db()
    assert customer_a.crm_id == ""
    assert "HTTP 503" in customer_a.crm_last_error


@pytest.mark.parametrize(
    "response",
    [
        pytest.param(Response("bad email", status=400), id="4xx"),
        pytest.param(Response("", status=302, headers={"Location": "http://elsewhere/"}), id="redirect"),
        pytest.param(Response("{}", status=201, content_type="application/json"), id="no-id"),
        pytest.param(Response("not json", status=200), id="not-json"),
    ],
)
def test_permanent_failures_are_recorded_not_retried(crm_server, customer_a, response):
    crm_server.expect_request("/api/customers", method="POST").respond_with_response(response)

    with pytest.raises(crm.CrmError) as exc:
        customer_crm_push_task.delay(customer_a.pk)

    assert not isinstance(exc.value, crm.CrmTransientError)
    assert len(crm_server.log) == 1
    customer_a.refresh_from_db()
    assert customer_a.crm_id == ""
    assert customer_a.crm_last_error == str(exc.value)


def test_an_unreachable_crm_is_a_transient_failure(settings, customer_a):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.CRM_BASE_URL = f"http://127.0.0.1:{port}/"

    with pytest.raises(crm.CrmTransientError):
        crm.customer_crm_push(customer_id=customer_a.pk)

    customer_a.refresh_from_db()
    assert "ConnectionError" in customer_a.crm_last_error


def test_unset_url_does_nothing(httpserver, settings, django_capture_on_commit_callbacks):
    settings.CRM_BASE_URL = ""

    with django_capture_on_commit_callbacks(execute=True):
        customer = customer_create(email="quiet@example.com")
        customer_update(customer=customer, data={"name": "Quiet"})

    assert httpserver.log == []
    assert crm.customer_crm_push(customer_id=customer.pk) is None
    assert crm.crm_sync_sweep() == 0
    assert crm.crm_pull_tiers() == 0
    customer.refresh_from_db()
    assert (customer.crm_id, customer.crm_synced_at) == ("", None)


def test_a_crm_outage_does_not_fail_the_change_and_the_consumer_run_is_retried(
    crm_server, django_capture_on_commit_callbacks
):
    crm_server.expect_oneshot_request("/api/customers", method="POST").respond_with_data("down", status=503)
    with django_capture_on_commit_callbacks(execute=True):
        customer = customer_create(email="later@example.com")

    assert Customer.objects.filter(pk=customer.pk).exists()
    run = ConsumerRun.objects.get(event="customer.created", consumer="customers.crm_push")
    assert (run.status, run.attempts) == (ConsumerRunStatus.PENDING, 1)
    assert "CrmTransientError" in run.error
    assert crm.crm_stale_customers() == [customer.pk]

    crm_server.expect_oneshot_request("/api/customers", method="POST").respond_with_json({"id": "crm-9"})
    dispatch.outbox_sweep(older_than_seconds=0)

    run.refresh_from_db()
    customer.refresh_from_db()
    assert (run.status, customer.crm_id) == (ConsumerRunStatus.DONE, "crm-9")


def test_a_permanent_crm_failure_is_recorded_and_not_retried(crm_server, django_capture_on_commit_callbacks):
    crm_server.expect_oneshot_request("/api/customers", method="POST").respond_with_data("no", status=400)
    with django_capture_on_commit_callbacks(execute=True):
        customer = customer_create(email="refused@example.com")

    run = ConsumerRun.objects.get(event="customer.created", consumer="customers.crm_push")
    customer.refresh_from_db()
    assert run.status == ConsumerRunStatus.DONE
    assert "HTTP 400" in customer.crm_last_error


def test_erased_and_missing_customers_are_not_pushed(crm_server, customer_a):
    Customer.objects.filter(pk=customer_a.pk).update(erased_at=timezone.now())

    assert crm.customer_crm_push(customer_id=customer_a.pk) is None
    assert crm.customer_crm_push(customer_id=999_999) is None
    assert crm_server.log == []


def test_the_sweep_pushes_customers_changed_since_their_last_sync(crm_server, db):
    with freeze_time("2026-01-01 10:00"):
        synced = baker.make_recipe("tests.customers.customer", crm_id="crm-1")
        Customer.objects.filter(pk=synced.pk).update(crm_synced_at=timezone.now())
        stale = baker.make_recipe("tests.customers.customer", crm_id="crm-2")
        Customer.objects.filter(pk=stale.pk).update(crm_synced_at=timezone.now())
        never = baker.make_recipe("tests.customers.customer")
    with freeze_time("2026-01-01 11:00"):
        stale.name = "Changed"
        stale.save()
    crm_server.expect_oneshot_request("/api/customers/crm-2", method="PUT").respond_with_json({"id": "crm-2"})
    crm_server.expect_oneshot_request("/api/customers", method="POST").respond_with_json({"id": "crm-3"})

    assert crm.crm_stale_customers() == [never.pk, stale.pk] or crm.crm_stale_customers() == [stale.pk, never.pk]
    assert crm_sync_sweep_task.delay().get() == 2

    crm_server.check_assertions()
    assert crm.crm_stale_customers() == []
    never.refresh_from_db()
    assert never.crm_id == "crm-3"


def test_tier_pull_follows_pages_and_applies_changes(crm_server, customer_a, customer_b):
    Customer.objects.filter(pk=customer_a.pk).update(crm_id="crm-a", tier="free")
    Customer.objects.filter(pk=customer_b.pk).update(crm_id="crm-b", tier="basic")
    crm_server.expect_ordered_request(
        "/api/customers", method="GET", query_string={"updated_since": "2026-01-01T00:00:00+00:00"}
    ).respond_with_json(
        {
            "results": [{"id": "crm-a", "tier": "enterprise"}, {"id": "crm-x", "tier": "premium"}],
            "next": crm_server.url_for("/api/customers/page2"),
        }
    )
    crm_server.expect_ordered_request("/api/customers/page2", method="GET").respond_with_json(
        {"results": [{"id": "crm-b", "tier": "basic"}, {"id": "crm-c", "tier": "platinum"}], "next": None}
    )
    crm_server.expect_request("/api/customers/crm-a", method="PUT").respond_with_json({"id": "crm-a"})

    call_command("crm_pull_tiers", "--since", "2026-01-01T00:00:00+00:00")

    customer_a.refresh_from_db()
    customer_b.refresh_from_db()
    assert (customer_a.tier, customer_b.tier) == ("enterprise", "basic")


def test_tier_pull_task_and_a_bad_answer(crm_server):
    crm_server.expect_request("/api/customers", method="GET").respond_with_json({"unexpected": True})

    with pytest.raises(crm.CrmError):
        crm_pull_tiers_task.delay()
    with pytest.raises(CommandError, match="CRM tier pull failed"):
        call_command("crm_pull_tiers")


def test_tier_pull_command_without_crm_and_with_a_bad_date(settings, capsys, crm_server):
    with pytest.raises(CommandError, match="--since"):
        call_command("crm_pull_tiers", "--since", "yesterday")
    settings.CRM_BASE_URL = ""
    call_command("crm_pull_tiers")
    assert "CRM sync is off" in capsys.readouterr().out
