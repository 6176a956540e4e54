"""The ticket page's poll state (tickets/live/selectors.py) stated exactly: who counts as viewing
and as typing at the edges of their windows (20 s and 8 s), in which order, never the caller and
never another ticket's viewers; the version and newest event of this ticket only; the ETag."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from freezegun import freeze_time
from model_bakery import baker

from tickets.live.selectors import LiveState, live_state, viewers_of
from tickets.models import TicketEvent
from tickets.models.presence import TicketPresence

pytestmark = pytest.mark.django_db

NOW = datetime.fromisoformat("2026-12-01T10:00:00+00:00")
MICROSECOND = timedelta(microseconds=1)


def _here(ticket, user, *, seen: timedelta, typing: timedelta | None = None) -> TicketPresence:
    """A presence row last refreshed `seen` ago, typing `typing` ago (None: not typing)."""
    return TicketPresence.objects.create(
        ticket=ticket, user=user, seen_at=NOW - seen, typing_at=None if typing is None else NOW - typing
    )


@pytest.fixture
def room(ticket, customer_b, make_agent):
    """Viewers of `ticket`, created in an order that is neither the name nor the email order."""
    me = make_agent(name="Me Myself", email="me@support.example.com").user
    sam = make_agent(name="Sam Okafor", email="sam@support.example.com").user
    ana_z = make_agent(name="Ana Lima", email="zed@support.example.com").user
    ana_a = make_agent(name="Ana Lima", email="abe@support.example.com").user
    stale = make_agent(name="Old Timer", email="old@support.example.com").user
    elsewhere = make_agent(name="Bea Else", email="bea@support.example.com").user
    other_ticket = baker.make_recipe("tests.tickets.ticket", customer=customer_b, organization=customer_b.organization)

    _here(ticket, me, seen=timedelta(seconds=1), typing=timedelta(seconds=1))
    _here(ticket, sam, seen=timedelta(seconds=20), typing=timedelta(seconds=8))  # both exactly at the edge
    _here(ticket, ana_z, seen=timedelta(seconds=3))  # never typed
    _here(ticket, ana_a, seen=timedelta(seconds=5), typing=timedelta(seconds=8) - MICROSECOND)
    _here(ticket, stale, seen=timedelta(seconds=20) + MICROSECOND, typing=timedelta(seconds=1))
    _here(other_ticket, elsewhere, seen=timedelta(seconds=1), typing=timedelta(seconds=1))
    return {"me": me, "sam": sam, "ana_z": ana_z, "ana_a": ana_a, "elsewhere": elsewhere, "other_ticket": other_ticket}


@freeze_time(NOW)
def test_viewers_are_the_recent_ones_but_the_caller_by_name_then_email(room, ticket, django_assert_num_queries):
    with django_assert_num_queries(1):
        viewers = viewers_of(ticket_id=ticket.pk, exclude_user=room["me"])

    assert viewers == [
        {"id": room["ana_a"].pk, "name": "Ana Lima", "typing": True},
        {"id": room["ana_z"].pk, "name": "Ana Lima", "typing": False},
        {"id": room["sam"].pk, "name": "Sam Okafor", "typing": False},
    ]


@freeze_time(NOW)
def test_without_a_caller_to_leave_out_every_recent_viewer_counts(room, ticket):
    viewers = viewers_of(ticket_id=ticket.pk, exclude_user=None)

    assert [(v["name"], v["typing"]) for v in viewers] == [
        ("Ana Lima", True),
        ("Ana Lima", False),
        ("Me Myself", True),
        ("Sam Okafor", False),
    ]


@freeze_time(NOW)
def test_another_ticket_has_its_own_viewers_and_a_ticket_nobody_views_none(room):
    assert viewers_of(ticket_id=room["other_ticket"].pk, exclude_user=room["me"]) == [
        {"id": room["elsewhere"].pk, "name": "Bea Else", "typing": True}
    ]
    assert viewers_of(ticket_id=room["other_ticket"].pk + 1000, exclude_user=None) == []


@freeze_time(NOW)
def test_live_state_of_a_ticket_is_its_version_its_newest_event_and_the_others_here(
    room, ticket, django_assert_num_queries
):
    type(ticket).objects.filter(pk=ticket.pk).update(version=7)
    first = TicketEvent.objects.create(ticket=ticket, kind="created")
    newest = TicketEvent.objects.create(ticket=ticket, kind="commented")
    later_elsewhere = TicketEvent.objects.create(ticket=room["other_ticket"], kind="created")
    assert first.pk < newest.pk < later_elsewhere.pk

    with django_assert_num_queries(3):
        state = live_state(ticket_id=ticket.pk, user=room["me"])

    assert (state.version, state.last_event_id) == (7, newest.pk)
    assert [v["id"] for v in state.viewers] == [room["ana_a"].pk, room["ana_z"].pk, room["sam"].pk]


@freeze_time(NOW)
def test_live_state_of_a_ticket_without_events_or_viewers(ticket, agent):
    assert live_state(ticket_id=ticket.pk, user=agent.user) == LiveState(version=1, last_event_id=0, viewers=[])


def test_live_state_of_a_missing_ticket_is_none_after_one_query(ticket, agent, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert live_state(ticket_id=ticket.pk + 1000, user=agent.user) is None


@pytest.mark.parametrize(
    ("state", "etag"),
    [
        # sha256("3|17|5:0,6:1"), its first 20 hex digits, in double quotes
        pytest.param(
            LiveState(
                version=3,
                last_event_id=17,
                viewers=[{"id": 5, "name": "Ana", "typing": False}, {"id": 6, "name": "Sam", "typing": True}],
            ),
            '"c8c8f318b6696f3b8f58"',
            id="two-viewers",
        ),
        # sha256("3|17|")
        pytest.param(LiveState(version=3, last_event_id=17), '"72b5ec0d0c3b7a27688e"', id="nobody"),
        # sha256("1|0|")
        pytest.param(LiveState(version=1, last_event_id=0, viewers=[]), '"22656e08ac2e21daf984"', id="new-ticket"),
    ],
)
def test_the_etag_is_a_digest_of_version_event_and_viewers(state, etag):
    assert state.etag == etag
