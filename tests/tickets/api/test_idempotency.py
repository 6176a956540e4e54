"""`Idempotency-Key` on POST /tickets/ (Stripe's semantics)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from freezegun import freeze_time

from config.api.idempotency import idempotency_key_purge
from config.api.models import IdempotencyKey
from tickets.models import Ticket

URL = "/api/v1/tickets/"
BODY = {"title": "Refund please", "customer_email": "dana@example.org"}


def post(client, body=BODY, key="key-1"):
    return client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_replay_returns_the_first_response_and_creates_nothing(api_agent):
    first = post(api_agent)
    assert first.status_code == 201
    again = post(api_agent)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["ETag"] == first["ETag"]
    assert again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 1
    record = IdempotencyKey.objects.get()
    assert record.state == IdempotencyKey.State.COMPLETED
    assert record.response_status == 201


def test_same_key_different_body_is_422(api_agent):
    assert post(api_agent).status_code == 201
    response = post(api_agent, {**BODY, "title": "Another thing"})
    assert response.status_code == 422
    assert "different" in response.json()["detail"]
    assert Ticket.objects.count() == 1


def test_request_while_first_in_flight_is_409(api_agent, agent):
    from config.api.idempotency import request_fingerprint

    IdempotencyKey.objects.create(
        user=agent.user,
        key="key-1",
        method="POST",
        path=URL,
        fingerprint=request_fingerprint(method="POST", path=URL, data=BODY),
    )
    response = post(api_agent)
    assert response.status_code == 409
    assert not Ticket.objects.exists()


def test_abandoned_in_flight_key_is_taken_over(api_agent, agent):
    with freeze_time(timezone.now() - timedelta(minutes=10)):
        IdempotencyKey.objects.create(user=agent.user, key="key-1", method="POST", path=URL, fingerprint="x")
    assert post(api_agent).status_code == 201


def test_keys_are_scoped_to_the_caller(api_agent, api_senior_agent):
    assert post(api_agent).status_code == 201
    other = post(api_senior_agent)
    assert other.status_code == 201
    assert "Idempotent-Replayed" not in other
    assert Ticket.objects.count() == 2


def test_a_failed_request_releases_the_key(api_agent):
    bad = post(api_agent, {**BODY, "title": ""})
    assert bad.status_code == 400
    assert not IdempotencyKey.objects.exists()
    assert post(api_agent, {**BODY, "title": ""}).status_code == 400  # re-run, not replayed
    assert post(api_agent).status_code == 201


def test_key_kept_24h_then_expires(api_client_for, agent):
    start = timezone.now()
    with freeze_time(start):
        assert post(api_client_for(agent.user)).status_code == 201
    with freeze_time(start + timedelta(hours=23, minutes=59)):  # tokens are short-lived: a fresh one each time
        assert post(api_client_for(agent.user))["Idempotent-Replayed"] == "true"
        assert idempotency_key_purge() == 0
    with freeze_time(start + timedelta(hours=24, minutes=1)):
        assert post(api_client_for(agent.user)).status_code == 201  # a new request after retention
    assert Ticket.objects.count() == 2
    with freeze_time(start + timedelta(hours=49)):
        assert idempotency_key_purge() == 1


@pytest.mark.parametrize("key", ["", "   ", "k" * 256], ids=["empty", "blank", "too-long"])
def test_invalid_key_is_400(api_agent, key):
    response = post(api_agent, key=key)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert not Ticket.objects.exists()


def test_without_a_key_every_post_creates(api_agent):
    assert api_agent.post(URL, BODY, format="json").status_code == 201
    assert api_agent.post(URL, BODY, format="json").status_code == 201
    assert Ticket.objects.count() == 2
    assert not IdempotencyKey.objects.exists()


def test_unique_constraint_guards_the_key(agent):
    from django.db import IntegrityError, transaction

    IdempotencyKey.objects.create(user=agent.user, key="k", method="POST", path=URL, fingerprint="a")
    with pytest.raises(IntegrityError), transaction.atomic():
        IdempotencyKey.objects.create(user=agent.user, key="k", method="POST", path=URL, fingerprint="a")


@pytest.mark.postgres(reason="real concurrent transactions")
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_create_one_ticket(api_client_for, make_agent):
    agent = make_agent()
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def worker() -> None:
        client = api_client_for(agent.user)
        barrier.wait()
        try:
            statuses.append(post(client).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Ticket.objects.count() == 1
    assert set(statuses) <= {201, 409}
    assert 201 in statuses


def test_purge_task_deletes_expired_keys(agent):
    from config.api.tasks import idempotency_key_purge_task

    with freeze_time(timezone.now() - timedelta(hours=25)):
        IdempotencyKey.objects.create(user=agent.user, key="old", method="POST", path=URL, fingerprint="a")
    IdempotencyKey.objects.create(user=agent.user, key="new", method="POST", path=URL, fingerprint="a")
    assert idempotency_key_purge_task.delay().get() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]
