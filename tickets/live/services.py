"""Presence writes: the ticket page's poll says "I am here" (and "I am typing")."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from tickets.models.presence import TicketPresence

# A viewer counts while their poll refreshed the row this recently; typing shows this long.
PRESENCE_TTL = timedelta(seconds=20)
TYPING_TTL = timedelta(seconds=8)
# Rows are rewritten at most this often while nothing changes (a poll every few seconds).
REFRESH_EVERY = timedelta(seconds=8)


def presence_touch(*, ticket_id: int, user: AbstractBaseUser, typing: bool) -> None:
    now = timezone.now()
    row = TicketPresence.objects.filter(ticket_id=ticket_id, user=user).first()
    if row is None:
        try:
            with transaction.atomic():
                TicketPresence.objects.create(
                    ticket_id=ticket_id, user=user, seen_at=now, typing_at=now if typing else None
                )
        except IntegrityError:  # a second tab created it first
            pass
        return
    was_typing = row.typing_at is not None and now - row.typing_at < TYPING_TTL
    if typing or was_typing or now - row.seen_at >= REFRESH_EVERY:
        TicketPresence.objects.filter(pk=row.pk).update(seen_at=now, typing_at=now if typing else None)


def presence_leave(*, ticket_id: int, user: AbstractBaseUser) -> None:
    TicketPresence.objects.filter(ticket_id=ticket_id, user=user).delete()


def presence_purge(*, older_than: timedelta = timedelta(hours=1)) -> int:
    deleted, _ = TicketPresence.objects.filter(seen_at__lt=timezone.now() - older_than).delete()
    return deleted
