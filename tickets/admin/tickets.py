"""The agents' working UI: the ticket queue (changelist) and the ticket page (conversation and history).

Thin, as the rest of the codebase: every write goes through tickets/services.py (status through
ticket_change_status, fields through ticket_update, replies and notes through comment_add), so
the admin writes the same events and outbox rows as the API. Built for a million tickets: the
changelist joins what it shows, never counts the whole table (PostgreSQL's estimate instead),
and every filter has an index behind it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from agents.models import Agent
from agents.selectors import agent_for_user
from config.admin_tools import EstimatedCountPaginator, ReadOnlyInlineMixin
from config.exceptions import ApplicationError
from tickets import comments, services, validators
from tickets.admin.jobs import export_tickets_csv, export_tickets_jsonl, retention_dry_run
from tickets.admin.sla import SLAStatusFilter, sla_badge
from tickets.admin.workspace import TicketWorkspaceMixin, apply_macro
from tickets.concurrency import ticket_lock_fresh
from tickets.models import Attachment, Channel, Comment, Priority, Status, Ticket, TicketEvent
from tickets.models.macros import Macro
from tickets.search import ticket_search

# --- filters ---------------------------------------------------------------------------------


class AssigneeFilter(admin.SimpleListFilter):
    title = "assignee"
    parameter_name = "assignee"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        # People only: API-key service users have an agent profile but no admin login.
        agents = (
            Agent.objects.select_related("user")
            .filter(user__is_active=True, user__is_staff=True)
            .order_by("user__email")
        )
        return [("me", "Mine"), ("none", "Unassigned"), *((str(a.user_id), str(a.user)) for a in agents)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
        value = self.value()
        if value == "me":
            return queryset.filter(assignee=request.user)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value and value.isdigit():
            return queryset.filter(assignee_id=int(value))
        return queryset


# --- forms -----------------------------------------------------------------------------------


class TicketActionForm(helpers.ActionForm):
    """The action bar: pick an action and, for "change status/priority", the new value."""

    status = forms.ChoiceField(choices=[("", "— new status —"), *Status.choices], required=False)
    priority = forms.ChoiceField(choices=[("", "— new priority —"), *Priority.choices], required=False)
    macro = forms.ModelChoiceField(
        queryset=Macro.objects.filter(is_active=True, owner__isnull=True), required=False, empty_label="— macro —"
    )


class TagsField(forms.CharField):
    """Tags edited as "billing, vip"; validated and normalised by the shared validator."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value

    def to_python(self, value: Any) -> list[str]:
        text = super().to_python(value)
        return validators.normalize_tags([t for t in (p.strip() for p in text.split(",")) if t])


class TicketAdminForm(forms.ModelForm):
    tags = TagsField(required=False, help_text="Comma-separated, e.g. billing, vip.")

    class Meta:
        model = Ticket
        fields = (
            "title",
            "description",
            "status",
            "priority",
            "category",
            "tags",
            "customer",
            "team",
            "assignee",
            "external_id",
            "metadata",
        )

    def clean_title(self) -> str:
        return validators.validate_title(self.cleaned_data["title"])

    def clean_priority(self) -> str:
        return validators.validate_priority(self.cleaned_data["priority"])

    def clean_status(self) -> str:
        # Before _post_clean, self.instance still holds the saved status (open for a new ticket).
        return validators.validate_transition(self.instance.status, self.cleaned_data["status"])

    def clean_metadata(self) -> dict:
        return validators.validate_metadata(self.cleaned_data["metadata"])

    def clean_external_id(self) -> str | None:
        return self.cleaned_data["external_id"] or None


class CommentInlineForm(forms.ModelForm):
    class Meta:
        model = Comment
        fields = ("body", "is_internal")
        widgets = {"body": forms.Textarea(attrs={"rows": 4, "cols": 80})}
        labels = {"body": "Message", "is_internal": "Internal note (agents only)"}

    def clean_body(self) -> str:
        return validators.validate_body(self.cleaned_data["body"])


# --- inlines ---------------------------------------------------------------------------------


class CommentInline(admin.StackedInline):
    """The conversation. Existing messages are read-only; the empty form at the bottom writes a
    public reply or, ticked, an internal note, through comment_add."""

    model = Comment
    form = CommentInlineForm
    fields = ("body", "is_internal", "author", "customer", "channel", "created_at")
    readonly_fields = ("author", "customer", "channel", "created_at")
    extra = 1
    can_delete = False
    verbose_name = "message"
    verbose_name_plural = "conversation (write a reply or an internal note below)"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Comment]:
        return super().get_queryset(request).select_related("author", "customer")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AttachmentInline(ReadOnlyInlineMixin, admin.TabularInline):
    """Files on the ticket, read-only (uploads arrive through the API and inbound email)."""

    model = Attachment
    fields = ("filename", "content_type", "size", "comment", "uploaded_by", "created_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Attachment]:
        return super().get_queryset(request).select_related("uploaded_by", "comment")


class TicketEventInline(ReadOnlyInlineMixin, admin.TabularInline):
    """The audit trail, read-only."""

    model = TicketEvent
    fields = ("created_at", "actor", "kind", "field", "old_value", "new_value", "note")
    readonly_fields = fields
    verbose_name = "event"
    verbose_name_plural = "history"

    def get_queryset(self, request: HttpRequest) -> QuerySet[TicketEvent]:
        return super().get_queryset(request).select_related("actor")


# --- tickets ---------------------------------------------------------------------------------

SERVICE_ERRORS = (ValidationError, ApplicationError)


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ApplicationError):
        return exc.message
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
    return " ".join(getattr(exc, "messages", [str(exc)]))


