"""Tickets through the API: lifecycle, role rules, validation, ETag/If-Match, assignment."""

from __future__ import annotations

import pytest
from model_bakery import baker

from agents.models import Role
from tickets.models import Comment, EventKind, Status, Ticket, TicketEvent

URL = "/api/v1/tickets/"


def detail(pk: int) -> str:
    return f"{URL}{pk}/"


def test_lifecycle_create_read_update_comment_resolve_delete(
    api_agent, api_admin, agent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = api_agent.post(
            URL,
            {
                "title": "Cannot log in",
                "description": "Since this morning.",
                "customer_email": "Dana@Example.org",
                "tags": ["Login", "web"],
                "metadata": {"browser": "firefox"},
                "external_id": "crm-1",
            },
            format="json",
        )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "open"
    assert body["priority"] == "medium"
    assert body["id"]
    assert body["created_at"]
    assert created["Location"].endswith(f"/api/v1/tickets/{body['id']}/")
    ticket = Ticket.objects.get(pk=body["id"])
    assert ticket.customer.email == "dana@example.org"
    assert ticket.tags == ["login", "web"]
    assert ticket.channel == "api"
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.CREATED, actor=agent.user).exists()

    read = api_agent.get(detail(ticket.pk))
    assert read.status_code == 200
    assert read.json()["title"] == "Cannot log in"
    assert read["ETag"] == f'"{ticket.pk}-1"'

    updated = api_agent.patch(
        detail(ticket.pk), {"priority": "high", "status": "in_progress"}, format="json", HTTP_IF_MATCH=read["ETag"]
    )
    assert updated.status_code == 200, updated.content
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.status) == ("high", "in_progress")
    assert updated["ETag"] == f'"{ticket.pk}-{ticket.version}"'

    comment = api_agent.post(f"{detail(ticket.pk)}comments/", {"body": "Looking into it."}, format="json")
    assert comment.status_code == 201
    assert Comment.objects.get(pk=comment.json()["id"]).author == agent.user
    ticket.refresh_from_db()
    assert ticket.first_responded_at is not None

    resolved = api_agent.patch(detail(ticket.pk), {"status": "resolved"}, format="json")
    assert resolved.status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert ticket.resolved_at is not None

    events = api_agent.get(f"{detail(ticket.pk)}events/").json()["results"]
    assert [e["kind"] for e in events][:1] == ["created"]
    assert {"status_changed", "updated", "commented"} <= {e["kind"] for e in events}

    assert api_admin.delete(detail(ticket.pk)).status_code == 204
    assert not Ticket.objects.filter(pk=ticket.pk).exists()
    assert api_admin.get(detail(ticket.pk)).status_code == 404


def test_customer_creates_for_themselves(api_customer_a, customer_a):
    response = api_customer_a.post(URL, {"title": "Broken invoice", "tags": ["billing"]}, format="json")
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(pk=response.json()["id"])
    assert ticket.customer == customer_a
    assert ticket.organization == customer_a.organization
    assert ticket.priority == "medium"


@pytest.mark.parametrize(
    "field",
    [
        pytest.param({"priority": "critical"}, id="priority"),
        pytest.param({"team": 1}, id="team"),
        pytest.param({"assignee": 1}, id="assignee"),
        pytest.param({"customer_email": "someone@else.org"}, id="customer_email"),
        pytest.param({"status": "closed"}, id="status"),
    ],
)
def test_customer_cannot_send_agent_fields_on_create(api_customer_a, field):
    response = api_customer_a.post(URL, {"title": "Broken invoice", **field}, format="json")
    assert response.status_code == 400
    assert set(field) <= set(response.json())
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("field", [{"priority": "low"}, {"assignee": None}, {"title": "Mine now"}], ids=str)
def test_customer_cannot_patch_agent_fields(api_customer_a, ticket, field):
    response = api_customer_a.patch(detail(ticket.pk), field, format="json")
    assert response.status_code == 400
    assert set(field) <= set(response.json())


