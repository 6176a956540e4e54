"""Ticket types (question, incident, problem, task, ...): an editable list, like categories. A
type says what kind of work a ticket is, where a category says what it is about; rules, SLA
conditions, reports, filters and custom-field scopes use it."""

from __future__ import annotations

from django.db import models


class TicketType(models.Model):
    slug = models.SlugField(max_length=50, unique=True, help_text="What the API, filters and rules use.")
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in lists (lowest first).")
    is_active = models.BooleanField(
        default=True, help_text="Inactive types stay on the tickets that have them but cannot be chosen."
    )

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name
