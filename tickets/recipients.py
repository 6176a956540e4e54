"""Who gets which email for a ticket event, registered with notifications (notifications/recipients.py)
in TicketsConfig.ready. Reads the Ticket (with its customer, assignee and team lead, in one
query) to find current addresses and names.

Essential vs non-essential mail (``Customer.email_opt_out`` stops the non-essential ones):

- essential: an agent's public reply to the customer (it is the answer to the customer's own
  request; suppressing it would break the support conversation), and every mail to staff
  (assignment, customer reply, SLA warning/breach, escalation).
- non-essential: automatic notices to the customer (ticket received, status changed).

Internal notes never produce customer mail. Erased customers (GDPR) get no mail at all."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.urls import reverse

from agents.models import FollowedUpdates
from customers.models import Customer
from notifications import recipients
from notifications.recipients import Mail
from tickets.macros.services import PLACEHOLDER_RE, PLACEHOLDERS
from tickets.models import Mailbox, Status, Ticket, TicketFollower
from tickets.satisfaction import survey_links

# event -> the templates it may produce (for documentation and the admin)
EMAIL_TEMPLATES: dict[str, tuple[str, ...]] = {
    "ticket.created": ("ticket_created",),
    "ticket.comment_added": ("agent_reply", "customer_reply", "follower_update", "mentioned"),
    "ticket.status_changed": ("status_changed", "satisfaction_survey"),
    "ticket.assigned": ("assigned",),
    "ticket.sla_warning": ("sla_warning",),
    "ticket.sla_breached": ("sla_breached",),
    "ticket.escalated": ("escalated",),
    "ticket.rule_email": ("rule_email",),
}
NON_ESSENTIAL_TEMPLATES = frozenset({"ticket_created", "status_changed", "satisfaction_survey", "rule_email"})
SLA_TEMPLATES = {
    "ticket.sla_warning": "sla_warning",
    "ticket.sla_breached": "sla_breached",
    "ticket.escalated": "escalated",
}


def _ticket(ticket_id: int | None):
    if not ticket_id:
        return None
    # Whether agents follow it rides on the same query: their mail costs a query only when they do.
    agent_followers = TicketFollower.objects.filter(ticket=OuterRef("pk"), user__isnull=False)
    return (
        Ticket.objects.select_related("customer", "assignee", "team__lead")
        .annotate(has_agent_followers=Exists(agent_followers))
        .filter(pk=ticket_id)
        .first()
    )


def _user(user_id: int | None, *known: Any):
    if not user_id:
        return None
    for candidate in known:
        if candidate is not None and candidate.pk == user_id:
            return candidate
    return get_user_model().objects.filter(pk=user_id, is_active=True).first()


def _deliverable(customer: Any) -> bool:
    """Erased customers (GDPR) and hard-bounced addresses (until an admin clears them) get no mail."""
    return bool(customer.email) and customer.erased_at is None and customer.email_undeliverable_at is None


def _reply_to(ticket: Any, context: dict[str, Any]) -> None:
    """Replies go to the mailbox the ticket came in through (its address is the Reply-To)."""
    mailbox_id = ((ticket.metadata or {}).get("email") or {}).get("mailbox_id")
    if mailbox_id and "reply_to" not in context:
        context["reply_to"] = Mailbox.objects.filter(pk=mailbox_id).values_list("address", flat=True).first() or ""


def _customer_mail(template: str, ticket: Any, context: dict[str, Any]) -> list[Mail]:
    customer = ticket.customer
    essential = template not in NON_ESSENTIAL_TEMPLATES
    if template == "ticket_created" and ((ticket.metadata or {}).get("email") or {}).get("acknowledge") is False:
        return []  # the mailbox it came through sends no acknowledgement
    mails: list[Mail] = []
    _reply_to(ticket, context)
    if _deliverable(customer) and not (customer.email_opt_out and not essential):
        mails.append(
            Mail(
                template=template,
                recipient=customer.email,
                recipient_name=customer.name or customer.email,
                essential=essential,
                ticket_id=ticket.pk,
                context=context,
            )
        )
    if template == "agent_reply":  # followers receive the public replies too (agents: _agent_followers_mail)
        for follower in ticket.followers.select_related("customer"):
            if follower.user_id is not None or follower.email == customer.email:
                continue
            if follower.customer and not _deliverable(follower.customer):
                continue
            mails.append(Mail(template, follower.email, follower.email, True, ticket.pk, context))
    return mails


def _staff_mail(template: str, user: Any, ticket: Any, context: dict[str, Any]) -> list[Mail]:
    if user is None or not user.email or not user.is_active:
        return []
    return [
        Mail(
            template=template,
            recipient=user.email,
            recipient_name=user.get_full_name(),
            essential=True,
            ticket_id=ticket.pk,
            context=context,
        )
    ]


def _status_changed(ticket: Any, payload: dict[str, Any], context: dict[str, Any]) -> list[Mail]:
    labels = dict(Status.choices)
    context.update(
        old_status=labels.get(payload.get("old_status"), payload.get("old_status")),
        new_status=labels.get(payload.get("new_status"), payload.get("new_status")),
    )
    actor_id = payload.get("actor_id")
    by_customer = actor_id is not None and actor_id == ticket.customer.user_id
    reopened_by_reply = actor_id is None and payload.get("new_status") == Status.OPEN
    if by_customer or reopened_by_reply:  # the customer knows: they did it (or replied)
        return []
    mails = _customer_mail("status_changed", ticket, context)
    if payload.get("new_status") == Status.RESOLVED and ticket.status == Status.RESOLVED:
        # "How did we do?": good/bad links, signed for this resolution (tickets/satisfaction.py)
        survey = {**context, "survey": survey_links(ticket)}
        mails += _customer_mail("satisfaction_survey", ticket, survey)
    return mails


def _agent_followers_mail(
    ticket: Any, comment: dict[str, Any], context: dict[str, Any], *, already: set[int]
) -> list[Mail]:
    """Agents following the ticket (and those the note mentions, followers by now): a mention mail
    when mentioned and `notify_mentions`; else an update mail when `notify_followed` takes this kind
    (all: replies and notes; public: replies only; none). Never the author, nor whom `already` mails."""
    if not getattr(ticket, "has_agent_followers", True):
        return []
    mentioned = set(comment.get("mentioned_ids") or ())
    internal = bool(comment.get("is_internal"))
    mails = []
    followers = ticket.followers.filter(user__isnull=False, user__is_active=True).select_related("user__agent")
    for follower in followers:
        user = follower.user
        agent = getattr(user, "agent", None)
        if user.pk == comment.get("author_id") or user.pk in already or agent is None:
            continue
        if user.pk in mentioned:
            if agent.notify_mentions:
                mails += _staff_mail("mentioned", user, ticket, context)
            continue
        if agent.notify_followed == FollowedUpdates.ALL or (
            agent.notify_followed == FollowedUpdates.PUBLIC and not internal
        ):
            mails += _staff_mail("follower_update", user, ticket, context)
    return mails


def _comment_added(ticket: Any, payload: dict[str, Any], context: dict[str, Any]) -> list[Mail]:
    comment = payload.get("comment") or {}
    context["comment"] = comment
    if comment.get("is_internal"):  # internal notes never reach customers: only agents who follow
        return _agent_followers_mail(ticket, comment, context, already=set())
    if not comment.get("from_customer"):
        files = tuple(
            {"file": a["file"], "filename": a.get("filename") or "file", "content_type": a.get("content_type", "")}
            for a in comment.get("attachments") or ()
            if isinstance(a, dict) and a.get("file")
        )
        mails = [replace(mail, attachments=files) for mail in _customer_mail("agent_reply", ticket, context)]
        return mails + _agent_followers_mail(ticket, comment, context, already=set())
    mails = []
    if ticket.assignee is not None:
        mails = _staff_mail("customer_reply", ticket.assignee, ticket, context)
    elif ticket.team is not None and ticket.team.email:
        mails = [Mail("customer_reply", ticket.team.email, ticket.team.name, True, ticket.pk, context)]
    return mails + _agent_followers_mail(ticket, comment, context, already={ticket.assignee_id or 0})


def _assigned(ticket: Any, payload: dict[str, Any], context: dict[str, Any]) -> list[Mail]:
    assignee_id = payload.get("assignee_id")
    if not assignee_id or assignee_id == payload.get("actor_id"):  # unassigned, or took it themselves
        return []
    return _staff_mail("assigned", _user(assignee_id, ticket.assignee), ticket, context)


def _sla_alert(event: str, ticket: Any, payload: dict[str, Any], context: dict[str, Any]) -> list[Mail]:
    """SLA warning, breach and escalation: to the team lead named in the payload, else the ticket team's."""
    team = ticket.team
    lead_id = payload.get("team_lead_id") or (team.lead_id if team is not None else None)
    reason = payload.get("reason") or ""
    if not reason and payload.get("target"):
        reason = f"{str(payload['target']).replace('_', ' ')} due at {payload.get('due_at') or '?'}"
    context["reason"] = reason
    return _staff_mail(SLA_TEMPLATES[event], _user(lead_id, team.lead if team else None), ticket, context)


