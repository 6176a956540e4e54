"""/api/v1/webhooks/: admins only; the secret shown once; deliveries and redelivery."""

from __future__ import annotations

import pytest
from django.utils import timezone
from model_bakery import baker
from rest_framework.test import APIClient

from agents.models import Role
from notifications.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from notifications.signing import verify

URL = "/api/v1/webhooks/"


@pytest.fixture
def client_for():
    def _client(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return _client


@pytest.fixture
def admin_client(admin_agent, client_for) -> APIClient:
    return client_for(admin_agent.user)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "expected"),
    [
        pytest.param("anonymous", 401, id="anonymous"),
        pytest.param(Role.VIEWER, 403, id="viewer"),
        pytest.param(Role.AGENT, 403, id="agent"),
        pytest.param(Role.SENIOR_AGENT, 403, id="senior-agent"),
        pytest.param("customer", 403, id="customer"),
        pytest.param(Role.ADMIN, 200, id="admin"),
    ],
)
def test_only_admins_may_use_the_webhook_api(who, expected, make_agent, customer_a, client_for):
    if who == "anonymous":
        client = client_for()
    elif who == "customer":
        client = client_for(customer_a.user)
    else:
        client = client_for(make_agent(who).user)
    subscription = baker.make_recipe("tests.notifications.webhook_subscription")

    assert client.get(URL).status_code == expected
    assert client.get(f"{URL}{subscription.pk}/deliveries/").status_code == expected
    if expected != 200:
        assert client.post(URL, {"url": "http://127.0.0.1/x", "events": ["ticket.created"]}).status_code == expected
        assert client.delete(f"{URL}{subscription.pk}/").status_code == expected
        assert WebhookSubscription.objects.count() == 1


