"""tickets/links.py, the cases the value-by-value tests leave open (found by mutation testing):
which links make a parent, whose children a close reaches, who closes them, the refusals' codes."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tickets import links
from tickets.models import Ticket, TicketEvent, TicketLink

pytestmark = pytest.mark.django_db


def test_only_a_child_of_link_is_a_parent(agent, make_ticket):
    """A ticket related to (or a duplicate of) another may still get a parent."""
    one, two, three, four = (make_ticket(title=t) for t in ("One", "Two", "Three", "Four"))
    links.ticket_link_add(ticket=one, other=two, kind="related", actor=agent.user)
    links.ticket_link_add(ticket=one, other=three, kind="duplicate_of", actor=agent.user)
    link, created = links.ticket_link_add(ticket=one, other=four, kind="child_of", actor=agent.user)
    assert (created, link.from_ticket_id, link.to_ticket_id, link.kind) == (True, one.pk, four.pk, "child_of")


def test_closing_the_children_of_one_parent_leaves_another_parents_children(agent, make_ticket):
    parent, other_parent = make_ticket(title="Parent"), make_ticket(title="Other parent")
    child, other_child = make_ticket(title="Child"), make_ticket(title="Other child")
    links.ticket_link_add(ticket=child, other=parent, kind="child_of", actor=agent.user)
    links.ticket_link_add(ticket=other_child, other=other_parent, kind="child_of", actor=agent.user)

    assert links.ticket_children_close(parent=parent, actor=agent.user) == [child.pk]

    statuses = dict(Ticket.objects.values_list("title", "status"))
    assert statuses == {"Parent": "open", "Other parent": "open", "Child": "closed", "Other child": "open"}
    closed_by = TicketEvent.objects.filter(ticket=child, kind="status_changed").values_list("actor_id", flat=True)
    assert list(closed_by) == [agent.user.pk]


@pytest.mark.parametrize("kind", ["merged_into", "split_from"])
def test_a_history_link_is_refused_with_its_code(agent, make_ticket, kind):
    link = TicketLink.objects.create(from_ticket=make_ticket(), to_ticket=make_ticket(), kind=kind)
    with pytest.raises(ValidationError) as exc:
        links.ticket_link_remove(link=link, actor=agent.user)
    assert exc.value.args[1] == "link_is_history"
    assert TicketLink.objects.filter(pk=link.pk).exists()


def test_closing_children_to_another_status_is_refused_with_its_code(agent, make_ticket):
    with pytest.raises(ValidationError) as exc:
        links.ticket_children_close(parent=make_ticket(), actor=agent.user, status="open")
    assert exc.value.message_dict == {"status": ["'open' is not resolved or closed."]}
    assert exc.value.args[1] == "invalid_status"


def test_each_refused_link_has_its_code(agent, make_ticket):
    one, two, three = make_ticket(title="One"), make_ticket(title="Two"), make_ticket(title="Three")
    links.ticket_link_add(ticket=one, other=two, kind="child_of", actor=agent.user)
    links.ticket_link_add(ticket=one, other=three, kind="duplicate_of", actor=agent.user)
    refused = [
        ({"ticket": one, "other": one, "kind": "related"}, "link_to_itself"),
        ({"ticket": one, "other": three, "kind": "child_of"}, "has_parent"),
        ({"ticket": two, "other": one, "kind": "child_of"}, "link_cycle"),
        ({"ticket": three, "other": one, "kind": "duplicate_of"}, "duplicate_cycle"),
    ]
    codes = []
    for kwargs, _ in refused:
        with pytest.raises(ValidationError) as exc:
            links.ticket_link_add(actor=agent.user, **kwargs)
        codes.append(exc.value.args[1])
    assert codes == [code for _, code in refused]
    assert TicketLink.objects.count() == 2


def test_a_ticket_related_to_one_ticket_can_be_related_to_another(agent, make_ticket):
    one, two, three = make_ticket(title="One"), make_ticket(title="Two"), make_ticket(title="Three")
    links.ticket_link_add(ticket=one, other=two, kind="related", actor=agent.user)
    link, created = links.ticket_link_add(ticket=three, other=one, kind="related", actor=agent.user)
    assert (created, link.from_ticket_id, link.to_ticket_id) == (True, three.pk, one.pk)
    rows = set(TicketLink.objects.values_list("from_ticket__title", "to_ticket__title", "kind"))
    assert rows == {("One", "Two", "related"), ("Three", "One", "related")}


def test_links_that_only_share_a_ticket_with_an_existing_one_are_made(agent, make_ticket):
    """Each of these is new: the existing links share one ticket with it, or both with another kind."""
    t = {n: make_ticket(title=n) for n in ("One", "Two", "Three", "Four", "Five")}
    steps = [
        ("One", "Two", "related"),
        ("One", "Three", "related"),
        ("Three", "Two", "related"),
        ("Two", "Four", "related"),
        ("Four", "Five", "child_of"),
        ("Four", "Five", "duplicate_of"),
        ("Three", "Five", "duplicate_of"),
        ("One", "Five", "duplicate_of"),
        ("Two", "Five", "child_of"),
        ("Five", "Two", "duplicate_of"),
        ("Two", "One", "duplicate_of"),
    ]
    made = [links.ticket_link_add(ticket=t[a], other=t[b], kind=kind, actor=agent.user)[1] for a, b, kind in steps]
    assert made == [True] * len(steps)
    assert set(TicketLink.objects.values_list("from_ticket__title", "to_ticket__title", "kind")) == set(steps)
