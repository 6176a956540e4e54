"""The portal's services, exactly: who gets a sign-in link and the mail's text, sign-up's domain
rule, its two mails word for word, a used sign-up link, and the deflection query as stored."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from model_bakery import baker

from agents.models import Role
from config.exceptions import ApplicationError
from customers.models import Customer
from tickets.models import Comment, TicketEvent
from tickets.portal import services, tokens

pytestmark = pytest.mark.django_db

FROM = "Support <support@helpdesk.test>"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://help.example.com/"
    settings.DEFAULT_FROM_EMAIL = FROM
    settings.PORTAL_SIGNUP_DOMAINS = ["acme.example", "acme.test"]
    settings.PORTAL_SIGNUP_LINK_HOURS = 24
    settings.PORTAL_LOGIN_LINK_MINUTES = 15


def _token(body: str, path: str) -> str:
    return re.search(rf"https://help\.example\.com/portal/{path}/(\S+)/\n", body).group(1)


# --- sign-in links ----------------------------------------------------------------------------


def test_a_known_customer_gets_a_sign_in_link_word_for_word(customer_a):
    assert services.portal_login_link_send(email="  Alice@ACME.example ") is True
    [message] = mail.outbox
    token = _token(message.body, "login/link")
    assert (message.to, message.from_email, message.subject) == (["alice@acme.example"], FROM, "Your sign-in link")
    assert message.body == (
        "Hello Alice,\n\n"
        "Follow this link to sign in to your support requests. It works once, within 15 minutes:\n\n"
        f"https://help.example.com/portal/login/link/{token}/\n\n"
        "If you did not ask for it, ignore this email: nothing happens.\n\n"
    )
    assert tokens.login_token_customer(token) == customer_a


def test_a_customer_without_a_name_or_login_is_greeted_by_address(org_a):
    baker.make_recipe("tests.customers.customer", email="dan@acme.example", name="", organization=org_a, user=None)
    assert services.portal_login_link_send(email="dan@acme.example") is True
    assert mail.outbox[0].body.startswith("Hello dan@acme.example,\n")


@pytest.mark.parametrize(
    "case",
    ["unknown", "erased", "undeliverable", "inactive-login", "an-agents-address"],
)
def test_who_gets_no_sign_in_link(customer_a, make_agent, case):
    email = "alice@acme.example"
    if case == "unknown":
        email = "nobody@acme.example"
    elif case == "erased":
        Customer.objects.filter(pk=customer_a.pk).update(erased_at=timezone.now())
    elif case == "undeliverable":
        Customer.objects.filter(pk=customer_a.pk).update(email_undeliverable_at=timezone.now())
    elif case == "inactive-login":
        customer_a.user.is_active = False
        customer_a.user.save(update_fields=["is_active"])
    else:
        agent = make_agent(Role.AGENT, email="fox@support.example.com")
        baker.make_recipe("tests.customers.customer", email="fox@support.example.com", user=agent.user)
        email = "fox@support.example.com"
    assert services.portal_login_link_send(email=email) is False
    assert mail.outbox == []


# --- sign-up ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "email",
    [
        "mallory@evil.example",
        "mallory@sub.acme.example",
        "mallory@acme.example.evil",
        "mallory@acme.example@evil.example",
    ],
)
def test_sign_up_outside_the_domains_is_refused_naming_them(email):
    with pytest.raises(ValidationError) as caught:
        services.portal_signup_request(email=email, name="Mallory")
    assert caught.value.message_dict == {"email": ["Sign-up is open to addresses at: acme.example, acme.test."]}
    assert mail.outbox == []


def test_the_domain_is_what_follows_the_last_at():
    services.portal_signup_request(email='"ops@evil.example"@acme.test', name="Ops")
    assert mail.outbox[0].to == ['"ops@evil.example"@acme.test']


def test_sign_up_mails_a_confirmation_link_word_for_word():
    services.portal_signup_request(email="  Frank@ACME.example ", name="Frank")
    [message] = mail.outbox
    token = _token(message.body, "signup")
    assert (message.to, message.from_email, message.subject) == (
        ["frank@acme.example"],
        FROM,
        "Finish creating your support account",
    )
    assert message.body == (
        "Hello Frank,\n\n"
        "Follow this link within 24 hours to choose a password and finish creating your support account:\n\n"
        f"https://help.example.com/portal/signup/{token}/\n\n"
        "If you did not ask for it, ignore this email.\n\n"
    )
    assert tokens.signup_token_read(token) == tokens.SignupRequest(email="frank@acme.example", name="Frank")
    assert not Customer.objects.filter(email="frank@acme.example").exists()


def test_sign_up_without_a_name_greets_the_address():
    services.portal_signup_request(email="frank@acme.example", name="")
    assert mail.outbox[0].body.startswith("Hello frank@acme.example,\n")


@pytest.mark.parametrize(("name", "greeting"), [("Alice A.", "Alice A."), ("", "alice@acme.example")])
def test_sign_up_with_an_existing_login_mails_a_note_word_for_word(customer_a, name, greeting):
    services.portal_signup_request(email="ALICE@acme.example", name=name)
    [message] = mail.outbox
    assert (message.to, message.from_email, message.subject) == (
        ["alice@acme.example"],
        FROM,
        "You already have a support account",
    )
    assert message.body == (
        f"Hello {greeting},\n\n"
        "Somebody (probably you) asked to create a support account for this address, but it already has one.\n\n"
        "Sign in: https://help.example.com/portal/login/\n"
        "Forgot the password? https://help.example.com/portal/password/reset/\n\n"
    )


def test_sign_up_completes_with_a_customer_login(org_a):
    user = services.portal_signup_complete(
        signup=tokens.SignupRequest(email="frank@acme.example", name="Frank"), password="a-long-passphrase-1"
    )
    customer = Customer.objects.get(email="frank@acme.example")
    assert (customer.user_id, customer.name, user.email) == (user.pk, "Frank", "frank@acme.example")
    assert user.check_password("a-long-passphrase-1")


def test_a_used_sign_up_link_is_refused(customer_a):
    with pytest.raises(ValidationError) as caught:
        services.portal_signup_complete(
            signup=tokens.SignupRequest(email="Alice@Acme.example", name="Alice"), password="a-long-passphrase-1"
        )
    assert caught.value.message_dict == {"__all__": ["This sign-up link was already used: sign in instead."]}
    assert [error.code for error in caught.value.error_dict["__all__"]] == ["used"]
    assert Customer.objects.filter(email__iexact="alice@acme.example").count() == 1


# --- deflection -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "stored"),
    [
        ("  printer   on\tfire \n", "printer on fire"),
        ("x" * 199 + " yz", "x" * 199 + " "),
        ("y" * 200, "y" * 200),
        ("z" * 201, "z" * 200),
    ],
)
def test_the_deflection_query_is_stored_squeezed_and_cut_at_200(customer_a, query, stored):
    article = baker.make("knowledge.Article")
    deflection = services.portal_deflection_record(user=customer_a.user, article=article, query=query)
    deflection.refresh_from_db()
    assert (deflection.customer_id, deflection.article_id, deflection.query, deflection.ticket_id) == (
        customer_a.pk,
        article.pk,
        stored,
        None,
    )


# --- the customer's ticket actions ----------------------------------------------------------------


def _status_events(ticket) -> list[tuple[str, str, str, int]]:
    return list(
        TicketEvent.objects.filter(ticket=ticket, field="status")
        .order_by("pk")
        .values_list("old_value", "new_value", "note", "actor_id")
    )


@pytest.mark.parametrize(
    ("status", "action", "expected", "note"),
    [
        ("open", "close", "closed", "Closed by the customer in the portal."),
        ("pending", "close", "closed", "Closed by the customer in the portal."),
        ("resolved", "close", "closed", "Closed by the customer in the portal."),
        ("resolved", "reopen", "open", "Reopened by the customer in the portal."),
        ("closed", "reopen", "open", "Reopened by the customer in the portal."),
    ],
)
def test_a_customer_closes_and_reopens(make_ticket, customer_a, status, action, expected, note):
    extra = {"resolved_at": timezone.now()} if status in ("resolved", "closed") else {}
    if status == "closed":
        extra["closed_at"] = timezone.now()
    ticket = make_ticket(status=status, **extra)
    changed = services.portal_ticket_set_status(user=customer_a.user, ticket=ticket, action=action)
    assert changed.status == expected
    assert _status_events(ticket) == [(status, expected, note, customer_a.user_id)]


@pytest.mark.parametrize(
    ("status", "action", "message"),
    [
        ("open", "delete", "Choose close or reopen."),
        ("open", "", "Choose close or reopen."),
        ("open", "reopen", "This request is still open."),
        ("pending", "reopen", "This request is still open."),
        ("closed", "close", "This request is already closed."),
    ],
)
def test_a_customers_status_change_is_refused_naming_the_action(make_ticket, customer_a, status, action, message):
    extra = {"resolved_at": timezone.now(), "closed_at": timezone.now()} if status == "closed" else {}
    ticket = make_ticket(status=status, **extra)
    with pytest.raises(ValidationError) as caught:
        services.portal_ticket_set_status(user=customer_a.user, ticket=ticket, action=action)
    assert caught.value.message_dict == {"action": [message]}
    assert [error.code for error in caught.value.error_dict["action"]] == ["invalid"]
    ticket.refresh_from_db()
    assert ticket.status == status
    assert _status_events(ticket) == []


def test_only_customers_use_the_portal(make_ticket, agent):
    ticket = make_ticket()
    for call in (
        lambda: services.portal_ticket_set_status(user=agent.user, ticket=ticket, action="close"),
        lambda: services.portal_reply(user=agent.user, ticket=ticket, body="Hi"),
        lambda: services.portal_ticket_open(user=agent.user, title="T", description="D", category=None),
    ):
        with pytest.raises(ApplicationError) as caught:
            call()
        assert (caught.value.message, caught.value.code, caught.value.http_status) == (
            "Only customers use the portal.",
            "forbidden",
            403,
        )
    ticket.refresh_from_db()
    assert ticket.status == "open"


def test_another_customers_ticket_is_not_found(make_ticket, customer_b):
    ticket = make_ticket()
    for call in (
        lambda: services.portal_ticket_set_status(user=customer_b.user, ticket=ticket, action="close"),
        lambda: services.portal_reply(user=customer_b.user, ticket=ticket, body="Hi"),
    ):
        with pytest.raises(ApplicationError) as caught:
            call()
        assert (caught.value.message, caught.value.code, caught.value.http_status) == ("Not found.", "not_found", 404)
    ticket.refresh_from_db()
    assert ticket.status == "open"
    assert not Comment.objects.filter(ticket=ticket).exists()


def test_a_reply_is_a_public_web_comment_of_the_customer(make_ticket, customer_a):
    ticket = make_ticket()
    comment = services.portal_reply(user=customer_a.user, ticket=ticket, body="It is still broken.")
    assert (comment.ticket_id, comment.body, comment.customer_id, comment.is_internal, comment.channel) == (
        ticket.pk,
        "It is still broken.",
        customer_a.pk,
        False,
        "web",
    )


def test_opening_a_ticket_links_only_this_customers_open_deflections(customer_a, customer_b):
    article = baker.make("knowledge.Article")
    mine = services.portal_deflection_record(user=customer_a.user, article=article, query="printer")
    theirs = services.portal_deflection_record(user=customer_b.user, article=article, query="printer")
    ticket = services.portal_ticket_open(
        user=customer_a.user,
        title="Printer on fire",
        description="Smoke.",
        category=None,
        deflection_ids=[mine.pk, theirs.pk],
    )
    assert (ticket.customer_id, ticket.channel, ticket.title) == (customer_a.pk, "web", "Printer on fire")
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.ticket_id, theirs.ticket_id) == (ticket.pk, None)
