"""Tickets: Ticket, categories, channels, and the status lifecycle. Their conversation (replies,
notes, files) is in conversation.py, the audit trail in events.py."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from agents.models import Priority


class Status(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    PENDING = "pending", "Pending (waiting on customer)"
    ON_HOLD = "on_hold", "On hold"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


# The guarded lifecycle: from -> the statuses it may move to. Reopening is resolved/closed -> open.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.OPEN: frozenset({Status.IN_PROGRESS, Status.PENDING, Status.ON_HOLD, Status.RESOLVED, Status.CLOSED}),
    Status.IN_PROGRESS: frozenset({Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.RESOLVED, Status.CLOSED}),
    Status.PENDING: frozenset({Status.OPEN, Status.IN_PROGRESS, Status.ON_HOLD, Status.RESOLVED, Status.CLOSED}),
    Status.ON_HOLD: frozenset({Status.OPEN, Status.IN_PROGRESS, Status.PENDING, Status.RESOLVED, Status.CLOSED}),
    Status.RESOLVED: frozenset({Status.OPEN, Status.IN_PROGRESS, Status.CLOSED}),
    Status.CLOSED: frozenset({Status.OPEN}),
}
ACTIVE_STATUSES: frozenset[str] = frozenset({Status.OPEN, Status.IN_PROGRESS, Status.PENDING, Status.ON_HOLD})
DONE_STATUSES: frozenset[str] = frozenset({Status.RESOLVED, Status.CLOSED})


PRIORITY_RANK: dict[str, int] = {Priority.LOW: 1, Priority.MEDIUM: 2, Priority.HIGH: 3, Priority.CRITICAL: 4}
# One step up on escalation; critical stays critical.
NEXT_PRIORITY: dict[str, str] = {
    Priority.LOW: Priority.MEDIUM,
    Priority.MEDIUM: Priority.HIGH,
    Priority.HIGH: Priority.CRITICAL,
    Priority.CRITICAL: Priority.CRITICAL,
}


class Channel(models.TextChoices):
    WEB = "web", "Web"
    API = "api", "API"
    EMAIL = "email", "Email"
    ADMIN = "admin", "Admin"
    PHONE = "phone", "Phone"


class Satisfaction(models.TextChoices):
    GOOD = "good", "Good"
    BAD = "bad", "Bad"


class Category(models.Model):
    """What a ticket is about (billing, technical, ...). Routes to a team; agents' skills name these slugs."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    team = models.ForeignKey(
        "agents.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="categories",
        help_text="New tickets in this category are routed to this team.",
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


def _priority_rank_expression() -> models.Case:
    return models.Case(
        *(models.When(priority=value, then=models.Value(rank)) for value, rank in PRIORITY_RANK.items()),
        default=models.Value(0),
        output_field=models.PositiveSmallIntegerField(),
    )


# "Urgent": open or pending, unassigned, high or critical (the API's `urgent` filter, `is_urgent`).
URGENT_STATUSES: tuple[str, ...] = (Status.OPEN, Status.PENDING)
URGENT_PRIORITIES: tuple[str, ...] = (Priority.HIGH, Priority.CRITICAL)


def active_q() -> models.Q:
    """Tickets still being worked on (not resolved or closed)."""
    return models.Q(status__in=sorted(ACTIVE_STATUSES))


def urgent_q() -> models.Q:
    return models.Q(status__in=URGENT_STATUSES, assignee__isnull=True, priority__in=URGENT_PRIORITIES)


class TicketQuerySet(models.QuerySet):
    def active(self) -> TicketQuerySet:
        return self.filter(active_q())

    def urgent(self) -> TicketQuerySet:
        return self.filter(urgent_q())


