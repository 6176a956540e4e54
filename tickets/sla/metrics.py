"""Scrape-time SLA gauges for /metrics (config/metrics.py): tickets breached and at risk, and the
last breach-scan/escalation run's lateness, duration and age."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from tickets.sla.runs import sla_scan_last_runs, sla_ticket_counts


class SLACollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        tickets = GaugeMetricFamily(
            "helpdesk_sla_tickets", "Active tickets by SLA state (at_risk: warned, not breached).", labels=["state"]
        )
        for state, count in sorted(sla_ticket_counts().items()):
            tickets.add_metric([state], count)
        yield tickets

        lateness = GaugeMetricFamily(
            "helpdesk_sla_scan_lateness_seconds",
            "Last run of an SLA job: seconds between beat publishing it and a worker starting it.",
            labels=["kind"],
        )
        duration = GaugeMetricFamily(
            "helpdesk_sla_scan_duration_seconds", "Last run of an SLA job: seconds it took.", labels=["kind"]
        )
        age = GaugeMetricFamily(
            "helpdesk_sla_scan_last_start_age_seconds",
            "Seconds since the last run of an SLA job started (grows when beat or the workers stop).",
            labels=["kind"],
        )
        now = timezone.now()
        for kind, run in sorted(sla_scan_last_runs().items()):
            lateness.add_metric([kind], run.lateness_seconds)
            duration.add_metric([kind], (run.finished_at - run.started_at).total_seconds())
            age.add_metric([kind], max(0.0, (now - run.started_at).total_seconds()))
        yield lateness
        yield duration
        yield age
