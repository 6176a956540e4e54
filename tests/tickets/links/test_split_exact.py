"""tickets/split.py, value by value: which messages move (ties in time by id), their attachments,
the new ticket's fields, the link, both events, the version and the payload; the refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from model_bakery import baker

from config.exceptions import ApplicationError
from notifications.models import OutboxEvent
from tickets import split
from tickets.comments import attachment_add
from tickets.models import Attachment, Comment, Ticket, TicketEvent, TicketLink

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _at(ticket, minutes: int, **kwargs) -> Comment:
    return baker.make_recipe(
        "tests.tickets.comment", ticket=ticket, created_at=T0 + timedelta(minutes=minutes), **kwargs
    )


def _events(ticket) -> list[tuple]:
    return list(
        TicketEvent.objects.filter(ticket=ticket, kind="split").values_list(
            "field", "old_value", "new_value", "note", "actor_id"
        )
    )


@pytest.fixture
def conversation(make_ticket, customer_b):
    """Messages at 0, 10, 10, 10 (the middle one chosen), 20 and 5 minutes, the last written last."""
    category = baker.make_recipe("tests.tickets.category")
    team = baker.make_recipe("tests.agents.team")
    ticket = make_ticket(title="Two problems", priority="high", category=category, team=team, channel="email")
    c = {
        "before": _at(ticket, 0),
        "tie_before": _at(ticket, 10),
        "chosen": _at(ticket, 10, customer=customer_b),
        "tie_after": _at(ticket, 10),
        "after": _at(ticket, 20),
        "late_but_earlier": _at(ticket, 5),
    }
    return ticket, c


def test_a_split_with_what_follows_exactly(conversation, agent, customer_b):
    ticket, c = conversation
    on_chosen = attachment_add(
        ticket=ticket, file=SimpleUploadedFile("a.txt", b"x", "text/plain"), actor=agent.user, comment=c["chosen"]
    )
    on_before = attachment_add(
        ticket=ticket, file=SimpleUploadedFile("b.txt", b"x", "text/plain"), actor=agent.user, comment=c["before"]
    )
    loose = attachment_add(ticket=ticket, file=SimpleUploadedFile("c.txt", b"x", "text/plain"), actor=agent.user)

    new = split.ticket_split(ticket=ticket, comment=c["chosen"], actor=agent.user, include_following=True)

    moved = [c["chosen"].pk, c["tie_after"].pk, c["after"].pk]
    assert list(Comment.objects.filter(ticket=new).order_by("pk").values_list("pk", flat=True)) == moved
    assert set(Comment.objects.filter(ticket=ticket).values_list("pk", flat=True)) == {
        c["before"].pk,
        c["tie_before"].pk,
        c["late_but_earlier"].pk,
    }
    assert [Attachment.objects.get(pk=a.pk).ticket_id for a in (on_chosen, on_before, loose)] == [
        new.pk,
        ticket.pk,
        ticket.pk,
    ]
    fresh = Ticket.objects.get(pk=new.pk)
    assert (fresh.title, fresh.customer, fresh.priority, fresh.category_id, fresh.team_id, fresh.channel) == (
        f"Two problems (split from {ticket.reference})",
        customer_b,
        "high",
        ticket.category_id,
        ticket.team_id,
        "email",
    )
    link = TicketLink.objects.get()
    assert (link.from_ticket_id, link.to_ticket_id, link.kind, link.created_by) == (
        new.pk,
        ticket.pk,
        "split_from",
        agent.user,
    )
    u = agent.user.pk
    assert _events(ticket) == [
        ("split_into", None, {"ticket": new.pk, "comments": moved}, f"3 message(s) split into {new.reference}.", u)
    ]
    assert _events(new) == [
        (
            "split_from",
            None,
            {"ticket": ticket.pk, "comments": moved},
            f"Split from {ticket.reference}: 3 message(s).",
            u,
        )
    ]
    assert Ticket.objects.get(pk=ticket.pk).version == ticket.version + 1
    payload = OutboxEvent.objects.get(event="ticket.split").payload
    assert (payload["ticket"]["id"], payload["new_ticket"]["id"], payload["comment_ids"], payload["actor_id"]) == (
        ticket.pk,
        new.pk,
        moved,
        u,
    )


def test_the_moved_ids_are_in_time_order_then_id(make_ticket, agent):
    ticket = make_ticket()
    later = _at(ticket, 30)
    first = _at(ticket, 10)
    middle = _at(ticket, 20)
    new = split.ticket_split(ticket=ticket, comment=first.pk, actor=agent.user, include_following=True)
    assert TicketEvent.objects.get(ticket=new, kind="split").new_value["comments"] == [first.pk, middle.pk, later.pk]


def test_one_message_by_an_agent_goes_to_the_tickets_customer(conversation, agent, customer_a):
    ticket, _ = conversation
    by_agent = _at(ticket, 15, author=agent.user)
    new = split.ticket_split(ticket=ticket, comment=by_agent.pk, actor=agent.user, title="Scanner")
    assert (new.title, new.customer) == ("Scanner", customer_a)
    assert list(Comment.objects.filter(ticket=new).values_list("pk", flat=True)) == [by_agent.pk]
    assert Comment.objects.filter(ticket=ticket).count() == 6


def test_a_long_title_is_cut_to_two_hundred_characters(make_ticket, agent):
    ticket = make_ticket(title="x" * 195)
    new = split.ticket_split(ticket=ticket, comment=_at(ticket, 0), actor=agent.user)
    assert new.title == ("x" * 195 + " (split from " + ticket.reference + ")")[:200]
    assert len(new.title) == 200


def test_a_message_of_another_ticket_is_refused(make_ticket, agent):
    ticket, other = make_ticket(), make_ticket()
    elsewhere = _at(other, 0)
    with pytest.raises(ValidationError) as exc:
        split.ticket_split(ticket=ticket, comment=elsewhere, actor=agent.user)
    assert exc.value.message_dict == {"comment": [f"Message {elsewhere.pk} is not part of {ticket.reference}."]}
    assert Ticket.objects.count() == 2


def test_a_stale_version_and_a_reader_are_refused(make_ticket, agent, viewer_agent):
    ticket = make_ticket()
    message = _at(ticket, 0)
    with pytest.raises(ApplicationError) as caught:
        split.ticket_split(ticket=ticket, comment=message, actor=agent.user, expected_version=ticket.version + 1)
    assert caught.value.http_status == 412
    with pytest.raises(ApplicationError) as caught:
        split.ticket_split(ticket=ticket, comment=message, actor=viewer_agent.user)
    assert caught.value.http_status == 403
    new = split.ticket_split(ticket=ticket, comment=message, actor=agent.user, expected_version=ticket.version)
    assert Comment.objects.get(pk=message.pk).ticket_id == new.pk


def test_a_split_by_the_system_names_nobody(make_ticket, monkeypatch):
    monkeypatch.setattr(split, "require_writing_agent", lambda actor: None)
    ticket = make_ticket()
    new = split.ticket_split(ticket=ticket, comment=_at(ticket, 0), actor=None)
    assert TicketLink.objects.get().created_by is None
    assert [e[-1] for e in _events(ticket) + _events(new)] == [None, None]
    assert OutboxEvent.objects.get(event="ticket.split").payload["actor_id"] is None


def test_the_new_ticket_is_created_by_the_splitting_agent(make_ticket, agent):
    ticket = make_ticket()
    new = split.ticket_split(ticket=ticket, comment=_at(ticket, 0), actor=agent.user)
    assert list(TicketEvent.objects.filter(ticket=new, kind="created").values_list("actor_id", flat=True)) == [
        agent.user.pk
    ]
