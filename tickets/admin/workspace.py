"""The ticket page agents work in: one conversation timeline, a composer (reply or internal note,
files, macros), the properties, the SLA and the customer, live updates and presence.

Mixed into TicketAdmin: an existing ticket's change page is this page (the stock form stays at
`?details=1` for title, description and the rest). Every write goes through a service that checks
the version the page was rendered with (tickets/workspace.py): a stale write is refused, the draft
is kept and the page shows what changed and who changed it."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from agents.models import Agent, Team
from config.admin_tools import SERVICE_ERRORS, service_error_text
from tickets import validators
from tickets.admin.actions import bulk_apply
from tickets.admin.custom_fields import custom_fields_from_post
from tickets.admin.following import followers_panel
from tickets.admin.links import links_panel
from tickets.admin.time_entries import time_panel
from tickets.concurrency import StaleTicketError
from tickets.custom_fields import panel_rows
from tickets.live import views as live_views
from tickets.live.selectors import viewers_of
from tickets.macros.selectors import macro_get, macro_list
from tickets.macros.services import macro_apply, macro_preview
from tickets.models import ACTIVE_STATUSES, Category, Priority, Status, Ticket, TicketEvent, TicketType
from tickets.models.macros import Macro
from tickets.rules.explain import ticket_explain
from tickets.sla import rules as sla
from tickets.sla.log import ticket_log
from tickets.ticket_types import ticket_type_choices
from tickets.timeline import timeline
from tickets.workspace import SEND_AND_SET, ticket_properties_save, ticket_reply

TEMPLATE = "admin/tickets/ticket/workspace.html"
BADGE_LABELS = {"ok": "On track", "at_risk": "At risk", "breached": "Breached", "paused": "Paused"}
METRIC_LABELS = {"first_response": "First response", "next_reply": "Next reply", "resolution": "Resolution"}


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def sla_panel(ticket: Ticket, *, now: Any, log: list[Any] | None = None) -> dict[str, Any]:
    """The SLA panel: each running target, the pause, and the ticket's SLA event log (`log`: its
    entries, tickets/sla/log.py ticket_log)."""
    state = sla.sla_state(ticket, now=now)
    paused = ticket.status in ACTIVE_STATUSES and ticket.sla_paused_at is not None
    targets = []
    for label, due, met in (
        ("First response", ticket.first_response_due_at, ticket.first_responded_at),
        ("Next reply", ticket.next_reply_due_at, None),
        ("Resolution", ticket.resolution_due_at, ticket.resolved_at),
    ):
        if due is None:
            continue
        targets.append(
            {
                "label": label,
                "due": due,
                "met": met,
                "overdue": met is None and due <= now,
                "paused": paused and label == "Resolution",
            }
        )
    if paused and state == "ok":
        state = "paused"
    return {
        "state": state,
        "label": BADGE_LABELS.get(state, "No target running"),
        "targets": targets,
        "paused_since": ticket.sla_paused_at if paused else None,
        "paused_status": Status(ticket.status).label.lower() if paused else "",
        "breached_at": ticket.sla_breached_at,
        "log": [
            {"label": f"{METRIC_LABELS[e.metric]} {e.kind}", "at": e.at, "status": e.detail.get("status", "")}
            for e in (log or [])
            if e.detail.get("from") != "ticket"
        ],
    }


class TicketWorkspaceMixin:
    """Adds the ticket page and its endpoints to TicketAdmin."""

    admin_site: Any

    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        own = [
            path("<path:object_id>/reply/", wrap(self.reply_view), name="tickets_ticket_reply"),
            path("<path:object_id>/properties/", wrap(self.properties_view), name="tickets_ticket_properties"),
            path(
                "<path:object_id>/macro-preview/<int:macro_id>/",
                wrap(self.macro_preview_view),
                name="tickets_ticket_macro_preview",
            ),
            path("<path:object_id>/live/", wrap(self.live_view), name="tickets_ticket_live"),
            path("<path:object_id>/explain/", wrap(self.explain_view), name="tickets_ticket_explain"),
        ]
        return own + super().get_urls()  # type: ignore[misc]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        if request.method == "GET" and "details" not in request.GET:
            return self.workspace_view(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc]

    # --- reading -------------------------------------------------------------------------------

    def _ticket(self, request: HttpRequest, object_id: str) -> Ticket:
        ticket = self.get_object(request, object_id)  # type: ignore[attr-defined]
        if ticket is None:
            raise Http404("No such ticket.")
        if not self.has_view_permission(request, ticket):  # type: ignore[attr-defined]
            raise PermissionDenied
        return ticket

    def workspace_view(
        self,
        request: HttpRequest,
        object_id: str,
        *,
        draft: dict[str, Any] | None = None,
        status: int = 200,
    ) -> HttpResponse:
        ticket = self._ticket(request, object_id)
        now = timezone.now()
        entries = timeline(ticket=ticket)
        last_event_id = TicketEvent.objects.filter(ticket=ticket).order_by("-id").values_list("id", flat=True).first()
        customer = ticket.customer
        other_open = list(
            Ticket.objects.filter(customer_id=customer.pk, status__in=sorted(ACTIVE_STATUSES))
            .exclude(pk=ticket.pk)
            .only("pk", "title", "status", "priority")
            .order_by("-created_at")[:10]
        )
        can_change = self.has_change_permission(request, ticket)  # type: ignore[attr-defined]
        agents = (
            Agent.objects.select_related("user")
            .filter(user__is_active=True, user__is_staff=True)
            .exclude(role="viewer")
            .order_by("user__name", "user__email")
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": Ticket._meta,
            "title": f"{ticket.reference} {ticket.title}",
            "ticket": ticket,
            "original": ticket,
            "customer": customer,
            "organization": ticket.organization,
            "entries": entries,
            "last_event_id": last_event_id or 0,
            "other_open": other_open,
            "sla": sla_panel(ticket, now=now, log=ticket_log(ticket)),
            "explain_url": reverse("admin:tickets_ticket_explain", args=[ticket.pk]),
            "now": now,
            "can_change": can_change,
            "statuses": Status.choices,
            "priorities": Priority.choices,
            "teams": list(Team.objects.order_by("name").values_list("pk", "name")),
            "categories": list(Category.objects.order_by("name").values_list("pk", "name")),
            "ticket_types": ticket_type_choices(ticket.ticket_type),
            "custom_field_rows": panel_rows(ticket),
            "agents": [(a.user_id, a.user.get_full_name() or a.user.email) for a in agents],
            "send_and_set": [(s, Status(s).label) for s in SEND_AND_SET],
            "macros": list(macro_list(user=request.user)),
            "viewers": viewers_of(ticket_id=ticket.pk, exclude_user=request.user),
            "draft": draft or {},
            "tags_text": ", ".join(ticket.tags),
            "details_url": f"{reverse('admin:tickets_ticket_change', args=[ticket.pk])}?details=1",
            "has_permission": True,
            "split_url": reverse("admin:tickets_ticket_split", args=[ticket.pk]) if can_change else "",
            **links_panel(ticket, now=now),
            **followers_panel(ticket, user=request.user),
            **time_panel(ticket),
        }
        return TemplateResponse(request, TEMPLATE, context, status=status)

    def explain_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Why the ticket is as it is: every rule condition by condition, the changes rules made,
        and how each SLA due time was computed (tickets/rules/explain.py)."""
        ticket = self._ticket(request, object_id)
        context = {
            **self.admin_site.each_context(request),
            "opts": Ticket._meta,
            "title": f"Explain {ticket.reference}",
            "ticket": ticket,
            "original": ticket,
            "explain": ticket_explain(ticket=ticket),
            "back_url": reverse("admin:tickets_ticket_change", args=[ticket.pk]),
            "has_permission": True,
        }
        return TemplateResponse(request, "admin/tickets/ticket/explain.html", context)

    # --- writing -------------------------------------------------------------------------------

    def _writable(self, request: HttpRequest, object_id: str) -> Ticket:
        if request.method != "POST":
            raise Http404
        ticket = self._ticket(request, object_id)
        if not self.has_change_permission(request, ticket):  # type: ignore[attr-defined]
            raise PermissionDenied
        return ticket

    def _back(self, ticket: Ticket, anchor: str = "") -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:tickets_ticket_change", args=[ticket.pk]) + anchor)

    def _refused(self, request: HttpRequest, ticket: Ticket, exc: Exception, draft: dict[str, Any]) -> HttpResponse:
        self.message_user(
            request,
            service_error_text(exc) if isinstance(exc, StaleTicketError) else f"Not saved: {service_error_text(exc)}",
            messages.ERROR,
        )  # type: ignore[attr-defined]
        status = 409 if isinstance(exc, StaleTicketError) else 400
        return self.workspace_view(request, str(ticket.pk), draft=draft, status=status)

    def reply_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        ticket = self._writable(request, object_id)
        post = request.POST
        is_internal = post.get("visibility") == "internal"
        set_status = post.get("set_status", "") if post.get("action") == "send_and_set" else ""
        macro = None
        if post.get("macro"):
            macro = macro_get(user=request.user, pk=_int_or_none(post.get("macro")) or 0)
        draft = {"body": post.get("body", ""), "internal": is_internal, "macro": macro.pk if macro else ""}
        try:
            ticket_reply(
                ticket=ticket,
                actor=request.user,
                body=post.get("body", ""),
                is_internal=is_internal,
                files=request.FILES.getlist("files"),
                set_status=set_status,
                macro=macro,
                expected_version=_int_or_none(post.get("version")),
                seen_event_id=_int_or_none(post.get("seen_event")),
                time_minutes=post.get("time_minutes", ""),
                time_billable=post.get("time_billable") == "1",
            )
        except SERVICE_ERRORS as exc:
            return self._refused(request, ticket, exc, draft)
        what = "Internal note added" if is_internal else f"Reply sent to {ticket.customer.email}"
        if set_status:
            what += f"; status set to {Status(set_status).label.lower()}"
        self.message_user(request, f"{what}.", messages.SUCCESS)  # type: ignore[attr-defined]
        return self._back(ticket, "#composer")

    def properties_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        ticket = self._writable(request, object_id)
        post = request.POST
        try:
            data = self._properties(request, post)
            _, changed = ticket_properties_save(
                ticket=ticket,
                actor=request.user,
                data=data,
                expected_version=_int_or_none(post.get("version")),
                seen_event_id=_int_or_none(post.get("seen_event")),
            )
        except SERVICE_ERRORS as exc:
            return self._refused(request, ticket, exc, {})
        if changed:
            self.message_user(request, f"Saved: {', '.join(changed)}.", messages.SUCCESS)  # type: ignore[attr-defined]
        else:
            self.message_user(request, "No changes: nothing was written.", messages.INFO)  # type: ignore[attr-defined]
        return self._back(ticket)

    def _properties(self, request: HttpRequest, post: Any) -> dict[str, Any]:
        data: dict[str, Any] = {}
        errors: dict[str, list[str]] = {}
        for name in ("status", "priority"):
            if name in post:
                data[name] = post[name]
        lookups = {
            "team": Team.objects,
            "category": Category.objects,
            "ticket_type": TicketType.objects,
            "assignee": get_user_model().objects,
        }
        for name, manager in lookups.items():
            if name not in post:
                continue
            raw = post[name]
            if raw == "":
                data[name] = None
                continue
            found = manager.filter(pk=_int_or_none(raw) or 0).first()
            if found is None:
                errors[name] = [f"Unknown {name} '{raw}'."]
            data[name] = found
        if "assign_to_me" in post:
            data["assignee"] = request.user
        custom_fields = custom_fields_from_post(post)
        if custom_fields is not None:
            data["custom_fields"] = custom_fields
        if "tags" in post:
            try:
                data["tags"] = validators.normalize_tags([t.strip() for t in post["tags"].split(",") if t.strip()])
            except ValidationError as exc:
                errors["tags"] = exc.messages
        if errors:
            raise ValidationError(errors)
        return data

    def macro_preview_view(self, request: HttpRequest, object_id: str, macro_id: int) -> JsonResponse:
        ticket = self._ticket(request, object_id)
        macro = macro_get(user=request.user, pk=macro_id)
        if macro is None:
            raise Http404("No such macro.")
        return JsonResponse(macro_preview(macro=macro, ticket=ticket, actor=request.user).as_dict())

    def live_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        ticket_id = _int_or_none(object_id)
        if ticket_id is None or not self.has_view_permission(request):  # type: ignore[attr-defined]
            raise Http404
        return live_views.ticket_live(request, ticket_id=ticket_id)


@admin.action(description="Apply a macro (choose it next to the action)", permissions=["change"])
def apply_macro(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
    """The queue's bulk action: the macro's reply or note and its changes on each ticket, each an
    audited event; a ticket that refuses a change (a forbidden transition) is reported and left as it was."""
    macro = Macro.objects.filter(pk=_int_or_none(request.POST.get("macro")) or 0, is_active=True).first()
    if macro is None or not macro.is_usable_by(request.user):
        modeladmin.message_user(request, "Choose the macro in the 'macro' list.", messages.ERROR)
        return
    outcome = bulk_apply(queryset, lambda t: macro_apply(macro=macro, ticket=t, actor=request.user))
    modeladmin._report(request, outcome, f"Macro '{macro.name}' applied")
