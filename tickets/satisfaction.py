"""Customer satisfaction (CSAT): when a ticket is resolved, the customer is mailed "How did we do?"
with good and bad links (tickets/recipients.py). A link is signed (django.core.signing, with the
ticket and the moment it was resolved), needs no login, expires after CSAT_LINK_DAYS, and works
once: a rating for that resolution is final, and a reopened and re-resolved ticket gets a new
survey (the old links no longer match its resolution). The rating is stored on the ticket, recorded
in the audit trail and published as `ticket.satisfaction_rated`, so rules can react to it."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

import notifications
from tickets.audit import event_record, ticket_lock, ticket_save
from tickets.changes import change_note, change_scope
from tickets.events import ticket_payload
from tickets.models import DONE_STATUSES, EventKind, Satisfaction, Ticket

SALT = "helpdesk.csat"
COMMENT_MAX = 2000


def survey_token(ticket: Ticket) -> str:
    resolved = ticket.resolved_at.isoformat() if ticket.resolved_at else ""
    return signing.dumps({"t": ticket.pk, "r": resolved}, salt=SALT)


def survey_links(ticket: Ticket) -> dict[str, str]:
    """The absolute good and bad links of a resolved ticket's survey (for its email)."""
    base = settings.SITE_URL.rstrip("/") + reverse("portal:satisfaction", kwargs={"token": survey_token(ticket)})
    return {rating: f"{base}?rating={rating}" for rating in Satisfaction.values}


def _open_survey(ticket: Ticket | None, resolved: str) -> bool:
    return (
        ticket is not None
        and ticket.status in DONE_STATUSES
        and ticket.resolved_at is not None
        and ticket.resolved_at.isoformat() == resolved
        and (ticket.satisfaction_rated_at is None or ticket.satisfaction_rated_at < ticket.resolved_at)
    )


def survey_ticket(token: str) -> Ticket | None:
    """The ticket a survey link may still rate, or None (forged, expired, already rated, or the
    ticket was reopened since)."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.CSAT_LINK_DAYS * 86400)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("t"), int) or not isinstance(data.get("r"), str):
        return None
    ticket = Ticket.objects.filter(pk=data["t"]).first()
    return ticket if _open_survey(ticket, data["r"]) else None


def _link_used() -> ValidationError:
    return ValidationError({"token": ValidationError(_("This survey link no longer works."), code="used")})


@change_scope
@transaction.atomic
def ticket_rate_satisfaction(*, token: str, rating: str, comment: str = "") -> Ticket:
    """Record the customer's answer from a survey link. Refused when the link no longer works
    (checked again under the ticket's row lock, so two submissions cannot both count)."""
    if rating not in Satisfaction.values:
        raise ValidationError({"rating": ValidationError(_("Choose good or bad."), code="invalid")})
    comment = (comment or "").replace("\r\n", "\n").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationError(
            {"comment": ValidationError(_("At most %(n)d characters.") % {"n": COMMENT_MAX}, code="max_length")}
        )
    found = survey_ticket(token)
    if found is None:
        raise _link_used()
    resolved = found.resolved_at.isoformat() if found.resolved_at else ""
    ticket = ticket_lock(found)
    if not _open_survey(ticket, resolved):
        raise _link_used()
    old = ticket.satisfaction or None
    ticket.satisfaction = rating
    ticket.satisfaction_comment = comment
    ticket.satisfaction_rated_at = timezone.now()
    ticket_save(ticket, ["satisfaction", "satisfaction_comment", "satisfaction_rated_at"])
    event_record(
        ticket, actor=None, kind=EventKind.UPDATED, field="satisfaction", old=old, new=rating, note=comment[:255]
    )
    # Triggers (tickets/rules/) see the event `satisfaction_rated` and the field `satisfaction`.
    change_note(ticket, event="satisfaction_rated", actor=None, changes={"satisfaction": (old, rating)})
    notifications.publish(
        "ticket.satisfaction_rated",
        {
            "ticket": ticket_payload(ticket),
            "rating": rating,
            "comment": comment,
            "previous_rating": old,
            "customer_id": ticket.customer_id,
            "actor_id": None,
        },
    )
    return ticket
