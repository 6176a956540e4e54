"""POST /tickets/{id}/merge/, merge/undo/, split/, links/ and close-children/: status codes,
scoping, field-named errors and what each leaves behind."""

from __future__ import annotations

import pytest
from model_bakery import baker

from tickets.models import Comment, LinkKind, Status, Ticket, TicketLink


def _url(ticket, what):
    return f"/api/v1/tickets/{ticket.pk}/{what}/"


def test_merge_through_the_api_leaves_the_source_closed_and_linked(api_agent, make_ticket, customer_a):
    target, source = make_ticket(), make_ticket(description="")
    for body in ("one", "two", "three"):
        baker.make_recipe("tests.tickets.comment", ticket=source, body=body, customer=customer_a)
    response = api_agent.post(_url(source, "merge"), {"target": target.pk}, format="json")
    assert response.status_code == 200, response.content
    assert (response.data["ticket"]["status"], response.data["target"]["id"]) == ("closed", target.pk)
    assert response.data["merge"]["moved"]["comments"] == sorted(
        Comment.objects.filter(body__in=["one", "two", "three"]).values_list("pk", flat=True)
    )
    assert list(Comment.objects.filter(ticket=target, is_internal=False).values_list("body", flat=True)) == [
        "one",
        "two",
        "three",
    ]
    links = api_agent.get(_url(source, "links")).data
    assert [(link["kind"], link["ticket"]["id"], link["removable"]) for link in links] == [
        ("merged_into", target.pk, False)
    ]
    back = api_agent.get(_url(target, "links")).data
    assert [(link["kind"], link["label"]) for link in back] == [("merged_from", "Merged from")]

    undo = api_agent.post(_url(source, "merge/undo"))
    assert undo.status_code == 200, undo.content
    assert undo.data["ticket"]["status"] == "open"
    assert Comment.objects.filter(ticket=source, is_internal=False).count() == 3


def test_merge_across_organisations_is_a_400_naming_the_confirmation(api_agent, make_ticket, customer_b):
    target = make_ticket()
    source = make_ticket(customer=customer_b, organization=customer_b.organization)
    response = api_agent.post(_url(source, "merge"), {"target": target.pk}, format="json")
    assert response.status_code == 400
    assert list(response.data) == ["confirm_organization_mismatch"]
    confirmed = api_agent.post(
        _url(source, "merge"), {"target": target.pk, "confirm_organization_mismatch": True}, format="json"
    )
    assert confirmed.status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({}, "target", id="missing"),
        pytest.param({"target": "x"}, "target", id="not-an-id"),
        pytest.param({"target": 999999}, "target", id="unknown"),
    ],
)
def test_merge_bad_input_names_the_field(api_agent, make_ticket, body, field):
    response = api_agent.post(_url(make_ticket(), "merge"), body, format="json")
    assert response.status_code == 400
    assert list(response.data) == [field]


@pytest.mark.parametrize(
    ("client", "code"),
    [
        pytest.param("api_viewer", 403, id="viewer"),
        pytest.param("api_customer_a", 403, id="own-customer"),
        pytest.param("api_customer_b", 404, id="other-customer"),
    ],
)
def test_merge_split_link_are_for_writing_agents(request, make_ticket, client, code):
    api = request.getfixturevalue(client)
    source, target = make_ticket(), make_ticket()
    comment = baker.make_recipe("tests.tickets.comment", ticket=source)
    for what, body in (
        ("merge", {"target": target.pk}),
        ("split", {"comment": comment.pk}),
        ("links", {"ticket": target.pk, "kind": "related"}),
        ("close-children", {}),
    ):
        assert api.post(_url(source, what), body, format="json").status_code == code, what
    assert Ticket.objects.get(pk=source.pk).status == Status.OPEN
    assert not TicketLink.objects.exists()


def test_split_moves_the_message_and_what_follows(api_agent, make_ticket, customer_a, agent):
    ticket = make_ticket(title="Two problems")
    first = baker.make_recipe("tests.tickets.comment", ticket=ticket, body="about the printer", customer=customer_a)
    second = baker.make_recipe("tests.tickets.comment", ticket=ticket, body="and the scanner", customer=customer_a)
    third = baker.make_recipe("tests.tickets.comment", ticket=ticket, body="scanner again", customer=customer_a)
    response = api_agent.post(_url(ticket, "split"), {"comment": second.pk, "include_following": True}, format="json")
    assert response.status_code == 201, response.content
    new = Ticket.objects.get(pk=response.data["id"])
    assert (new.title, new.customer_id) == (f"Two problems (split from #{ticket.pk})", customer_a.pk)
    assert list(Comment.objects.filter(ticket=new).values_list("pk", flat=True)) == [second.pk, third.pk]
    assert list(Comment.objects.filter(ticket=ticket).values_list("pk", flat=True)) == [first.pk]
    assert list(TicketLink.objects.values_list("from_ticket_id", "to_ticket_id", "kind")) == [
        (new.pk, ticket.pk, LinkKind.SPLIT_FROM)
    ]


def test_split_one_message_with_a_title(api_agent, make_ticket):
    ticket = make_ticket()
    first, second = baker.make_recipe("tests.tickets.comment", ticket=ticket, _quantity=2)
    response = api_agent.post(_url(ticket, "split"), {"comment": first.pk, "title": "Scanner"}, format="json")
    assert response.data["title"] == "Scanner"
    assert list(Comment.objects.filter(ticket=ticket).values_list("pk", flat=True)) == [second.pk]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({}, "comment", id="missing"),
        pytest.param({"comment": 999999}, "comment", id="not-on-this-ticket"),
        pytest.param({"comment": "COMMENT", "title": "x" * 201}, "comment", id="bad-id"),
    ],
)
def test_split_bad_input_names_the_field(api_agent, make_ticket, body, field):
    response = api_agent.post(_url(make_ticket(), "split"), body, format="json")
    assert response.status_code == 400
    assert field in response.data


