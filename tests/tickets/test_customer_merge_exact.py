"""tickets/merge.py `customer_merge`, value by value: which rows move, the events (actor, note,
old and new customer), each moved ticket's version (+1, exactly once), the target's merged
contact data and the outbox payload."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from freezegun import freeze_time
from model_bakery import baker

from customers.models import Customer
from notifications.models import OutboxEvent
from tickets.merge import customer_merge
from tickets.models import Comment, Ticket, TicketEvent, TimeEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(org_a, org_b, customer_a):
    """Alice (Acme) is merged into her Globex address; Bob's things stay put."""
    target = baker.make_recipe(
        "tests.customers.customer", email="alice@globex.example", name="", phone="", organization=org_b, metadata={}
    )
    bystander = baker.make_recipe("tests.customers.customer", email="bob@elsewhere.example", organization=org_a)
    return customer_a, target, bystander


def make_ticket(customer, **fields):
    fields.setdefault("organization", customer.organization)
    return baker.make_recipe("tests.tickets.ticket", customer=customer, **fields)


@freeze_time("2026-03-02 10:00:00")
def test_customer_merge_exactly(agent, pair):
    source, target, bystander = pair
    source.name, source.phone, source.metadata = "Alice", "+14155550132", {"crm": 1, "plan": "old"}
    source.save()
    target.metadata = {"plan": "new"}
    target.save()
    # Finished tickets: the SLA recompute after the merge leaves them (and their versions) alone.
    first = make_ticket(source, status="resolved", resolved_at=datetime(2026, 3, 1, tzinfo=UTC))
    second = make_ticket(
        source,
        status="closed",
        resolved_at=datetime(2026, 3, 1, tzinfo=UTC),
        closed_at=datetime(2026, 3, 1, tzinfo=UTC),
    )
    second.version = 5
    second.save()
    theirs = make_ticket(bystander)
    said = baker.make(Comment, ticket=first, customer=source, body="From the old address")
    other_said = baker.make(Comment, ticket=theirs, customer=bystander, body="Not mine")
    logged = baker.make_recipe(
        "tests.tickets.time_entry", ticket=first, customer=source, organization=source.organization
    )
    source_pk = source.pk

    merged = customer_merge(source=source, target=target, actor=agent.user)

    assert merged == target
    assert not Customer.objects.filter(pk=source_pk).exists()
    rows = {t.pk: t for t in Ticket.objects.all()}
    assert (rows[first.pk].customer_id, rows[first.pk].organization_id, rows[first.pk].version) == (
        target.pk,
        target.organization_id,
        2,
    )
    assert (rows[second.pk].customer_id, rows[second.pk].organization_id, rows[second.pk].version) == (
        target.pk,
        target.organization_id,
        6,
    )
    assert rows[first.pk].updated_at == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert (rows[theirs.pk].customer_id, rows[theirs.pk].version) == (bystander.pk, 1)
    assert Comment.objects.get(pk=said.pk).customer_id == target.pk
    assert Comment.objects.get(pk=other_said.pk).customer_id == bystander.pk
    entry = TimeEntry.objects.get(pk=logged.pk)
    assert (entry.customer_id, entry.organization_id) == (target.pk, target.organization_id)

    events = TicketEvent.objects.order_by("ticket_id").values_list(
        "ticket_id", "actor_id", "kind", "field", "old_value", "new_value", "note"
    )
    note = "Customer alice@acme.example merged into alice@globex.example."
    assert list(events) == sorted(
        [
            (first.pk, agent.user.pk, "merged", "customer", source_pk, target.pk, note),
            (second.pk, agent.user.pk, "merged", "customer", source_pk, target.pk, note),
        ]
    )

    fresh = Customer.objects.get(pk=target.pk)
    assert (fresh.name, fresh.phone, fresh.metadata, fresh.email) == (
        "Alice",
        "+14155550132",
        {"crm": 1, "plan": "new"},
        "alice@globex.example",
    )
    [payload] = OutboxEvent.objects.filter(event="customer.merged").values_list("payload", flat=True)
    assert sorted(payload.pop("ticket_ids")) == [first.pk, second.pk]
    assert payload == {"source_id": source_pk, "target_id": target.pk, "actor_id": agent.user.pk}


