"""Agents, teams, API keys and the caller (`/me/`)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from agents.models import Agent, ApiKey, AssignmentStrategy, Priority, Role, Team
from config.api.serializers import StrictFieldsMixin

USER_ROLE_CHOICES = [*Role.choices, ("customer", "Customer")]


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=USER_ROLE_CHOICES, allow_null=True)
    customer = serializers.IntegerField(allow_null=True, help_text="The customer record, for customers.")
    organization = serializers.DictField(allow_null=True, help_text="`{id, name}` for customers of an organisation.")
    teams = serializers.ListField(child=serializers.IntegerField(), help_text="Team ids, for agents.")


class AgentSerializer(serializers.ModelSerializer):
    """An agent. `id` is the agent's user id: the same id a ticket's `assignee` holds."""

    id = serializers.IntegerField(source="user_id", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    name = serializers.CharField(source="user.name", read_only=True)
    is_active = serializers.BooleanField(source="user.is_active", read_only=True)
    teams = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Agent
        fields = [
            "id",
            "email",
            "name",
            "role",
            "teams",
            "skills",
            "max_open_tickets",
            "is_available",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class _SkillsField(serializers.ListField):
    child = serializers.SlugField(max_length=50)


class AgentCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    email = serializers.CharField(max_length=254)
    name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    role = serializers.ChoiceField(choices=Role.choices, default=Role.AGENT)
    teams = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), many=True, required=False)
    password = serializers.CharField(required=False, allow_blank=True, write_only=True, max_length=128)
    skills = _SkillsField(required=False, max_length=50)
    max_open_tickets = serializers.IntegerField(required=False, min_value=0, max_value=10_000)


class AgentUpdateSerializer(StrictFieldsMixin, serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    teams = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), many=True, required=False)
    skills = _SkillsField(required=False, max_length=50)
    max_open_tickets = serializers.IntegerField(required=False, min_value=0, max_value=10_000)
    is_available = serializers.BooleanField(required=False)


class TeamSerializer(serializers.ModelSerializer):
    email = serializers.CharField(read_only=True, help_text="Shared inbox address, or empty.")

    class Meta:
        model = Team
        fields = [
            "id",
            "name",
            "description",
            "email",
            "lead",
            "assignment_strategy",
            "auto_assign_priorities",
            "is_default",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class TeamWriteSerializer(StrictFieldsMixin, serializers.Serializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    email = serializers.EmailField(required=False, allow_blank=True)
    lead = serializers.PrimaryKeyRelatedField(
        queryset=Agent.objects.none(), required=False, allow_null=True, help_text="The lead's user id."
    )
    assignment_strategy = serializers.ChoiceField(choices=AssignmentStrategy.choices, required=False)
    auto_assign_priorities = serializers.ListField(
        child=serializers.ChoiceField(choices=Priority.choices), required=False, max_length=4
    )
    is_default = serializers.BooleanField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from django.contrib.auth import get_user_model

        self.fields["lead"].queryset = get_user_model().objects.filter(agent__isnull=False)


class ApiKeySerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="prefix", read_only=True)

    class Meta:
        model = ApiKey
        fields = ["id", "name", "role", "created", "expiry_date", "revoked", "last_used_at"]
        read_only_fields = fields


class ApiKeyCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    name = serializers.CharField(max_length=50)
    role = serializers.ChoiceField(choices=Role.choices, default=Role.AGENT)
    expiry_date = serializers.DateTimeField(required=False, allow_null=True)


class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = serializers.CharField(read_only=True, help_text="The key itself: shown this once, store it now.")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]
        read_only_fields = fields
