"""Admin smoke tests: every ModelAdmin's changelist, search, add/change, and the actions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone
from model_bakery import baker

from notifications.models import DeliveryStatus, OutboxStatus, WebhookSubscription


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "recipe"),
    [
        pytest.param("outboxevent", "outbox_event", id="outbox"),
        pytest.param("emaillog", "email_log", id="email-log"),
        pytest.param("webhooksubscription", "webhook_subscription", id="subscriptions"),
        pytest.param("webhookdelivery", "webhook_delivery", id="deliveries"),
    ],
)
def test_changelist_search_and_change_pages(model, recipe, admin_client_, django_assert_max_num_queries):
    objects = [
        baker.make_recipe(f"tests.notifications.{recipe}", event_id=f"00000000-0000-0000-0000-{n:012d}")
        if recipe in ("email_log", "webhook_delivery")
        else baker.make_recipe(f"tests.notifications.{recipe}")
        for n in range(1, 6)
    ]
    base = f"/admin/notifications/{model}/"

    with django_assert_max_num_queries(15):
        assert admin_client_.get(base).status_code == 200
    assert admin_client_.get(base, {"q": "example"}).status_code == 200
    assert admin_client_.get(f"{base}{objects[0].pk}/change/").status_code == 200


@pytest.mark.django_db
def test_add_subscription_in_the_admin_shows_the_secret_once(admin_client_, admin_agent):
    assert admin_client_.get("/admin/notifications/webhooksubscription/add/").status_code == 200

    response = admin_client_.post(
        "/admin/notifications/webhooksubscription/add/",
        {"url": "http://127.0.0.1:8000/hook", "events": ["ticket.created", "ticket.updated"], "is_active": "on"},
        follow=True,
    )

    subscription = WebhookSubscription.objects.get()
    assert subscription.events == ["ticket.created", "ticket.updated"]
    assert subscription.created_by == admin_agent.user
    assert any(subscription.secret in m for m in _messages(response))


@pytest.mark.django_db
def test_admin_refuses_a_private_url(settings, admin_client_):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False

    response = admin_client_.post(
        "/admin/notifications/webhooksubscription/add/",
        {"url": "https://10.0.0.1/hook", "events": ["ticket.created"], "is_active": "on"},
    )

    assert response.status_code == 200
    assert "non-public address" in response.content.decode()
    assert WebhookSubscription.objects.count() == 0


@pytest.mark.django_db
def test_change_subscription_in_the_admin_goes_through_the_service(admin_client_):
    subscription = baker.make_recipe(
        "tests.notifications.webhook_subscription", is_active=False, disabled_reason="x", consecutive_failures=9
    )

    admin_client_.post(
        f"/admin/notifications/webhooksubscription/{subscription.pk}/change/",
        {"url": subscription.url, "events": ["customer.created"], "description": "d", "is_active": "on"},
    )

    subscription.refresh_from_db()
    assert (subscription.events, subscription.is_active, subscription.consecutive_failures) == (
        ["customer.created"],
        True,
        0,
    )


@pytest.mark.django_db
def test_disabled_subscriptions_get_a_notice_and_can_be_enabled(admin_client_):
    subscription = baker.make_recipe(
        "tests.notifications.webhook_subscription",
        is_active=False,
        disabled_reason="Disabled after 20 consecutive failed attempts.",
    )

    response = admin_client_.get("/admin/notifications/webhooksubscription/")
    assert any("disabled automatically" in m for m in _messages(response))

    admin_client_.post(
        "/admin/notifications/webhooksubscription/",
        {"action": "enable", "_selected_action": [subscription.pk]},
    )
    subscription.refresh_from_db()
    assert subscription.is_active is True
    assert subscription.disabled_reason == ""


@pytest.mark.django_db
def test_rotate_secret_action(admin_client_):
    subscription = baker.make_recipe("tests.notifications.webhook_subscription")
    old = subscription.secret

    response = admin_client_.post(
        "/admin/notifications/webhooksubscription/",
        {"action": "rotate_secret", "_selected_action": [subscription.pk]},
        follow=True,
    )

    subscription.refresh_from_db()
    assert subscription.secret != old
    assert subscription.previous_secret == old
    assert any(subscription.secret in m for m in _messages(response))


@pytest.mark.django_db
def test_delete_subscription_in_the_admin(admin_client_):
    subscription = baker.make_recipe("tests.notifications.webhook_subscription")

    admin_client_.post(f"/admin/notifications/webhooksubscription/{subscription.pk}/delete/", {"post": "yes"})

    assert WebhookSubscription.objects.count() == 0


@pytest.mark.django_db
def test_dispatch_now_action(admin_client_):
    event = baker.make_recipe("tests.notifications.outbox_event", created_at=timezone.now() - timedelta(minutes=1))

    admin_client_.post(
        "/admin/notifications/outboxevent/", {"action": "dispatch_now", "_selected_action": [str(event.pk)]}
    )

    event.refresh_from_db()
    assert event.status == OutboxStatus.DISPATCHED


@pytest.mark.django_db
def test_redeliver_action(admin_client_, subscribe, httpserver, django_capture_on_commit_callbacks):
    subscription = subscribe(events=["ticket.created"])
    httpserver.expect_request("/hook").respond_with_data("ok")
    delivery = baker.make_recipe(
        "tests.notifications.webhook_delivery",
        subscription=subscription,
        event_id="00000000-0000-0000-0000-000000000077",
        status=DeliveryStatus.FAILED,
        attempts=7,
    )

    with django_capture_on_commit_callbacks(execute=True):
        admin_client_.post(
            "/admin/notifications/webhookdelivery/", {"action": "redeliver", "_selected_action": [str(delivery.pk)]}
        )

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert len(httpserver.log) == 1


@pytest.mark.django_db
def test_logs_are_read_only(admin_client_):
    assert admin_client_.get("/admin/notifications/emaillog/add/").status_code == 403
    assert admin_client_.get("/admin/notifications/webhookdelivery/add/").status_code == 403
