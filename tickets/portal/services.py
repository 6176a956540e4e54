"""The portal's writes: sign-in links, sign-up, and the customer's ticket actions. Ticket changes go
through the ticket services (tickets/services.py, comments.py, attachments.py), so the portal keeps
every rule, event and email of the API and the admin."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from agents.models import User
from agents.selectors import CUSTOMER_ROLE, user_role
from config.db import email_matches
from config.exceptions import ApplicationError
from customers.models import Customer
from customers.services import customer_enable_portal_login, customer_get_or_create, customer_grant_portal_access
from tickets import validators
from tickets.attachments import attachments_upload
from tickets.comments import comment_add
from tickets.knowledge.models import Article
from tickets.models import Category, Channel, Comment, Deflection, Status, Ticket
from tickets.portal import tokens
from tickets.selectors import ticket_visible_to
from tickets.services import ticket_change_status, ticket_create, ticket_update


def portal_url(path: str) -> str:
    """An absolute link for an email (SITE_URL + path)."""
    return settings.SITE_URL.rstrip("/") + path


def _mail(*, to: str, template: str, context: dict) -> None:
    """Sign-in, reset and sign-up mails are sent at once, not through the outbox: they carry a
    secret link, which must not be stored in outbox payloads or the email log."""
    subject = " ".join(render_to_string(f"portal/email/{template}_subject.txt", context).split())
    body = render_to_string(f"portal/email/{template}.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])


def _customer(user: User) -> Customer:
    if user_role(user) != CUSTOMER_ROLE:
        raise ApplicationError(_("Only customers use the portal."), code="forbidden", http_status=403)
    try:
        return user.customer
    except ObjectDoesNotExist as exc:  # pragma: no cover - user_role said customer
        raise ApplicationError(_("Only customers use the portal."), code="forbidden", http_status=403) from exc


def _in_scope(user: User, ticket: Ticket) -> Ticket:
    found = ticket_visible_to(user).filter(pk=ticket.pk).first()
    if found is None:
        raise ApplicationError(_("Not found."), code="not_found", http_status=404)
    return found


# --- signing in ------------------------------------------------------------------------------


def portal_login_link_send(*, email: str) -> bool:
    """Mail a one-time sign-in link to a known customer's address (with or without a login yet).
    Unknown, erased or undeliverable addresses get nothing; the caller says the same either way."""
    customer = (
        Customer.objects.select_related("user")
        .filter(email_matches(email.strip()), erased_at__isnull=True, email_undeliverable_at__isnull=True)
        .first()
    )
    if customer is None or (customer.user is not None and not customer.user.is_active):
        return False
    if customer.user is not None and user_role(customer.user) != CUSTOMER_ROLE:
        return False  # an agent's address: agents sign in to the admin
    token = tokens.login_token_make(customer)
    link = portal_url(reverse("portal:login_link", kwargs={"token": token}))
    context = {"name": customer.name or customer.email, "link": link, "minutes": settings.PORTAL_LOGIN_LINK_MINUTES}
    _mail(to=customer.email, template="login_link", context=context)
    return True


@transaction.atomic
def portal_login_link_use(*, token: str) -> User | None:
    """The login a sign-in link signs in (created for a customer who had none), or None when the
    link is forged, expired or used. The caller's sign-in makes it used."""
    customer = tokens.login_token_customer(token)
    if customer is None:
        return None
    try:
        user = customer_enable_portal_login(customer=customer)
        return user if isinstance(user, User) else None
    except ValidationError:  # another login took the address meanwhile
        return None


def portal_signup_request(*, email: str, name: str) -> None:
    """Sign-up, step one: mail a confirmation link, or, to an address that already has a login,
    a note saying so (the page says the same in both cases)."""
    email = email.strip().lower()
    domain = email.rpartition("@")[2]
    if domain not in settings.PORTAL_SIGNUP_DOMAINS:
        raise ValidationError(
            {"email": [_("Sign-up is open to addresses at: %s.") % ", ".join(settings.PORTAL_SIGNUP_DOMAINS)]}
        )
    if get_user_model().objects.filter(email_matches(email)).exists():
        context = {
            "name": name or email,
            "login": portal_url(reverse("portal:login")),
            "reset": portal_url(reverse("portal:password_reset")),
        }
        _mail(to=email, template="signup_exists", context=context)
        return
    token = tokens.signup_token_make(email=email, name=name)
    context = {
        "name": name or email,
        "link": portal_url(reverse("portal:signup_confirm", kwargs={"token": token})),
        "hours": settings.PORTAL_SIGNUP_LINK_HOURS,
    }
    _mail(to=email, template="signup", context=context)


