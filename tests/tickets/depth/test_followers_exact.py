"""Who may follow a ticket, and exactly what adding and removing a follower writes: the row, the
ticket's audit event (field, values, actor, note) and the messages that name the refused address."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from model_bakery import baker

from agents.models import Role
from tickets.followers.services import follower_add, follower_check, follower_remove, ticket_follow, ticket_unfollow
from tickets.models import TicketEvent, TicketFollower

pytestmark = pytest.mark.django_db

NOT_ALLOWED = "{} is neither a customer of this ticket's organisation nor an allowed external address."


@pytest.fixture
def people(customer_a, customer_b, make_agent, django_user_model):
    """Fox (an agent), Olga (an agent whose login is switched off), Carol (a colleague of the
    ticket's customer Alice at Acme), Bob (a customer of Globex), Pat (a customer with no
    organisation); partner.example is allowed as a domain, eve@outside.example as one address."""
    fox = make_agent(Role.AGENT, email="fox@support.example.com", name="Fox Mulder")
    olga = make_agent(Role.AGENT, email="olga@support.example.com", name="Olga")
    olga.user.is_active = False
    olga.user.save(update_fields=["is_active"])
    carol = baker.make_recipe(
        "tests.customers.customer", email="carol@acme.example", organization=customer_a.organization
    )
    pat = baker.make_recipe("tests.customers.customer", email="pat@nowhere.example", organization=None)
    baker.make("tickets.AllowedFollowerAddress", pattern="@partner.example")
    baker.make("tickets.AllowedFollowerAddress", pattern="eve@outside.example")
    return {"fox": fox, "carol": carol, "bob": customer_b, "pat": pat}


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        pytest.param("fox@support.example.com", ("agent", "fox"), id="an-agent"),
        pytest.param("  FOX@Support.Example.com ", ("agent", "fox"), id="an-agent-any-case-and-spaces"),
        pytest.param("carol@acme.example", ("customer", "carol"), id="a-colleague-of-the-customer"),
        pytest.param(" Carol@ACME.example", ("customer", "carol"), id="a-colleague-any-case"),
        pytest.param("someone@partner.example", ("external", None), id="an-allowed-domain"),
        pytest.param("eve@outside.example", ("external", None), id="an-allowed-address"),
    ],
)
def test_who_may_follow(ticket, people, email, expected):
    customer, user = follower_check(ticket=ticket, email=email)
    kind, name = expected
    if kind == "agent":
        assert (customer, user) == (None, people[name].user)
    elif kind == "customer":
        assert (customer, user) == (people[name], None)
    else:
        assert (customer, user) == (None, None)


@pytest.mark.parametrize(
    ("email", "message"),
    [
        pytest.param("bob@globex.example", NOT_ALLOWED.format("bob@globex.example"), id="another-organisation"),
        pytest.param("pat@nowhere.example", NOT_ALLOWED.format("pat@nowhere.example"), id="no-organisation"),
        pytest.param(
            "olga@support.example.com", NOT_ALLOWED.format("olga@support.example.com"), id="an-inactive-agent"
        ),
        pytest.param("x@sub.partner.example", NOT_ALLOWED.format("x@sub.partner.example"), id="a-subdomain"),
        pytest.param("x@partner.example.evil", NOT_ALLOWED.format("x@partner.example.evil"), id="a-longer-domain"),
        pytest.param("adam@outside.example", NOT_ALLOWED.format("adam@outside.example"), id="another-address-there"),
        pytest.param("Not An Address", "'not an address' is not a valid email address.", id="not-an-address"),
        pytest.param("", "'' is not a valid email address.", id="empty"),
    ],
)
def test_who_may_not_follow_and_the_message_names_the_address(ticket, people, email, message):
    with pytest.raises(ValidationError) as caught:
        follower_check(ticket=ticket, email=email)
    assert caught.value.message_dict == {"email": [message]}


def test_a_customer_of_a_ticket_without_organisation_may_follow_only_when_allowed(customer_a, people):
    ticket = baker.make_recipe("tests.tickets.ticket", customer=customer_a, organization=None)
    with pytest.raises(ValidationError):
        follower_check(ticket=ticket, email="carol@acme.example")
    baker.make("tickets.AllowedFollowerAddress", pattern="@acme.example")
    assert follower_check(ticket=ticket, email="carol@acme.example") == (people["carol"], None)


def test_adding_writes_the_follower_and_one_event(ticket, people, agent):
    follower = follower_add(ticket=ticket, email=" Carol@Acme.example ", actor=agent.user)

    row = TicketFollower.objects.get()
    assert (row.pk, row.ticket_id, row.email, row.customer_id, row.user_id, row.source, row.added_by_id) == (
        follower.pk,
        ticket.pk,
        "carol@acme.example",
        people["carol"].pk,
        None,
        "manual",
        agent.user_id,
    )
    event = TicketEvent.objects.get(ticket=ticket, field="followers")
    assert (event.kind, event.actor_id, event.old_value, event.new_value, event.note) == (
        "updated",
        agent.user_id,
        None,
        "carol@acme.example",
        "Follower added (Added by an agent).",
    )


def test_adding_again_returns_the_same_follower_and_records_nothing(ticket, people, agent):
    first = follower_add(ticket=ticket, email="carol@acme.example", actor=agent.user)
    again = follower_add(ticket=ticket, email="CAROL@acme.example", actor=agent.user, source="email_cc")
    assert (again.pk, again.source) == (first.pk, "manual")
    assert TicketFollower.objects.count() == 1
    assert TicketEvent.objects.filter(field="followers").count() == 1


@pytest.mark.parametrize(
    ("source", "note", "expected_note"),
    [
        ("email_cc", "", "Follower added (Cc of an email)."),
        ("merge", "", "Follower added (Customer of a merged ticket)."),
        ("manual", "Asked to be kept posted.", "Asked to be kept posted."),
    ],
)
def test_the_event_note_names_the_source_unless_one_is_given(ticket, people, source, note, expected_note):
    follower_add(ticket=ticket, email="someone@partner.example", actor=None, source=source, note=note)
    assert TicketEvent.objects.get(field="followers").note == expected_note
    assert TicketFollower.objects.get().source == source


@pytest.mark.parametrize("actor", [None, AnonymousUser()], ids=["none", "anonymous"])
def test_an_anonymous_adder_is_recorded_as_nobody(ticket, people, actor):
    follower_add(ticket=ticket, email="eve@outside.example", actor=actor)
    assert TicketFollower.objects.get().added_by_id is None
    assert TicketEvent.objects.get(field="followers").actor_id is None


def test_the_tickets_own_customer_is_not_a_follower(ticket, customer_a, agent):
    with pytest.raises(ValidationError) as caught:
        follower_add(ticket=ticket, email="alice@acme.example", actor=agent.user)
    assert caught.value.message_dict == {"email": ["The ticket's customer already receives its replies."]}
    assert not TicketFollower.objects.exists()
    assert not TicketEvent.objects.filter(field="followers").exists()


def test_removing_records_who_removed_which_address(ticket, people, agent):
    follower = follower_add(ticket=ticket, email="carol@acme.example", actor=None)
    follower_remove(follower=follower, actor=agent.user)
    assert not TicketFollower.objects.exists()
    event = TicketEvent.objects.filter(field="followers").order_by("-pk").first()
    assert (event.ticket_id, event.kind, event.actor_id, event.old_value, event.new_value, event.note) == (
        ticket.pk,
        "updated",
        agent.user_id,
        "carol@acme.example",
        None,
        "Follower removed.",
    )


def test_an_agent_follows_and_unfollows(ticket, people):
    fox = people["fox"].user
    follower = ticket_follow(ticket=ticket, user=fox)
    assert (follower.email, follower.user_id, follower.customer_id, follower.added_by_id) == (
        "fox@support.example.com",
        fox.pk,
        None,
        fox.pk,
    )
    assert TicketEvent.objects.get(field="followers").note == "Started following."

    assert ticket_unfollow(ticket=ticket, user=fox) is True
    assert not TicketFollower.objects.exists()
    assert list(TicketEvent.objects.filter(field="followers").order_by("pk").values_list("note", "actor_id")) == [
        ("Started following.", fox.pk),
        ("Follower removed.", fox.pk),
    ]


def test_unfollowing_a_ticket_one_does_not_follow_changes_nothing(ticket, people, make_ticket):
    fox = people["fox"].user
    ticket_follow(ticket=make_ticket(), user=fox)  # another ticket
    assert ticket_unfollow(ticket=ticket, user=fox) is False
    assert TicketFollower.objects.count() == 1
    assert TicketEvent.objects.filter(field="followers").count() == 1


def test_only_agents_follow_this_way(ticket, customer_b):
    with pytest.raises(ValidationError) as caught:
        ticket_follow(ticket=ticket, user=customer_b.user)
    assert caught.value.message_dict == {"user": ["Only agents follow tickets this way."]}
    assert not TicketFollower.objects.exists()


@pytest.mark.parametrize("actor", [None, AnonymousUser()], ids=["none", "anonymous"])
def test_an_anonymous_remover_is_recorded_as_nobody(ticket, people, actor):
    follower = follower_add(ticket=ticket, email="eve@outside.example", actor=None)
    follower_remove(follower=follower, actor=actor)
    assert not TicketFollower.objects.exists()
    assert TicketEvent.objects.get(field="followers", note="Follower removed.").actor_id is None


def test_unfollowing_leaves_the_other_followers_of_the_ticket(ticket, people):
    follower_add(ticket=ticket, email="carol@acme.example", actor=None)
    assert ticket_unfollow(ticket=ticket, user=people["fox"].user) is False
    assert list(TicketFollower.objects.values_list("email", flat=True)) == ["carol@acme.example"]


def test_an_allowed_domain_is_the_part_after_the_last_at(ticket, people):
    """A quoted local part may hold an '@': the domain is what follows the last one."""
    assert follower_check(ticket=ticket, email='"ops@desk"@partner.example') == (None, None)
    with pytest.raises(ValidationError):
        follower_check(ticket=ticket, email='"ops@partner.example"@elsewhere.example')
