"""Macros: rendering, preview, applying (services and API), scoping of personal macros."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from model_bakery import baker

from agents.models import Team
from config.exceptions import ApplicationError
from tickets.macros.services import macro_apply, macro_preview, macro_render, validate_macro_body
from tickets.models import Comment, EventKind, Status, TicketEvent
from tickets.models.macros import Macro, Visibility


@pytest.fixture
def macro(db) -> Macro:
    return Macro.objects.create(
        name="Waiting on logs",
        body="Hi {{ customer_name }}, about {{ ticket_reference }}: please send logs. — {{agent_name}}",
        set_status=Status.PENDING,
        set_priority="high",
        add_tags=["needs-logs"],
        remove_tags=["new"],
    )


def test_render_fills_every_placeholder(macro, ticket, agent):
    ticket.tags = ["new", "web"]
    assert macro_render(macro=macro, ticket=ticket, actor=agent.user) == (
        f"Hi Alice, about #{ticket.pk}: please send logs. — {agent.user.get_full_name()}"
    )


def test_unknown_placeholder_is_refused():
    with pytest.raises(ValidationError, match="Unknown placeholder"):
        validate_macro_body("Hello {{ secret_key }}")
    assert validate_macro_body("Hello {{ customer_email }}") == "Hello {{ customer_email }}"


def test_preview_lists_the_changes_in_words(macro, ticket, agent):
    ticket.tags = ["new", "web"]
    preview = macro_preview(macro=macro, ticket=ticket, actor=agent.user)
    assert preview.as_dict() == {
        "body": f"Hi Alice, about #{ticket.pk}: please send logs. — {agent.user.get_full_name()}",
        "is_internal": False,
        "actions": [
            "status → pending (waiting on customer)",
            "priority → high",
            "add tags needs-logs",
            "remove tags new",
        ],
    }


def test_apply_replies_and_changes_fields_as_audited_events(macro, ticket, agent, django_capture_on_commit_callbacks):
    ticket.tags = ["new", "web"]
    ticket.save()
    team = baker.make(Team, name="Tier 2")
    macro.set_team = team
    macro.set_assignee = agent.user
    macro.save()

    updated, comment = macro_apply(macro=macro, ticket=ticket, actor=agent.user)

    assert comment is not None
    assert not comment.is_internal
    assert comment.body.startswith("Hi Alice")
    assert (updated.status, updated.priority, updated.team_id, updated.assignee_id) == (
        "pending",
        "high",
        team.pk,
        agent.user.pk,
    )
    assert updated.tags == ["web", "needs-logs"]
    events = list(TicketEvent.objects.filter(ticket=ticket).order_by("id").values_list("kind", "field", "actor"))
    assert events == [
        (EventKind.COMMENTED, "", agent.user.pk),
        (EventKind.UPDATED, "priority", agent.user.pk),
        (EventKind.UPDATED, "team", agent.user.pk),
        (EventKind.UPDATED, "tags", agent.user.pk),
        (EventKind.STATUS_CHANGED, "status", agent.user.pk),
        (EventKind.ASSIGNED, "assignee", agent.user.pk),
    ]


def test_forbidden_transition_rolls_the_whole_macro_back(macro, ticket, agent):
    ticket.status = Status.CLOSED
    ticket.closed_at = ticket.created_at
    ticket.resolved_at = ticket.created_at
    ticket.save()

    with pytest.raises(ValidationError) as caught:
        macro_apply(macro=macro, ticket=ticket, actor=agent.user)

    assert caught.value.message_dict == {"status": ["Cannot change status from 'closed' to 'pending'; allowed: open."]}
    assert Comment.objects.count() == 0
    assert TicketEvent.objects.filter(ticket=ticket).count() == 0


def test_internal_macro_writes_a_note(ticket, agent):
    macro = Macro.objects.create(name="Escalate", body="Escalating to tier 2.", visibility=Visibility.INTERNAL)
    _, comment = macro_apply(macro=macro, ticket=ticket, actor=agent.user)
    assert comment.is_internal


def test_someone_elses_personal_macro_cannot_be_applied(ticket, make_agent):
    owner, other = make_agent(), make_agent()
    personal = Macro.objects.create(name="Mine", body="x", owner=owner.user)
    with pytest.raises(ApplicationError, match="No such macro"):
        macro_apply(macro=personal, ticket=ticket, actor=other.user)


def test_viewer_cannot_apply(macro, ticket, viewer_agent):
    with pytest.raises(ApplicationError, match="Only agents who may work tickets"):
        macro_apply(macro=macro, ticket=ticket, actor=viewer_agent.user)


# --- API ------------------------------------------------------------------------------------


def test_list_shows_shared_and_own_macros_only(api_client_for, make_agent, macro):
    me, someone = make_agent(), make_agent()
    Macro.objects.create(name="My own", body="x", owner=me.user)
    Macro.objects.create(name="Theirs", body="x", owner=someone.user)
    Macro.objects.create(name="Retired", body="x", is_active=False)

    response = api_client_for(me.user).get("/api/v1/macros/")

    assert response.status_code == 200
    assert [(m["name"], m["is_shared"]) for m in response.json()] == [("My own", False), ("Waiting on logs", True)]


def test_customers_cannot_list_macros(api_customer_a, macro):
    assert api_customer_a.get("/api/v1/macros/").status_code == 403


def test_apply_macro_endpoint(api_agent, agent, macro, ticket):
    etag = api_agent.get(f"/api/v1/tickets/{ticket.pk}/")["ETag"]
    response = api_agent.post(
        f"/api/v1/tickets/{ticket.pk}/apply-macro/",
        {"macro": macro.pk, "body": "Edited text\r\nsecond line"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "pending"
    assert Comment.objects.get(ticket=ticket).body == "Edited text\nsecond line"


def test_apply_macro_with_stale_if_match_is_412_and_writes_nothing(api_agent, macro, ticket):
    response = api_agent.post(
        f"/api/v1/tickets/{ticket.pk}/apply-macro/", {"macro": macro.pk}, format="json", HTTP_IF_MATCH='"x-0"'
    )
    assert response.status_code == 412
    assert Comment.objects.count() == 0


@pytest.mark.parametrize(
    ("client_fixture", "expected"),
    [
        pytest.param("api_viewer", 403, id="viewer"),
        pytest.param("api_customer_a", 403, id="customer"),
    ],
)
def test_apply_macro_needs_a_writing_agent(request, macro, ticket, client_fixture, expected):
    client = request.getfixturevalue(client_fixture)
    response = client.post(f"/api/v1/tickets/{ticket.pk}/apply-macro/", {"macro": macro.pk}, format="json")
    assert response.status_code == expected


def test_apply_unknown_or_foreign_macro_is_a_400(api_agent, make_agent, ticket):
    other = make_agent()
    personal = Macro.objects.create(name="Theirs", body="x", owner=other.user)
    response = api_agent.post(f"/api/v1/tickets/{ticket.pk}/apply-macro/", {"macro": personal.pk}, format="json")
    assert response.status_code == 400
    assert response.json() == {"macro": ["No such macro (or not yours to use)."]}


def test_apply_macro_on_a_ticket_out_of_scope_is_404(api_agent, macro):
    assert api_agent.post("/api/v1/tickets/999999/apply-macro/", {"macro": macro.pk}, format="json").status_code == 404


def test_preview_endpoint(api_agent, macro, ticket):
    response = api_agent.get(f"/api/v1/tickets/{ticket.pk}/macros/{macro.pk}/preview/")
    assert response.status_code == 200
    assert response.json()["actions"][0] == "status → pending (waiting on customer)"
    assert Comment.objects.count() == 0


def test_schema_lists_the_new_endpoints(api_admin):
    schema = api_admin.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for path in (
        "/api/v1/tickets/{ticket_pk}/attachments/",
        "/api/v1/attachments/{id}/download/",
        "/api/v1/macros/",
        "/api/v1/tickets/{ticket_pk}/apply-macro/",
    ):
        assert path in schema["paths"], path
