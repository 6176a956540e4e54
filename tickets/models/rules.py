"""Business rules an admin owns (tickets/rules/): triggers run on a ticket change, automations run
on a schedule; both hold their conditions and actions as JSON in the rule language of
tickets/conditions.py and tickets/rules/actions.py. Every saved change is a RuleVersion."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


def empty_conditions() -> dict[str, list]:
    return {"all": [], "any": []}


class RuleBase(models.Model):
    """What triggers and automations share: a name, an order, conditions, actions, and whether it runs.
    `key` names a rule the product ships (a default rule): it can be edited and disabled, not deleted."""

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=100, help_text="Lower runs first; ties by id.")
    conditions = models.JSONField(
        default=empty_conditions,
        blank=True,
        help_text='{"all": [{"field": "status", "operator": "is", "value": "open"}], "any": [...]}',
    )
    actions = models.JSONField(default=list, help_text='[{"action": "set_status", "value": "open"}, ...]')
    key = models.SlugField(max_length=60, null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_default(self) -> bool:
        return bool(self.key)


class Trigger(RuleBase):
    """Runs when a ticket changes (created, updated, replied to, ...), inside the change's
    transaction and through the ordinary services."""

    class Meta(RuleBase.Meta):
        indexes = [
            models.Index(fields=["position", "id"], name="trigger_active_order_idx", condition=models.Q(is_active=True))
        ]


class Automation(RuleBase):
    """Runs on a schedule (beat) over every ticket matching its conditions, set-based; fires once
    per ticket until the ticket stops matching."""

    last_run_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta(RuleBase.Meta):
        indexes = [
            models.Index(
                fields=["position", "id"], name="automation_active_order_idx", condition=models.Q(is_active=True)
            )
        ]


class AutomationFiring(models.Model):
    """An automation fired on a ticket: it does not fire there again until the ticket stopped
    matching (the row is deleted then)."""

    automation = models.ForeignKey(Automation, on_delete=models.CASCADE, related_name="firings")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+", db_index=False)
    fired_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["automation", "ticket"], name="automationfiring_unique"),
        ]
        indexes = [models.Index(fields=["ticket"], name="automationfiring_ticket_idx")]

    def __str__(self) -> str:
        return f"{self.automation_id} on #{self.ticket_id}"


class RuleKind(models.TextChoices):
    TRIGGER = "trigger", "Trigger"
    AUTOMATION = "automation", "Automation"
    SLA_POLICY = "sla_policy", "SLA policy"


class RuleVersion(models.Model):
    """One saved state of a rule: who saved it, when, and the rule as it was after (and before) the
    change. Restoring writes a new version."""

    kind = models.CharField(max_length=20, choices=RuleKind.choices)
    rule_id = models.PositiveIntegerField()
    number = models.PositiveIntegerField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["kind", "rule_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "rule_id", "number"], name="ruleversion_unique"),
            models.CheckConstraint(condition=models.Q(kind__in=RuleKind.values), name="ruleversion_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.rule_id} v{self.number}"
