"""The SLA pages of the admin (policies with their targets, calendars with their holidays, the log
of SLA scan runs with their lateness) and the SLA filter of the ticket changelist (the column is
tickets/admin/badges.py's sla_badge).

The filter is the same rule as the breach scan (tickets/sla/rules.py breached_q / at_risk_q), on
indexed columns."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html_join
from unfold.admin import ModelAdmin, TabularInline

from config.admin_tools import ReadOnlyAdminMixin
from tickets.admin.dry_run import DryRunPanelMixin
from tickets.models import BusinessCalendar, Holiday, RuleKind, SLAPolicy, SLAScanRun, SLATarget, Ticket, active_q
from tickets.rules.selectors import rule_versions
from tickets.rules.services import sla_policy_snapshot, sla_policy_version_record
from tickets.sla import rules
from tickets.sla.calendars import calendar_import_holidays
from tickets.sla.selection import sla_policy_validate

JSON_WIDGET = forms.Textarea(attrs={"rows": 6, "cols": 90, "style": "font-family: monospace"})


class SLAStatusFilter(admin.SimpleListFilter):
    title = "SLA"
    parameter_name = "sla"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("breached", "Breached"), ("at_risk", "At risk"), ("ok", "On track")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
        now = timezone.now()
        value = self.value()
        if value == "breached":
            return queryset.filter(rules.breached_q(now))
        if value == "at_risk":
            return queryset.filter(rules.at_risk_q(now))
        if value == "ok":
            return queryset.filter(active_q() & ~rules.breached_q(now) & ~rules.at_risk_q(now))
        return queryset


# --- policies and calendars ---------------------------------------------------------------------


class SLATargetInline(TabularInline):
    model = SLATarget
    extra = 0
    fields = ("priority", "tier", "first_response_minutes", "next_reply_minutes", "resolution_minutes")


class SLAPolicyForm(forms.ModelForm):
    conditions = forms.JSONField(required=False, widget=JSON_WIDGET)
    pause_statuses = forms.JSONField(required=False, widget=JSON_WIDGET)

    class Meta:
        model = SLAPolicy
        fields = ("name", "description", "position", "is_default", "calendar", "conditions", "pause_statuses")

    def _post_clean(self) -> None:
        super()._post_clean()
        try:
            sla_policy_validate(self.instance)
        except forms.ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)


@admin.register(SLAPolicy)
class SLAPolicyAdmin(DryRunPanelMixin, ModelAdmin):
    form = SLAPolicyForm
    list_display = ("name", "position", "calendar", "is_default", "updated_at")
    list_select_related = ("calendar",)
    list_filter = ("is_default",)
    ordering = ("position", "id")
    search_fields = ("name",)
    inlines = (SLATargetInline,)
    readonly_fields = ("version_history",)

    @admin.display(description="versions")
    def version_history(self, obj: SLAPolicy | None) -> str:
        if obj is None or obj.pk is None:
            return "—"
        versions = rule_versions(kind=RuleKind.SLA_POLICY, rule_id=obj.pk)[:20]
        return format_html_join(
            "",
            "<p>v{} · {} · {} · {}</p>",
            ((v.number, v.created_at, v.actor or "system", v.note or "saved") for v in versions),
        )

    def save_model(self, request: HttpRequest, obj: SLAPolicy, form: Any, change: bool) -> None:
        saved = SLAPolicy.objects.filter(pk=obj.pk).first() if obj.pk else None
        request._sla_policy_before = sla_policy_snapshot(saved) if saved is not None else None  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """After the targets: one version of the policy with them (who, when, before/after)."""
        super().save_related(request, form, formsets, change)
        before = getattr(request, "_sla_policy_before", None)
        sla_policy_version_record(policy=form.instance, actor=request.user, before=before)


class HolidayInline(TabularInline):
    model = Holiday
    extra = 0
    fields = ("date", "name")
    ordering = ("-date",)


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(ModelAdmin):
    list_display = ("name", "time_zone", "is_24x7", "holiday_country", "is_default")
    list_filter = ("is_24x7", "is_default")
    search_fields = ("name",)
    inlines = (HolidayInline,)
    actions = ("import_holidays",)

    @admin.action(description="Import holidays (this year and next) from the holiday country")
    def import_holidays(self, request: HttpRequest, queryset: QuerySet[BusinessCalendar]) -> None:
        year = timezone.localdate().year
        for calendar in queryset:
            try:
                added = calendar_import_holidays(calendar=calendar, years=[year, year + 1])
            except ValidationError as exc:
                self.message_user(request, f"{calendar}: {'; '.join(exc.messages)}", messages.ERROR)
            else:
                self.message_user(request, f"{calendar}: {added} holiday(s) imported.", messages.SUCCESS)


@admin.register(Holiday)
class HolidayAdmin(ModelAdmin):
    list_display = ("date", "name", "calendar")
    list_select_related = ("calendar",)
    list_filter = ("calendar",)
    date_hierarchy = "date"
    search_fields = ("name",)


@admin.register(SLAScanRun)
class SLAScanRunAdmin(ReadOnlyAdminMixin, ModelAdmin):
    """Every breach-scan and escalation run with its lateness: where an operator checks that the
    SLA clock keeps time (metrics: helpdesk_sla_scan_lateness_seconds)."""

    deletable = False
    list_display = ("started_at", "kind", "lateness", "duration", "result")
    list_filter = ("kind",)
    date_hierarchy = "started_at"
    show_full_result_count = False

    @admin.display(description="lateness (s)")
    def lateness(self, obj: SLAScanRun) -> str:
        return f"{obj.lateness_seconds:.1f}"

    @admin.display(description="duration (s)")
    def duration(self, obj: SLAScanRun) -> str:
        return f"{(obj.finished_at - obj.started_at).total_seconds():.1f}"
