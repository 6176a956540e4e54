"""Saved views: named queues of filters, ordering and search (tickets/saved_views.py uses them)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ViewVisibility(models.TextChoices):
    PERSONAL = "personal", "Only me"
    TEAM = "team", "My team"
    EVERYONE = "everyone", "Everyone"


class ViewOrdering(models.TextChoices):
    URGENCY = "urgency", "Most urgent first"
    SLA_DUE = "sla_due", "Next SLA deadline first"
    UPDATED = "-updated_at", "Recently updated first"
    NEWEST = "-created_at", "Newest first"
    OLDEST = "created_at", "Oldest first"


class SavedView(models.Model):
    """A named queue: filters, ordering and search, for its owner, a team, or everyone.

    `filters` holds the ticket list's filter vocabulary (tickets/saved_views.py FILTER_KEYS):
    {"status": ["open"], "priority": ["high", "critical"], "team": 3, "assignee": "me", ...}."""

    name = models.CharField(max_length=80)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    visibility = models.CharField(max_length=10, choices=ViewVisibility.choices, default=ViewVisibility.PERSONAL)
    team = models.ForeignKey(
        "agents.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="saved_views", db_index=False
    )
    filters = models.JSONField(default=dict, blank=True)
    search = models.CharField(max_length=200, blank=True)
    ordering = models.CharField(max_length=20, choices=ViewOrdering.choices, default=ViewOrdering.URGENCY)
    position = models.PositiveSmallIntegerField(default=0, help_text="Lower comes first in the navigation.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("position", "name", "id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(visibility__in=ViewVisibility.values), name="savedview_visibility_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(visibility=ViewVisibility.TEAM) | models.Q(team__isnull=False),
                name="savedview_team_view_has_team",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "visibility"], name="savedview_owner_idx"),
            models.Index(fields=["team", "visibility"], name="savedview_team_idx"),
            models.Index(
                fields=["visibility"], name="savedview_everyone_idx", condition=models.Q(visibility="everyone")
            ),
        ]

    def __str__(self) -> str:
        return self.name
