"""Demo data for the agents' ticket page (seed_demo): shared and personal macros, files in the
conversations, and tickets in every SLA state at the moment the command runs (on track, at risk,
breached, paused), so a newcomer sees every badge at once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tickets import comments
from tickets.macros.services import macro_save
from tickets.models import ACTIVE_STATUSES, Status, Ticket
from tickets.models.macros import Macro, Visibility

MACROS = [
    (
        "Ask for a screenshot",
        "Hi {{ customer_name }},\n\nthanks for reporting {{ ticket_reference }}. Could you send a screenshot "
        "and the time it happened?\n\nBest,\n{{ agent_name }}",
        Visibility.PUBLIC,
        {"set_status": Status.PENDING, "add_tags": ["needs-info"]},
    ),
    (
        "Fixed - please confirm",
        "Hi {{ customer_name }},\n\nwe deployed a fix for {{ ticket_reference }}. Please let us know if you "
        "still see the problem.\n\n{{ agent_name }}",
        Visibility.PUBLIC,
        {"set_status": Status.RESOLVED, "remove_tags": ["needs-info"]},
    ),
    (
        "Escalate to engineering",
        "Escalating {{ ticket_reference }} to engineering: customer impact confirmed.",
        Visibility.INTERNAL,
        {"set_priority": "critical", "add_tags": ["engineering"]},
    ),
    (
        "Refund approved",
        "Hi {{ customer_name }},\n\nyour refund is on its way (3-5 business days).",
        Visibility.PUBLIC,
        {"set_status": Status.RESOLVED, "add_tags": ["refund"]},
    ),
]

LOG = b"2026-03-02 09:14:03 ERROR export worker: upstream timed out (502)\n" * 3
# A 1x1 transparent PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63fcffff3f0005fe02fea7d6a1a50000000049454e44ae426082"
)


def demo_macros(*, admin: Any) -> int:
    for name, body, visibility, actions in MACROS:
        if not Macro.objects.filter(name=name, owner__isnull=True).exists():
            macro_save(macro=Macro(name=name, body=body, visibility=visibility, **actions), actor=admin)
    if not Macro.objects.filter(owner=admin).exists():
        macro_save(macro=Macro(name="My sign-off", body="Cheers,\n{{ agent_name }}", owner=admin), actor=admin)
    return Macro.objects.count()


def demo_attachments(*, tickets: list[Ticket]) -> int:
    """Files in two conversations: an agent's log excerpt (internal) and a customer's screenshot."""
    count = 0
    for ticket in tickets[:2]:
        if ticket.assignee_id is None:
            continue
        comments.comment_add(
            ticket=ticket,
            actor=ticket.assignee,
            body="Log excerpt from the export worker attached.",
            is_internal=True,
            files=[SimpleUploadedFile("export-worker.log", LOG, content_type="text/plain")],
        )
        comments.comment_add(
            ticket=ticket,
            customer=ticket.customer,
            body="Here is a screenshot of the error.",
            files=[SimpleUploadedFile("screenshot.png", PNG, content_type="image/png")],
        )
        count += 2
    return count


def demo_sla_states(*, tickets: list[Ticket]) -> dict[str, int]:
    """Moves the SLA clocks of two unanswered tickets so that, right now, one is at risk and one is
    breached (the breach scan then records the breach within a minute); pending tickets show a
    paused clock and fresh ones are on track."""
    now = timezone.now()
    waiting = [t for t in tickets if t.status in ACTIVE_STATUSES and t.first_responded_at is None]
    shifted = {"at_risk": 0, "breached": 0}
    if waiting:
        Ticket.objects.filter(pk=waiting[0].pk).update(
            first_response_warn_at=now - timedelta(minutes=10), first_response_due_at=now + timedelta(minutes=40)
        )
        shifted["at_risk"] += 1
    if len(waiting) > 1:
        Ticket.objects.filter(pk=waiting[1].pk).update(
            first_response_warn_at=now - timedelta(hours=2), first_response_due_at=now - timedelta(minutes=25)
        )
        shifted["breached"] += 1
    return shifted
