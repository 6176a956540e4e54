"""Agents following tickets and @mentions: exactly who is emailed (mailoutbox), their preferences,
and never a customer for an internal note; follow/unfollow through the API and the ticket page."""

from __future__ import annotations

import pytest
from model_bakery import baker

from agents.models import Role
from agents.services import agent_update
from tickets.comments import comment_add
from tickets.followers.mentions import mention_tokens, mentioned_agents
from tickets.followers.services import ticket_follow
from tickets.models import TicketFollower

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(make_agent):
    """Three agents: Dana Scully (dana@), Fox Mulder (fox@) and Walter Skinner (walter@)."""
    return {
        "dana": make_agent(Role.AGENT, email="dana@support.example.com", name="Dana Scully"),
        "fox": make_agent(Role.AGENT, email="fox@support.example.com", name="Fox Mulder"),
        "walter": make_agent(Role.SENIOR_AGENT, email="walter@support.example.com", name="Walter Skinner"),
    }


def _send(django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        return comment_add(**kwargs)


def _mail(mailoutbox) -> list[tuple[str, str]]:
    return sorted((m.to[0], m.subject.split("] ", 1)[-1]) for m in mailoutbox)


@pytest.mark.parametrize(
    ("body", "tokens"),
    [
        pytest.param("@fox please look", ["fox"], id="start"),
        pytest.param("ask @Dana.", ["dana"], id="sentence-end"),
        pytest.param("mail bob@example.com", [], id="an-address-is-no-mention"),
        pytest.param("@fox and @fox again, @walter", ["fox", "walter"], id="deduplicated"),
        pytest.param("@DanaScully", ["danascully"], id="name-without-spaces"),
    ],
)
def test_mention_tokens(body, tokens):
    assert mention_tokens(body) == tokens


def test_mentions_resolve_by_local_part_name_and_unique_first_name(team, make_agent):
    assert [a.user.email for a in mentioned_agents("@fox @DanaScully @walter @nobody")] == [
        "fox@support.example.com",
        "dana@support.example.com",
        "walter@support.example.com",
    ]
    make_agent(Role.AGENT, email="dana2@support.example.com", name="Dana Other")
    assert mentioned_agents("@dana") == [team["dana"]]  # the local part still matches exactly one


def test_a_mention_in_a_note_makes_a_follower_and_mails_only_them(
    team, ticket, mailoutbox, django_capture_on_commit_callbacks
):
    _send(
        django_capture_on_commit_callbacks,
        ticket=ticket,
        actor=team["dana"].user,
        body="@fox can you check the logs?",
        is_internal=True,
    )
    assert list(TicketFollower.objects.filter(ticket=ticket).values_list("email", flat=True)) == [
        "fox@support.example.com"
    ]
    assert _mail(mailoutbox) == [("fox@support.example.com", f"You were mentioned: {ticket.title}")]


def test_followers_get_public_and_internal_updates_and_the_customer_never_a_note(
    team, ticket, mailoutbox, django_capture_on_commit_callbacks
):
    ticket_follow(ticket=ticket, user=team["fox"].user)
    ticket_follow(ticket=ticket, user=team["walter"].user)
    baker.make("tickets.TicketFollower", ticket=ticket, email="partner@partner.example")  # an allowed Cc

    _send(django_capture_on_commit_callbacks, ticket=ticket, actor=team["dana"].user, body="Note", is_internal=True)
    assert _mail(mailoutbox) == [
        ("fox@support.example.com", f"Update on a ticket you follow: {ticket.title}"),
        ("walter@support.example.com", f"Update on a ticket you follow: {ticket.title}"),
    ]

    mailoutbox.clear()
    _send(django_capture_on_commit_callbacks, ticket=ticket, actor=team["fox"].user, body="We fixed it.")
    assert _mail(mailoutbox) == [
        (ticket.customer.email, f"Re: {ticket.title}"),
        ("partner@partner.example", f"Re: {ticket.title}"),
        ("walter@support.example.com", f"Update on a ticket you follow: {ticket.title}"),  # not fox: the author
    ]

    mailoutbox.clear()
    _send(django_capture_on_commit_callbacks, ticket=ticket, customer=ticket.customer, body="Thanks!")
    assert _mail(mailoutbox) == [
        ("fox@support.example.com", f"Update on a ticket you follow: {ticket.title}"),
        ("walter@support.example.com", f"Update on a ticket you follow: {ticket.title}"),
    ]


@pytest.mark.parametrize(
    ("notify_followed", "notify_mentions", "expected"),
    [
        pytest.param("all", True, ["fox", "walter:mentioned"], id="all"),
        pytest.param("public", True, ["walter:mentioned"], id="public-only-skips-notes"),
        pytest.param("none", True, ["walter:mentioned"], id="none"),
        pytest.param("all", False, ["fox"], id="mentions-off"),
    ],
)
def test_preferences_decide(
    team, ticket, mailoutbox, django_capture_on_commit_callbacks, notify_followed, notify_mentions, expected
):
    for name in ("fox", "walter"):
        agent_update(agent=team[name], data={"notify_followed": notify_followed, "notify_mentions": notify_mentions})
    ticket_follow(ticket=ticket, user=team["fox"].user)
    _send(
        django_capture_on_commit_callbacks,
        ticket=ticket,
        actor=team["dana"].user,
        body="@walter FYI",
        is_internal=True,
    )
    got = sorted(
        m.to[0].split("@")[0] + (":mentioned" if "You were mentioned" in m.subject else "") for m in mailoutbox
    )
    assert got == expected


def test_a_mention_of_the_author_or_a_customer_is_nobody(team, ticket, mailoutbox, django_capture_on_commit_callbacks):
    local = ticket.customer.email.split("@")[0]
    _send(
        django_capture_on_commit_callbacks,
        ticket=ticket,
        actor=team["dana"].user,
        body=f"@dana @{local} note to self",
        is_internal=True,
    )
    assert mailoutbox == []
    assert not TicketFollower.objects.filter(ticket=ticket).exists()


def test_follow_and_unfollow_through_the_api(api_client_for, team, ticket):
    api = api_client_for(team["fox"].user)
    followed = api.post(f"/api/v1/tickets/{ticket.pk}/followers/", {}, format="json")
    assert followed.status_code == 201, followed.content
    assert (followed.json()["email"], followed.json()["user"]) == ("fox@support.example.com", team["fox"].user.pk)
    assert [f["email"] for f in api.get(f"/api/v1/tickets/{ticket.pk}/followers/").json()] == [
        "fox@support.example.com"
    ]
    assert api.delete(f"/api/v1/tickets/{ticket.pk}/followers/me/").status_code == 204
    assert api.delete(f"/api/v1/tickets/{ticket.pk}/followers/me/").status_code == 404
    assert not TicketFollower.objects.filter(ticket=ticket).exists()


def test_follow_and_unfollow_on_the_ticket_page(client, team, ticket):
    client.force_login(team["fox"].user)
    url = f"/admin/tickets/ticket/{ticket.pk}/"
    assert 'id="ws-follow"' in client.get(f"{url}change/").content.decode()
    assert client.post(f"{url}follow/", {"action": "follow"}).status_code == 302
    page = client.get(f"{url}change/").content.decode()
    assert 'id="ws-unfollow"' in page
    assert "Fox Mulder" in page
    client.post(f"{url}follow/", {"action": "unfollow"})
    assert not TicketFollower.objects.filter(ticket=ticket).exists()