@pytest.mark.parametrize(
    ("kind", "stored"),
    [
        pytest.param("related", ("a", "b", "related"), id="related"),
        pytest.param("duplicate_of", ("a", "b", "duplicate_of"), id="duplicate"),
        pytest.param("child_of", ("a", "b", "child_of"), id="child"),
        pytest.param("parent_of", ("b", "a", "child_of"), id="parent-stored-on-the-child"),
    ],
)
def test_link_kinds(api_agent, make_ticket, kind, stored):
    a, b = make_ticket(), make_ticket()
    named = {"a": a.pk, "b": b.pk}
    response = api_agent.post(_url(a, "links"), {"ticket": b.pk, "kind": kind}, format="json")
    assert response.status_code == 201, response.content
    assert [(r["kind"], r["ticket"]["id"]) for r in response.data] == [(kind, b.pk)]
    assert list(TicketLink.objects.values_list("from_ticket_id", "to_ticket_id", "kind")) == [
        (named[stored[0]], named[stored[1]], stored[2])
    ]
    again = api_agent.post(_url(a, "links"), {"ticket": b.pk, "kind": kind}, format="json")
    assert again.status_code == 200
    assert TicketLink.objects.count() == 1


@pytest.mark.parametrize(
    ("setup", "body", "field"),
    [
        pytest.param(None, {"ticket": "self", "kind": "related"}, "ticket", id="itself"),
        pytest.param(None, {"ticket": "b", "kind": "sibling"}, "kind", id="unknown-kind"),
        pytest.param(None, {"ticket": 999999, "kind": "related"}, "ticket", id="unknown-ticket"),
        pytest.param(("b", "a"), {"ticket": "b", "kind": "child_of"}, "ticket", id="cycle"),
        pytest.param(("a", "c"), {"ticket": "b", "kind": "child_of"}, "ticket", id="second-parent"),
    ],
)
def test_link_refusals_name_the_field(api_agent, make_ticket, setup, body, field):
    tickets = {"a": make_ticket(), "b": make_ticket(), "c": make_ticket()}
    if setup:
        TicketLink.objects.create(from_ticket=tickets[setup[0]], to_ticket=tickets[setup[1]], kind=LinkKind.CHILD_OF)
    a = tickets["a"]
    other = body["ticket"]
    payload = {**body, "ticket": a.pk if other == "self" else tickets[other].pk if other in tickets else other}
    response = api_agent.post(_url(a, "links"), payload, format="json")
    assert response.status_code == 400, response.content
    assert list(response.data) == [field]


def test_remove_a_link_and_keep_history_links(api_agent, make_ticket):
    a, b = make_ticket(), make_ticket()
    api_agent.post(_url(a, "links"), {"ticket": b.pk, "kind": "related"}, format="json")
    link = TicketLink.objects.get()
    assert api_agent.delete(f"{_url(b, 'links')}{link.pk}/").status_code == 204
    assert not TicketLink.objects.exists()
    api_agent.post(_url(a, "merge"), {"target": b.pk}, format="json")
    merged = TicketLink.objects.get()
    response = api_agent.delete(f"{_url(a, 'links')}{merged.pk}/")
    assert (response.status_code, list(response.data)) == (400, ["link"])


@pytest.mark.parametrize(
    ("status", "children", "expected"),
    [
        pytest.param("closed", ["open", "pending", "resolved", "closed"], ["closed"] * 4, id="close"),
        pytest.param("resolved", ["open", "on_hold", "closed"], ["resolved", "resolved", "closed"], id="resolve"),
    ],
)
def test_close_children(api_agent, make_ticket, status, children, expected):
    parent = make_ticket()
    kids = []
    for child_status in children:
        extra = {"resolved_at": "2026-01-01T00:00Z"} if child_status in ("resolved", "closed") else {}
        if child_status == "closed":
            extra["closed_at"] = "2026-01-01T00:00Z"
        kid = make_ticket(status=child_status, **extra)
        TicketLink.objects.create(from_ticket=kid, to_ticket=parent, kind=LinkKind.CHILD_OF)
        kids.append(kid)
    unrelated = make_ticket()
    response = api_agent.post(_url(parent, "close-children"), {"status": status}, format="json")
    assert response.status_code == 200, response.content
    assert [Ticket.objects.get(pk=k.pk).status for k in kids] == expected
    assert Ticket.objects.get(pk=unrelated.pk).status == "open"
    assert Ticket.objects.get(pk=parent.pk).status == "open"


def test_endpoints_are_in_the_schema(api_admin):
    schema = api_admin.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").data
    paths = schema["paths"] if isinstance(schema, dict) else {}
    for path in (
        "/api/v1/tickets/{ticket_pk}/merge/",
        "/api/v1/tickets/{ticket_pk}/merge/undo/",
        "/api/v1/tickets/{ticket_pk}/split/",
        "/api/v1/tickets/{ticket_pk}/links/",
        "/api/v1/tickets/{ticket_pk}/links/{id}/",
        "/api/v1/tickets/{ticket_pk}/close-children/",
    ):
        assert path in paths, path
