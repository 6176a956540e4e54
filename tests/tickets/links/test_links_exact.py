"""tickets/links.py, value by value: which row each kind stores, the events on both tickets, the
outbox payloads, and the exact refusals (self, cycles, second parents, history links)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.utils import timezone

from agents.models import Role
from config.exceptions import ApplicationError
from notifications.models import OutboxEvent
from tickets import links
from tickets.models import Ticket, TicketEvent, TicketLink

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(make_ticket):
    return make_ticket(title="One"), make_ticket(title="Two"), make_ticket(title="Three")


def stored() -> list[tuple]:
    return list(TicketLink.objects.order_by("pk").values_list("from_ticket__title", "to_ticket__title", "kind"))


def link_events() -> list[tuple]:
    return list(
        TicketEvent.objects.order_by("pk").values_list(
            "ticket__title", "kind", "field", "old_value", "new_value", "note", "actor_id"
        )
    )


@pytest.mark.parametrize(
    ("kind", "row"),
    [
        ("related", ("One", "Two", "related")),
        ("duplicate_of", ("One", "Two", "duplicate_of")),
        ("child_of", ("One", "Two", "child_of")),
        ("parent_of", ("Two", "One", "child_of")),
    ],
)
def test_each_kind_stores_one_row(agent, three, kind, row):
    one, two, _ = three
    link, created = links.ticket_link_add(ticket=one, other=two, kind=kind, actor=agent.user)
    assert created is True
    assert stored() == [row]
    assert link.created_by == agent.user


def test_adding_a_link_records_both_sides_and_publishes(agent, three):
    one, two, _ = three
    links.ticket_link_add(ticket=one, other=two, kind="duplicate_of", actor=agent.user)
    u = agent.user.pk
    assert link_events() == [
        (
            "One",
            "linked",
            "links",
            None,
            {"kind": "duplicate_of", "ticket": two.pk},
            f"Linked: duplicate of #{two.pk}.",
            u,
        ),
        (
            "Two",
            "linked",
            "links",
            None,
            {"kind": "duplicate_of", "ticket": one.pk, "reverse": True},
            f"Linked: has duplicate #{one.pk}.",
            u,
        ),
    ]
    [payload] = OutboxEvent.objects.filter(event="ticket.linked").values_list("payload", flat=True)
    assert payload["link"] == {"kind": "duplicate_of", "ticket_id": one.pk, "other_ticket_id": two.pk}
    assert (payload["ticket"]["id"], payload["actor_id"]) == (one.pk, u)


def test_removing_a_link_records_both_sides_and_publishes(agent, three):
    one, two, _ = three
    link, _ = links.ticket_link_add(ticket=one, other=two, kind="child_of", actor=agent.user)
    TicketEvent.objects.all().delete()

    links.ticket_link_remove(link=link, actor=agent.user)

    assert stored() == []
    u = agent.user.pk
    assert link_events() == [
        ("One", "unlinked", "links", {"kind": "child_of", "ticket": two.pk}, None, f"Unlinked: child of #{two.pk}.", u),
        (
            "Two",
            "unlinked",
            "links",
            {"kind": "child_of", "ticket": one.pk, "reverse": True},
            None,
            f"Unlinked: parent of #{one.pk}.",
            u,
        ),
    ]
    [payload] = OutboxEvent.objects.filter(event="ticket.unlinked").values_list("payload", flat=True)
    assert payload["link"] == {"kind": "child_of", "ticket_id": one.pk, "other_ticket_id": two.pk}


def test_adding_the_same_link_again_returns_it(agent, three):
    one, two, _ = three
    first, _ = links.ticket_link_add(ticket=one, other=two, kind="child_of", actor=agent.user)
    again, created = links.ticket_link_add(ticket=two, other=one, kind="parent_of", actor=agent.user)
    assert (again.pk, created) == (first.pk, False)
    related, _ = links.ticket_link_add(ticket=one, other=two, kind="related", actor=agent.user)
    reverse, created = links.ticket_link_add(ticket=two, other=one, kind="related", actor=agent.user)
    assert (reverse.pk, created) == (related.pk, False)
    assert len(stored()) == 2
    assert TicketEvent.objects.count() == 4


def test_a_duplicate_the_other_way_round_is_a_second_row_but_the_reverse_is_refused(agent, three):
    one, two, three_ = three
    links.ticket_link_add(ticket=one, other=two, kind="duplicate_of", actor=agent.user)
    links.ticket_link_add(ticket=three_, other=two, kind="duplicate_of", actor=agent.user)
    with pytest.raises(ValidationError) as exc:
        links.ticket_link_add(ticket=two, other=one, kind="duplicate_of", actor=agent.user)
    assert exc.value.message_dict == {"kind": [f"{one.reference} is already a duplicate of {two.reference}."]}


def test_link_refusals_are_exact(agent, three):
    one, two, three_ = three
    with pytest.raises(ValidationError) as exc:
        links.ticket_link_add(ticket=one, other=two, kind="blocks", actor=agent.user)
    assert exc.value.message_dict == {
        "kind": ["'blocks' is not a link kind; use one of: related, duplicate_of, child_of, parent_of."]
    }
    with pytest.raises(ValidationError) as exc:
        links.ticket_link_add(ticket=one, other=Ticket.objects.get(pk=one.pk), kind="related", actor=agent.user)
    assert exc.value.message_dict == {"ticket": ["A ticket cannot be linked to itself."]}

    links.ticket_link_add(ticket=one, other=two, kind="child_of", actor=agent.user)
    with pytest.raises(ValidationError) as exc:
        links.ticket_link_add(ticket=one, other=three_, kind="child_of", actor=agent.user)
    assert exc.value.message_dict == {
        "ticket": [f"{one.reference} already has a parent, #{two.pk}; remove that link first."]
    }
    links.ticket_link_add(ticket=two, other=three_, kind="child_of", actor=agent.user)
    with pytest.raises(ValidationError) as exc:
        links.ticket_link_add(ticket=three_, other=one, kind="child_of", actor=agent.user)
    assert exc.value.message_dict == {
        "ticket": [f"{three_.reference} is an ancestor of {one.reference}: a ticket cannot be its own parent."]
    }
    assert exc.value.args[1] == "link_cycle"
    with pytest.raises(ValidationError) as exc:
        links.ticket_link_add(ticket=two, other=one, kind="child_of", actor=agent.user)
    assert exc.value.message_dict["ticket"] == [
        f"{two.reference} already has a parent, #{three_.pk}; remove that link first."
    ]
    assert len(stored()) == 2


def test_a_chain_deeper_than_the_limit_is_not_walked_forever(agent, make_ticket, monkeypatch):
    monkeypatch.setattr(links, "MAX_DEPTH", 2)
    a, b, c, d = (make_ticket(title=t) for t in "abcd")
    links.ticket_link_add(ticket=b, other=a, kind="child_of", actor=agent.user)
    links.ticket_link_add(ticket=c, other=b, kind="child_of", actor=agent.user)
    links.ticket_link_add(ticket=d, other=c, kind="child_of", actor=agent.user)
    # a -> d would close a cycle 4 deep; with a limit of 2 the walk stops before seeing it.
    links.ticket_link_add(ticket=a, other=d, kind="child_of", actor=agent.user)
    assert TicketLink.objects.count() == 4


def test_a_cycle_within_the_limit_is_found(agent, make_ticket, monkeypatch):
    monkeypatch.setattr(links, "MAX_DEPTH", 3)
    a, b, c = (make_ticket(title=t) for t in "abc")
    links.ticket_link_add(ticket=b, other=a, kind="child_of", actor=agent.user)
    links.ticket_link_add(ticket=c, other=b, kind="child_of", actor=agent.user)
    with pytest.raises(ValidationError):
        links.ticket_link_add(ticket=a, other=c, kind="child_of", actor=agent.user)


def test_history_links_are_not_removed(agent, three):
    one, two, _ = three
    for kind in ("merged_into", "split_from"):
        link = TicketLink.objects.create(from_ticket=one, to_ticket=two, kind=kind)
        with pytest.raises(ValidationError) as exc:
            links.ticket_link_remove(link=link, actor=agent.user)
        assert exc.value.message_dict == {
            "link": ["A merge or split link is part of the tickets' history; undo the merge instead."]
        }
    assert TicketLink.objects.count() == 2


@pytest.mark.parametrize("who", ["viewer", "customer", "nobody"])
def test_only_writing_agents_link(three, make_agent, customer_a, who):
    one, two, _ = three
    actor = {
        "viewer": lambda: make_agent(Role.VIEWER).user,
        "customer": lambda: customer_a.user,
        "nobody": lambda: None,
    }[who]()
    with pytest.raises(ApplicationError):
        links.ticket_link_add(ticket=one, other=two, kind="related", actor=actor)
    link = TicketLink.objects.create(from_ticket=one, to_ticket=two, kind="related")
    with pytest.raises(ApplicationError):
        links.ticket_link_remove(link=link, actor=actor)
    with pytest.raises(ApplicationError):
        links.ticket_children_close(parent=two, actor=actor)


def test_an_anonymous_creator_is_not_stored(three, monkeypatch):
    one, two, _ = three
    monkeypatch.setattr(links, "require_writing_agent", lambda actor: None)
    link, _ = links.ticket_link_add(ticket=one, other=two, kind="related", actor=AnonymousUser())
    assert TicketLink.objects.get(pk=link.pk).created_by is None


@pytest.mark.parametrize("status", ["resolved", "closed"])
def test_closing_the_children_exactly(agent, make_ticket, status):
    parent = make_ticket(title="Parent")
    open_child = make_ticket(title="Open child")
    pending_child = make_ticket(title="Pending child", status="pending")
    done = timezone.now()
    resolved_child = make_ticket(title="Resolved child", status="resolved", resolved_at=done)
    closed_child = make_ticket(title="Closed child", status="closed", resolved_at=done, closed_at=done)
    related = make_ticket(title="Related only")
    for child in (open_child, pending_child, resolved_child, closed_child):
        links.ticket_link_add(ticket=child, other=parent, kind="child_of", actor=agent.user)
    links.ticket_link_add(ticket=related, other=parent, kind="related", actor=agent.user)

    changed = links.ticket_children_close(parent=parent, actor=agent.user, status=status)

    expected = [open_child.pk, pending_child.pk] + ([resolved_child.pk] if status == "closed" else [])
    assert changed == expected
    statuses = dict(Ticket.objects.values_list("title", "status"))
    assert statuses == {
        "Parent": "open",
        "Open child": status,
        "Pending child": status,
        "Resolved child": "closed" if status == "closed" else "resolved",
        "Closed child": "closed",
        "Related only": "open",
    }
    note = TicketEvent.objects.filter(ticket=open_child, kind="status_changed").get().note
    assert note == f"Closed with its parent {parent.reference}."


def test_closing_children_defaults_to_closed_and_refuses_other_statuses(agent, make_ticket):
    parent, child = make_ticket(title="Parent"), make_ticket(title="Child")
    links.ticket_link_add(ticket=child, other=parent, kind="child_of", actor=agent.user)
    with pytest.raises(ValidationError) as exc:
        links.ticket_children_close(parent=parent, actor=agent.user, status="pending")
    assert exc.value.message_dict == {"status": ["'pending' is not resolved or closed."]}
    assert links.ticket_children_close(parent=parent, actor=agent.user) == [child.pk]
    assert Ticket.objects.get(pk=child.pk).status == "closed"
