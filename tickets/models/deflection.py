"""Deflection: a customer writing a new request opened a knowledge-base article we suggested. If no
request follows (within PORTAL_DEFLECTION_WINDOW_HOURS), the article answered them: a deflected
ticket. tickets/reports.py counts the rate."""

from __future__ import annotations

from django.db import models


class Deflection(models.Model):
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    article = models.ForeignKey("knowledge.Article", null=True, on_delete=models.SET_NULL, related_name="+")
    query = models.CharField(max_length=200, help_text="The request's subject as typed when the article was opened.")
    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The request sent after reading (not deflected); empty while none followed.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_at"], name="deflection_created_idx")]

    def __str__(self) -> str:
        return f"{self.query} → article {self.article_id}"
