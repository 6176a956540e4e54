"""Logins, agents, teams and API keys in the admin.

Agents are created and changed through agents/services.py (agent_create, agent_update), which keep
the role's Django group and `is_superuser` in step with the role; teams through team_create and
team_update; API keys through api_key_create (the plain key is shown once)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.contrib.auth.forms import UserCreationForm as DjangoUserCreationForm
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import ClockedSchedule, CrontabSchedule, IntervalSchedule, PeriodicTask, SolarSchedule
from rest_framework_api_key.models import APIKey
from unfold.admin import ModelAdmin
from unfold.forms import AdminPasswordChangeForm

from agents import services
from agents.models import Agent, ApiKey, Role, Team, TicketScope, User
from config.admin_tools import CommaSeparatedListField, ServiceErrorsMixin

# --- users -----------------------------------------------------------------------------------


class UserCreationForm(DjangoUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "name")


class UserChangeForm(DjangoUserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin, ModelAdmin):
    """Every login: agents, portal customers and API-key service users. Agents' roles are set on
    the Agent page; this page is for the login itself."""

    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    list_display = ("email", "name", "role", "is_staff", "is_active", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active", "agent__role", "groups")
    list_select_related = ("agent",)
    search_fields = ("email", "name")
    ordering = ("email",)
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("name",)}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "name", "password1", "password2")}),)

    @admin.display(description="role", ordering="agent__role")
    def role(self, obj: User) -> str:
        agent = getattr(obj, "agent", None)
        return agent.get_role_display() if agent is not None else "-"


# --- agents ----------------------------------------------------------------------------------


class TicketScopeOptionalMixin:
    """`ticket_scope` may be left out of a post: it then keeps its value (all tickets for a new agent)."""

    def clean_ticket_scope(self) -> str:
        value = self.cleaned_data.get("ticket_scope")  # type: ignore[attr-defined]
        return value or self.instance.ticket_scope or TicketScope.ALL  # type: ignore[attr-defined]

    def _optional_scope(self) -> None:
        self.fields["ticket_scope"].required = False  # type: ignore[attr-defined]


class AgentChangeForm(TicketScopeOptionalMixin, forms.ModelForm):
    name = forms.CharField(max_length=150, required=False)
    is_active = forms.BooleanField(required=False, help_text="Untick to disable the login.")
    skills = CommaSeparatedListField(
        required=False, help_text="Category slugs, comma-separated, e.g. billing, technical."
    )

    class Meta:
        model = Agent
        fields = ("role", "teams", "skills", "max_open_tickets", "is_available", "notify_followed", "notify_mentions")

    def clean_notify_followed(self) -> str:
        return self.cleaned_data.get("notify_followed") or self.instance.notify_followed

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._optional_scope()
        if "notify_followed" in self.fields:  # left out of a post: kept as it is
            self.fields["notify_followed"].required = False
        if self.instance.pk:
            self.fields["name"].initial = self.instance.user.name
            self.fields["is_active"].initial = self.instance.user.is_active


class AgentCreationForm(TicketScopeOptionalMixin, forms.ModelForm):
    email = forms.EmailField()
    name = forms.CharField(max_length=150, required=False)
    password = forms.CharField(
        widget=forms.PasswordInput, required=False, help_text="Optional: without one the agent cannot log in yet."
    )
    skills = CommaSeparatedListField(
        required=False, help_text="Category slugs, comma-separated, e.g. billing, technical."
    )

    class Meta:
        model = Agent
        fields = ("role", "teams", "skills", "max_open_tickets", "is_available", "ticket_scope")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._optional_scope()


@admin.register(Agent)
class AgentAdmin(ServiceErrorsMixin, ModelAdmin):
    list_display = ("email", "name", "role", "team_list", "is_available", "max_open_tickets")
    list_filter = ("role", "is_available", "teams")
    list_select_related = ("user",)
    search_fields = ("user__email", "user__name")
    filter_horizontal = ("teams",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Agent]:
        return super().get_queryset(request).select_related("user").prefetch_related("teams")

    def get_form(self, request: HttpRequest, obj: Agent | None = None, change: bool = False, **kwargs: Any) -> Any:
        kwargs["form"] = AgentChangeForm if obj is not None else AgentCreationForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Agent | None = None) -> Any:
        login = ("name", "is_active") if obj is not None else ("email", "name", "password")
        return (
            ("Login", {"fields": login}),
            ("Profile", {"fields": ("role", "teams", "skills", "max_open_tickets", "is_available", "ticket_scope")}),
            *([("Notifications", {"fields": ("notify_followed", "notify_mentions")})] if obj is not None else []),
        )

    @admin.display(description="email", ordering="user__email")
    def email(self, obj: Agent) -> str:
        return obj.user.email

    @admin.display(description="name", ordering="user__name")
    def name(self, obj: Agent) -> str:
        return obj.user.name

    @admin.display(description="teams")
    def team_list(self, obj: Agent) -> str:
        return ", ".join(t.name for t in obj.teams.all())

    def save_model(self, request: HttpRequest, obj: Agent, form: forms.ModelForm, change: bool) -> None:
        data = form.cleaned_data
        if change:
            fields = (
                "name",
                "is_active",
                "role",
                "teams",
                "skills",
                "max_open_tickets",
                "is_available",
                "ticket_scope",
                "notify_followed",
                "notify_mentions",
            )
            changes = {f: data[f] for f in form.changed_data if f in fields}
            if changes:
                services.agent_update(agent=Agent.objects.get(pk=obj.pk), data=changes, actor=request.user)
        else:
            agent = services.agent_create(
                email=data["email"],
                name=data.get("name", ""),
                role=data["role"],
                teams=data.get("teams") or [],
                password=data.get("password") or None,
                skills=data.get("skills") or [],
                max_open_tickets=data["max_open_tickets"],
                actor=request.user,
            )
            later = {"is_available": data.get("is_available", True), "ticket_scope": data.get("ticket_scope")}
            later = {k: v for k, v in later.items() if v not in (None, True, TicketScope.ALL)}
            if later:
                services.agent_update(agent=agent, data=later, actor=request.user)
            obj.pk = agent.pk
            obj._state.adding = False
        obj.refresh_from_db()

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: list, change: bool) -> None:
        """Teams were set by the service."""


# --- teams -----------------------------------------------------------------------------------


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ("name", "description", "email", "lead", "assignment_strategy", "auto_assign_priorities", "is_default")

    def clean_is_default(self) -> bool:
        is_default = self.cleaned_data["is_default"]
        if is_default and Team.objects.filter(is_default=True).exclude(pk=self.instance.pk).exists():
            raise ValidationError("Another team is already the default team: untick it there first.", code="unique")
        return is_default


@admin.register(Team)
class TeamAdmin(ServiceErrorsMixin, ModelAdmin):
    form = TeamForm
    list_display = ("name", "lead", "assignment_strategy", "is_default", "member_count")
    list_select_related = ("lead",)
    list_filter = ("assignment_strategy",)
    search_fields = ("name",)
    autocomplete_fields = ("lead",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        return super().get_queryset(request).annotate(member_count=Count("agents"))

    @admin.display(description="agents", ordering="member_count")
    def member_count(self, obj: Team) -> int:
        return obj.member_count  # type: ignore[attr-defined]

    def save_model(self, request: HttpRequest, obj: Team, form: forms.ModelForm, change: bool) -> None:
        data = {f: form.cleaned_data[f] for f in TeamForm.Meta.fields}
        if change:
            changes = {f: v for f, v in data.items() if f in form.changed_data}
            if changes:
                services.team_update(team=Team.objects.get(pk=obj.pk), data=changes, actor=request.user)
        else:
            name = data.pop("name")
            team = services.team_create(name=name, actor=request.user, **data)
            obj.pk = team.pk
            obj._state.adding = False
        obj.refresh_from_db()

    def delete_model(self, request: HttpRequest, obj: Team) -> None:
        services.team_delete(team=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Team]) -> None:
        for team in queryset:
            services.team_delete(team=team, actor=request.user)


# --- API keys --------------------------------------------------------------------------------


class ApiKeyForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ("name", "role", "expiry_date", "revoked")


@admin.register(ApiKey)
class ApiKeyAdmin(ModelAdmin):
    """Integration keys: created through api_key_create (the key is shown once, only its hash is
    stored); revoking is ticking "revoked" (for good)."""

    form = ApiKeyForm
    list_display = ("prefix", "name", "role", "created", "expiry_date", "revoked", "last_used_at")
    list_filter = ("role", "revoked")
    search_fields = ("name", "prefix")

    def get_readonly_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> tuple[str, ...]:
        if obj is None:
            return ("prefix",)
        return ("prefix", "name", "role", "user", "last_used_at", *(("revoked", "expiry_date") if obj.revoked else ()))

    def get_fields(self, request: HttpRequest, obj: ApiKey | None = None) -> Any:
        if obj is None:
            return ("name", "role", "expiry_date")
        return ("prefix", "name", "role", "user", "expiry_date", "revoked", "last_used_at")

    def save_model(self, request: HttpRequest, obj: ApiKey, form: forms.ModelForm, change: bool) -> None:
        if change:
            if "revoked" in form.changed_data and obj.revoked:
                services.api_key_revoke(api_key=ApiKey.objects.get(pk=obj.pk), actor=request.user)
            if "expiry_date" in form.changed_data and not obj.revoked:
                services.api_key_set_expiry(
                    api_key=ApiKey.objects.get(pk=obj.pk), expiry_date=obj.expiry_date, actor=request.user
                )
            return
        api_key, plain_key = services.api_key_create(
            name=form.cleaned_data["name"],
            role=form.cleaned_data.get("role") or Role.AGENT,
            actor=request.user,
            expiry_date=form.cleaned_data.get("expiry_date"),
        )
        obj.pk = api_key.pk
        obj._state.adding = False
        self.message_user(
            request,
            f"The API key for {api_key.name} is: {plain_key} - store it somewhere safe, it will not be shown again.",
            messages.WARNING,
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: the audit trail keeps the key's service user


# --- third-party pages in the admin's look ----------------------------------------------------
# djangorestframework-api-key registers its own "API keys" page for its unused default model;
# ours (above) is the one keys are made with, so the duplicate goes. Groups (the roles) and the
# beat schedule (django-celery-beat) are registered again with unfold's base class.

admin.site.unregister(APIKey)
admin.site.unregister(Group)
for _model in (PeriodicTask, IntervalSchedule, CrontabSchedule, SolarSchedule, ClockedSchedule):
    admin.site.unregister(_model)


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin, ModelAdmin):
    pass


@admin.register(PeriodicTask)
class PeriodicTaskAdmin(beat_admin.PeriodicTaskAdmin, ModelAdmin):
    pass


@admin.register(CrontabSchedule)
class CrontabScheduleAdmin(beat_admin.CrontabScheduleAdmin, ModelAdmin):
    pass


@admin.register(ClockedSchedule)
class ClockedScheduleAdmin(beat_admin.ClockedScheduleAdmin, ModelAdmin):
    pass


@admin.register(IntervalSchedule)
class IntervalScheduleAdmin(beat_admin.IntervalScheduleAdmin, ModelAdmin):
    pass


@admin.register(SolarSchedule)
class SolarScheduleAdmin(beat_admin.SolarScheduleAdmin, ModelAdmin):
    pass
