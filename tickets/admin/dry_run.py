"""The dry-run panel beside a rule's form in the admin (triggers, automations, SLA policies): the
rule as it stands in the form, saved or not, run against one ticket or the last N days' tickets
(tickets/rules/dryrun.py, tickets/sla/dryrun.py), writing nothing. The panel posts the form to
`<model>/dry-run/` and shows the JSON answer (tickets/static/tickets/dry_run.js)."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, JsonResponse
from django.urls import path, reverse

from config.admin_tools import SERVICE_ERRORS, service_error_text
from tickets.conditions import ACTORS, EVENTS
from tickets.models import Automation, BusinessCalendar, SLAPolicy, SLATarget, Trigger
from tickets.rules.dryrun import automation_dry_run, sample, trigger_dry_run
from tickets.sla.dryrun import sla_policy_dry_run

TEMPLATE = "admin/tickets/rule_change_form.html"


def _json(post: Any, name: str, default: Any) -> Any:
    raw = post.get(name, "")
    if not raw.strip():
        return default
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise ValidationError({name: [f"Not valid JSON: {exc}."]}) from exc


def _int(post: Any, name: str) -> int | None:
    raw = (post.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise ValidationError({name: ["A whole number."]})
    return int(raw)


def _targets(post: Any, policy: SLAPolicy) -> list[SLATarget]:
    """The SLA targets as the inline formset in the form holds them (deleted rows left out)."""
    total = _int(post, "targets-TOTAL_FORMS") or 0
    targets = []
    for index in range(total):
        prefix = f"targets-{index}-"
        if post.get(f"{prefix}DELETE") or not post.get(f"{prefix}priority"):
            continue
        targets.append(
            SLATarget(
                policy=policy,
                priority=post.get(f"{prefix}priority"),
                tier=post.get(f"{prefix}tier") or "",
                first_response_minutes=_int(post, f"{prefix}first_response_minutes"),
                next_reply_minutes=_int(post, f"{prefix}next_reply_minutes"),
                resolution_minutes=_int(post, f"{prefix}resolution_minutes"),
            )
        )
    return targets


def dry_run_for(model: type, post: Any) -> dict[str, Any]:
    """Run the dry run of the rule the form describes; raises ValidationError naming the field."""
    ticket_id, days = _int(post, "dry_run_ticket"), _int(post, "dry_run_days") or 7
    tickets = sample(ticket_id=ticket_id, days=days)
    if ticket_id is not None and not tickets:
        raise ValidationError({"dry_run_ticket": ["No such ticket."]})
    name = post.get("name") or "Unsaved rule"
    conditions = _json(post, "conditions", {})
    if model is SLAPolicy:
        calendar_id = _int(post, "calendar")
        policy = SLAPolicy(
            pk=_int(post, "dry_run_pk"),
            name=name,
            position=_int(post, "position") or 0,
            is_default=bool(post.get("is_default")),
            calendar=BusinessCalendar.objects.filter(pk=calendar_id).first() if calendar_id else None,
            conditions=conditions,
            pause_statuses=_json(post, "pause_statuses", {}),
        )
        return sla_policy_dry_run(policy=policy, tickets=tickets, targets=_targets(post, policy))
    actions = _json(post, "actions", [])
    if model is Trigger:
        event, actor = post.get("dry_run_event") or "created", post.get("dry_run_actor") or "customer"
        if event not in EVENTS:
            raise ValidationError({"dry_run_event": [f"One of {', '.join(EVENTS)}."]})
        if actor not in ACTORS:
            raise ValidationError({"dry_run_actor": [f"One of {', '.join(ACTORS)}."]})
        rule = Trigger(name=name, conditions=conditions, actions=actions)
        return trigger_dry_run(trigger=rule, tickets=tickets, event=event, actor=actor)
    return automation_dry_run(automation=Automation(name=name, conditions=conditions, actions=actions), tickets=tickets)


class DryRunPanelMixin:
    """Adds the dry-run panel and its endpoint to a rule's ModelAdmin."""

    change_form_template = TEMPLATE
    model: type
    admin_site: Any

    def get_urls(self) -> list:
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}_dry_run"
        own = [path("dry-run/", self.admin_site.admin_view(self.dry_run_view), name=name)]
        return own + super().get_urls()  # type: ignore[misc]

    def dry_run_view(self, request: HttpRequest) -> JsonResponse:
        if request.method != "POST":
            return JsonResponse({"errors": {"": ["POST the rule's form."]}}, status=405)
        if not (self.has_add_permission(request) or self.has_change_permission(request)):  # type: ignore[attr-defined]
            raise PermissionDenied
        try:
            return JsonResponse(dry_run_for(self.model, request.POST))
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
            return JsonResponse({"errors": errors}, status=400)
        except SERVICE_ERRORS as exc:
            return JsonResponse({"errors": {"": [service_error_text(exc)]}}, status=400)

    def render_change_form(self, request: HttpRequest, context: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        opts = self.model._meta
        context["dry_run"] = {
            "url": reverse(f"admin:{opts.app_label}_{opts.model_name}_dry_run"),
            "is_trigger": self.model is Trigger,
            "events": EVENTS,
            "actors": ACTORS,
            "pk": getattr(kwargs.get("obj"), "pk", "") or "",
        }
        return super().render_change_form(request, context, *args, **kwargs)  # type: ignore[misc]
