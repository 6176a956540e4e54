"""A customer's tier change recomputes the SLA targets of their active tickets, through the
outbox consumer registry (customers/ never imports tickets/)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time

from customers import services as customer_services
from customers.models import Customer, Tier
from notifications import dispatch
from notifications.models import ConsumerRun, ConsumerRunStatus, OutboxEvent, OutboxStatus
from tickets import merge, services
from tickets.models import SLAPolicy, SLATarget, Status, Ticket
from tickets.sla import services as sla_services

pytestmark = pytest.mark.django_db

MONDAY_10 = datetime(2025, 1, 6, 10, tzinfo=UTC)


@pytest.fixture
def enterprise_policy(wall_clock) -> SLAPolicy:
    """The default policy on the 24x7 calendar, with a tighter enterprise target for high."""
    policy = wall_clock
    SLATarget.objects.create(
        policy=policy, priority="high", tier=Tier.ENTERPRISE, first_response_minutes=60, resolution_minutes=240
    )
    return policy


@pytest.fixture
def tickets(enterprise_policy, customer_a) -> dict[str, Ticket]:
    with freeze_time(MONDAY_10):
        active = [
            services.ticket_create(actor=None, title=f"Help {n}", customer=customer_a, priority="high")
            for n in range(2)
        ]
        closed = services.ticket_create(actor=None, title="Done", customer=customer_a, priority="high")
        services.ticket_change_status(ticket=closed, actor=None, status=Status.CLOSED)
    return {"active": active, "closed": closed}


def dues(ticket: Ticket) -> tuple[datetime | None, datetime | None]:
    ticket.refresh_from_db()
    return ticket.first_response_due_at, ticket.resolution_due_at


def assert_enterprise_targets(tickets: dict) -> None:
    for ticket in tickets["active"]:
        assert dues(ticket) == (MONDAY_10 + timedelta(hours=1), MONDAY_10 + timedelta(hours=4))
    # Closed tickets keep the targets they had (4 h / 24 h for high on the default policy).
    assert dues(tickets["closed"]) == (MONDAY_10 + timedelta(hours=4), MONDAY_10 + timedelta(hours=24))


def test_tier_change_through_the_api_recomputes_after_commit(
    tickets, customer_a, api_senior_agent, django_capture_on_commit_callbacks
):
    before = dues(tickets["active"][0])
    assert before == (MONDAY_10 + timedelta(hours=4), MONDAY_10 + timedelta(hours=24))

    with django_capture_on_commit_callbacks(execute=True):  # real time: the client's token is fresh
        response = api_senior_agent.patch(
            f"/api/v1/customers/{customer_a.pk}/", {"tier": Tier.ENTERPRISE}, format="json"
        )

    assert response.status_code == 200, response.content
    assert_enterprise_targets(tickets)
    run = ConsumerRun.objects.get(consumer="tickets.sla_on_customer_updated")
    assert run.status == ConsumerRunStatus.DONE


def test_tier_change_through_the_service_recomputes_after_commit(
    tickets, customer_a, django_capture_on_commit_callbacks
):
    with freeze_time(MONDAY_10 + timedelta(minutes=10)), django_capture_on_commit_callbacks(execute=True):
        customer_services.customer_update(customer=customer_a, data={"tier": Tier.ENTERPRISE})
    assert_enterprise_targets(tickets)


def test_nothing_changes_before_commit(tickets, customer_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        customer_services.customer_update(customer=customer_a, data={"tier": Tier.ENTERPRISE})
    assert dues(tickets["active"][0]) == (MONDAY_10 + timedelta(hours=4), MONDAY_10 + timedelta(hours=24))


def test_a_redelivered_event_does_not_recompute_twice(
    tickets, customer_a, django_capture_on_commit_callbacks, monkeypatch
):
    calls = []
    real = sla_services.tickets_sla_recompute_for_customer

    def counting(**kwargs):
        calls.append(kwargs["customer"].pk)
        return real(**kwargs)

    monkeypatch.setattr(sla_services, "tickets_sla_recompute_for_customer", counting)
    with django_capture_on_commit_callbacks(execute=True):
        customer_services.customer_update(customer=customer_a, data={"tier": Tier.ENTERPRISE})
    event = OutboxEvent.objects.get(event="customer.updated")
    OutboxEvent.objects.filter(pk=event.pk).update(status=OutboxStatus.PENDING)

    dispatch.outbox_event_dispatch(event_id=str(event.pk))

    assert calls == [customer_a.pk]
    assert ConsumerRun.objects.filter(event_id=event.pk, consumer="tickets.sla_on_customer_updated").count() == 1


def test_other_changes_do_not_recompute(tickets, customer_a, django_capture_on_commit_callbacks, monkeypatch):
    calls = []
    monkeypatch.setattr(sla_services, "tickets_sla_recompute_for_customer", lambda **kw: calls.append(kw))
    with django_capture_on_commit_callbacks(execute=True):
        customer_services.customer_update(customer=customer_a, data={"name": "Renamed"})
    assert calls == []
    assert ConsumerRun.objects.get(consumer="tickets.sla_on_customer_updated").status == ConsumerRunStatus.DONE


def test_a_customer_deleted_before_dispatch_is_skipped(tickets, customer_a, monkeypatch, caplog):
    """The event names a customer that is gone by the time it is consumed: nothing is recomputed,
    nothing raises (the consumer run would fail and retry forever), nothing is logged as done."""
    recomputed = []
    real = sla_services.tickets_sla_recompute_for_customer

    def spy(**kwargs):
        recomputed.append(kwargs["customer"].pk)
        return real(**kwargs)

    monkeypatch.setattr(sla_services, "tickets_sla_recompute_for_customer", spy)
    gone = customer_a.pk + 10_000
    assert not Customer.objects.filter(pk=gone).exists()
    Customer.objects.filter(pk=customer_a.pk).update(tier=Tier.ENTERPRISE)

    with caplog.at_level(logging.INFO):
        assert sla_services.sla_on_customer_updated({"id": gone, "changed": ["tier"]}) is None

    assert recomputed == []
    assert not [r for r in caplog.records if "recomputed" in r.getMessage()]
    assert dues(tickets["active"][0]) == (MONDAY_10 + timedelta(hours=4), MONDAY_10 + timedelta(hours=24))
    # The same event for a customer that exists does recompute: the skip above is the missing row's.
    sla_services.sla_on_customer_updated({"id": customer_a.pk, "changed": ["tier"]})
    assert recomputed == [customer_a.pk]
    assert_enterprise_targets(tickets)


def test_merge_recomputes_the_moved_tickets_for_the_target_tier(enterprise_policy, customer_a, customer_b, agent):
    customer_b.tier = Tier.ENTERPRISE
    customer_b.save()
    with freeze_time(MONDAY_10):
        moved = services.ticket_create(actor=None, title="Help", customer=customer_a, priority="high")
    assert dues(moved) == (MONDAY_10 + timedelta(hours=4), MONDAY_10 + timedelta(hours=24))

    with freeze_time(MONDAY_10 + timedelta(minutes=5)):
        merge.customer_merge(source=customer_a, target=customer_b, actor=agent.user)

    assert dues(moved) == (MONDAY_10 + timedelta(hours=1), MONDAY_10 + timedelta(hours=4))
