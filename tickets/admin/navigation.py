"""The admin's sidebar, built per request from the caller's role (UNFOLD["SIDEBAR"] points here).

- Everybody in the desk sees their work first: the dashboard, the queue and its presets (mine,
  unassigned, breached, next SLA deadline first), then customers and the desk's knowledge.
- Admins and senior agents also see Reports; admins alone see Configuration (people, teams,
  SLA, integrations, schedules) and Operations (outbox, consumer runs, deliveries, email log).
- An item is listed only if the caller may view its model, so the sidebar never links to a 403.

Building the list costs no query (roles and permissions are cached on the user)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

from django.http import HttpRequest
from django.urls import reverse

from agents.models import Role
from agents.selectors import user_role
from tickets.admin.changelist import SLA_COLUMN, queue_url
from tickets.admin.saved_views import saved_view_items

# (title, icon, app_label.model) of each section's model pages, in order.
DESK_MODELS = (
    ("Customers", "person", "customers.customer"),
    ("Organisations", "apartment", "customers.organization"),
    ("Categories", "category", "tickets.category"),
    ("Teams", "groups", "agents.team"),
    ("Agents", "badge", "agents.agent"),
    ("SLA policies", "timer", "tickets.slapolicy"),
    ("Business calendars", "calendar_month", "tickets.businesscalendar"),
)
KNOWLEDGE_MODELS = (
    ("Articles", "article", "knowledge.article"),
    ("Sections", "folder", "knowledge.section"),
    ("Categories", "category", "knowledge.kbcategory"),
)
JOB_MODELS = (
    ("Exports", "download", "tickets.exportjob"),
    ("Bulk updates", "dynamic_feed", "tickets.bulkupdatejob"),
)
CONFIGURATION_MODELS = (
    ("Users", "manage_accounts", "agents.user"),
    ("Roles (groups)", "shield_person", "auth.group"),
    ("API keys", "key", "agents.apikey"),
    ("Webhooks", "webhook", "notifications.webhooksubscription"),
    ("Holidays", "event_busy", "tickets.holiday"),
    ("Triggers", "bolt", "tickets.trigger"),
    ("Automations", "schedule_send", "tickets.automation"),
    ("Scheduled tasks", "schedule", "django_celery_beat.periodictask"),
    ("GDPR audit trail", "policy", "customers.gdprauditentry"),
)
OPERATIONS_MODELS = (
    ("Outbox events", "outbox", "notifications.outboxevent"),
    ("Consumer runs", "sync", "notifications.consumerrun"),
    ("Webhook deliveries", "send", "notifications.webhookdelivery"),
    ("Email log", "mail", "notifications.emaillog"),
    ("SLA scan runs", "monitor_heart", "tickets.slascanrun"),
    ("Portal deflections", "lightbulb", "tickets.deflection"),
)


def _is_current(request: HttpRequest, link: str) -> bool:
    parsed = urlparse(link)
    return parsed.path == request.path and parse_qs(parsed.query) == parse_qs(request.GET.urlencode())


def _item(request: HttpRequest, title: str, icon: str, link: str, **extra: Any) -> dict[str, Any]:
    return {"title": title, "icon": icon, "link": link, "active": _is_current(request, link), **extra}


def _model_items(request: HttpRequest, models: tuple[tuple[str, str, str], ...]) -> list[dict[str, Any]]:
    items = []
    for title, icon, label in models:
        app_label, model = label.split(".")
        if request.user.has_perm(f"{app_label}.view_{model}"):
            link = reverse(f"admin:{app_label}_{model}_changelist")
            items.append({"title": title, "icon": icon, "link": link, "active": request.path.startswith(link)})
    return items


def work_items(request: HttpRequest) -> list[dict[str, Any]]:
    items = [_item(request, "Dashboard", "dashboard", reverse("admin:index"))]
    if request.user.has_perm("tickets.view_ticket"):
        items += [
            _item(request, "Queue: active work", "inbox", queue_url()),
            _item(request, "Mine", "person_pin", queue_url(assignee="me")),
            _item(request, "Unassigned", "person_off", queue_url(assignee="none")),
            _item(request, "Next SLA deadline first", "alarm", queue_url(o=SLA_COLUMN)),
            _item(request, "Breached", "error", queue_url(sla="breached")),
        ]
    return items


def sidebar_navigation(request: HttpRequest) -> list[dict[str, Any]]:
    role = user_role(request.user)
    groups: list[dict[str, Any]] = [{"title": "Work", "items": work_items(request)}]
    groups.append({"title": "Saved views", "items": saved_view_items(request)})
    groups.append({"title": "Desk", "items": _model_items(request, DESK_MODELS)})
    groups.append({"title": "Knowledge base", "items": _model_items(request, KNOWLEDGE_MODELS)})
    if role in (Role.ADMIN, Role.SENIOR_AGENT):
        reports = _item(request, "Reports", "monitoring", reverse("admin:tickets_reports"))
        groups.append({"title": "Reports", "items": [reports]})
    groups.append({"title": "Jobs", "items": _model_items(request, JOB_MODELS)})
    if role == Role.ADMIN:
        groups.append({"title": "Configuration", "items": _model_items(request, CONFIGURATION_MODELS)})
        groups.append({"title": "Operations", "items": _model_items(request, OPERATIONS_MODELS)})
    return [group for group in groups if group["items"]]