@pytest.mark.django_db
def test_create_shows_the_secret_once(admin_client, admin_agent):
    response = admin_client.post(
        URL, {"url": "http://127.0.0.1:8080/hook", "events": ["ticket.created"], "description": "CRM"}
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["secret"].startswith("whsec_")
    subscription = WebhookSubscription.objects.get()
    assert subscription.secret == body["secret"]
    assert subscription.created_by == admin_agent.user
    assert body["events"] == ["ticket.created"]
    assert "secret" not in admin_client.get(f"{URL}{subscription.pk}/").json()
    assert "secret" not in admin_client.get(URL).json()["results"][0]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        pytest.param({"events": ["ticket.created"]}, "url", id="missing-url"),
        pytest.param({"url": "not a url", "events": ["ticket.created"]}, "url", id="bad-url"),
        pytest.param({"url": "http://127.0.0.1/h"}, "events", id="missing-events"),
        pytest.param({"url": "http://127.0.0.1/h", "events": []}, "events", id="no-events"),
        pytest.param({"url": "http://127.0.0.1/h", "events": ["ticket.exploded"]}, "events", id="unknown-event"),
        pytest.param({"url": "http://127.0.0.1/h", "events": "ticket.created"}, "events", id="events-not-a-list"),
    ],
)
def test_create_rejects_bad_input_naming_the_field(payload, field, admin_client):
    response = admin_client.post(URL, payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert WebhookSubscription.objects.count() == 0


@pytest.mark.django_db
def test_create_refuses_private_addresses_in_production(settings, admin_client):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False

    response = admin_client.post(URL, {"url": "https://192.168.0.10/hook", "events": ["ticket.created"]})

    assert response.status_code == 400
    assert "non-public" in response.json()["url"][0]


@pytest.mark.django_db
def test_update_and_delete(admin_client):
    subscription = baker.make_recipe(
        "tests.notifications.webhook_subscription",
        is_active=False,
        consecutive_failures=20,
        disabled_reason="Disabled after 20 consecutive failed attempts.",
    )

    response = admin_client.patch(f"{URL}{subscription.pk}/", {"events": ["ticket.updated"], "is_active": True})
    assert response.status_code == 200, response.content
    assert response.json()["events"] == ["ticket.updated"]
    assert response.json()["is_active"] is True
    assert response.json()["consecutive_failures"] == 0
    assert response.json()["disabled_reason"] == ""

    response = admin_client.put(
        f"{URL}{subscription.pk}/",
        {"url": "http://127.0.0.1:9999/new", "events": ["customer.created"], "description": "new"},
    )
    assert response.status_code == 200
    subscription.refresh_from_db()
    assert (subscription.url, subscription.events, subscription.description) == (
        "http://127.0.0.1:9999/new",
        ["customer.created"],
        "new",
    )

    assert admin_client.patch(f"{URL}{subscription.pk}/", {"url": "ftp://x"}).status_code == 400
    assert admin_client.delete(f"{URL}{subscription.pk}/").status_code == 204
    assert WebhookSubscription.objects.count() == 0


@pytest.mark.django_db
def test_rotate_secret_returns_the_new_secret_and_keeps_the_old_one_signing(admin_client):
    subscription = baker.make_recipe("tests.notifications.webhook_subscription")
    old = subscription.secret

    response = admin_client.post(f"{URL}{subscription.pk}/rotate-secret/")

    assert response.status_code == 200
    subscription.refresh_from_db()
    assert response.json()["secret"] == subscription.secret != old
    assert subscription.signing_secrets() == [subscription.secret, old]


@pytest.mark.django_db
def test_deliveries_are_listed_per_subscription_in_exact_queries(admin_client, django_assert_num_queries):
    subscription = baker.make_recipe("tests.notifications.webhook_subscription")
    baker.make_recipe(
        "tests.notifications.webhook_delivery",
        subscription=subscription,
        event_id="00000000-0000-0000-0000-000000000001",
    )
    for n in range(2, 14):
        baker.make_recipe(
            "tests.notifications.webhook_delivery",
            subscription=subscription,
            event_id=f"00000000-0000-0000-0000-{n:012d}",
            status=DeliveryStatus.DELIVERED,
        )
    baker.make_recipe("tests.notifications.webhook_delivery", event_id="00000000-0000-0000-0000-000000000099")

    # force_authenticate: no auth queries; the subscription, then the page of deliveries
    with django_assert_num_queries(2):
        response = admin_client.get(f"{URL}{subscription.pk}/deliveries/?page_size=10")

    assert response.status_code == 200
    body = response.json()
    assert len(body["results"]) == 10
    assert body["next"]
    assert {d["subscription_id"] for d in body["results"]} == {subscription.pk}
    assert set(body["results"][0]) >= {"event", "status", "attempts", "response_status", "duration_ms", "payload"}
    pending = admin_client.get(f"{URL}{subscription.pk}/deliveries/?status=pending").json()["results"]
    assert len(pending) == 1
    assert admin_client.get(f"{URL}999999/deliveries/").status_code == 404


@pytest.mark.django_db
def test_redeliver_sends_again_with_the_same_id(
    admin_client, subscribe, httpserver, django_capture_on_commit_callbacks
):
    subscription = subscribe(events=["ticket.created"])
    httpserver.expect_request("/hook").respond_with_data("ok")
    delivery = baker.make_recipe(
        "tests.notifications.webhook_delivery",
        subscription=subscription,
        event_id="00000000-0000-0000-0000-0000000000ee",
        status=DeliveryStatus.DELIVERED,
        attempts=1,
        delivered_at=timezone.now(),
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"{URL}{subscription.pk}/deliveries/{delivery.pk}/redeliver/")

    assert response.status_code == 202
    [(request, _)] = httpserver.log
    assert request.headers["webhook-id"] == str(delivery.pk)
    verify(payload=request.get_data(), headers=dict(request.headers), secret=subscription.secret)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 1


@pytest.mark.django_db
@pytest.mark.parametrize("delivery_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000", "other"])
def test_redeliver_unknown_delivery_is_404(delivery_id, admin_client):
    subscription = baker.make_recipe("tests.notifications.webhook_subscription")
    if delivery_id == "other":
        delivery_id = str(
            baker.make_recipe(
                "tests.notifications.webhook_delivery", event_id="00000000-0000-0000-0000-0000000000ff"
            ).pk
        )

    response = admin_client.post(f"{URL}{subscription.pk}/deliveries/{delivery_id}/redeliver/")

    assert response.status_code == 404
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, attempts=0).count() <= 1
