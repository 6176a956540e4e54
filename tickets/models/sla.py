"""The SLA engine's configuration (tickets/sla/, tickets/admin/sla.py): calendars, holidays,
policies and their targets."""

from __future__ import annotations

from django.db import models

from agents.models import Priority
from customers.models import Tier
from tickets.business_time import DEFAULT_WORKING_HOURS, validate_time_zone, validate_working_hours

# --- SLA engine (tickets/sla/, tickets/admin/sla.py) -----------------


def default_working_hours() -> dict[str, list[list[str]]]:
    return {day: [list(pair) for pair in pairs] for day, pairs in DEFAULT_WORKING_HOURS.items()}


def _validate_time_zone(value: str) -> None:
    validate_time_zone(value)


def _validate_working_hours(value: object) -> None:
    validate_working_hours(value)


class BusinessCalendar(models.Model):
    """When the SLA clock runs: a time zone, weekly working hours and holidays, or 24x7."""

    name = models.CharField(max_length=100, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[_validate_time_zone])
    is_24x7 = models.BooleanField(
        "24x7", default=False, help_text="Business time is wall-clock time: working hours and holidays are ignored."
    )
    working_hours = models.JSONField(
        default=default_working_hours,
        blank=True,
        validators=[_validate_working_hours],
        help_text='Per weekday, [start, end] local times: {"mon": [["09:00", "17:00"]], ..., "sun": []}. '
        "An end before its start runs past midnight.",
    )
    holiday_country = models.CharField(
        max_length=10, blank=True, help_text="ISO country code (optionally -SUBDIVISION) to import holidays from."
    )
    is_default = models.BooleanField(default=False, help_text="Used by policies without a calendar.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="one_default_business_calendar"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Holiday(models.Model):
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="holiday_calendar_date_unique")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}".strip()


SLA_METRICS = ("first_response", "next_reply", "resolution")


def empty_policy_conditions() -> dict[str, list]:
    return {"all": [], "any": []}


def default_pause_statuses() -> dict[str, list[str]]:
    """Which statuses stop which clock: by default pending and on_hold pause resolution."""
    return {"first_response": [], "next_reply": [], "resolution": ["on_hold", "pending"]}


class SLAPolicy(models.Model):
    """Targets for first response, next reply and resolution (SLATarget rows) measured on a
    calendar. Policies are tried in order (position, then id): the first whose conditions hold
    (the trigger condition language, tickets/conditions.py) applies; the default policy
    applies when none does."""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    calendar = models.ForeignKey(
        BusinessCalendar,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="policies",
        help_text="Empty: the default calendar.",
    )
    position = models.PositiveIntegerField(default=100, help_text="Lower is tried first; ties by id.")
    conditions = models.JSONField(
        default=empty_policy_conditions,
        blank=True,
        help_text='As for triggers: {"all": [{"field": "team", "operator": "in", "value": [3]}], "any": [...]}. '
        "Fields: customer_tier, organization, category, priority, channel, team.",
    )
    pause_statuses = models.JSONField(
        default=default_pause_statuses,
        blank=True,
        help_text='Statuses that pause each clock: {"first_response": [], "next_reply": [], '
        '"resolution": ["on_hold", "pending"]}. Resolved and closed always stop resolution.',
    )
    is_default = models.BooleanField(default=False, help_text="Applies to tickets no other policy matches.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="one_default_sla_policy"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SLATarget(models.Model):
    """One row of a policy: business minutes for a priority, optionally for one customer tier
    (a tier-specific row wins over the tier-less one). Empty minutes: no target."""

    policy = models.ForeignKey(SLAPolicy, on_delete=models.CASCADE, related_name="targets")
    priority = models.CharField(max_length=20, choices=Priority.choices)
    tier = models.CharField(
        max_length=20,
        blank=True,
        choices=[("", "Any tier"), *Tier.choices],
        help_text="Empty: every tier without a row of its own.",
    )
    first_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    next_reply_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="From each customer reply to the next public agent reply."
    )
    resolution_minutes = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["policy", "tier", "priority"]
        verbose_name = "SLA target"
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "priority", "tier"], name="slatarget_policy_priority_tier_unique"
            ),
            models.CheckConstraint(condition=models.Q(priority__in=Priority.values), name="slatarget_priority_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.policy}: {self.priority}{f' ({self.tier})' if self.tier else ''}"


class SLAScanKind(models.TextChoices):
    BREACH_SCAN = "breach_scan", "Breach scan"
    ESCALATION = "escalation", "Escalation"


class SLAScanRun(models.Model):
    """One run of a periodic SLA job: when beat published it, when a worker started and finished it,
    and what it stamped. Lateness (started - scheduled) is the SLA clock falling behind; the metrics
    page shows the last run's and how long ago it started (tickets/sla/runs.py, tickets/sla/metrics.py)."""

    kind = models.CharField(max_length=20, choices=SLAScanKind.choices)
    scheduled_at = models.DateTimeField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    result = models.JSONField(default=dict)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = "SLA scan run"
        indexes = [models.Index(fields=["kind", "-started_at"], name="slascanrun_kind_started_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=SLAScanKind.values), name="slascanrun_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} at {self.started_at:%Y-%m-%d %H:%M:%S}"

    @property
    def lateness_seconds(self) -> float:
        return max(0.0, (self.started_at - self.scheduled_at).total_seconds())


class SLAEventKind(models.TextChoices):
    STARTED = "started", "Started"
    PAUSED = "paused", "Paused"
    RESUMED = "resumed", "Resumed"
    ACHIEVED = "achieved", "Achieved"
    BREACHED = "breached", "Breached"


class SLAMetric(models.TextChoices):
    FIRST_RESPONSE = "first_response", "First response"
    NEXT_REPLY = "next_reply", "Next reply"
    RESOLUTION = "resolution", "Resolution"


class SLAEvent(models.Model):
    """One moment of a ticket's SLA clocks, written by tickets/sla/ services and scans: a clock
    started, paused, resumed, was achieved or breached. Replaying a ticket's log under its policy
    gives its due times (tickets/sla/clock.py)."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="sla_events", db_index=False)
    metric = models.CharField(max_length=20, choices=SLAMetric.choices)
    kind = models.CharField(max_length=10, choices=SLAEventKind.choices)
    at = models.DateTimeField()
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["ticket", "at", "id"]
        verbose_name = "SLA event"
        indexes = [models.Index(fields=["ticket", "at", "id"], name="slaevent_ticket_at_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(metric__in=SLAMetric.values), name="slaevent_metric_valid"),
            models.CheckConstraint(condition=models.Q(kind__in=SLAEventKind.values), name="slaevent_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.metric} {self.kind} at {self.at:%Y-%m-%d %H:%M}"
