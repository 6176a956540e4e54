"""Webhook delivery against a real HTTP receiver on loopback (pytest-httpserver)."""

from __future__ import annotations

import json
import threading
import time

import pytest
from django.utils import timezone
from freezegun import freeze_time
from werkzeug import Response

import notifications
from notifications import subscriptions, webhook_delivery
from notifications.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from notifications.signing import WebhookVerificationError, verify
from tickets import services as ticket_services


def _requests(httpserver):
    return [request for request, _response in httpserver.log]


def _create_ticket(agent, customer, capture, title="Webhook me"):
    with capture(execute=True):
        return ticket_services.ticket_create(actor=agent.user, title=title, customer=customer)


@pytest.mark.django_db
def test_delivered_payload_and_signed_headers(
    agent, customer_a, subscribe, httpserver, django_capture_on_commit_callbacks
):
    subscription = subscribe(events=["ticket.created"])
    httpserver.expect_request("/hook", method="POST").respond_with_data("thanks", status=200)

    ticket = _create_ticket(agent, customer_a, django_capture_on_commit_callbacks)

    [request] = _requests(httpserver)
    delivery = WebhookDelivery.objects.get(subscription=subscription)
    assert request.headers["webhook-id"] == str(delivery.pk)
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"].startswith("Helpdesk-Webhooks")
    assert abs(int(request.headers["webhook-timestamp"]) - time.time()) < 60
    body = verify(payload=request.get_data(), headers=dict(request.headers), secret=subscription.secret)
    assert body["type"] == "ticket.created"
    assert body["data"]["ticket"]["id"] == ticket.pk
    assert body["data"]["ticket"]["reference"] == f"#{ticket.pk}"
    assert body["event_id"] == str(delivery.event_id)
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 1
    assert delivery.response_status == 200
    assert delivery.response_excerpt == "thanks"
    assert delivery.duration_ms is not None
    assert delivery.delivered_at is not None
    assert delivery.next_attempt_at is None


@pytest.mark.django_db
def test_signature_fails_when_tampered(agent, customer_a, subscribe, httpserver, django_capture_on_commit_callbacks):
    subscription = subscribe(events=["ticket.created"])
    httpserver.expect_request("/hook").respond_with_data("ok")
    _create_ticket(agent, customer_a, django_capture_on_commit_callbacks)
    [request] = _requests(httpserver)
    headers = {key.lower(): value for key, value in request.headers.items()}
    tampered = request.get_data().replace(b"Webhook me", b"Webhook ME")

    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        verify(payload=tampered, headers=headers, secret=subscription.secret)
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        verify(payload=request.get_data(), headers={**headers, "webhook-id": "other"}, secret=subscription.secret)


@pytest.mark.django_db
def test_only_subscribed_events_are_sent(agent, customer_a, subscribe, httpserver, django_capture_on_commit_callbacks):
    subscribe(events=["ticket.updated"], path="/updates")
    subscribe(events=["ticket.created"], path="/inactive", is_active=False)
    wanted = subscribe(events=["ticket.created", "ticket.updated"], path="/all")
    httpserver.expect_request("/all").respond_with_data("ok")
    httpserver.expect_request("/updates").respond_with_data("ok")

    _create_ticket(agent, customer_a, django_capture_on_commit_callbacks)

    assert [r.path for r in _requests(httpserver)] == ["/all"]
    assert list(WebhookDelivery.objects.values_list("subscription_id", flat=True)) == [wanted.pk]


@pytest.mark.django_db
def test_500_then_503_then_200_is_delivered_on_the_third_attempt(
    agent, customer_a, subscribe, httpserver, django_capture_on_commit_callbacks
):
    subscription = subscribe(events=["ticket.created"])
    httpserver.expect_ordered_request("/hook").respond_with_data("boom", status=500)
    httpserver.expect_ordered_request("/hook").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/hook").respond_with_data("ok", status=200)

    with freeze_time("2026-03-02 10:00:00") as frozen:
        _create_ticket(agent, customer_a, django_capture_on_commit_callbacks)
        delivery = WebhookDelivery.objects.get()
        assert (delivery.status, delivery.attempts, delivery.response_status) == ("pending", 1, 500)
        assert delivery.next_attempt_at == timezone.now() + timezone.timedelta(seconds=5)
        assert delivery.error == "HTTP 500"

        frozen.tick(6)
        assert webhook_delivery.delivery_retry() == {"webhooks": 1, "emails": 0}
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.response_status) == ("pending", 2, 503)
        assert delivery.next_attempt_at == timezone.now() + timezone.timedelta(seconds=300)

        frozen.tick(299)
        assert webhook_delivery.delivery_retry()["webhooks"] == 0  # not due yet: no Celery ETA, a row
        frozen.tick(2)
        webhook_delivery.delivery_retry()

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("delivered", 3, 200)
    requests = _requests(httpserver)
    assert len(requests) == 3
    assert len({r.headers["webhook-id"] for r in requests}) == 1  # the same id on every retry
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0