def _rule_email(ticket: Any, payload: dict[str, Any], context: dict[str, Any]) -> list[Mail]:
    """A trigger's or automation's send_email action: its subject and body with the macro
    placeholders filled in, to the customer (an automatic notice: opt-out applies), the assignee,
    the team's address or a fixed address."""
    email = payload.get("email") or {}

    def fill(text: str) -> str:
        return PLACEHOLDER_RE.sub(
            lambda m: PLACEHOLDERS[m.group(1)](ticket, None) if m.group(1) in PLACEHOLDERS else m.group(0), text
        )

    context.update(rule_subject=fill(str(email.get("subject", ""))), rule_body=fill(str(email.get("body", ""))))
    to = email.get("to")
    if to == "customer":
        return _customer_mail("rule_email", ticket, context)
    if to == "assignee":
        return _staff_mail("rule_email", ticket.assignee, ticket, context)
    if to == "team" and ticket.team is not None and ticket.team.email:
        return [Mail("rule_email", ticket.team.email, ticket.team.name, True, ticket.pk, context)]
    if to == "address" and email.get("address"):
        return [Mail("rule_email", email["address"], email["address"], True, ticket.pk, context)]
    return []


def ticket_email_recipients(event: str, payload: dict[str, Any]) -> list[Mail]:
    """The mails a ticket event promises."""
    if event not in EMAIL_TEMPLATES:
        return []
    ticket = _ticket((payload.get("ticket") or {}).get("id"))
    if ticket is None:  # deleted since: nothing to tell anyone
        return []
    # Links in customers' mail open the ticket's page in the portal (tickets/portal/).
    portal_link = settings.SITE_URL.rstrip("/") + reverse("portal:ticket", kwargs={"pk": ticket.pk})
    context: dict[str, Any] = {"ticket": ticket, "payload": payload, "ticket_url": portal_link}
    if event == "ticket.created":
        return _customer_mail("ticket_created", ticket, context)
    if event == "ticket.status_changed":
        return _status_changed(ticket, payload, context)
    if event == "ticket.comment_added":
        return _comment_added(ticket, payload, context)
    if event == "ticket.assigned":
        return _assigned(ticket, payload, context)
    if event == "ticket.rule_email":
        return _rule_email(ticket, payload, context)
    return _sla_alert(event, ticket, payload, context)


def undeliverable_addresses(addresses: set[str]) -> dict[str, str]:
    """Send-time check: customers' addresses marked undeliverable by a hard bounce (one query)."""
    rows = Customer.objects.filter(email__in=addresses, email_undeliverable_at__isnull=False)
    return {
        email.lower(): f"the address is undeliverable ({reason or 'hard bounce'})"
        for email, reason in rows.values_list("email", "email_undeliverable_reason")
    }


def register() -> None:
    """Route every ticket event that sends email through ticket_email_recipients, and check each
    address again right before sending."""
    for event in EMAIL_TEMPLATES:
        recipients.register(event, ticket_email_recipients)
    recipients.register_suppression(undeliverable_addresses)