def test_customer_closes_and_reopens_own_ticket(api_customer_a, ticket):
    assert api_customer_a.patch(detail(ticket.pk), {"status": "closed"}, format="json").status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == "closed"
    assert api_customer_a.patch(detail(ticket.pk), {"status": "open"}, format="json").status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == "open"
    other = api_customer_a.patch(detail(ticket.pk), {"status": "in_progress"}, format="json")
    assert other.status_code == 400
    assert "status" in other.json()


def test_customer_cannot_close_a_colleagues_ticket(api_customer_a, org_a):
    colleague = baker.make_recipe("tests.customers.customer", organization=org_a)
    theirs = baker.make_recipe("tests.tickets.ticket", customer=colleague, organization=org_a)
    assert api_customer_a.get(detail(theirs.pk)).status_code == 200  # same organisation: visible
    response = api_customer_a.patch(detail(theirs.pk), {"status": "closed"}, format="json")
    assert response.status_code == 403
    assert "permission" in response.json()["detail"]


def test_customer_never_sees_internal_notes_nor_events(api_customer_a, api_agent, conversation):
    url = f"{detail(conversation.ticket.pk)}comments/"
    seen = [c["id"] for c in api_customer_a.get(url).json()["results"]]
    assert seen == [conversation.reply.pk, conversation.answer.pk]
    assert conversation.note.pk in [c["id"] for c in api_agent.get(url).json()["results"]]
    assert api_customer_a.get(f"{detail(conversation.ticket.pk)}events/").status_code == 403


def test_customer_cannot_write_internal_notes(api_customer_a, ticket):
    response = api_customer_a.post(f"{detail(ticket.pk)}comments/", {"body": "hi", "is_internal": True}, format="json")
    assert response.status_code == 400
    assert "is_internal" in response.json()
    assert not Comment.objects.exists()


def test_customer_reply_is_recorded_as_theirs(api_customer_a, customer_a, ticket):
    response = api_customer_a.post(f"{detail(ticket.pk)}comments/", {"body": "Any news?"}, format="json")
    assert response.status_code == 201
    comment = Comment.objects.get(pk=response.json()["id"])
    assert comment.customer == customer_a
    assert response.json()["from_customer"] is True


def test_agent_internal_note(api_agent, ticket):
    response = api_agent.post(f"{detail(ticket.pk)}comments/", {"body": "psst", "is_internal": True}, format="json")
    assert response.status_code == 201
    assert Comment.objects.get(pk=response.json()["id"]).is_internal is True
    ticket.refresh_from_db()
    assert ticket.first_responded_at is None  # a note is not a response


def test_forbidden_transition_names_status(api_agent, ticket):
    assert api_agent.patch(detail(ticket.pk), {"status": "closed"}, format="json").status_code == 200
    response = api_agent.patch(detail(ticket.pk), {"status": "resolved"}, format="json")
    assert response.status_code == 400
    assert "status" in response.json()
    assert "closed" in response.json()["status"][0]


# --- validation through the API ---------------------------------------------------------------

