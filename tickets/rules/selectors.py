"""Reading rules and their history."""

from __future__ import annotations

from django.db.models import QuerySet

from tickets.models import Automation, RuleVersion, Trigger


def trigger_list() -> QuerySet[Trigger]:
    return Trigger.objects.order_by("position", "id")


def automation_list() -> QuerySet[Automation]:
    return Automation.objects.order_by("position", "id")


def rule_versions(*, kind: str, rule_id: int) -> QuerySet[RuleVersion]:
    return RuleVersion.objects.filter(kind=kind, rule_id=rule_id).select_related("actor").order_by("-number")