def test_the_targets_own_contact_data_wins(agent, pair):
    source, target, _ = pair
    source.name, source.phone = "Old Name", "+14155550132"
    source.save()
    target.name, target.phone = "Kept Name", "+442079460958"
    target.save()

    customer_merge(source=source, target=target, actor=agent.user)

    fresh = Customer.objects.get(pk=target.pk)
    assert (fresh.name, fresh.phone) == ("Kept Name", "+442079460958")


def test_empty_source_data_leaves_the_target_empty(agent, pair):
    source, target, _ = pair
    source.name, source.phone = "", ""
    source.save()
    customer_merge(source=source, target=target, actor=agent.user)
    fresh = Customer.objects.get(pk=target.pk)
    assert (fresh.name, fresh.phone) == ("", "")


@pytest.mark.parametrize("who", ["system", "anonymous"])
def test_a_merge_without_a_person_records_no_actor(pair, who):
    source, target, _ = pair
    make_ticket(source)
    actor = None if who == "system" else AnonymousUser()

    customer_merge(source=source, target=target, actor=actor)

    assert list(TicketEvent.objects.values_list("actor_id", flat=True)) == [None]
    assert OutboxEvent.objects.get(event="customer.merged").payload["actor_id"] is None


def test_a_customer_is_not_merged_into_itself(agent, customer_a, ticket):
    with pytest.raises(ValidationError) as exc:
        customer_merge(source=customer_a, target=customer_a, actor=agent.user)
    assert exc.value.message_dict == {"target": ["A customer cannot be merged into itself."]}
    assert Customer.objects.filter(pk=customer_a.pk).exists()
    assert not TicketEvent.objects.exists()


def test_merging_moves_the_tickets_onto_the_targets_sla_tier(agent, pair, wall_clock):
    """The target is an enterprise customer (high: 1 h first response, 2 h resolution on 24x7);
    the moved ticket's targets follow the target's tier from the merge on."""
    from tickets.models import SLATarget
    from tickets.services import ticket_create

    source, target, _ = pair
    target.tier = "enterprise"
    target.save()
    SLATarget.objects.create(
        policy=wall_clock, priority="high", tier="enterprise", first_response_minutes=60, resolution_minutes=120
    )
    with freeze_time("2026-03-02 10:00:00"):
        moved = ticket_create(actor=agent.user, title="Moves tiers", customer=source, priority="high")
    assert moved.first_response_due_at == datetime(2026, 3, 2, 14, 0, tzinfo=UTC)

    with freeze_time("2026-03-02 10:30:00"):
        customer_merge(source=source, target=target, actor=agent.user)

    fresh = Ticket.objects.get(pk=moved.pk)
    assert (fresh.first_response_due_at, fresh.resolution_due_at) == (
        datetime(2026, 3, 2, 11, 0, tzinfo=UTC),
        datetime(2026, 3, 2, 12, 0, tzinfo=UTC),
    )


def test_moved_tickets_are_stamped_with_the_merge_time(agent, pair):
    source, target, _ = pair
    with freeze_time("2026-03-01 09:00:00"):
        moved = make_ticket(source, status="resolved", resolved_at=datetime(2026, 3, 1, tzinfo=UTC))
    with freeze_time("2026-03-02 10:00:00"):
        customer_merge(source=source, target=target, actor=agent.user)
    assert Ticket.objects.get(pk=moved.pk).updated_at == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def test_the_merge_writes_only_the_targets_contact_fields(agent, pair):
    """A stale copy of the target does not overwrite what changed meanwhile."""
    source, target, _ = pair
    Customer.objects.filter(pk=target.pk).update(company="Changed meanwhile")
    customer_merge(source=source, target=target, actor=agent.user)
    assert Customer.objects.get(pk=target.pk).company == "Changed meanwhile"