VALID = {"title": "Cannot log in", "customer_email": "dana@example.org"}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        pytest.param({**VALID, "title": ""}, "title", id="empty-title"),
        pytest.param({**VALID, "title": "ab"}, "title", id="short-title"),
        pytest.param({**VALID, "title": "x" * 201}, "title", id="long-title"),
        pytest.param({**VALID, "title": "<script>alert(1)</script>"}, "title", id="xss-title"),
        pytest.param({**VALID, "title": "two\nlines"}, "title", id="newline-title"),
        pytest.param({"customer_email": "dana@example.org"}, "title", id="missing-title"),
        pytest.param({**VALID, "title": None}, "title", id="null-title"),
        pytest.param({**VALID, "priority": "LOW"}, "priority", id="uppercase-priority"),
        pytest.param({**VALID, "priority": "urgent"}, "priority", id="unknown-priority"),
        pytest.param({**VALID, "customer_email": "not-an-email"}, "customer_email", id="bad-email"),
        pytest.param({"title": "Cannot log in"}, "customer_email", id="missing-email"),
        pytest.param({**VALID, "tags": "billing"}, "tags", id="tags-not-list"),
        pytest.param({**VALID, "tags": ["no spaces allowed"]}, "tags", id="bad-tag"),
        pytest.param({**VALID, "tags": [f"t{i}" for i in range(21)]}, "tags", id="too-many-tags"),
        pytest.param({**VALID, "metadata": ["a"]}, "metadata", id="metadata-not-object"),
        pytest.param({**VALID, "category": "nope"}, "category", id="unknown-category"),
        pytest.param({**VALID, "team": 999999}, "team", id="unknown-team"),
        pytest.param({**VALID, "status": "closed"}, "status", id="status-not-writable"),
        pytest.param({**VALID, "version": 7}, "version", id="version-not-writable"),
    ],
)
def test_create_validation_names_the_field(api_agent, payload, field):
    response = api_agent.post(URL, payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Ticket.objects.exists()


def test_every_bad_field_is_named_in_one_response(api_agent):
    response = api_agent.post(
        URL, {"title": "<script>alert(1)</script>", "priority": "LOW", "customer_email": "nope"}, format="json"
    )

    assert response.status_code == 400
    assert set(response.json()) == {"title", "priority", "customer_email"}
    assert "markup" in response.json()["title"][0]
    assert not Ticket.objects.exists()


def test_patch_with_a_bad_title_and_priority_names_both(api_agent, ticket):
    response = api_agent.patch(f"{URL}{ticket.pk}/", {"title": "a\nb", "priority": "urgent"}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"title", "priority"}


def test_duplicate_external_id_names_the_field(api_agent):
    assert api_agent.post(URL, {**VALID, "external_id": "X-1"}, format="json").status_code == 201
    response = api_agent.post(URL, {**VALID, "external_id": "X-1"}, format="json")
    assert response.status_code == 400
    assert "external_id" in response.json()


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"title": "x",', id="truncated"),
        pytest.param(b"not json at all", id="garbage"),
        pytest.param(b"\xff\xfe", id="not-utf8"),
    ],
)
def test_malformed_json_is_400(api_agent, body):
    response = api_agent.generic("POST", URL, body, content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_json_array_body_is_400(api_agent):
    response = api_agent.post(URL, [1, 2], format="json")
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        pytest.param({"priority": "LOW"}, "priority", id="priority"),
        pytest.param({"status": "done"}, "status", id="status"),
        pytest.param({"title": ""}, "title", id="title"),
        pytest.param({"assignee": 999999}, "assignee", id="assignee"),
        pytest.param({"tags": [1, {"a": 1}]}, "tags", id="tags"),
        pytest.param({"customer": 1}, "customer", id="customer-not-writable"),
    ],
)
def test_patch_validation_names_the_field(api_agent, ticket, payload, field):
    response = api_agent.patch(detail(ticket.pk), payload, format="json")
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("99999999999999999999999/", id="huge-id"),
        pytest.param("abc/", id="non-numeric"),
        pytest.param("%C2%84/", id="non-ascii"),
        pytest.param("99999999999999999999999/comments/", id="huge-parent"),
        pytest.param("abc/comments/", id="non-numeric-parent"),
        pytest.param("abc/events/", id="non-numeric-parent-events"),
    ],
)
def test_unknown_and_malformed_ids_are_json_404(api_agent, path):
    response = api_agent.get(f"{URL}{path}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


# --- ETag / If-Match ----------------------------------------------------------------------------


def test_stale_if_match_is_412_and_changes_nothing(api_agent, api_senior_agent, ticket):
    etag = api_agent.get(detail(ticket.pk))["ETag"]
    first = api_senior_agent.patch(detail(ticket.pk), {"title": "Senior was here"}, format="json", HTTP_IF_MATCH=etag)
    assert first.status_code == 200
    assert first["ETag"] != etag
    stale = api_agent.patch(detail(ticket.pk), {"title": "Agent overwrites"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert "If-Match" in stale.json()["detail"]
    ticket.refresh_from_db()
    assert ticket.title == "Senior was here"
    fresh = api_agent.patch(
        detail(ticket.pk), {"title": "Agent, informed"}, format="json", HTTP_IF_MATCH=f"W/{first['ETag']}"
    )
    assert fresh.status_code == 200


def test_if_match_star_and_missing_header_pass(api_agent, ticket):
    assert api_agent.patch(detail(ticket.pk), {"priority": "low"}, format="json", HTTP_IF_MATCH="*").status_code == 200
    assert api_agent.patch(detail(ticket.pk), {"priority": "high"}, format="json").status_code == 200


def test_stale_if_match_on_delete_and_assign(api_admin, admin_agent, ticket):
    stale = f'"{ticket.pk}-0"'
    assert api_admin.delete(detail(ticket.pk), HTTP_IF_MATCH=stale).status_code == 412
    assign = api_admin.post(
        f"{detail(ticket.pk)}assign/", {"agent": admin_agent.user_id}, format="json", HTTP_IF_MATCH=stale
    )
    assert assign.status_code == 412
    assert Ticket.objects.filter(pk=ticket.pk, assignee=None).exists()


def test_if_none_match_gives_304(api_agent, ticket):
    etag = api_agent.get(detail(ticket.pk))["ETag"]
    response = api_agent.get(detail(ticket.pk), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response["ETag"] == etag
    assert api_agent.get(detail(ticket.pk), HTTP_IF_NONE_MATCH='"other"').status_code == 200


# --- assignment ----------------------------------------------------------------------------------


def test_assign_to_agent_and_back_to_queue(api_agent, agent, make_agent, ticket):
    other = make_agent(Role.SENIOR_AGENT)
    response = api_agent.post(f"{detail(ticket.pk)}assign/", {"agent": other.user_id}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["assignee"] == other.user_id
    ticket.refresh_from_db()
    assert ticket.assignee == other.user
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ASSIGNED, actor=agent.user).exists()
    back = api_agent.post(f"{detail(ticket.pk)}assign/", {"agent": None}, format="json")
    assert back.json()["assignee"] is None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        pytest.param({}, "agent", id="empty"),
        pytest.param({"agent": 1, "strategy": "round_robin"}, "agent", id="both"),
        pytest.param({"strategy": "coin_toss"}, "strategy", id="unknown-strategy"),
        pytest.param({"agent": 99999}, "agent", id="unknown-agent"),
    ],
)
def test_assign_validation(api_agent, ticket, payload, field):
    response = api_agent.post(f"{detail(ticket.pk)}assign/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_assign_to_a_customer_is_refused(api_agent, ticket, customer_b):
    response = api_agent.post(f"{detail(ticket.pk)}assign/", {"agent": customer_b.user_id}, format="json")
    assert response.status_code == 400
    assert "agent" in response.json()


def test_assign_by_strategy(api_agent, make_agent, customer_a):
    team = baker.make_recipe("tests.agents.team")
    member = make_agent(Role.AGENT)
    member.teams.add(team)
    ticket = baker.make_recipe(
        "tests.tickets.ticket", customer=customer_a, organization=customer_a.organization, team=team
    )
    response = api_agent.post(f"{detail(ticket.pk)}assign/", {"strategy": "least_loaded"}, format="json")
    assert response.status_code == 200, response.content
    ticket.refresh_from_db()
    assert ticket.assignee == member.user
    assert response.json()["assignee"] == member.user_id


def test_put_is_not_offered(api_admin, ticket):
    response = api_admin.put(detail(ticket.pk), {"title": "Replaced"}, format="json")
    assert response.status_code == 405
    ticket.refresh_from_db()
    assert ticket.title != "Replaced"


def test_comment_author_name_for_system_comments(ticket):
    from tickets.api.serializers import CommentSerializer

    comment = baker.make_recipe("tests.tickets.comment", ticket=ticket, author=None, customer=None)
    assert CommentSerializer(comment).data["author_name"] is None
