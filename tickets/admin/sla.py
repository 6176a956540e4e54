"""The SLA pages of the admin (policies with their targets, calendars with their holidays, the log
of SLA scan runs with their lateness) and the SLA column and filter of the ticket changelist (wired
into TicketAdmin in tickets/admin/tickets.py).

The column reads only the ticket's own fields (due times, stamps): no query per row. The filter
is the same rule as the breach scan (tickets/sla/ breached_q / at_risk_q), on indexed columns."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html

from config.admin_tools import ReadOnlyAdminMixin
from tickets.models import BusinessCalendar, Holiday, SLAPolicy, SLAScanRun, SLATarget, Ticket, active_q
from tickets.sla import rules
from tickets.sla.calendars import calendar_import_holidays

BADGE_COLOURS = {"ok": "#2e7d32", "at_risk": "#ef6c00", "breached": "#c62828"}
BADGE_LABELS = {"ok": "ok", "at_risk": "at risk", "breached": "breached"}


def format_remaining(remaining: timedelta) -> str:
    """'2h 05m left', '1d 3h over', '12m left'."""
    seconds = int(remaining.total_seconds())
    suffix = "left" if seconds >= 0 else "over"
    minutes = abs(seconds) // 60
    days, minutes = divmod(minutes, 1440)
    hours, minutes = divmod(minutes, 60)
    if days:
        text = f"{days}d {hours}h"
    elif hours:
        text = f"{hours}h {minutes:02d}m"
    else:
        text = f"{minutes}m"
    return f"{text} {suffix}"


@admin.display(description="SLA")
def sla_badge(ticket: Ticket) -> str:
    """ok / at risk / breached, with the time left on the target the ticket is racing."""
    now = timezone.now()
    state = rules.sla_state(ticket, now=now)
    if state == "none":
        return "—"
    remaining = rules.time_remaining(ticket, now=now)
    detail = f" · {format_remaining(remaining)}" if remaining is not None else ""
    paused = " (paused)" if ticket.status == "pending" and ticket.first_responded_at is not None else ""
    return format_html(
        '<span class="sla-badge sla-{}" style="color:#fff;background:{};padding:1px 6px;border-radius:8px;'
        'white-space:nowrap">{}{}{}</span>',
        state,
        BADGE_COLOURS[state],
        BADGE_LABELS[state],
        detail,
        paused,
    )


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


class SLATargetInline(admin.TabularInline):
    model = SLATarget
    extra = 0
    fields = ("priority", "tier", "first_response_minutes", "resolution_minutes")


@admin.register(SLAPolicy)
class SLAPolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "calendar", "is_default", "updated_at")
    list_select_related = ("calendar",)
    list_filter = ("is_default",)
    search_fields = ("name",)
    filter_horizontal = ("teams",)
    inlines = (SLATargetInline,)


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0
    fields = ("date", "name")
    ordering = ("-date",)


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
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
class HolidayAdmin(admin.ModelAdmin):
    list_display = ("date", "name", "calendar")
    list_select_related = ("calendar",)
    list_filter = ("calendar",)
    date_hierarchy = "date"
    search_fields = ("name",)


@admin.register(SLAScanRun)
class SLAScanRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
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