@transaction.atomic
def portal_signup_complete(*, signup: tokens.SignupRequest, password: str) -> User:
    """Sign-up, step two: the customer (found or created by address) gets a login with this password.
    A link whose address has a login by now is refused (it was used)."""
    used = ValidationError(
        {"__all__": [ValidationError(_("This sign-up link was already used: sign in instead."), code="used")]}
    )
    if get_user_model().objects.filter(email_matches(signup.email)).exists():
        raise used
    customer, _created = customer_get_or_create(email=signup.email, name=signup.name)
    if customer.user_id is not None:  # pragma: no cover - a login with another address; refused as used
        raise used
    user = customer_grant_portal_access(customer=customer, password=password)
    assert isinstance(user, User)
    return user


# --- the customer's tickets ------------------------------------------------------------------


@transaction.atomic
def portal_ticket_open(
    *,
    user: User,
    title: str,
    description: str,
    category: Category | None,
    custom_fields: dict[str, Any] | None = None,
    files: Sequence[UploadedFile] = (),
    deflection_ids: Sequence[int] = (),
) -> Ticket:
    """Open a ticket for the signed-in customer, with its files: all or nothing (a bad file is
    named and no ticket is created). The suggested articles they opened while writing it
    (`deflection_ids`) are marked as not having deflected it."""
    customer = _customer(user)
    validators.validate_attachments(files)
    ticket = ticket_create(
        actor=user,
        customer=customer,
        title=title,
        description=description,
        category=category,
        custom_fields=custom_fields,
        channel=Channel.WEB,
    )
    if files:
        attachments_upload(ticket=ticket, actor=user, files=files)
    if deflection_ids:
        Deflection.objects.filter(pk__in=list(deflection_ids), customer=customer, ticket__isnull=True).update(
            ticket=ticket
        )
    return ticket


def portal_deflection_record(*, user: User, article: Article, query: str) -> Deflection:
    """The customer opened `article`, suggested for the request they are writing (`query`)."""
    return Deflection.objects.create(customer=_customer(user), article=article, query=" ".join(query.split())[:200])


@transaction.atomic
def portal_reply(*, user: User, ticket: Ticket, body: str, files: Sequence[UploadedFile] = ()) -> Comment:
    """A customer's public reply on a ticket in their scope (it reopens a pending or resolved one)."""
    customer = _customer(user)
    ticket = _in_scope(user, ticket)
    return comment_add(
        ticket=ticket,
        body=body,
        actor=user,
        customer=customer,
        channel=Channel.WEB,
        files=files,
    )


PORTAL_STATUS_ACTIONS = {"close": Status.CLOSED, "reopen": Status.OPEN}


@transaction.atomic
def portal_ticket_set_status(
    *, user: User, ticket: Ticket, action: str, custom_fields: dict[str, Any] | None = None
) -> Ticket:
    """Close a ticket, or reopen a resolved or closed one: the only status changes a customer makes.
    Closing writes `custom_fields` first (fields shown to customers, e.g. one required to close); a
    field only agents see never holds a customer's close up (tickets/required_fields.py)."""
    _customer(user)
    ticket = _in_scope(user, ticket)
    status = PORTAL_STATUS_ACTIONS.get(action)
    if status is None:
        raise ValidationError({"action": ValidationError(_("Choose close or reopen."), code="invalid")})
    if action == "reopen" and ticket.status not in (Status.RESOLVED, Status.CLOSED):
        raise ValidationError({"action": ValidationError(_("This request is still open."), code="invalid")})
    if action == "close" and ticket.status == Status.CLOSED:
        raise ValidationError({"action": ValidationError(_("This request is already closed."), code="invalid")})
    note = (
        _("Closed by the customer in the portal.")
        if action == "close"
        else _("Reopened by the customer in the portal.")
    )
    if action == "close" and custom_fields:
        ticket = ticket_update(ticket=ticket, actor=user, data={"custom_fields": custom_fields})
    return ticket_change_status(ticket=ticket, actor=user, status=status, note=note)
