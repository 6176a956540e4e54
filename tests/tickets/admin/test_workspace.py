"""The ticket page (tickets/admin/workspace.py) through the Django test client: rendering, the
composer and properties endpoints, stale refusals, macros, the live poll and query counts."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from model_bakery import baker

from agents.models import Role, Team
from tickets import comments, services
from tickets.models import Comment, EventKind, Status, Ticket, TicketEvent
from tickets.models.macros import Macro
from tickets.models.presence import TicketPresence


def page_url(ticket) -> str:
    return f"/admin/tickets/ticket/{ticket.pk}/change/"


def last_event(ticket) -> int:
    return TicketEvent.objects.filter(ticket=ticket).order_by("-id").values_list("id", flat=True).first() or 0


def post_reply(client, ticket, **data):
    data.setdefault("version", ticket.version)
    data.setdefault("seen_event", last_event(ticket))
    data.setdefault("visibility", "public")
    data.setdefault("action", "send")
    return client.post(f"{page_url(ticket)[:-7]}reply/", data)


def post_properties(client, ticket, **data):
    base = {
        "version": ticket.version,
        "seen_event": last_event(ticket),
        "status": ticket.status,
        "priority": ticket.priority,
        "team": ticket.team_id or "",
        "assignee": ticket.assignee_id or "",
        "category": ticket.category_id or "",
        "tags": ", ".join(ticket.tags),
    }
    base.update(data)
    return client.post(f"{page_url(ticket)[:-7]}properties/", base)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SENIOR_AGENT, Role.AGENT, Role.VIEWER])
def test_page_renders_the_conversation_for_every_role(client, login, ticket, agent, role):
    comments.comment_add(ticket=ticket, actor=agent.user, body="Public answer")
    comments.comment_add(ticket=ticket, actor=agent.user, body="Private thought", is_internal=True)
    login(role)

    response = client.get(page_url(ticket))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Public answer" in html
    assert "Private thought" in html
    assert "Internal note" in html
    assert ('id="composer"' in html) is (role != Role.VIEWER)
    version = Ticket.objects.get(pk=ticket.pk).version
    assert f'name="version" value="{version}"' in html


def test_page_shows_customer_context_and_other_open_tickets(client, login, ticket, customer_a):
    other = baker.make_recipe("tests.tickets.ticket", customer=customer_a, title="Second problem")
    baker.make_recipe(
        "tests.tickets.ticket",
        customer=customer_a,
        title="Old closed one",
        status=Status.CLOSED,
        closed_at=ticket.created_at,
        resolved_at=ticket.created_at,
    )
    login(Role.AGENT)
    html = client.get(page_url(ticket)).content.decode()
    assert "alice@acme.example" in html
    assert "Acme Corp" in html
    assert f"#{other.pk} Second problem" in html
    assert "Old closed one" not in html


def test_details_form_is_still_reachable(client, login, ticket):
    login(Role.AGENT)
    response = client.get(f"{page_url(ticket)}?details=1")
    assert response.status_code == 200
    assert f'name="_version" value="{ticket.version}"' in response.content.decode()


def test_reply_with_files_and_set_status(client, login, ticket):
    agent = login(Role.AGENT)
    response = post_reply(
        client,
        ticket,
        body="Fixed, see the log.",
        action="send_and_set",
        set_status="resolved",
        files=[SimpleUploadedFile("a.log", b"1", content_type="text/plain")],
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/admin/tickets/ticket/{ticket.pk}/change/#composer")
    comment = Comment.objects.get()
    assert (comment.body, comment.author, comment.is_internal) == ("Fixed, see the log.", agent.user, False)
    assert [a.filename for a in comment.attachments.all()] == ["a.log"]
    assert Ticket.objects.get(pk=ticket.pk).status == "resolved"


def test_stale_reply_keeps_the_draft_and_writes_nothing(client, login, ticket, make_agent):
    other = make_agent(name="Sam Okafor")
    services.ticket_update(ticket=ticket, actor=other.user, data={"priority": "critical"})
    login(Role.AGENT)

    response = post_reply(client, ticket, body="My draft answer", version=1, seen_event=0)

    assert response.status_code == 409
    html = response.content.decode()
    assert "Sam Okafor: priority medium → critical" in html
    assert "My draft answer" in html
    assert Comment.objects.count() == 0


def test_bad_reply_is_a_400_with_the_reason(client, login, ticket):
    login(Role.AGENT)
    response = post_reply(client, ticket, body="   ")
    assert response.status_code == 400
    assert "body: The message must not be empty." in response.content.decode()


def test_viewer_cannot_post(client, login, ticket):
    login(Role.VIEWER)
    assert post_reply(client, ticket, body="x").status_code == 403
    assert post_properties(client, ticket, priority="low").status_code == 403


def test_get_on_a_write_endpoint_is_404(client, login, ticket):
    login(Role.AGENT)
    assert client.get(f"{page_url(ticket)[:-7]}reply/").status_code == 404


def test_properties_save_and_assign_to_me(client, login, ticket):
    agent = login(Role.AGENT)
    team = baker.make(Team, name="Billing")
    response = post_properties(client, ticket, priority="high", team=team.pk, tags="vip, billing")
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.team_id, ticket.tags) == ("high", team.pk, ["vip", "billing"])

    post_properties(client, ticket, assign_to_me="1")
    assert Ticket.objects.get(pk=ticket.pk).assignee == agent.user


def test_untouched_properties_save_writes_nothing(client, login, ticket):
    login(Role.AGENT)
    before = (ticket.version, TicketEvent.objects.count())
    response = post_properties(client, ticket)
    assert response.status_code == 302
    assert (Ticket.objects.get(pk=ticket.pk).version, TicketEvent.objects.count()) == before
    page = client.get(response["Location"]).content.decode()
    assert "No changes: nothing was written." in page


def test_unknown_team_is_named(client, login, ticket):
    login(Role.AGENT)
    response = post_properties(client, ticket, team="99999", tags="Not a tag!")
    assert response.status_code == 400
    html = response.content.decode()
    assert "team: Unknown team &#x27;99999&#x27;." in html
    assert "tags:" in html


def test_stale_details_form_save_is_refused(client, login, ticket, make_agent):
    other = make_agent(name="Sam Okafor")
    services.ticket_update(ticket=ticket, actor=other.user, data={"priority": "critical"})
    login(Role.AGENT)
    response = client.post(
        f"{page_url(ticket)}?details=1",
        {
            "_version": "1",
            "title": ticket.title,
            "description": ticket.description,
            "status": ticket.status,
            "priority": "low",
            "tags": "",
            "metadata": "{}",
            "comments-TOTAL_FORMS": "0",
            "comments-INITIAL_FORMS": "0",
            "attachments-TOTAL_FORMS": "0",
            "attachments-INITIAL_FORMS": "0",
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).priority == "critical"


def test_reply_with_a_macro_applies_its_changes(client, login, ticket):
    login(Role.AGENT)
    macro = Macro.objects.create(name="Pending", body="x", set_status=Status.PENDING, add_tags=["waiting"])
    post_reply(client, ticket, body="Edited macro text", macro=macro.pk)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.tags) == ("pending", ["waiting"])


def test_macro_preview_json(client, login, ticket):
    login(Role.AGENT)
    macro = Macro.objects.create(name="Hello", body="Hi {{ customer_name }}", visibility="internal")
    response = client.get(f"{page_url(ticket)[:-7]}macro-preview/{macro.pk}/")
    assert response.json() == {"body": "Hi Alice", "is_internal": True, "actions": []}
    assert client.get(f"{page_url(ticket)[:-7]}macro-preview/999999/").status_code == 404


def test_bulk_action_applies_a_macro(client, login, customer_a):
    login(Role.AGENT)
    tickets = baker.make_recipe("tests.tickets.ticket", customer=customer_a, _quantity=2)
    macro = Macro.objects.create(name="Triage", body="", set_priority="high")
    response = client.post(
        "/admin/tickets/ticket/",
        {"action": "apply_macro", "macro": macro.pk, "_selected_action": [t.pk for t in tickets]},
    )
    assert response.status_code == 302
    assert set(Ticket.objects.values_list("priority", flat=True)) == {"high"}
    assert TicketEvent.objects.filter(kind=EventKind.UPDATED, field="priority").count() == 2


def test_bulk_action_needs_a_macro(client, login, ticket):
    login(Role.AGENT)
    response = client.post(
        "/admin/tickets/ticket/", {"action": "apply_macro", "macro": "", "_selected_action": [ticket.pk]}, follow=True
    )
    assert "Choose the macro" in response.content.decode()


# --- live poll ---------------------------------------------------------------------------------


def live_url(ticket) -> str:
    return f"{page_url(ticket)[:-7]}live/"


def test_live_poll_answers_304_until_something_changes(client, login, ticket, make_agent):
    login(Role.AGENT)
    first = client.get(live_url(ticket), {"after": 0})
    assert first.status_code == 200
    etag = first["ETag"]
    assert client.get(live_url(ticket), {"after": 0}, HTTP_IF_NONE_MATCH=etag).status_code == 304

    other = make_agent(name="Sam Okafor")
    comments.comment_add(ticket=ticket, actor=other.user, body="New reply from Sam")
    changed = client.get(live_url(ticket), {"after": 0}, HTTP_IF_NONE_MATCH=etag)

    assert changed.status_code == 200
    body = changed.json()
    assert "New reply from Sam" in body["entries_html"]
    assert body["changes"] == ["Sam Okafor replied"]


def test_live_poll_shows_who_else_is_viewing_and_typing(client, login, ticket, make_agent):
    other = make_agent(name="Sam Okafor")
    TicketPresence.objects.create(ticket=ticket, user=other.user)
    login(Role.AGENT)
    assert client.get(live_url(ticket)).json()["viewers"] == [
        {"id": other.user.pk, "name": "Sam Okafor", "typing": False}
    ]

    client.force_login(other.user)
    client.get(live_url(ticket), {"typing": "1"})
    me = login(Role.AGENT)
    viewers = client.get(live_url(ticket)).json()["viewers"]
    assert {"id": other.user.pk, "name": "Sam Okafor", "typing": True} in viewers
    assert me.user.pk not in [v["id"] for v in viewers]


def test_live_poll_of_a_missing_ticket_is_404(client, login):
    login(Role.AGENT)
    assert client.get("/admin/tickets/ticket/999999/live/").status_code == 404
    assert client.get("/admin/tickets/ticket/abc/live/").status_code == 404


# --- query counts --------------------------------------------------------------------------------


def _conversation(ticket, agent, n: int) -> None:
    for i in range(n):
        comments.comment_add(
            ticket=ticket,
            actor=agent.user,
            body=f"Message {i}",
            is_internal=i % 3 == 0,
            files=[SimpleUploadedFile(f"f{i}.txt", b"x", content_type="text/plain")] if i % 5 == 0 else (),
        )
        if i % 4 == 0:
            services.ticket_update(ticket=ticket, actor=agent.user, data={"priority": "high" if i % 8 else "low"})


@pytest.mark.parametrize("messages", [5, 50])
def test_page_renders_in_a_fixed_number_of_queries(
    client, login, customer_a, agent, messages, django_assert_num_queries
):
    ticket = services.ticket_create(actor=agent.user, title="Long conversation", customer=customer_a)
    _conversation(ticket, agent, messages)
    services.ticket_assign(ticket=ticket, actor=agent.user, assignee=agent.user)
    login(Role.AGENT)
    client.get(page_url(ticket))  # warm the session and the presence row

    # (the session's user arrives with the agent profile: one query fewer than before; the linked
    # tickets are one joined query; 18 -> 19: the ticket's SLA event log for the SLA panel; 19 -> 18:
    # the user comes from the caller cache, agents/callers.py; the ticket types the Type select offers
    # and the custom field definitions (their scopes are prefetched only when there are fields); the
    # followers panel; the time entries (the totals are summed from them): 18 -> 22)
    with django_assert_num_queries(22):
        response = client.get(page_url(ticket))

    assert response.status_code == 200
    assert response.content.decode().count('class="ws-entry ws-comment') == messages


@pytest.mark.parametrize(
    ("fields", "badge"),
    [
        pytest.param({}, "On track", id="on-track"),
        pytest.param({"first_response_warn_at": -10, "first_response_due_at": 30}, "At risk", id="at-risk"),
        pytest.param({"first_response_warn_at": -90, "first_response_due_at": -30}, "Breached", id="breached"),
        pytest.param({"status": "pending", "sla_paused_at": -5, "first_responded_at": -60}, "Paused", id="paused"),
    ],
)
def test_sla_badge_for_every_state(client, login, ticket, fields, badge):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    values = {"first_response_due_at": now + timedelta(hours=4), "resolution_due_at": now + timedelta(days=1)}
    for name, value in fields.items():
        values[name] = now + timedelta(minutes=value) if isinstance(value, int) else value
    Ticket.objects.filter(pk=ticket.pk).update(**values)
    login(Role.AGENT)

    html = client.get(page_url(ticket)).content.decode()

    assert f'id="ws-sla-badge">{badge}</span>' in html
    assert ("Paused since" in html) is (badge == "Paused")


def test_sla_panel_shows_the_event_log_and_links_to_explain(client, login, customer_a, agent):
    ticket = services.ticket_create(actor=None, title="Waiting", customer=customer_a)
    services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.ON_HOLD)
    login(Role.AGENT)

    html = client.get(page_url(ticket)).content.decode()

    assert 'id="ws-sla-badge">Paused</span>' in html
    assert "(on hold)</p>" in html
    assert "SLA event log (3)" in html
    for line in ("First response started", "Resolution started", "Resolution paused"):
        assert f'<span class="ws-sla-log-kind">{line}</span>' in html
    explain = client.get(f"/admin/tickets/ticket/{ticket.pk}/explain/")
    assert explain.status_code == 200
    page = explain.content.decode()
    assert "SLA: Default" in page
    assert "Business hours" in page
    assert 'data-metric="resolution"' in page
    assert "Reopen on customer reply" in page
