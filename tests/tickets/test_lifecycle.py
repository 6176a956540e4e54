"""The ticket status lifecycle, written out once by hand. Every from -> to pair is in the grid, so
adding or removing any single transition in `tickets.models.ALLOWED_TRANSITIONS` fails here; the
model, the validator and the service are each checked against this grid, never against the table
they implement."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tickets import services, validators
from tickets.models import ALLOWED_TRANSITIONS, EventKind, Status, Ticket, TicketEvent

# Rows: from; columns: to, in this order. Y allowed, - refused, = the same status (a no-op for the
# validator and the service, never a transition). Reopening is resolved/closed -> open; a closed
# ticket can only be reopened; a resolved one cannot be parked (pending, on hold).
COLUMNS = ("open", "in_progress", "pending", "on_hold", "resolved", "closed")
GRID = """
                open  in_progress  pending  on_hold  resolved  closed
    open         =        Y           Y        Y        Y        Y
    in_progress  Y        =           Y        Y        Y        Y
    pending      Y        Y           =        Y        Y        Y
    on_hold      Y        Y           Y        =        Y        Y
    resolved     Y        Y           -        -        =        Y
    closed       Y        -           -        -        -        =
"""


def _parse(grid: str) -> dict[tuple[str, str], str]:
    header, *rows = [line.split() for line in grid.strip().splitlines()]
    assert tuple(header) == COLUMNS
    cells = {}
    for old, *marks in rows:
        assert len(marks) == len(COLUMNS), old
        cells.update({(old, new): mark for new, mark in zip(COLUMNS, marks, strict=True)})
    return cells


EXPECTED = _parse(GRID)
ALLOWED = [pytest.param(o, n, id=f"{o}->{n}") for (o, n), mark in EXPECTED.items() if mark == "Y"]
REFUSED = [pytest.param(o, n, id=f"{o}->{n}") for (o, n), mark in EXPECTED.items() if mark == "-"]
SAME = [pytest.param(o, id=o) for (o, n), mark in EXPECTED.items() if mark == "="]


def test_the_grid_covers_every_pair_of_statuses():
    assert set(COLUMNS) == set(Status.values)
    assert len(EXPECTED) == 36
    assert (len(ALLOWED), len(REFUSED), len(SAME)) == (24, 6, 6)
    assert all(o == n for (o, n), mark in EXPECTED.items() if mark == "=")


def test_allowed_transitions_is_exactly_the_grid():
    """Adding or removing any one transition in the model's table fails this test."""
    actual = {(old, new) for old, targets in ALLOWED_TRANSITIONS.items() for new in targets}
    expected = {pair for pair, mark in EXPECTED.items() if mark == "Y"}
    assert sorted(actual - expected) == [], "transitions allowed but not in the grid"
    assert sorted(expected - actual) == [], "transitions in the grid but not allowed"
    assert set(ALLOWED_TRANSITIONS) == set(COLUMNS)


@pytest.mark.parametrize(("old", "new"), [pytest.param(o, n, id=f"{o}->{n}") for o, n in EXPECTED])
def test_ticket_can_transition_to(old, new):
    assert Ticket(status=old).can_transition_to(new) is (EXPECTED[old, new] == "Y")


@pytest.mark.parametrize(("old", "new"), ALLOWED)
def test_validator_accepts_an_allowed_transition(old, new):
    assert validators.validate_transition(old, new) == new


@pytest.mark.parametrize(("old", "new"), REFUSED)
def test_validator_refuses_naming_both_statuses(old, new):
    with pytest.raises(ValidationError) as exc:
        validators.validate_transition(old, new)
    assert exc.value.code == "invalid_transition"
    assert f"from '{old}' to '{new}'" in exc.value.messages[0]


@pytest.mark.parametrize("status", SAME)
def test_validator_takes_the_same_status_as_a_no_op(status):
    assert validators.validate_transition(status, status) == status


# The legal way to bring a new (open) ticket to each status, written out like the grid.
PATH_TO = {
    "open": [],
    "in_progress": ["in_progress"],
    "pending": ["pending"],
    "on_hold": ["on_hold"],
    "resolved": ["resolved"],
    "closed": ["closed"],
}


def _ticket_in(status: str, customer, actor) -> Ticket:
    ticket = services.ticket_create(actor=actor, title="Printer on fire", customer=customer)
    for step in PATH_TO[status]:
        ticket = services.ticket_change_status(ticket=ticket, actor=actor, status=step)
    assert ticket.status == status
    return ticket


@pytest.mark.parametrize(("old", "new"), ALLOWED)
def test_service_makes_an_allowed_transition_and_records_it(agent, customer_a, old, new):
    ticket = _ticket_in(old, customer_a, agent.user)

    ticket = services.ticket_change_status(ticket=ticket, actor=agent.user, status=new)

    ticket.refresh_from_db()
    assert ticket.status == new
    event = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.STATUS_CHANGED).last()
    assert (event.old_value, event.new_value, event.actor) == (old, new, agent.user)
    assert (ticket.resolved_at is not None) is (new in ("resolved", "closed"))
    assert (ticket.closed_at is not None) is (new == "closed")


@pytest.mark.parametrize(("old", "new"), REFUSED)
def test_service_refuses_a_transition_and_changes_nothing(agent, customer_a, old, new):
    ticket = _ticket_in(old, customer_a, agent.user)
    events = TicketEvent.objects.count()

    with pytest.raises(ValidationError) as exc:
        services.ticket_change_status(ticket=ticket, actor=agent.user, status=new)

    assert "Cannot change status" in exc.value.message_dict["status"][0]
    ticket.refresh_from_db()
    assert ticket.status == old
    assert TicketEvent.objects.count() == events
