"""tickets/ticket_merge.py, value by value: the notes, events, link, TicketMerge record and payload
a merge leaves; the exact refusals; the undo window's edges; what an undo restores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from freezegun import freeze_time
from model_bakery import baker

from config.exceptions import ApplicationError
from notifications.models import OutboxEvent
from tickets import ticket_merge as tm
from tickets.models import Comment, Ticket, TicketEvent, TicketFollower, TicketLink, TicketMerge, TimeEntry
from tickets.models.followers import FollowerSource

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def two(make_ticket):
    target = make_ticket(title="Target one", description="First request.")
    source = make_ticket(title="Source one", description="  Second request.  ", channel="email")
    return source, target


def events(ticket) -> list[tuple]:
    return list(
        TicketEvent.objects.filter(ticket=ticket)
        .order_by("pk")
        .values_list("kind", "field", "old_value", "new_value", "note", "actor_id")
    )


@freeze_time(T0)
def test_a_merge_exactly(two, agent, customer_a):
    source, target = two
    said = baker.make(Comment, ticket=source, customer=customer_a, body="s1")
    logged = baker.make_recipe("tests.tickets.time_entry", ticket=source, customer=customer_a)
    source_events = list(TicketEvent.objects.filter(ticket=source).values_list("pk", flat=True))
    name = agent.user.get_full_name()

    merge = tm.ticket_merge(source=source, target=target, actor=agent.user)

    fresh_source, fresh_target = Ticket.objects.get(pk=source.pk), Ticket.objects.get(pk=target.pk)
    assert (fresh_source.status, fresh_source.closed_at, fresh_source.resolved_at, fresh_source.version) == (
        "closed",
        T0,
        T0,
        2,
    )
    assert fresh_target.version == 2
    request = Comment.objects.get(ticket=target, customer=customer_a, body="  Second request.  ")
    assert (request.channel, request.created_at, request.is_internal) == ("email", source.created_at, False)
    assert Comment.objects.get(pk=said.pk).ticket_id == target.pk
    assert TimeEntry.objects.get(pk=logged.pk).ticket_id == target.pk
    target_note = Comment.objects.filter(ticket=target, is_internal=True).get()
    assert (target_note.body, target_note.author) == (
        f"{source.reference} “Source one” was merged into this ticket by {name}: its request, "
        "1 message(s) and 0 attachment(s) are now here.",
        agent.user,
    )
    source_note = Comment.objects.get(ticket=source)
    assert (source_note.body, source_note.is_internal, source_note.author) == (
        f"Merged into {target.reference} “Target one”; the conversation continues there.",
        True,
        agent.user,
    )
    link = TicketLink.objects.get()
    assert (link.from_ticket_id, link.to_ticket_id, link.kind, link.created_by) == (
        source.pk,
        target.pk,
        "merged_into",
        agent.user,
    )
    u = agent.user.pk
    assert events(source) == [
        ("status_changed", "status", "open", "closed", f"Closed by the merge into {target.reference}.", u),
        ("merged", "merged_into", None, target.pk, f"Merged into {target.reference}.", u),
    ]
    assert events(target)[-1] == ("merged", "merged_from", None, source.pk, f"{source.reference} merged in.", u)
    stored = TicketMerge.objects.get(pk=merge.pk)
    assert (stored.source, stored.target, stored.actor, stored.source_status) == (source, target, agent.user, "open")
    assert (stored.source_resolved_at, stored.source_closed_at) == (None, None)
    assert stored.moved == {
        "comments": [said.pk],
        "attachments": [],
        "events": source_events,
        "followers": [],
        "time_entries": [logged.pk],
    }
    assert stored.created == {"comments": [request.pk], "followers": []}
    payload = OutboxEvent.objects.get(event="ticket.merged").payload
    assert (payload["moved"], payload["actor_id"], payload["ticket"]["status"]) == (
        {"comments": 1, "attachments": 0, "events": len(source_events)},
        u,
        "closed",
    )


def test_a_source_without_a_request_text_copies_nothing(make_ticket, agent):
    source, target = make_ticket(description="   "), make_ticket()
    merge = tm.ticket_merge(source=source, target=target, actor=agent.user)
    assert merge.created == {"comments": [], "followers": []}
    assert list(Comment.objects.filter(ticket=target).values_list("is_internal", flat=True)) == [True]


def test_a_resolved_source_keeps_its_resolution_time_and_a_closed_one_is_left_alone(make_ticket, agent):
    resolved = make_ticket(status="resolved", resolved_at=T0)
    closed = make_ticket(status="closed", resolved_at=T0, closed_at=T0)
    target = make_ticket()
    with freeze_time(T0 + timedelta(hours=1)):
        tm.ticket_merge(source=resolved, target=target, actor=agent.user)
        tm.ticket_merge(source=closed, target=target, actor=agent.user)
    r = Ticket.objects.get(pk=resolved.pk)
    assert (r.status, r.resolved_at, r.closed_at) == ("closed", T0, T0 + timedelta(hours=1))
    c = Ticket.objects.get(pk=closed.pk)
    assert (c.resolved_at, c.closed_at) == (T0, T0)
    assert not TicketEvent.objects.filter(ticket=closed, kind="status_changed").exists()
    assert TicketMerge.objects.get(source=resolved).source_resolved_at == T0


def test_a_merge_by_the_system_names_nobody(make_ticket, monkeypatch):
    monkeypatch.setattr(tm, "require_writing_agent", lambda actor: None)
    source, target = make_ticket(description=""), make_ticket()
    for actor in (None,):
        merge = tm.ticket_merge(source=source, target=target, actor=actor)
        assert merge.actor is None
        assert TicketLink.objects.get().created_by is None
        note = Comment.objects.get(ticket=target, is_internal=True)
        assert note.author is None
        if actor is None:
            assert " was merged into this ticket: its request" in note.body
        TicketLink.objects.all().delete()
        TicketMerge.objects.all().delete()
        Comment.objects.all().delete()
        Ticket.objects.filter(pk=source.pk).update(status="open", closed_at=None, resolved_at=None)


def test_followers_and_the_sources_customer_follow_the_target(make_ticket, agent, customer_b):
    target = make_ticket()
    source = make_ticket(customer=customer_b, organization=target.organization)
    moved = baker.make(TicketFollower, ticket=source, email="fan@example.org")
    baker.make(TicketFollower, ticket=source, email="alice@acme.example")  # the target's customer: stays
    merge = tm.ticket_merge(source=source, target=target, actor=agent.user)
    created = TicketFollower.objects.get(ticket=target, email="bob@globex.example")
    assert (created.customer, created.source, created.added_by) == (customer_b, FollowerSource.MERGE, agent.user)
    assert merge.moved["followers"] == [moved.pk]
    assert merge.created["followers"] == [created.pk]
    assert list(TicketFollower.objects.filter(ticket=source).values_list("email", flat=True)) == ["alice@acme.example"]


def test_the_same_customer_is_no_new_follower(two, agent):
    source, target = two
    merge = tm.ticket_merge(source=source, target=target, actor=agent.user)
    assert merge.created["followers"] == []
    assert not TicketFollower.objects.exists()


def test_merge_refusals_are_exact(make_ticket, agent, customer_b):
    a, b, c = make_ticket(), make_ticket(), make_ticket()
    with pytest.raises(ValidationError) as exc:
        tm.ticket_merge(source=a, target=Ticket.objects.get(pk=a.pk), actor=agent.user)
    assert exc.value.message_dict == {"target": ["A ticket cannot be merged into itself."]}
    tm.ticket_merge(source=b, target=c, actor=agent.user)
    with pytest.raises(ValidationError) as exc:
        tm.ticket_merge(source=a, target=b, actor=agent.user)
    assert exc.value.message_dict == {"target": [f"{b.reference} was itself merged into #{c.pk}; merge into that one."]}
    with pytest.raises(ApplicationError) as caught:
        tm.ticket_merge(source=b, target=a, actor=agent.user)
    assert (caught.value.message, caught.value.code, caught.value.http_status) == (
        f"{b.reference} is already merged.",
        "already_merged",
        409,
    )
    with pytest.raises(ApplicationError) as caught:
        tm.ticket_merge(source=a, target=c, actor=agent.user, expected_version=a.version + 1)
    assert caught.value.http_status == 412


def test_two_owners_need_a_confirmation_naming_both(make_ticket, agent, customer_b, django_user_model):
    mine = make_ticket(title="Acme's")
    theirs = make_ticket(customer=customer_b, organization=customer_b.organization)
    loner = baker.make_recipe("tests.customers.customer", email="solo@example.net", organization=None)
    solo = make_ticket(customer=loner, organization=None)
    with pytest.raises(ValidationError) as exc:
        tm.ticket_merge(source=mine, target=theirs, actor=agent.user)
    assert exc.value.message_dict == {
        "confirm_organization_mismatch": [
            f"{mine.reference} belongs to Acme Corp and {theirs.reference} to Globex: "
            "the merged conversation is seen by both. Confirm to merge anyway."
        ]
    }
    with pytest.raises(ValidationError) as exc:
        tm.ticket_merge(source=solo, target=mine, actor=agent.user)
    assert exc.value.message_dict["confirm_organization_mismatch"][0].startswith(
        f"{solo.reference} belongs to solo@example.net and {mine.reference} to Acme Corp"
    )
    tm.ticket_merge(source=mine, target=theirs, actor=agent.user, confirm_organization_mismatch=True)
    assert TicketLink.objects.count() == 1


def test_same_organisation_or_same_customer_needs_no_confirmation(make_ticket, agent, customer_a, django_user_model):
    colleague = baker.make_recipe(
        "tests.customers.customer", email="carol@acme.example", organization=customer_a.organization
    )
    tm.ticket_merge(source=make_ticket(customer=colleague), target=make_ticket(), actor=agent.user)
    loner = baker.make_recipe("tests.customers.customer", email="solo@example.net", organization=None)
    tm.ticket_merge(
        source=make_ticket(customer=loner, organization=None),
        target=make_ticket(customer=loner, organization=None),
        actor=agent.user,
    )
    assert TicketMerge.objects.count() == 2


def test_two_organisationless_customers_need_a_confirmation(make_ticket, agent):
    one = baker.make_recipe("tests.customers.customer", email="one@example.net", organization=None)
    other = baker.make_recipe("tests.customers.customer", email="other@example.net", organization=None)
    with pytest.raises(ValidationError):
        tm.ticket_merge(
            source=make_ticket(customer=one, organization=None),
            target=make_ticket(customer=other, organization=None),
            actor=agent.user,
        )


def test_merge_destination(make_ticket, agent, monkeypatch):
    a, b, c = make_ticket(), make_ticket(), make_ticket()
    assert tm.merge_destination(a).pk == a.pk
    tm.ticket_merge(source=a, target=b, actor=agent.user)
    tm.ticket_merge(source=b, target=c, actor=agent.user)
    assert tm.merge_destination(a).pk == c.pk
    monkeypatch.setattr(tm, "MAX_MERGE_CHAIN", 1)
    assert tm.merge_destination(a).pk == b.pk


# --- undo -------------------------------------------------------------------------------------


def test_the_undo_window_edges(settings):
    settings.TICKET_MERGE_UNDO_MINUTES = 30
    merge = TicketMerge(created_at=T0)
    assert tm.merge_undo_deadline(merge) == T0 + timedelta(minutes=30)
    assert tm.merge_undoable(merge, now=T0 + timedelta(minutes=30)) is True
    assert tm.merge_undoable(merge, now=T0 + timedelta(minutes=30, seconds=1)) is False
    assert tm.merge_undoable(None, now=T0) is False
    merge.undone_at = T0
    assert tm.merge_undoable(merge, now=T0) is False
    with freeze_time(T0 + timedelta(minutes=29)):
        assert tm.merge_undoable(TicketMerge(created_at=T0)) is True
    with freeze_time(T0 + timedelta(minutes=31)):
        assert tm.merge_undoable(TicketMerge(created_at=T0)) is False


def test_an_undo_exactly(make_ticket, agent, senior_agent, customer_b):
    target = make_ticket(title="Target one")
    source = make_ticket(
        title="Source one",
        description="Request",
        status="pending",
        customer=customer_b,
        organization=target.organization,
    )
    fan = baker.make(TicketFollower, ticket=source, email="fan@example.org")
    said = baker.make(Comment, ticket=source, body="s1")
    with freeze_time(T0):
        merge = tm.ticket_merge(source=source, target=target, actor=agent.user)
    with freeze_time(T0 + timedelta(minutes=10)):
        undone = tm.ticket_merge_undo(source=source, actor=senior_agent.user)

    assert (undone.undone_at, undone.undone_by) == (T0 + timedelta(minutes=10), senior_agent.user)
    fresh = Ticket.objects.get(pk=source.pk)
    assert (fresh.status, fresh.resolved_at, fresh.closed_at, fresh.version) == ("pending", None, None, 3)
    assert Ticket.objects.get(pk=target.pk).version == 3
    assert Comment.objects.get(pk=said.pk).ticket_id == source.pk
    assert TicketFollower.objects.get(pk=fan.pk).ticket_id == source.pk
    assert not TicketFollower.objects.filter(ticket=target).exists()  # the customer follower went
    assert not Comment.objects.filter(pk__in=merge.created["comments"]).exists()
    assert not TicketLink.objects.exists()
    s = senior_agent.user.pk
    assert events(source)[-2:] == [
        ("status_changed", "status", "closed", "pending", "Restored by undoing the merge.", s),
        ("merge_undone", "merged_into", target.pk, None, f"Merge into {target.reference} undone.", s),
    ]
    assert events(target)[-1] == (
        "merge_undone",
        "merged_from",
        source.pk,
        None,
        f"{source.reference} taken back out (merge undone).",
        s,
    )
    payload = OutboxEvent.objects.get(event="ticket.merge_undone").payload
    assert (payload["ticket"]["id"], payload["target"]["id"], payload["actor_id"]) == (source.pk, target.pk, s)


def test_undoing_the_merge_of_a_closed_source_changes_no_status(make_ticket, agent):
    source = make_ticket(status="closed", closed_at=T0, resolved_at=T0)
    target = make_ticket()
    tm.ticket_merge(source=source, target=target, actor=agent.user)
    tm.ticket_merge_undo(source=source, actor=agent.user)
    fresh = Ticket.objects.get(pk=source.pk)
    assert (fresh.status, fresh.version) == ("closed", 2)
    assert [e[0] for e in events(source)] == ["merged", "merge_undone"]


def test_undo_refusals_are_exact(make_ticket, agent, settings):
    a, b, c = make_ticket(), make_ticket(), make_ticket()
    with pytest.raises(ApplicationError) as caught:
        tm.ticket_merge_undo(source=a, actor=agent.user)
    assert (caught.value.message, caught.value.code, caught.value.http_status) == (
        f"{a.reference} has no merge to undo.",
        "no_merge",
        409,
    )
    tm.ticket_merge(source=a, target=b, actor=agent.user)
    tm.ticket_merge(source=b, target=c, actor=agent.user)
    with pytest.raises(ApplicationError) as caught:
        tm.ticket_merge_undo(source=a, actor=agent.user)
    assert (caught.value.message, caught.value.code, caught.value.http_status) == (
        f"{b.reference} was merged into #{c.pk} since; undo that merge first.",
        "target_merged",
        409,
    )
    tm.ticket_merge_undo(source=b, actor=agent.user)
    tm.ticket_merge_undo(source=a, actor=agent.user)
    with pytest.raises(ApplicationError) as caught:
        tm.ticket_merge_undo(source=a, actor=agent.user)
    assert caught.value.code == "no_merge"
    settings.TICKET_MERGE_UNDO_MINUTES = 30
    tm.ticket_merge(source=a, target=c, actor=agent.user)
    with freeze_time(datetime.now(UTC) + timedelta(minutes=31)), pytest.raises(ApplicationError) as caught:
        tm.ticket_merge_undo(source=a, actor=agent.user)
    assert caught.value.message == (
        "The merge can only be undone within 30 minutes; link the tickets or split the messages out instead."
    )


def test_the_latest_merge_is_the_one_undone(make_ticket, agent):
    a, b, c = make_ticket(), make_ticket(), make_ticket()
    with freeze_time(T0):
        tm.ticket_merge(source=a, target=b, actor=agent.user)
    with freeze_time(T0 + timedelta(minutes=1)):
        tm.ticket_merge_undo(source=a, actor=agent.user)
        second = tm.ticket_merge(source=a, target=c, actor=agent.user)
    with freeze_time(T0 + timedelta(minutes=2)):
        undone = tm.ticket_merge_undo(source=a, actor=agent.user)
    assert undone.pk == second.pk
