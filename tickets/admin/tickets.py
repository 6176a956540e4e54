"""The agents' working UI: the ticket queue (changelist) and the ticket page (conversation and history).

Thin, as the rest of the codebase: every write goes through the ticket services (status through
ticket_change_status, fields through ticket_update, replies and notes through comment_add), so
the admin writes the same events and outbox rows as the API. Built for a million tickets: the
changelist joins what it shows, never counts the whole table (PostgreSQL's estimate instead),
and every filter has an index behind it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import path
from unfold.admin import ModelAdmin

from agents.selectors import user_role
from config.admin_tools import EstimatedCountPaginator, FastActionCheckboxMixin, ServiceErrorsMixin
from config.api.ids import id_or_none
from tickets import comments, services
from tickets.admin.actions import TicketBulkActionsMixin
from tickets.admin.badges import sla_badge
from tickets.admin.changelist import QueueStatusFilter
from tickets.admin.columns import TicketColumnsMixin
from tickets.admin.custom_fields import CustomFieldQueueFilter
from tickets.admin.following import TicketFollowMixin
from tickets.admin.jobs import export_tickets_csv, export_tickets_jsonl, retention_dry_run
from tickets.admin.links import TicketLinksMixin
from tickets.admin.reports import reports_view
from tickets.admin.saved_views import SavedViewFilter, current_view, save_as_view_url
from tickets.admin.sla import SLAStatusFilter
from tickets.admin.ticket_page import (
    AssigneeFilter,
    AttachmentInline,
    CommentInline,
    TicketActionForm,
    TicketAdminForm,
    TicketEventInline,
)
from tickets.admin.time_entries import TicketTimeMixin
from tickets.admin.workspace import TicketWorkspaceMixin, apply_macro
from tickets.concurrency import ticket_lock_fresh
from tickets.models import Channel, Comment, Ticket
from tickets.saved_views import ORDERINGS
from tickets.search import ticket_search
from tickets.selectors import agent_scope_q

# --- tickets ---------------------------------------------------------------------------------


@admin.register(Ticket)
class TicketAdmin(
    FastActionCheckboxMixin,
    TicketTimeMixin,
    TicketFollowMixin,
    TicketLinksMixin,
    TicketWorkspaceMixin,
    TicketColumnsMixin,
    TicketBulkActionsMixin,
    ServiceErrorsMixin,
    ModelAdmin,
):
    """The form validates what it can (title, priority, transition); a rule only the service can
    check (a concurrent change) rolls the whole save back and is shown as an error."""

    form = TicketAdminForm
    action_form = TicketActionForm
    # Nine narrow columns that fit a 1440 px screen beside the sidebar (columns.py).
    list_display = (
        "reference",
        "title_cell",
        "customer_cell",
        "assignee_cell",
        "team_cell",
        "priority_cell",
        "status_cell",
        sla_badge,
        "updated_cell",
    )
    list_display_links = ("reference", "title_cell")
    list_select_related = ("customer", "assignee", "team")
    list_filter = (
        SavedViewFilter,
        QueueStatusFilter,
        "priority",
        "team",
        "category",
        "ticket_type",
        CustomFieldQueueFilter,
        "escalated",
        SLAStatusFilter,
        "satisfaction",
        ("created_at", admin.DateFieldListFilter),
        AssigneeFilter,
    )
    # The search box: ticket_search does the work (id, title, customer email, full text).
    search_fields = ("title",)
    search_help_text = "A ticket number, a customer email, or words from the title, description or messages."
    # Most urgent first, and total (the id breaks ties, so Django adds no "-pk"): exactly the
    # ticket_urgency_idx index (-priority_rank, created_at, id), so a page is an index range.
    ordering = ("-priority_rank", "created_at", "id")
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50
    autocomplete_fields = ("customer", "assignee")
    inlines = (CommentInline, AttachmentInline, TicketEventInline)
    actions = (
        "assign_to_me",
        "assign_by_team_strategy",
        "change_status",
        "change_priority",
        "close_tickets",
        apply_macro,
        export_tickets_csv,
        export_tickets_jsonl,
        retention_dry_run,
    )
    fieldsets = (
        (None, {"fields": ("title", "description", "status", "priority", "category", "ticket_type", "tags")}),
        ("People", {"fields": ("customer", "organization", "team", "assignee")}),
        (
            "Tracking",
            {
                "fields": (
                    "channel",
                    "external_id",
                    ("escalated", "escalated_at"),
                    "first_responded_at",
                    ("resolved_at", "closed_at"),
                    ("created_at", "updated_at"),
                    "version",
                )
            },
        ),
        ("Metadata", {"fields": ("metadata",), "classes": ("collapse",)}),
    )
    readonly_fields = (
        "organization",
        "channel",
        "escalated",
        "escalated_at",
        "first_responded_at",
        "resolved_at",
        "closed_at",
        "created_at",
        "updated_at",
        "version",
    )

    list_before_template = "tickets/admin/queue_before.html"

    def get_ordering(self, request: HttpRequest) -> tuple[str, ...]:
        view = current_view(request)
        return ORDERINGS[view.ordering] if view is not None else self.ordering

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        context = {
            "saved_view": current_view(request),
            "save_view_url": save_as_view_url(request),
            **(extra_context or {}),
        }
        return super().changelist_view(request, context)

    def get_urls(self) -> list:
        reports = path(
            "reports/",
            self.admin_site.admin_view(lambda request: reports_view(request, self)),
            name="tickets_reports",
        )
        return [reports, *super().get_urls()]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Ticket]:
        # The agent's ticket_scope applies here as in the API: the queue, search and the ticket page.
        scope = agent_scope_q(request.user, user_role(request.user))
        related = ("customer", "organization", "team", "assignee", "category", "ticket_type")
        return super().get_queryset(request).select_related(*related).filter(scope)

    def get_readonly_fields(self, request: HttpRequest, obj: Ticket | None = None) -> tuple[str, ...]:
        # The customer is chosen when the ticket is opened; moving tickets is customer_merge's job.
        return (*self.readonly_fields, "customer") if obj is not None else self.readonly_fields

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Ticket], search_term: str
    ) -> tuple[QuerySet[Ticket], bool]:
        return ticket_search(queryset, search_term), False

    # --- writes through the services ---------------------------------------------------------

    def save_model(self, request: HttpRequest, obj: Ticket, form: TicketAdminForm, change: bool) -> None:
        data = form.cleaned_data
        if change:
            # The form carries the version it was rendered with: a stale save is refused (and
            # rolled back) with what changed and who changed it.
            version = request.POST.get("_version")
            if version is not None and (expected := id_or_none(version)) is not None:
                ticket_lock_fresh(ticket=obj, expected_version=expected)
            updatable = {*services.UPDATABLE_FIELDS, "status", "assignee"}
            changes = {field: data[field] for field in form.changed_data if field in updatable}
            if changes:
                services.ticket_update(ticket=obj, actor=request.user, data=changes)
        else:
            ticket = services.ticket_create(
                actor=request.user,
                title=data["title"],
                description=data.get("description", ""),
                priority=data["priority"],
                category=data.get("category"),
                ticket_type=data.get("ticket_type"),
                customer=data["customer"],
                tags=data.get("tags") or [],
                metadata=data.get("metadata") or {},
                external_id=data.get("external_id"),
                channel=Channel.ADMIN,
                team=data.get("team"),
            )
            follow_up: dict[str, Any] = {}
            if data.get("status") and data["status"] != ticket.status:
                follow_up["status"] = data["status"]
            if data.get("assignee"):
                follow_up["assignee"] = data["assignee"]
            if follow_up:
                services.ticket_update(ticket=ticket, actor=request.user, data=follow_up)
            obj.pk = ticket.pk
            obj._state.adding = False
        obj.refresh_from_db()

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: list, change: bool) -> None:
        # No many-to-many fields on the form: only the inlines (a new reply or note) are saved.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request: HttpRequest, form: forms.ModelForm, formset: Any, change: bool) -> None:
        # What formset.save() would have recorded, for the admin's change message.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if formset.model is not Comment:
            return
        for comment_form in formset.extra_forms:
            if not comment_form.has_changed() or not comment_form.cleaned_data.get("body"):
                continue
            comment = comments.comment_add(
                ticket=form.instance,
                actor=request.user,
                body=comment_form.cleaned_data["body"],
                is_internal=comment_form.cleaned_data.get("is_internal", False),
                channel=Channel.ADMIN,
            )
            formset.new_objects.append(comment)

    def delete_model(self, request: HttpRequest, obj: Ticket) -> None:
        services.ticket_delete(ticket=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        for ticket in queryset:
            services.ticket_delete(ticket=ticket, actor=request.user)
