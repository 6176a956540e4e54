"""The ticket page's links panel: merge (and undo), split, link and unlink, close children,
through the Django test client; the panel's query count does not grow with the links."""

from __future__ import annotations

import pytest
from model_bakery import baker

from agents.models import Role
from tickets.models import Comment, LinkKind, Status, Ticket, TicketLink


def url(ticket, what=""):
    return f"/admin/tickets/ticket/{ticket.pk}/{what}"


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_merge_from_the_page_goes_to_the_target_and_the_source_offers_undo(client, login, make_ticket):
    login(Role.AGENT)
    target, source = make_ticket(title="Keep me"), make_ticket(title="Merge me")
    response = client.post(url(source, "merge/"), {"target": f"#{target.pk}", "version": source.version}, follow=True)
    assert response.redirect_chain[-1][0] == url(target, "change/")
    assert messages_of(response) == [f"#{source.pk} was merged into this ticket; it can be undone from #{source.pk}."]
    page = client.get(url(source, "change/")).content.decode()
    assert "Merged into" in page
    assert 'id="ws-merge-undo"' in page
    assert 'id="ws-merge-form"' not in page
    undone = client.post(url(source, "merge-undo/"), follow=True)
    assert messages_of(undone) == [f"Merge undone: the conversation is back from #{target.pk}."]
    assert Ticket.objects.get(pk=source.pk).status == Status.OPEN


def test_merge_across_organisations_needs_the_box_ticked(client, login, make_ticket, customer_b):
    login(Role.AGENT)
    target = make_ticket()
    source = make_ticket(customer=customer_b, organization=customer_b.organization)
    refused = client.post(url(source, "merge/"), {"target": target.pk}, follow=True)
    assert messages_of(refused)[0].startswith("Not merged: confirm_organization_mismatch: ")
    assert not TicketLink.objects.exists()
    client.post(url(source, "merge/"), {"target": target.pk, "confirm_organization_mismatch": "1"})
    assert TicketLink.objects.filter(kind=LinkKind.MERGED_INTO).count() == 1


def test_merge_into_an_unknown_ticket_says_so(client, login, make_ticket):
    login(Role.AGENT)
    source = make_ticket()
    response = client.post(url(source, "merge/"), {"target": "abc"}, follow=True)
    assert messages_of(response) == ["Not merged: enter the number of the ticket to merge into."]


def test_split_from_the_page_opens_the_new_ticket(client, login, make_ticket, customer_a):
    login(Role.AGENT)
    ticket = make_ticket()
    keep, split = baker.make_recipe("tests.tickets.comment", ticket=ticket, customer=customer_a, _quantity=2)
    page = client.get(url(ticket, "change/")).content.decode()
    assert page.count("Split into a new ticket") == 2
    response = client.post(url(ticket, "split/"), {"comment": split.pk, "title": "Scanner"}, follow=True)
    new = Ticket.objects.get(title="Scanner")
    assert response.redirect_chain[-1][0] == url(new, "change/")
    assert list(Comment.objects.filter(ticket=new).values_list("pk", flat=True)) == [split.pk]
    assert list(Comment.objects.filter(ticket=ticket).values_list("pk", flat=True)) == [keep.pk]


def test_link_unlink_and_close_children(client, login, make_ticket):
    login(Role.AGENT)
    parent, child = make_ticket(), make_ticket()
    linked = client.post(url(parent, "link/"), {"kind": "parent_of", "other": child.pk}, follow=True)
    assert messages_of(linked) == [f"Linked to #{child.pk}."]
    page = linked.content.decode()
    assert "Parent of" in page
    assert "1 open child ticket" in page
    closed = client.post(url(parent, "close-children/"), {"status": "resolved"}, follow=True)
    assert messages_of(closed) == [f"1 child ticket(s) resolved: #{child.pk}."]
    assert Ticket.objects.get(pk=child.pk).status == Status.RESOLVED
    link = TicketLink.objects.get()
    removed = client.post(url(child, f"unlink/{link.pk}/"), follow=True)
    assert messages_of(removed) == ["Link removed."]
    assert not TicketLink.objects.exists()


def test_viewer_sees_links_but_cannot_change_them(client, login, make_ticket):
    login(Role.VIEWER)
    a, b = make_ticket(), make_ticket()
    TicketLink.objects.create(from_ticket=a, to_ticket=b, kind=LinkKind.RELATED)
    page = client.get(url(a, "change/")).content.decode()
    assert f"#{b.pk} {b.title}" in page
    assert 'id="ws-merge-form"' not in page
    assert "Split into" not in page
    assert client.post(url(a, "merge/"), {"target": b.pk}).status_code == 403
    assert client.post(url(a, "link/"), {"kind": "related", "other": b.pk}).status_code == 403


@pytest.mark.parametrize("links", [1, 10])
def test_links_cost_one_query_whatever_their_number(client, login, make_ticket, links, django_assert_num_queries):
    login(Role.AGENT)
    ticket = make_ticket()
    for _ in range(links):
        TicketLink.objects.create(from_ticket=make_ticket(), to_ticket=ticket, kind=LinkKind.CHILD_OF)
    client.get(url(ticket, "change/"))
    # the ticket page reads the ticket's SLA event log (+1) and its user from the caller cache (-1);
    # the ticket types, custom field definitions, followers and time entries panels (+4): 16 -> 20
    with django_assert_num_queries(20):
        response = client.get(url(ticket, "change/"))
    assert response.content.decode().count('<span class="ws-muted">Parent of</span>') == links
