"""tickets/ticket_merge.py's undo, row by row: what goes back to the source is exactly what moved
and is still on the target; what the merge created goes only from the target; other links,
followers and records stay where they are; the SLA clocks of the close and of the restore."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from freezegun import freeze_time
from model_bakery import baker

from tickets import ticket_merge as tm
from tickets.audit import event_record
from tickets.comments import attachment_add
from tickets.models import Attachment, Comment, Ticket, TicketEvent, TicketFollower, TicketLink, TicketMerge, TimeEntry
from tickets.models.sla import SLAEvent

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
T_UNDO = T0 + timedelta(minutes=5)


def _file(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"error 42", content_type="text/plain")


def _where(model, *objs) -> list[int]:
    return [model.objects.get(pk=o.pk).ticket_id for o in objs]


@pytest.fixture
def world(make_ticket, agent, customer_a, customer_b):
    """A source (customer B's, in A's organisation) with two of everything, a target with its own
    comment, attachment, time entry and follower, a third ticket, and a fourth already merged in."""
    target = make_ticket(title="Target")
    source = make_ticket(title="Source", description="Help", customer=customer_b, organization=target.organization)
    other, earlier = make_ticket(title="Other"), make_ticket(title="Earlier")
    w = {"source": source, "target": target, "other": other}
    w["c1"], w["c2"] = (baker.make_recipe("tests.tickets.comment", ticket=source) for _ in range(2))
    w["a1"], w["a2"] = (attachment_add(ticket=source, file=_file(n), actor=agent.user) for n in ("a1.txt", "a2.txt"))
    w["te1"], w["te2"] = (baker.make_recipe("tests.tickets.time_entry", ticket=source) for _ in range(2))
    w["e1"], w["e2"] = (event_record(source, actor=agent.user, kind="commented", note=n) for n in ("e1", "e2"))
    w["f1"], w["f2"] = (baker.make(TicketFollower, ticket=source, email=e) for e in ("f1@x.example", "f2@x.example"))
    w["tc"] = baker.make_recipe("tests.tickets.comment", ticket=target)
    w["ta"] = attachment_add(ticket=target, file=_file("ta.txt"), actor=agent.user)
    w["tte"] = baker.make_recipe("tests.tickets.time_entry", ticket=target)
    w["te"] = event_record(target, actor=agent.user, kind="commented", note="te")
    w["tf"] = baker.make(TicketFollower, ticket=target, email="tf@x.example")
    w["related"] = TicketLink.objects.create(from_ticket=source, to_ticket=target, kind="related")
    tm.ticket_merge(source=earlier, target=target, actor=agent.user)
    w["earlier_link"] = TicketLink.objects.get(from_ticket=earlier)
    return w


def test_an_undo_takes_back_what_is_still_on_the_target_and_nothing_else(world, agent):
    w = world
    source, target, other = w["source"], w["target"], w["other"]
    with freeze_time(T0):
        merge = tm.ticket_merge(source=source, target=target, actor=agent.user)
    request = Comment.objects.get(pk=merge.created["comments"][0])
    follower = TicketFollower.objects.get(pk=merge.created["followers"][0])
    # Since the merge, one of each moved on to a third ticket (split out there).
    for obj in (w["c2"], w["a2"], w["te2"], w["e2"], w["f2"], request, follower):
        type(obj).objects.filter(pk=obj.pk).update(ticket=other)

    with freeze_time(T_UNDO):
        tm.ticket_merge_undo(source=source, actor=agent.user)

    s, t, o = source.pk, target.pk, other.pk
    assert _where(Comment, w["c1"], w["c2"], request, w["tc"]) == [s, o, o, t]
    assert _where(Attachment, w["a1"], w["a2"], w["ta"]) == [s, o, t]
    assert _where(TimeEntry, w["te1"], w["te2"], w["tte"]) == [s, o, t]
    assert _where(TicketEvent, w["e1"], w["e2"], w["te"]) == [s, o, t]
    assert _where(TicketFollower, w["f1"], w["f2"], follower, w["tf"]) == [s, o, o, t]
    assert set(TicketLink.objects.values_list("from_ticket_id", "to_ticket_id", "kind")) == {
        (s, t, "related"),
        (w["earlier_link"].from_ticket_id, t, "merged_into"),
    }


def test_the_merge_leaves_the_other_links_alone_in_both_directions(world, agent, make_ticket):
    """A `related` link is no merge: the source may still merge, the target still takes merges,
    the destination is not followed through it and the undo is not refused for it."""
    w = world
    source, target, other = w["source"], w["target"], w["other"]
    TicketLink.objects.create(from_ticket=target, to_ticket=other, kind="related")
    assert tm.merge_destination(target).pk == target.pk
    tm.ticket_merge(source=source, target=target, actor=agent.user)
    assert tm.merge_destination(source).pk == target.pk
    tm.ticket_merge_undo(source=source, actor=agent.user)
    assert not TicketLink.objects.filter(from_ticket=source, kind="merged_into").exists()


def test_a_merge_recorded_without_some_kinds_still_undoes(make_ticket, agent):
    """A record written before a kind was tracked (no `time_entries`, ...) has nothing of that kind
    to take back: the undo goes through and moves nothing it has no id for."""
    target, source = make_ticket(), make_ticket(description="Help")
    said = baker.make_recipe("tests.tickets.comment", ticket=source)
    merge = tm.ticket_merge(source=source, target=target, actor=agent.user)
    TicketMerge.objects.filter(pk=merge.pk).update(moved={}, created={})
    undone = tm.ticket_merge_undo(source=source, actor=agent.user)
    assert undone.undone_at is not None
    assert Comment.objects.get(pk=said.pk).ticket_id == target.pk
    assert Comment.objects.filter(pk__in=merge.created["comments"]).count() == 1
    assert Ticket.objects.get(pk=source.pk).status == "open"


def test_a_resolved_source_gets_its_resolution_time_back(make_ticket, agent):
    source = make_ticket(status="resolved", resolved_at=T0)
    target = make_ticket()
    with freeze_time(T0 + timedelta(hours=1)):
        tm.ticket_merge(source=source, target=target, actor=agent.user)
        tm.ticket_merge_undo(source=source, actor=agent.user)
    fresh = Ticket.objects.get(pk=source.pk)
    assert (fresh.status, fresh.resolved_at, fresh.closed_at) == ("resolved", T0, None)


def test_a_closed_sources_times_are_recorded(make_ticket, agent):
    source = make_ticket(status="closed", resolved_at=T0, closed_at=T0 + timedelta(minutes=1))
    merge = tm.ticket_merge(source=source, target=make_ticket(), actor=agent.user)
    stored = TicketMerge.objects.get(pk=merge.pk)
    assert (stored.source_status, stored.source_resolved_at, stored.source_closed_at) == (
        "closed",
        T0,
        T0 + timedelta(minutes=1),
    )


def _sla(ticket, since) -> list[tuple]:
    return list(
        SLAEvent.objects.filter(ticket=ticket, at__gte=since).order_by("id").values_list("metric", "kind", "detail")
    )


@pytest.mark.parametrize(
    ("status", "resolved_at", "expected"),
    [
        pytest.param("open", None, [("resolution", "achieved", {"status": "closed"})], id="open-achieves"),
        pytest.param("pending", None, [("resolution", "achieved", {"status": "closed"})], id="paused-achieves"),
        pytest.param("resolved", T0, [], id="resolved-was-done"),
    ],
)
def test_the_sla_clocks_of_the_close(make_ticket, agent, status, resolved_at, expected):
    source = make_ticket(status=status, resolved_at=resolved_at, first_responded_at=T0)
    with freeze_time(T0 + timedelta(hours=1)):
        tm.ticket_merge(source=source, target=make_ticket(), actor=agent.user)
    assert _sla(source, T0 + timedelta(hours=1)) == expected


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        pytest.param("open", [("resolution", "resumed", {"status": "open"})], id="open-resumes"),
        pytest.param(
            "pending",
            [("resolution", "resumed", {"status": "pending"}), ("resolution", "paused", {"status": "pending"})],
            id="pending-resumes-and-pauses",
        ),
    ],
)
def test_the_sla_clocks_of_the_restore(make_ticket, agent, status, expected):
    source = make_ticket(status=status, first_responded_at=T0)
    with freeze_time(T0):
        tm.ticket_merge(source=source, target=make_ticket(), actor=agent.user)
    with freeze_time(T_UNDO):
        tm.ticket_merge_undo(source=source, actor=agent.user)
    assert _sla(source, T_UNDO) == expected


def test_restoring_in_progress_by_an_agent_gives_the_first_response(make_ticket, agent):
    """The restore is a status change by the undoing agent: into in_progress, with no first
    response yet, it is the first response (as any agent's move to in_progress is)."""
    source = make_ticket(status="in_progress", first_responded_at=None)
    with freeze_time(T0):
        tm.ticket_merge(source=source, target=make_ticket(), actor=agent.user)
    with freeze_time(T_UNDO):
        tm.ticket_merge_undo(source=source, actor=agent.user)
    assert Ticket.objects.get(pk=source.pk).first_responded_at == T_UNDO
    assert _sla(source, T_UNDO) == [
        ("first_response", "achieved", {"by": "status"}),
        ("resolution", "resumed", {"status": "in_progress"}),
    ]


def test_the_expected_version_is_the_sources_only(make_ticket, agent):
    source, target = make_ticket(), make_ticket()
    Ticket.objects.filter(pk=target.pk).update(version=7)
    tm.ticket_merge(source=source, target=target, actor=agent.user, expected_version=source.version)
    assert Ticket.objects.get(pk=target.pk).version == 8


def test_a_merge_and_undo_by_the_system_name_nobody(make_ticket, customer_b, monkeypatch):
    monkeypatch.setattr(tm, "require_writing_agent", lambda actor: None)
    target = make_ticket()
    source = make_ticket(customer=customer_b, organization=target.organization)
    merge = tm.ticket_merge(source=source, target=target, actor=None)
    follower = TicketFollower.objects.get(pk=merge.created["followers"][0])
    assert (follower.email, follower.added_by) == ("bob@globex.example", None)
    undone = tm.ticket_merge_undo(source=source, actor=None)
    assert (undone.undone_by, TicketMerge.objects.get(pk=merge.pk).undone_by) == (None, None)


def test_a_source_customer_already_following_the_target_is_not_added_again(make_ticket, agent, customer_b):
    target = make_ticket()
    source = make_ticket(customer=customer_b, organization=target.organization)
    baker.make(TicketFollower, ticket=target, email="bob@globex.example")
    merge = tm.ticket_merge(source=source, target=target, actor=agent.user)
    assert merge.created["followers"] == []
    assert list(TicketFollower.objects.values_list("ticket_id", "email")) == [(target.pk, "bob@globex.example")]


def test_the_destination_comes_with_its_customer(make_ticket, agent, django_assert_num_queries):
    a, b = make_ticket(), make_ticket()
    tm.ticket_merge(source=a, target=b, actor=agent.user)
    with django_assert_num_queries(2):  # the link found (with ticket and customer), then none from b
        assert tm.merge_destination(Ticket(pk=a.pk)).customer.email == "alice@acme.example"


def test_a_merge_costs_a_fixed_number_of_queries(make_ticket, agent, customer_b, django_assert_num_queries):
    target = make_ticket()
    source = make_ticket(customer=customer_b, organization=target.organization, description="Help")
    tm.ticket_merge(source=make_ticket(), target=make_ticket(), actor=agent.user)  # warms the caches
    with django_assert_num_queries(29):  # both customers come with their tickets
        tm.ticket_merge(source=source, target=target, actor=agent.user)


def test_the_owners_refusal_reads_both_organisations_with_the_tickets(
    make_ticket, agent, customer_b, django_assert_num_queries
):
    mine = make_ticket()
    theirs = make_ticket(customer=customer_b, organization=customer_b.organization)
    tm.ticket_merge(source=make_ticket(), target=make_ticket(), actor=agent.user)  # warms the caches
    with django_assert_num_queries(9), pytest.raises(ValidationError):
        tm.ticket_merge(source=mine, target=theirs, actor=agent.user)


def test_the_undo_window_is_judged_at_the_instant_the_undo_records(make_ticket, agent, settings, monkeypatch):
    """Undone exactly at the deadline is in time, and the record says that instant."""
    settings.TICKET_MERGE_UNDO_MINUTES = 30
    source = make_ticket()
    with freeze_time(T0):
        tm.ticket_merge(source=source, target=make_ticket(), actor=agent.user)
    deadline = T0 + timedelta(minutes=30)
    instants = iter([deadline])

    class Clock:
        @staticmethod
        def now():
            return next(instants, deadline + timedelta(seconds=1))

    monkeypatch.setattr(tm, "timezone", Clock)
    with freeze_time(deadline):
        undone = tm.ticket_merge_undo(source=source, actor=agent.user)
    assert undone.undone_at == deadline


def test_a_merge_made_again_in_the_same_instant_is_the_one_undone(make_ticket, agent):
    source, target = make_ticket(), make_ticket()
    with freeze_time(T0):
        first = tm.ticket_merge(source=source, target=target, actor=agent.user)
        tm.ticket_merge_undo(source=source, actor=agent.user)
        second = tm.ticket_merge(source=source, target=target, actor=agent.user)
        undone = tm.ticket_merge_undo(source=source, actor=agent.user)
    assert (undone.pk, TicketMerge.objects.get(pk=first.pk).undone_at) == (second.pk, T0)
    assert TicketMerge.objects.get(pk=second.pk).undone_at == T0
