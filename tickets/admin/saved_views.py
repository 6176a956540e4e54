"""Saved views in the admin: the page to make and edit them, the `?view=<id>` filter of the
queue, the "Save as view" link that carries the queue's current filters into a new view, and
the sidebar's list of views with capped counts (cached for a minute per user)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from unfold.admin import ModelAdmin
from unfold.widgets import UnfoldAdminCheckboxSelectMultipleWidget, UnfoldAdminSelectWidget

from agents.models import Agent, Team
from tickets import saved_views
from tickets.admin.changelist import queue_url
from tickets.models import Category, Priority, SavedView, Status, Ticket

COUNT_CACHE_SECONDS = 60
ANY = ("", "—")


def _agent_choices() -> list[tuple[str, str]]:
    people = Agent.objects.select_related("user").filter(user__is_active=True, user__is_staff=True)
    return [ANY, ("me", "Me (whoever opens the view)"), ("none", "Unassigned")] + [
        (str(a.user_id), str(a.user)) for a in people.order_by("user__email")
    ]


class SavedViewForm(forms.ModelForm):
    """The view's filters as form fields; stored as SavedView.filters (tickets/saved_views.py)."""

    status = forms.MultipleChoiceField(
        choices=Status.choices,
        required=False,
        widget=UnfoldAdminCheckboxSelectMultipleWidget,
        help_text="None ticked: active work.",
    )
    priority = forms.MultipleChoiceField(
        choices=Priority.choices, required=False, widget=UnfoldAdminCheckboxSelectMultipleWidget
    )
    ticket_team = forms.ChoiceField(label="Tickets of team", required=False, widget=UnfoldAdminSelectWidget)
    assignee = forms.ChoiceField(required=False, widget=UnfoldAdminSelectWidget)
    category = forms.ChoiceField(required=False, widget=UnfoldAdminSelectWidget)
    sla = forms.ChoiceField(
        label="SLA",
        required=False,
        choices=[ANY, ("breached", "Breached"), ("at_risk", "At risk"), ("ok", "On track")],
        widget=UnfoldAdminSelectWidget,
    )

    class Meta:
        model = SavedView
        fields = ("name", "visibility", "team", "search", "ordering", "position")
        labels = {"team": "Shared with team", "visibility": "Who sees it"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = [(str(t.pk), t.name) for t in Team.objects.order_by("name")]
        self.fields["ticket_team"].choices = [ANY, ("none", "No team"), *teams]
        self.fields["assignee"].choices = _agent_choices()
        categories = Category.objects.order_by("name")
        self.fields["category"].choices = [ANY, *((str(c.pk), c.name) for c in categories)]
        filters = self.instance.filters if self.instance.pk else {}
        for field, key in (("status", "status"), ("priority", "priority"), ("sla", "sla")):
            self.initial.setdefault(field, filters.get(key, [] if field != "sla" else ""))
        for field, key in (("ticket_team", "team"), ("assignee", "assignee"), ("category", "category")):
            self.initial.setdefault(field, str(filters.get(key, "")))

    def view_filters(self) -> dict[str, Any]:
        data = self.cleaned_data
        raw = {
            "status": data.get("status") or None,
            "priority": data.get("priority") or None,
            "team": data.get("ticket_team") or None,
            "assignee": data.get("assignee") or None,
            "category": data.get("category") or None,
            "sla": data.get("sla") or None,
        }
        return {key: value for key, value in raw.items() if value is not None}


@admin.register(SavedView)
class SavedViewAdmin(ModelAdmin):
    form = SavedViewForm
    list_display = ("name", "visibility", "team", "owner", "open_link")
    list_select_related = ("team", "owner")
    search_fields = ("name",)
    fieldsets = (
        (None, {"fields": ("name", "visibility", "team", "position")}),
        ("Tickets", {"fields": ("status", "priority", "ticket_team", "assignee", "category", "sla", "search")}),
        ("Order", {"fields": ("ordering",)}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[SavedView]:
        return saved_views.saved_view_list(user=request.user)

    def has_change_permission(self, request: HttpRequest, obj: SavedView | None = None) -> bool:
        if obj is not None and obj.owner_id != request.user.pk and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: SavedView | None = None) -> bool:
        if obj is not None and obj.owner_id != request.user.pk and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description="Tickets")
    def open_link(self, view: SavedView) -> str:
        return format_html('<a href="{}">open</a>', queue_url(view=str(view.pk)))

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ValidationError, PermissionDenied) as exc:
            text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            self.message_user(request, f"Not saved: {text}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request: HttpRequest, obj: SavedView, form: SavedViewForm, change: bool) -> None:
        data = {field: form.cleaned_data.get(field) for field in ("name", "visibility", "team", "search", "ordering")}
        data["search"] = data["search"] or ""
        data["position"] = form.cleaned_data.get("position") or 0
        data["filters"] = form.view_filters()
        if change:
            saved = saved_views.saved_view_update(view=SavedView.objects.get(pk=obj.pk), actor=request.user, data=data)
        else:
            saved = saved_views.saved_view_create(actor=request.user, **data)
        obj.pk = saved.pk
        obj._state.adding = False
        obj.refresh_from_db()
        cache.delete(_cache_key(request))

    def delete_model(self, request: HttpRequest, obj: SavedView) -> None:
        saved_views.saved_view_delete(view=obj, actor=request.user)
        cache.delete(_cache_key(request))

    def response_add(self, request: HttpRequest, obj: SavedView, post_url_continue: str | None = None) -> HttpResponse:
        if "_continue" in request.POST or "_addanother" in request.POST:
            return super().response_add(request, obj, post_url_continue)
        return HttpResponseRedirect(queue_url(view=str(obj.pk)))


# --- the queue's `?view=<id>` -----------------------------------------------------------------


class SavedViewFilter(admin.SimpleListFilter):
    """Shows a saved view's tickets (its filters, search and ordering) in the queue."""

    title = "saved view"
    parameter_name = "view"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(str(v.pk), v.name) for v in saved_views.saved_view_list(user=request.user)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
        view = current_view(request)
        if view is None:
            return queryset
        return saved_views.ticket_filter(
            queryset, user=request.user, filters=view.filters, search=view.search, ordering=view.ordering
        )


def current_view(request: HttpRequest) -> SavedView | None:
    """The saved view named by `?view=`, if the caller may open it (cached on the request)."""
    if not hasattr(request, "_saved_view"):
        pk = request.GET.get("view")
        request._saved_view = saved_views.saved_view_get(user=request.user, pk=pk) if pk else None  # type: ignore[attr-defined]
    return request._saved_view  # type: ignore[attr-defined]


QUEUE_TO_VIEW = {
    "priority__exact": "priority",
    "team__id__exact": "ticket_team",
    "category__id__exact": "category",
    "assignee": "assignee",
    "sla": "sla",
    "q": "search",
}


def save_as_view_url(request: HttpRequest) -> str:
    """The "new saved view" page, pre-filled with the queue's current filters and search."""
    params = {}
    status = request.GET.get("status")
    if status and status not in ("active", "all"):
        params["status"] = status
    for queue_key, form_key in QUEUE_TO_VIEW.items():
        if request.GET.get(queue_key):
            params[form_key] = request.GET[queue_key]
    if request.GET.get("o") == "8":
        params["ordering"] = "sla_due"
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return reverse("admin:tickets_savedview_add") + (f"?{query}" if query else "")


# --- the sidebar ------------------------------------------------------------------------------


def _cache_key(request: HttpRequest) -> str:
    return f"saved-view-counts:{request.user.pk}"


def saved_view_items(request: HttpRequest) -> list[dict[str, Any]]:
    """One sidebar item per view the caller may open, with a capped count ("1000+")."""
    if not request.user.has_perm("tickets.view_savedview"):
        return []
    items = cache.get(_cache_key(request))
    if items is None:
        items = []
        for view in saved_views.saved_view_list(user=request.user):
            count, capped = saved_views.saved_view_count(view=view, user=request.user)
            items.append({"pk": view.pk, "title": view.name, "badge": f"{count}+" if capped else str(count)})
        cache.set(_cache_key(request), items, COUNT_CACHE_SECONDS)
    current = request.GET.get("view")
    return [
        {
            "title": item["title"],
            "icon": "filter_list",
            "link": queue_url(view=str(item["pk"])),
            "badge": item["badge"],
            "badge_variant": "primary",
            "active": current == str(item["pk"]),
        }
        for item in items
    ]
