"""What the ticket page's poll needs to know: the ticket's version, the newest event, and who
else is here. Three small indexed reads; their digest is the ETag that lets the poll answer 304."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Max
from django.utils import timezone

from tickets.live.services import PRESENCE_TTL, TYPING_TTL
from tickets.models import Ticket, TicketEvent
from tickets.models.presence import TicketPresence
from tickets.timeline import person_name


@dataclass
class LiveState:
    version: int
    last_event_id: int
    viewers: list[dict[str, Any]] = field(default_factory=list)

    @property
    def etag(self) -> str:
        people = ",".join(f"{v['id']}:{int(v['typing'])}" for v in self.viewers)
        digest = hashlib.sha256(f"{self.version}|{self.last_event_id}|{people}".encode()).hexdigest()[:20]
        return f'"{digest}"'


def viewers_of(*, ticket_id: int, exclude_user: AbstractBaseUser | None) -> list[dict[str, Any]]:
    now = timezone.now()
    rows = (
        TicketPresence.objects.filter(ticket_id=ticket_id, seen_at__gte=now - PRESENCE_TTL)
        .select_related("user")
        .order_by("user__name", "user__email")
    )
    if exclude_user is not None:
        rows = rows.exclude(user=exclude_user)
    return [
        {
            "id": row.user_id,
            "name": person_name(row.user),
            "typing": row.typing_at is not None and now - row.typing_at < TYPING_TTL,
        }
        for row in rows
    ]


def live_state(*, ticket_id: int, user: AbstractBaseUser | None) -> LiveState | None:
    version = Ticket.objects.filter(pk=ticket_id).values_list("version", flat=True).first()
    if version is None:
        return None
    last = TicketEvent.objects.filter(ticket_id=ticket_id).aggregate(last=Max("id"))["last"] or 0
    return LiveState(version=version, last_event_id=last, viewers=viewers_of(ticket_id=ticket_id, exclude_user=user))