class Ticket(models.Model):
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    priority = models.CharField(max_length=20, choices=Priority.choices, default=Priority.MEDIUM)
    # Kept by the database from `priority`, so "most urgent first" is an index scan and
    # set-based escalation (UPDATE ... SET priority) cannot leave it stale.
    priority_rank = models.GeneratedField(
        expression=_priority_rank_expression(),
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
    )
    # The foreign keys' own single-column indexes are left out (db_index=False): each column leads
    # a composite index in Meta.indexes, which serves the same lookups (and the FK checks).
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets", db_index=False
    )
    ticket_type = models.ForeignKey(
        "tickets.TicketType",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,
        verbose_name="type",
    )
    tags = models.JSONField(default=list, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    # Values of the admin-defined custom fields, {key: value} (tickets/custom_fields.py). Filtered by
    # containment (@>) through a GIN jsonb_path_ops index built by migration on PostgreSQL only.
    custom_fields = models.JSONField(default=dict, blank=True, editable=False)
    external_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)

    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="tickets", db_index=False)
    # Copied from the customer at creation: scoping a customer's view is one indexed column.
    organization = models.ForeignKey(
        "customers.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        db_index=False,
    )
    team = models.ForeignKey(
        "agents.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets", db_index=False
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
        limit_choices_to={"agent__isnull": False},
        db_index=False,
    )

    escalated = models.BooleanField(default=False)
    escalated_at = models.DateTimeField(null=True, blank=True)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # When the status last changed (creation counts): automations' "hours since the status changed".
    status_changed_at = models.DateTimeField(default=timezone.now, editable=False)

    # SLA targets as timestamps (see tickets/sla/): a breach scan is an index range scan.
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    sla_warned_at = models.DateTimeField(null=True, blank=True)
    sla_breached_at = models.DateTimeField(null=True, blank=True)
    # SLA engine (tickets/sla/): the 80% warning points, and the
    # resolution clock's pause while pending (the pause pushes resolution_due_at on leaving).
    first_response_warn_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolution_warn_at = models.DateTimeField(null=True, blank=True, editable=False)
    sla_paused_at = models.DateTimeField(null=True, blank=True, editable=False)
    sla_paused_minutes = models.PositiveIntegerField(
        default=0, editable=False, help_text="Business minutes the resolution clock was paused."
    )
    # The policy that matched (first match wins, tickets/sla/selection.py); no index: the scans
    # only combine it with their indexed due-time ranges, and deleting a policy is rare.
    sla_policy = models.ForeignKey(
        "tickets.SLAPolicy", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    # The next-reply clock: running from a customer reply until the next public agent reply.
    next_reply_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    next_reply_breached_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The next SLA deadline (first response until it is met, then resolution), kept by the
    # database, so the queue's "next SLA deadline first" is a walk of ticket_sla_due_idx.
    sla_due_at = models.GeneratedField(
        expression=models.Case(
            models.When(
                first_responded_at__isnull=True,
                first_response_due_at__isnull=False,
                then=models.F("first_response_due_at"),
            ),
            default=models.F("resolution_due_at"),
        ),
        output_field=models.DateTimeField(null=True, blank=True),
        db_persist=True,
    )

    # Customer satisfaction (tickets/satisfaction.py): the answer to the survey mailed on resolving.
    satisfaction = models.CharField(max_length=4, choices=Satisfaction.choices, blank=True, editable=False)
    satisfaction_comment = models.TextField(blank=True, editable=False)
    satisfaction_rated_at = models.DateTimeField(null=True, blank=True, editable=False)

    # Data retention in anonymise mode (tickets/jobs.py): set once, so a later run skips the row.
    anonymized_at = models.DateTimeField(null=True, blank=True, editable=False)

    # Optimistic concurrency: bumped by every service write; the API's ETag.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=Status.values), name="ticket_status_valid"),
            models.CheckConstraint(condition=models.Q(priority__in=Priority.values), name="ticket_priority_valid"),
            models.CheckConstraint(condition=models.Q(channel__in=Channel.values), name="ticket_channel_valid"),
            models.CheckConstraint(
                condition=~models.Q(status=Status.RESOLVED) | models.Q(resolved_at__isnull=False),
                name="ticket_resolved_has_resolved_at",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=Status.CLOSED) | models.Q(closed_at__isnull=False),
                name="ticket_closed_has_closed_at",
            ),
            models.CheckConstraint(
                condition=models.Q(escalated=False) | models.Q(escalated_at__isnull=False),
                name="ticket_escalated_has_escalated_at",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "priority"], name="ticket_status_priority_idx"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_status_idx"),
            models.Index(fields=["team", "status"], name="ticket_team_status_idx"),
            models.Index(fields=["organization", "created_at"], name="ticket_org_created_idx"),
            models.Index(fields=["customer", "created_at"], name="ticket_customer_created_idx"),
            models.Index(fields=["category", "status"], name="ticket_category_status_idx"),
            models.Index(fields=["ticket_type", "status"], name="ticket_type_status_idx"),
            models.Index(fields=["created_at", "id"], name="ticket_created_idx"),
            models.Index(fields=["updated_at"], name="ticket_updated_idx"),
            # The admin's "most urgent first" ordering, id included so the ordering is total.
            models.Index(fields=["-priority_rank", "created_at", "id"], name="ticket_urgency_idx"),
            # The same within one status: the admin's queues (status filter), even a rare status's deep pages.
            models.Index(fields=["status", "-priority_rank", "created_at", "id"], name="ticket_status_urgency_idx"),
            # The few escalated tickets (the `escalated` filters); "not escalated" is nearly every row.
            models.Index(fields=["created_at"], name="ticket_escalated_idx", condition=models.Q(escalated=True)),
            # Retention (tickets/jobs.py): status=closed and closed_at < cutoff.
            models.Index(fields=["closed_at"], name="ticket_closed_at_idx", condition=models.Q(status=Status.CLOSED)),
            # The SLA scans (tickets/sla/) read only rows still to stamp: index range scans.
            models.Index(
                fields=["first_response_due_at"],
                name="ticket_frt_due_open_idx",
                condition=models.Q(
                    first_responded_at__isnull=True, status__in=sorted(ACTIVE_STATUSES), sla_breached_at__isnull=True
                ),
            ),
            models.Index(
                fields=["resolution_due_at"],
                name="ticket_res_due_open_idx",
                condition=models.Q(status__in=sorted(ACTIVE_STATUSES), sla_breached_at__isnull=True),
            ),
            models.Index(
                fields=["next_reply_due_at"],
                name="ticket_nrt_due_open_idx",
                condition=models.Q(status__in=sorted(ACTIVE_STATUSES), next_reply_breached_at__isnull=True),
            ),
            models.Index(
                fields=["first_response_warn_at"],
                name="ticket_frt_warn_open_idx",
                condition=models.Q(
                    first_responded_at__isnull=True,
                    status__in=sorted(ACTIVE_STATUSES),
                    sla_warned_at__isnull=True,
                    sla_breached_at__isnull=True,
                ),
            ),
            models.Index(
                fields=["resolution_warn_at"],
                name="ticket_res_warn_open_idx",
                condition=models.Q(
                    status__in=sorted(ACTIVE_STATUSES), sla_warned_at__isnull=True, sla_breached_at__isnull=True
                ),
            ),
            models.Index(
                fields=["sla_breached_at"],
                name="ticket_breach_unescalated_idx",
                condition=models.Q(status__in=sorted(ACTIVE_STATUSES), sla_breached_at__isnull=False)
                & (models.Q(escalated_at__isnull=True) | models.Q(escalated_at__lt=models.F("sla_breached_at"))),
            ),
            # The "SLA: breached" filter (tickets/sla/rules.py breached_q): stamped tickets; its overdue
            # branches use ticket_frt_due_open_idx and ticket_res_due_open_idx (a BitmapOr).
            models.Index(
                fields=["sla_breached_at"],
                name="ticket_sla_breached_idx",
                condition=models.Q(sla_breached_at__isnull=False),
            ),
            # The dashboard's "solved per day" and the reports' date ranges on resolution.
            models.Index(
                fields=["resolved_at"],
                name="ticket_resolved_idx",
                condition=models.Q(resolved_at__isnull=False),
            ),
            # The queue's "next SLA deadline first" over active work (Django adds "-id" as tie-break).
            models.Index(
                fields=["sla_due_at", "-id"],
                name="ticket_sla_due_idx",
                condition=models.Q(status__in=sorted(ACTIVE_STATUSES)),
            ),
            # "SLA: at risk" (at_risk_q): tickets already warned and not breached (a short window).
            models.Index(
                fields=["sla_warned_at"],
                name="ticket_sla_warned_idx",
                condition=models.Q(sla_warned_at__isnull=False, sla_breached_at__isnull=True),
            ),
            models.Index(
                fields=["created_at"],
                name="ticket_open_unassigned_idx",
                condition=models.Q(status=Status.OPEN, assignee__isnull=True),
            ),
            models.Index(
                fields=["resolved_at"], name="ticket_resolved_at_idx", condition=models.Q(status=Status.RESOLVED)
            ),
            models.Index(
                fields=["sla_paused_at"], name="ticket_pending_since_idx", condition=models.Q(status=Status.PENDING)
            ),
            # Automations (tickets/rules/automations.py): "in this status for N hours" is a range scan.
            models.Index(fields=["status", "status_changed_at"], name="ticket_status_changed_idx"),
            # CSAT figures (tickets/reports.py) read the ratings given in a period.
            models.Index(
                fields=["satisfaction_rated_at"],
                name="ticket_csat_rated_idx",
                condition=models.Q(satisfaction_rated_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def reference(self) -> str:
        return f"#{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_urgent(self) -> bool:
        """Open or pending, unassigned, high or critical. Resolved/closed tickets never are."""
        return self.status in URGENT_STATUSES and self.assignee_id is None and self.priority in URGENT_PRIORITIES

    def can_transition_to(self, status: str) -> bool:
        return status in ALLOWED_TRANSITIONS.get(self.status, frozenset())
