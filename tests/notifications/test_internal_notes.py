"""Internal notes never leave by default: a subscription gets ticket.comment_added for an internal
note only with include_internal_notes; public comments go to every subscriber of the event."""

from __future__ import annotations

import json

import pytest
from freezegun import freeze_time
from model_bakery import baker
from rest_framework.test import APIClient

from notifications import subscriptions, webhook_delivery
from notifications.models import WebhookDelivery, WebhookSubscription
from tickets import comments
from tickets import services as ticket_services


def _bodies(httpserver, path):
    return [json.loads(request.get_data()) for request, _response in httpserver.log if request.path == path]


@pytest.fixture
def ticket_with_comments(agent, customer_a, django_capture_on_commit_callbacks):
    def _run():
        ticket = ticket_services.ticket_create(actor=agent.user, title="Notes", customer=customer_a)
        with django_capture_on_commit_callbacks(execute=True):
            comments.comment_add(ticket=ticket, actor=agent.user, body="Customer seems angry", is_internal=True)
            comments.comment_add(ticket=ticket, actor=agent.user, body="We are on it")
        return ticket

    return _run


@pytest.mark.django_db
def test_internal_notes_are_not_delivered_by_default(subscribe, httpserver, ticket_with_comments):
    subscription = subscribe(events=["ticket.comment_added"], path="/default")
    assert subscription.include_internal_notes is False
    httpserver.expect_request("/default").respond_with_data("ok")

    ticket_with_comments()

    bodies = _bodies(httpserver, "/default")
    assert [b["data"]["comment"]["body"] for b in bodies] == ["We are on it"]
    assert "Customer seems angry" not in json.dumps(list(WebhookDelivery.objects.values_list("payload", flat=True)))
    assert WebhookDelivery.objects.filter(subscription=subscription).count() == 1


@pytest.mark.django_db
def test_a_subscription_that_opted_in_gets_internal_notes_too(subscribe, httpserver, ticket_with_comments):
    subscribe(events=["ticket.comment_added"], path="/default")
    subscribe(events=["ticket.comment_added"], path="/notes", include_internal_notes=True)
    httpserver.expect_request("/default").respond_with_data("ok")
    httpserver.expect_request("/notes").respond_with_data("ok")

    ticket_with_comments()

    notes = _bodies(httpserver, "/notes")
    assert [(b["data"]["comment"]["body"], b["data"]["comment"]["is_internal"]) for b in notes] == [
        ("Customer seems angry", True),
        ("We are on it", False),
    ]
    assert [b["data"]["comment"]["body"] for b in _bodies(httpserver, "/default")] == ["We are on it"]


@pytest.mark.django_db
def test_a_pending_internal_note_is_not_sent_once_the_subscription_opts_out(
    subscribe, httpserver, ticket_with_comments
):
    subscription = subscribe(events=["ticket.comment_added"], path="/notes", include_internal_notes=True)
    httpserver.expect_request("/notes").respond_with_data("down", status=503)
    with freeze_time("2026-03-02 10:00:00") as frozen:
        ticket_with_comments()
        assert WebhookDelivery.objects.filter(status="pending").count() == 2
        subscriptions.webhook_subscription_update(
            subscription=subscription, actor=None, data={"include_internal_notes": False}
        )
        httpserver.clear_all_handlers()
        httpserver.clear_log()
        httpserver.expect_request("/notes").respond_with_data("ok")
        frozen.tick(10)

        webhook_delivery.delivery_retry()

    assert [b["data"]["comment"]["body"] for b in _bodies(httpserver, "/notes")] == ["We are on it"]
    note = WebhookDelivery.objects.get(payload__data__comment__is_internal=True)
    assert (note.status, note.error) == ("failed", "Not sent: this subscription no longer includes internal notes.")


@pytest.mark.django_db
def test_include_internal_notes_in_the_api(admin_agent):
    client = APIClient()
    client.force_authenticate(admin_agent.user)

    created = client.post(
        "/api/v1/webhooks/", {"url": "http://127.0.0.1:8080/hook", "events": ["ticket.comment_added"]}, format="json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["include_internal_notes"] is False
    pk = created.json()["id"]

    changed = client.patch(f"/api/v1/webhooks/{pk}/", {"include_internal_notes": True}, format="json")
    assert changed.status_code == 200, changed.content
    assert changed.json()["include_internal_notes"] is True
    assert changed.json()["events"] == ["ticket.comment_added"]
    assert WebhookSubscription.objects.get(pk=pk).include_internal_notes is True

    opted_in = client.post(
        "/api/v1/webhooks/",
        {"url": "http://127.0.0.1:8080/notes", "events": ["ticket.created"], "include_internal_notes": True},
        format="json",
    )
    assert opted_in.json()["include_internal_notes"] is True


@pytest.mark.django_db
def test_include_internal_notes_in_the_admin(admin_agent, client):
    client.force_login(admin_agent.user)
    subscription = baker.make_recipe("tests.notifications.webhook_subscription", events=["ticket.comment_added"])
    page = client.get(f"/admin/notifications/webhooksubscription/{subscription.pk}/change/")
    assert 'name="include_internal_notes"' in page.content.decode()

    client.post(
        f"/admin/notifications/webhooksubscription/{subscription.pk}/change/",
        {
            "url": subscription.url,
            "events": ["ticket.comment_added"],
            "is_active": "on",
            "include_internal_notes": "on",
        },
    )
    subscription.refresh_from_db()
    assert subscription.include_internal_notes is True

    client.post(
        f"/admin/notifications/webhooksubscription/{subscription.pk}/change/",
        {"url": subscription.url, "events": ["ticket.comment_added"], "is_active": "on"},
    )
    subscription.refresh_from_db()
    assert subscription.include_internal_notes is False
