"""The record of every SLA breach-scan and escalation run (tickets.models.SLAScanRun): when beat
published it, when a worker started and finished it, what it stamped. It is how an operator sees
the SLA clock fall behind (metrics `helpdesk_sla_scan_lateness_seconds`, alert `SLAScanLate`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from tickets.models import ACTIVE_STATUSES, SLAScanKind, SLAScanRun, Ticket

RUN_RETENTION = timedelta(days=7)


def sla_scan_run_record(
    *, kind: str, scheduled_at: datetime | None, started_at: datetime, result: dict[str, Any]
) -> SLAScanRun:
    """Store one finished run (scheduled_at None: run by hand, not by beat) and forget runs older
    than a week."""
    now = timezone.now()
    run = SLAScanRun.objects.create(
        kind=kind,
        scheduled_at=min(scheduled_at or started_at, started_at),
        started_at=started_at,
        finished_at=now,
        result=result,
    )
    SLAScanRun.objects.filter(kind=kind, started_at__lt=now - RUN_RETENTION).delete()
    return run


def sla_scan_run_timed(*, kind: str, published_at: float | None, scan: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run `scan` and record it; `published_at` is the epoch second beat published the task."""
    started_at = timezone.now()
    result = scan()
    scheduled_at = datetime.fromtimestamp(published_at, tz=UTC) if published_at is not None else None
    sla_scan_run_record(kind=kind, scheduled_at=scheduled_at, started_at=started_at, result=result)
    return result


def sla_scan_last_runs() -> dict[str, SLAScanRun]:
    """The latest run of each kind (one indexed query per kind)."""
    runs = {}
    for kind in SLAScanKind.values:
        run = SLAScanRun.objects.filter(kind=kind).order_by("-started_at").first()
        if run is not None:
            runs[kind] = run
    return runs


def sla_ticket_counts() -> dict[str, int]:
    """Active tickets breached, and at risk (warned, not yet breached)."""
    active = Ticket.objects.filter(status__in=sorted(ACTIVE_STATUSES))
    return {
        "breached": active.filter(sla_breached_at__isnull=False).count(),
        "at_risk": active.filter(Q(sla_warned_at__isnull=False) & Q(sla_breached_at__isnull=True)).count(),
    }
