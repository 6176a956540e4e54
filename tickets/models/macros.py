"""A macro: a named reply/note template with placeholders and a set of actions on the ticket."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from agents.models import Priority
from tickets.models.tickets import Status


class Visibility(models.TextChoices):
    PUBLIC = "public", "Public reply"
    INTERNAL = "internal", "Internal note"


class Macro(models.Model):
    """Applied by an agent (composer, queue bulk action, API): the body is rendered with the
    placeholders in tickets/macros/services.py and sent as a reply or note; each action goes
    through the ordinary services, so every change is an audited event.

    Shared macros (no owner) are for everyone; personal ones only for their owner."""

    name = models.CharField(max_length=100)
    body = models.TextField(
        blank=True,
        help_text="Placeholders: {{ customer_name }}, {{ customer_email }}, {{ ticket_reference }}, "
        "{{ ticket_title }}, {{ agent_name }}. Empty: the macro only changes fields.",
    )
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    set_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    set_priority = models.CharField(max_length=20, choices=Priority.choices, blank=True)
    set_team = models.ForeignKey(
        "agents.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="set team"
    )
    set_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"agent__isnull": False},
        verbose_name="set assignee",
    )
    add_tags = models.JSONField(default=list, blank=True)
    remove_tags = models.JSONField(default=list, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="macros",
        help_text="Empty: shared with every agent. Set: a personal macro only its owner sees.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "tickets"
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(visibility__in=Visibility.values), name="macro_visibility_valid"),
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(owner__isnull=True), name="macro_shared_name_unique"
            ),
            models.UniqueConstraint(fields=["owner", "name"], name="macro_personal_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_internal(self) -> bool:
        return self.visibility == Visibility.INTERNAL

    @property
    def is_shared(self) -> bool:
        return self.owner_id is None

    def is_usable_by(self, user: object) -> bool:
        return self.is_active and (self.owner_id is None or self.owner_id == getattr(user, "pk", None))