@admin.register(Ticket)
class TicketAdmin(TicketWorkspaceMixin, admin.ModelAdmin):
    form = TicketAdminForm
    action_form = TicketActionForm
    list_display = ("id", "title", "customer", "priority", "status", sla_badge, "assignee", "team", "updated_at")
    list_display_links = ("id", "title")
    list_select_related = ("customer", "assignee", "team")
    list_filter = (
        "status",
        "priority",
        "team",
        "category",
        "escalated",
        SLAStatusFilter,
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
        (None, {"fields": ("title", "description", "status", "priority", "category", "tags")}),
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

    def get_queryset(self, request: HttpRequest) -> QuerySet[Ticket]:
        return super().get_queryset(request).select_related("customer", "organization", "team", "assignee", "category")

    def get_readonly_fields(self, request: HttpRequest, obj: Ticket | None = None) -> tuple[str, ...]:
        # The customer is chosen when the ticket is opened; moving tickets is customer_merge's job.
        return (*self.readonly_fields, "customer") if obj is not None else self.readonly_fields

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Ticket], search_term: str
    ) -> tuple[QuerySet[Ticket], bool]:
        return ticket_search(queryset, search_term), False

    # --- writes through the services ---------------------------------------------------------

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        """The form validates what it can (title, priority, transition); a rule only the service
        can check (a concurrent change) rolls the whole save back and is shown as an error."""
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except SERVICE_ERRORS as exc:
            self.message_user(request, f"Not saved: {_error_text(exc)}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request: HttpRequest, obj: Ticket, form: TicketAdminForm, change: bool) -> None:
        data = form.cleaned_data
        if change:
            # The form carries the version it was rendered with: a stale save is refused (and
            # rolled back by changeform_view) with what changed and who changed it.
            version = request.POST.get("_version")
            if version is not None and version.isdigit():
                ticket_lock_fresh(ticket=obj, expected_version=int(version))
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

    # --- bulk actions --------------------------------------------------------------------------

    def _apply(
        self, request: HttpRequest, queryset: QuerySet[Ticket], verb: str, change: Callable[[Ticket], Any]
    ) -> None:
        """Run one service call per ticket, each in its own transaction: a refused ticket (a
        forbidden transition) is reported and the others still change."""
        done = 0
        failures: list[str] = []
        for ticket in queryset.order_by("pk").iterator(chunk_size=500):
            try:
                change(ticket)
            except SERVICE_ERRORS as exc:
                failures.append(f"#{ticket.pk}: {_error_text(exc)}")
            else:
                done += 1
        if done:
            self.message_user(request, f"{verb}: {done} ticket{'s' if done != 1 else ''}.", messages.SUCCESS)
        shown = failures[:20]
        for failure in shown:
            self.message_user(request, f"Not changed: {failure}", messages.ERROR)
        if len(failures) > len(shown):
            self.message_user(request, f"... and {len(failures) - len(shown)} more not changed.", messages.ERROR)

    @admin.action(description="Assign to me", permissions=["change"])
    def assign_to_me(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        agent = agent_for_user(request.user)
        if agent is None or not agent.can_write:
            self.message_user(request, "Only agents who may work tickets can take them.", messages.ERROR)
            return
        self._apply(
            request,
            queryset,
            "Assigned to you",
            lambda t: services.ticket_assign(ticket=t, actor=request.user, assignee=request.user),
        )

    @admin.action(description="Assign with the team's strategy", permissions=["change"])
    def assign_by_team_strategy(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        """Each ticket to an agent of its team chosen by the team's strategy (tickets/assignment.py);
        a ticket with no team, closed, or that nobody can take is reported and left as it is."""
        agent = agent_for_user(request.user)
        if agent is None or not agent.can_write:
            self.message_user(request, "Only agents who may work tickets can assign them.", messages.ERROR)
            return
        self._apply(
            request,
            queryset,
            "Assigned with the team's strategy",
            lambda t: services.ticket_assign_by_strategy(ticket=t, actor=request.user),
        )

    @admin.action(description="Change status (choose the new status next to the action)", permissions=["change"])
    def change_status(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        status = request.POST.get("status", "")
        if status not in Status.values:
            self.message_user(request, "Choose the new status in the 'new status' list.", messages.ERROR)
            return
        self._apply(
            request,
            queryset,
            f"Status set to {Status(status).label}",
            lambda t: services.ticket_change_status(ticket=t, actor=request.user, status=status),
        )

    @admin.action(description="Change priority (choose the new priority next to the action)", permissions=["change"])
    def change_priority(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        priority = request.POST.get("priority", "")
        if priority not in Priority.values:
            self.message_user(request, "Choose the new priority in the 'new priority' list.", messages.ERROR)
            return
        self._apply(
            request,
            queryset,
            f"Priority set to {Priority(priority).label}",
            lambda t: services.ticket_update(ticket=t, actor=request.user, data={"priority": priority}),
        )

    @admin.action(description="Close", permissions=["change"])
    def close_tickets(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        self._apply(
            request,
            queryset,
            "Closed",
            lambda t: services.ticket_change_status(ticket=t, actor=request.user, status=Status.CLOSED),
        )
