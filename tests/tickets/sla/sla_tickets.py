"""A ticket as the SLA rules see it (tickets/sla/rules.py reads any object with these attributes):
due at T0 + 1 h for the first response and T0 + 8 h for resolution, warned at 80% of each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

T0 = datetime(2025, 1, 6, 10, 0, tzinfo=UTC)


def make(**kwargs) -> SimpleNamespace:
    values = {
        "status": "open",
        "first_responded_at": None,
        "first_response_due_at": T0 + timedelta(hours=1),
        "resolution_due_at": T0 + timedelta(hours=8),
        "first_response_warn_at": T0 + timedelta(minutes=48),
        "resolution_warn_at": T0 + timedelta(minutes=384),
        "next_reply_due_at": None,
        "next_reply_breached_at": None,
        "sla_breached_at": None,
        "sla_paused_at": None,
        "resolved_at": None,
    }
    values.update(kwargs)
    return SimpleNamespace(**values)
