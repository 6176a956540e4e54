"""Presence writes (tickets/live/services.py) stated exactly: a first poll creates the row, a later
one rewrites it only when the viewer types, just stopped typing, or was last seen 8 s ago or more;
leaving and the purge touch only the rows they name."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from freezegun import freeze_time
from model_bakery import baker

from tickets.live.services import presence_leave, presence_purge, presence_touch
from tickets.models.presence import TicketPresence

pytestmark = pytest.mark.django_db

NOW = datetime.fromisoformat("2026-12-01T10:00:00+00:00")
MICROSECOND = timedelta(microseconds=1)


@pytest.fixture
def other_ticket(customer_b):
    return baker.make_recipe("tests.tickets.ticket", customer=customer_b, organization=customer_b.organization)


def _rows() -> list[tuple]:
    return list(
        TicketPresence.objects.order_by("ticket_id", "user_id").values_list(
            "ticket_id", "user_id", "seen_at", "typing_at"
        )
    )


@freeze_time(NOW)
@pytest.mark.parametrize(("typing", "typing_at"), [(False, None), (True, NOW)], ids=["viewing", "typing"])
def test_a_first_poll_creates_the_row(ticket, agent, typing, typing_at):
    presence_touch(ticket_id=ticket.pk, user=agent.user, typing=typing)

    assert _rows() == [(ticket.pk, agent.user.pk, NOW, typing_at)]


def test_a_first_poll_while_typing_stores_one_instant_for_seen_and_typing(ticket, agent):
    presence_touch(ticket_id=ticket.pk, user=agent.user, typing=True)  # time runs: no freezegun here

    row = TicketPresence.objects.get()
    assert row.seen_at == row.typing_at


# (seen ago, typing ago or None, typing now) -> (seen_at, typing_at) afterwards
@freeze_time(NOW)
@pytest.mark.parametrize(
    ("seen", "typed", "typing", "after"),
    [
        pytest.param(timedelta(seconds=2), None, False, (NOW - timedelta(seconds=2), None), id="quiet-recent-kept"),
        pytest.param(
            timedelta(seconds=8) - MICROSECOND,
            None,
            False,
            (NOW - timedelta(seconds=8) + MICROSECOND, None),
            id="quiet-just-under-8s-kept",
        ),
        pytest.param(timedelta(seconds=8), None, False, (NOW, None), id="quiet-8s-refreshed"),
        pytest.param(timedelta(seconds=2), None, True, (NOW, NOW), id="starts-typing"),
        pytest.param(timedelta(seconds=2), timedelta(seconds=2), True, (NOW, NOW), id="keeps-typing"),
        pytest.param(
            timedelta(seconds=2), timedelta(seconds=8) - MICROSECOND, False, (NOW, None), id="stopped-typing-cleared"
        ),
        pytest.param(
            timedelta(seconds=2),
            timedelta(seconds=8),
            False,
            (NOW - timedelta(seconds=2), NOW - timedelta(seconds=8)),
            id="typing-8s-ago-is-over-kept",
        ),
    ],
)
def test_a_later_poll_rewrites_the_row_only_when_something_shows(ticket, agent, seen, typed, typing, after):
    TicketPresence.objects.create(
        ticket=ticket, user=agent.user, seen_at=NOW - seen, typing_at=None if typed is None else NOW - typed
    )

    presence_touch(ticket_id=ticket.pk, user=agent.user, typing=typing)

    assert _rows() == [(ticket.pk, agent.user.pk, *after)]


@freeze_time(NOW)
def test_a_poll_rewrites_only_the_callers_row_on_that_ticket(ticket, other_ticket, agent, make_agent):
    other = make_agent()
    long_ago = NOW - timedelta(minutes=5)
    # the caller's row comes last: a lookup by ticket alone or by user alone would find another one first
    for ticket_, user in [(other_ticket, agent.user), (ticket, other.user), (ticket, agent.user)]:
        TicketPresence.objects.create(ticket=ticket_, user=user, seen_at=long_ago)

    presence_touch(ticket_id=ticket.pk, user=agent.user, typing=True)

    assert _rows() == sorted(
        [
            (ticket.pk, agent.user.pk, NOW, NOW),
            (ticket.pk, other.user.pk, long_ago, None),
            (other_ticket.pk, agent.user.pk, long_ago, None),
        ]
    )


def test_leaving_deletes_only_the_callers_row_on_that_ticket(ticket, other_ticket, agent, make_agent):
    other = make_agent()
    # the caller's row comes last: a lookup by ticket alone or by user alone would find another one first
    for ticket_, user in [(other_ticket, agent.user), (ticket, other.user), (ticket, agent.user)]:
        TicketPresence.objects.create(ticket=ticket_, user=user)

    presence_leave(ticket_id=ticket.pk, user=agent.user)

    assert sorted(TicketPresence.objects.values_list("ticket_id", "user_id")) == sorted(
        [(ticket.pk, other.user.pk), (other_ticket.pk, agent.user.pk)]
    )


M = timedelta(minutes=1)
AGES = [M, 5 * M, 5 * M + MICROSECOND, 59 * M, 60 * M, 60 * M + MICROSECOND]


@freeze_time(NOW)
@pytest.mark.parametrize(
    ("kwargs", "deleted", "kept"),
    [
        pytest.param({}, 1, [M, 5 * M, 5 * M + MICROSECOND, 59 * M, 60 * M], id="default-one-hour"),
        pytest.param({"older_than": 5 * M}, 4, [M, 5 * M], id="five-minutes"),
    ],
)
def test_the_purge_deletes_the_rows_not_seen_for_longer_than_the_age(ticket, make_agent, kwargs, deleted, kept):
    for age in AGES:
        TicketPresence.objects.create(ticket=ticket, user=make_agent().user, seen_at=NOW - age)

    assert presence_purge(**kwargs) == deleted
    assert sorted(NOW - seen for seen in TicketPresence.objects.values_list("seen_at", flat=True)) == kept