@pytest.mark.django_db
def test_410_disables_the_subscription(agent, customer_a, subscribe, httpserver, django_capture_on_commit_callbacks):
    subscription = subscribe(events=["ticket.created"])
    httpserver.expect_request("/hook").respond_with_data("gone", status=410)

    _create_ticket(agent, customer_a, django_capture_on_commit_callbacks)
    _create_ticket(agent, customer_a, django_capture_on_commit_callbacks, title="Second")

    subscription.refresh_from_db()
    assert subscription.is_active is False
    assert "410" in subscription.disabled_reason
    assert subscription.disabled_at is not None
    assert WebhookDelivery.objects.get().status == DeliveryStatus.FAILED
    assert len(_requests(httpserver)) == 1  # the second event is not sent to a disabled receiver


@pytest.mark.django_db
def test_a_timeout_counts_as_a_failure(
    settings, agent, customer_a, subscribe, httpserver, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_READ_TIMEOUT = 0.3
    subscription = subscribe(events=["ticket.created"])

    release = threading.Event()

    def slow(request):
        release.wait(5)
        return Response("late")

    httpserver.expect_request("/hook").respond_with_handler(slow)

    _create_ticket(agent, customer_a, django_capture_on_commit_callbacks)
    release.set()  # let the receiver finish so its late answer does not leak into the next test
    deadline = time.monotonic() + 5
    while not httpserver.log and time.monotonic() < deadline:
        time.sleep(0.01)

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.response_status is None
    assert delivery.error.startswith("timeout")
    assert delivery.next_attempt_at is not None
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 1


@pytest.mark.django_db
def test_a_redirect_is_a_failure_and_is_not_followed(
    agent, customer_a, subscribe, httpserver, django_capture_on_commit_callbacks
):
    subscribe(events=["ticket.created"])
    httpserver.expect_request("/hook").respond_with_data(
        "", status=302, headers={"Location": httpserver.url_for("/elsewhere")}
    )
    httpserver.expect_request("/elsewhere").respond_with_data("ok")

    _create_ticket(agent, customer_a, django_capture_on_commit_callbacks)

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.response_status == 302
    assert "Redirect" in delivery.error
    assert [r.path for r in _requests(httpserver)] == ["/hook"]


@pytest.mark.django_db
def test_connection_refused_is_a_failure(agent, customer_a, django_capture_on_commit_callbacks):
    from model_bakery import baker

    baker.make_recipe("tests.notifications.webhook_subscription", url="http://127.0.0.1:9/nothing-listens")

    _create_ticket(agent, customer_a, django_capture_on_commit_callbacks)

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.error.startswith("connection error")


@pytest.mark.django_db
def test_consecutive_failures_disable_the_subscription(
    settings, agent, customer_a, subscribe, httpserver, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_CONSECUTIVE_FAILURES = 2
    subscription = subscribe(events=["ticket.created"])
    httpserver.expect_request("/hook").respond_with_data("no", status=500)

    _create_ticket(agent, customer_a, django_capture_on_commit_callbacks, title="One")
    subscription.refresh_from_db()
    assert subscription.is_active is True
    _create_ticket(agent, customer_a, django_capture_on_commit_callbacks, title="Two")

    subscription.refresh_from_db()
    assert subscription.is_active is False
    assert subscription.disabled_reason == "Disabled after 2 consecutive failed attempts."
    # its deliveries stay pending (nothing lost) and are not attempted while disabled
    with freeze_time(timezone.now() + timezone.timedelta(hours=1)):
        assert webhook_delivery.delivery_retry()["webhooks"] == 0
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"pending"}


@pytest.mark.django_db
def test_re_enabling_resumes_pending_deliveries(admin_agent, subscribe, httpserver):
    subscription = subscribe(events=["ticket.created"], is_active=False, consecutive_failures=20)
    from model_bakery import baker

    baker.make_recipe(
        "tests.notifications.webhook_delivery",
        subscription=subscription,
        event_id="00000000-0000-0000-0000-0000000000aa",
        next_attempt_at=timezone.now(),
    )
    httpserver.expect_request("/hook").respond_with_data("ok")

    subscriptions.webhook_subscription_update(
        subscription=subscription, actor=admin_agent.user, data={"is_active": True}
    )
    webhook_delivery.delivery_retry()

    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED


@pytest.mark.django_db
def test_retries_exhausted_mark_the_delivery_failed(settings, subscribe, httpserver):
    settings.WEBHOOK_RETRY_SCHEDULE = [5]
    subscription = subscribe(events=["ticket.created"])
    httpserver.expect_request("/hook").respond_with_data("no", status=500)
    from model_bakery import baker

    delivery = baker.make_recipe(
        "tests.notifications.webhook_delivery",
        subscription=subscription,
        event_id="00000000-0000-0000-0000-0000000000bb",
        next_attempt_at=timezone.now(),
    )
    with freeze_time(timezone.now()) as frozen:
        webhook_delivery.delivery_retry()
        frozen.tick(6)
        webhook_delivery.delivery_retry()
        frozen.tick(3600)
        assert webhook_delivery.delivery_retry()["webhooks"] == 0

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 2
    assert delivery.next_attempt_at is None


@pytest.mark.django_db
def test_secret_rotation_sends_both_signatures_during_the_grace_period(
    admin_agent, agent, customer_a, subscribe, httpserver, django_capture_on_commit_callbacks
):
    subscription = subscribe(events=["ticket.created"])
    old_secret = subscription.secret
    httpserver.expect_request("/hook").respond_with_data("ok")

    with freeze_time("2026-03-02 10:00:00"):
        rotated = subscriptions.webhook_subscription_rotate_secret(
            subscription=subscription, actor=admin_agent.user, grace_seconds=3600
        )
        _create_ticket(agent, customer_a, django_capture_on_commit_callbacks, title="During")
    with freeze_time("2026-03-02 11:00:01"):
        _create_ticket(agent, customer_a, django_capture_on_commit_callbacks, title="After")

    during, after = _requests(httpserver)
    assert rotated.secret != old_secret
    assert len(during.headers["webhook-signature"].split()) == 2
    now = int(during.headers["webhook-timestamp"])
    for secret in (old_secret, rotated.secret):
        verify(payload=during.get_data(), headers=dict(during.headers), secret=secret, now=now)
    assert len(after.headers["webhook-signature"].split()) == 1
    now = int(after.headers["webhook-timestamp"])
    verify(payload=after.get_data(), headers=dict(after.headers), secret=rotated.secret, now=now)
    with pytest.raises(WebhookVerificationError):
        verify(payload=after.get_data(), headers=dict(after.headers), secret=old_secret, now=now)


@pytest.mark.django_db
def test_the_address_is_checked_again_when_sending(
    settings, agent, customer_a, subscribe, httpserver, django_capture_on_commit_callbacks
):
    subscribe(events=["ticket.created"])  # saved while private URLs were allowed
    httpserver.expect_request("/hook").respond_with_data("ok")
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    settings.WEBHOOK_REQUIRE_HTTPS = False

    _create_ticket(agent, customer_a, django_capture_on_commit_callbacks)

    assert _requests(httpserver) == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert "non-public address" in delivery.error


@pytest.mark.django_db
def test_a_claimed_delivery_is_not_sent_twice(subscribe, httpserver):
    subscription = subscribe(events=["ticket.created"])
    httpserver.expect_request("/hook").respond_with_data("ok")
    from model_bakery import baker

    delivery = baker.make_recipe(
        "tests.notifications.webhook_delivery",
        subscription=subscription,
        event_id="00000000-0000-0000-0000-0000000000cc",
        next_attempt_at=timezone.now(),
    )
    claimed = webhook_delivery._claim_delivery(delivery_id=str(delivery.pk))  # a worker took it...

    assert webhook_delivery.webhook_delivery_attempt(delivery_id=str(delivery.pk)) is None  # ...nobody else does
    assert webhook_delivery.delivery_retry()["webhooks"] == 0
    assert claimed is not None
    assert _requests(httpserver) == []


@pytest.mark.django_db
def test_sla_and_customer_events_reach_their_subscribers(subscribe, httpserver, django_capture_on_commit_callbacks):
    subscribe(events=["customer.merged", "ticket.escalated"])
    httpserver.expect_request("/hook").respond_with_data("ok")

    with django_capture_on_commit_callbacks(execute=True):
        notifications.publish("customer.merged", {"source_id": 1, "target_id": 2, "ticket_ids": [], "actor_id": None})

    [request] = _requests(httpserver)
    assert json.loads(request.get_data())["data"] == {
        "source_id": 1,
        "target_id": 2,
        "ticket_ids": [],
        "actor_id": None,
    }
    assert WebhookSubscription.objects.get().consecutive_failures == 0


@pytest.mark.django_db
def test_https_is_verified_against_the_host_name_a_plain_server_fails(httpserver):
    from model_bakery import baker

    subscription = baker.make_recipe(
        "tests.notifications.webhook_subscription", url=f"https://127.0.0.1:{httpserver.port}/hook"
    )
    delivery = baker.make_recipe(
        "tests.notifications.webhook_delivery",
        subscription=subscription,
        event_id="00000000-0000-0000-0000-0000000000ab",
        next_attempt_at=timezone.now(),
    )

    webhook_delivery.delivery_retry()

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.response_status is None
    assert delivery.error.startswith("connection error")
    assert "SSL" in delivery.error


@pytest.mark.django_db
def test_ipv6_loopback_receiver_gets_a_bracketed_host_header(settings):
    import socket
    from http.server import BaseHTTPRequestHandler, HTTPServer

    class V6Server(HTTPServer):
        address_family = socket.AF_INET6

    seen: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            seen["host"] = self.headers["Host"]
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    try:
        server = V6Server(("::1", 0), Handler)
    except OSError:  # pragma: no cover - no IPv6 on this machine
        pytest.skip("IPv6 loopback is not available")
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    from notifications import webhooks

    response = webhooks.post(url=f"http://[::1]:{server.server_port}/hook", body=b"{}", headers={})
    thread.join(5)
    server.server_close()

    assert response.status == 204
    assert seen["host"] == f"[::1]:{server.server_port}"
