"""Ticket merge and its undo: everything of both tickets kept, in order; two organisations only
with confirmation; the source closed and linked; the window for undo."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from freezegun import freeze_time
from model_bakery import baker

from config.exceptions import ApplicationError
from tickets.comments import attachment_add
from tickets.models import (
    Attachment,
    Comment,
    EventKind,
    LinkKind,
    Status,
    TicketEvent,
    TicketFollower,
    TicketLink,
)
from tickets.models.followers import FollowerSource
from tickets.ticket_merge import merge_destination, ticket_merge, ticket_merge_undo

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _comment(ticket, minutes, body, **kwargs):
    return baker.make_recipe(
        "tests.tickets.comment", ticket=ticket, body=body, created_at=T0 + timedelta(minutes=minutes), **kwargs
    )


@pytest.fixture
def pair(make_ticket, customer_a, agent):
    """Target opened at T0, source at T0+5; their messages interleave in time."""
    target = make_ticket(title="Printer broken", description="It prints nothing.", created_at=T0)
    source = make_ticket(
        title="Printer again", description="Still nothing printed.", created_at=T0 + timedelta(minutes=5)
    )
    _comment(target, 1, "t1", customer=customer_a)
    _comment(source, 6, "s1", customer=customer_a)
    _comment(target, 10, "t2", author=agent.user)
    _comment(source, 12, "s2", author=agent.user, is_internal=True)
    return source, target


@freeze_time(T0 + timedelta(hours=1))
def test_merge_moves_the_conversation_in_order_and_closes_the_source(pair, agent, django_capture_on_commit_callbacks):
    source, target = pair
    merge = ticket_merge(source=source, target=target, actor=agent.user)
    conversation = list(
        Comment.objects.filter(ticket=target).order_by("created_at", "id").values_list("body", flat=True)
    )
    assert conversation == [
        "t1",
        "Still nothing printed.",
        "s1",
        "t2",
        "s2",
        f"#{source.pk} “Printer again” was merged into this ticket by {agent.user.get_full_name()}: its request, "
        "2 message(s) and 0 attachment(s) are now here.",
    ]
    assert list(Comment.objects.filter(ticket=source).values_list("body", "is_internal")) == [
        (f"Merged into #{target.pk} “Printer broken”; the conversation continues there.", True)
    ]
    source.refresh_from_db()
    assert (source.status, source.closed_at, source.resolved_at) == (
        Status.CLOSED,
        T0 + timedelta(hours=1),
        T0 + timedelta(hours=1),
    )
    assert list(TicketLink.objects.values_list("from_ticket_id", "to_ticket_id", "kind")) == [
        (source.pk, target.pk, LinkKind.MERGED_INTO)
    ]
    assert merge.source_status == Status.OPEN
    assert len(merge.moved["comments"]) == 2


@freeze_time(T0 + timedelta(hours=1))
def test_merge_keeps_every_event_and_attachment_of_both(pair, agent):
    source, target = pair
    upload = SimpleUploadedFile("log.txt", b"error 42", content_type="text/plain")
    attachment_add(ticket=source, file=upload, actor=agent.user)
    source_events = set(TicketEvent.objects.filter(ticket=source).values_list("pk", flat=True))
    target_events = set(TicketEvent.objects.filter(ticket=target).values_list("pk", flat=True))
    ticket_merge(source=source, target=target, actor=agent.user)
    on_target = set(TicketEvent.objects.filter(ticket=target).values_list("pk", flat=True))
    assert source_events | target_events <= on_target
    assert list(Attachment.objects.values_list("ticket_id", "filename")) == [(target.pk, "log.txt")]
    kinds = list(TicketEvent.objects.filter(ticket=source).values_list("kind", "field"))
    assert kinds == [(EventKind.STATUS_CHANGED, "status"), (EventKind.MERGED, "merged_into")]


def test_merge_refuses_two_organisations_without_confirmation(make_ticket, customer_b, agent):
    target = make_ticket()
    source = make_ticket(customer=customer_b, organization=customer_b.organization)
    with pytest.raises(ValidationError) as exc:
        ticket_merge(source=source, target=target, actor=agent.user)
    assert list(exc.value.message_dict) == ["confirm_organization_mismatch"]
    assert exc.value.message_dict["confirm_organization_mismatch"] == [
        f"#{source.pk} belongs to Globex and #{target.pk} to Acme Corp: the merged conversation is seen by both. "
        "Confirm to merge anyway."
    ]
    assert not TicketLink.objects.exists()
    source.refresh_from_db()
    assert source.status == Status.OPEN

    ticket_merge(source=source, target=target, actor=agent.user, confirm_organization_mismatch=True)
    assert list(TicketFollower.objects.values_list("ticket_id", "email", "source")) == [
        (target.pk, "bob@globex.example", FollowerSource.MERGE)
    ]


def test_merge_moves_followers_the_target_lacks(make_ticket, agent, make_agent):
    target = make_ticket()
    source = make_ticket()
    other = make_agent()
    baker.make(TicketFollower, ticket=source, email=other.user.email.lower(), user=other.user)
    baker.make(TicketFollower, ticket=source, email="shared@acme.example")
    baker.make(TicketFollower, ticket=target, email="shared@acme.example")
    ticket_merge(source=source, target=target, actor=agent.user)
    assert sorted(TicketFollower.objects.filter(ticket=target).values_list("email", flat=True)) == sorted(
        ["shared@acme.example", other.user.email.lower()]
    )
    assert list(TicketFollower.objects.filter(ticket=source).values_list("email", flat=True)) == ["shared@acme.example"]


@pytest.mark.parametrize(
    ("case", "error"),
    [
        pytest.param("itself", "target", id="into-itself"),
        pytest.param("target-merged", "target", id="target-already-merged"),
    ],
)
def test_merge_refusals_name_the_field(make_ticket, agent, case, error):
    source, target, third = make_ticket(), make_ticket(), make_ticket()
    if case == "target-merged":
        ticket_merge(source=target, target=third, actor=agent.user)
    with pytest.raises(ValidationError) as exc:
        ticket_merge(source=source, target=source if case == "itself" else target, actor=agent.user)
    assert list(exc.value.message_dict) == [error]


def test_merge_twice_is_a_conflict(make_ticket, agent):
    source, target, third = make_ticket(), make_ticket(), make_ticket()
    ticket_merge(source=source, target=target, actor=agent.user)
    with pytest.raises(ApplicationError) as exc:
        ticket_merge(source=source, target=third, actor=agent.user)
    assert (exc.value.code, exc.value.http_status) == ("already_merged", 409)


@pytest.mark.parametrize("role", ["viewer", "customer", "anonymous"])
def test_only_writing_agents_merge(make_ticket, make_agent, customer_a, role):
    actor = {
        "viewer": lambda: make_agent("viewer").user,
        "customer": lambda: customer_a.user,
        "anonymous": lambda: None,
    }[role]()
    with pytest.raises(ApplicationError) as exc:
        ticket_merge(source=make_ticket(), target=make_ticket(), actor=actor)
    assert exc.value.http_status == 403


def test_merge_destination_follows_chains(make_ticket, agent):
    a, b, c = make_ticket(), make_ticket(), make_ticket()
    ticket_merge(source=a, target=b, actor=agent.user)
    ticket_merge(source=b, target=c, actor=agent.user)
    assert merge_destination(a).pk == c.pk
    assert merge_destination(c).pk == c.pk


def test_undo_within_the_window_puts_everything_back(pair, agent, customer_b):
    source, target = pair
    source.status = Status.PENDING
    source.save(update_fields=["status"])
    before_source = sorted(Comment.objects.filter(ticket=source).values_list("pk", flat=True))
    before_events = sorted(TicketEvent.objects.filter(ticket=source).values_list("pk", flat=True))
    with freeze_time(T0 + timedelta(hours=1)):
        ticket_merge(source=source, target=target, actor=agent.user)
    with freeze_time(T0 + timedelta(hours=1, minutes=59)):
        _comment(target, 118, "after the merge", author=agent.user)
        ticket_merge_undo(source=source, actor=agent.user)
    source.refresh_from_db()
    assert (source.status, source.closed_at) == (Status.PENDING, None)
    on_source = set(Comment.objects.filter(ticket=source).values_list("pk", flat=True))
    assert set(before_source) <= on_source
    assert set(before_events) <= set(TicketEvent.objects.filter(ticket=source).values_list("pk", flat=True))
    assert not TicketLink.objects.exists()
    target_bodies = list(Comment.objects.filter(ticket=target).values_list("body", flat=True))
    assert "Still nothing printed." not in target_bodies  # the copied request goes
    assert "after the merge" in target_bodies  # what was written since stays
    assert TicketEvent.objects.filter(ticket=target, kind=EventKind.MERGE_UNDONE).count() == 1


def test_undo_after_the_window_is_refused(pair, agent, settings):
    settings.TICKET_MERGE_UNDO_MINUTES = 30
    source, target = pair
    with freeze_time(T0 + timedelta(hours=1)):
        ticket_merge(source=source, target=target, actor=agent.user)
    with freeze_time(T0 + timedelta(hours=1, minutes=31)), pytest.raises(ApplicationError) as exc:
        ticket_merge_undo(source=source, actor=agent.user)
    assert (exc.value.code, exc.value.http_status) == ("undo_window_passed", 409)


def test_merge_publishes_one_event(pair, agent, django_capture_on_commit_callbacks):
    from notifications.models import OutboxEvent

    source, target = pair
    ticket_merge(source=source, target=target, actor=agent.user)
    event = OutboxEvent.objects.get(event="ticket.merged")
    assert (event.payload["ticket"]["id"], event.payload["target"]["id"], event.payload["moved"]["comments"]) == (
        source.pk,
        target.pk,
        2,
    )
