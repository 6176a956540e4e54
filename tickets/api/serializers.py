"""Ticket API shapes. Reads are one serializer; writes are one serializer per role, each listing
its writable fields explicitly (no mass assignment): a customer can never send an assignee,
priority or team. Unknown fields are refused with a 400 naming them, not silently dropped."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from agents.models import AssignmentStrategy, Team
from agents.selectors import CUSTOMER_ROLE, assignable_users, user_role
from config.api.serializers import CachedFieldsMixin, StrictFieldsMixin
from customers.models import Customer
from tickets import validators
from tickets.api.attachments import AttachmentSerializer
from tickets.custom_fields import customer_visible_keys, visible_values
from tickets.models import Category, Comment, Priority, Status, Ticket, TicketEvent, TicketType
from tickets.sla import rules

User = get_user_model()


class CategoryField(serializers.SlugRelatedField):
    """A category by slug; an unknown one is refused with the slugs that exist."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="slug", queryset=Category.objects.all(), **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError:
            slugs = ", ".join(Category.objects.order_by("slug").values_list("slug", flat=True)) or "none yet"
            raise serializers.ValidationError(
                f"Unknown category {str(data)[:50]!r}: send a category slug ({slugs})."
            ) from None


class TicketTypeField(serializers.SlugRelatedField):
    """A ticket type by slug (question, incident, ...); an unknown or inactive one is refused with the slugs."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="slug", queryset=TicketType.objects.filter(is_active=True), **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError:
            slugs = ", ".join(TicketType.objects.filter(is_active=True).values_list("slug", flat=True)) or "none yet"
            raise serializers.ValidationError(
                f"Unknown ticket type {str(data)[:50]!r}: send a type slug ({slugs})."
            ) from None


class TagsField(serializers.ListField):
    child = serializers.CharField(max_length=50, allow_blank=False)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)


class TicketSerializer(CachedFieldsMixin, serializers.ModelSerializer):
    """A ticket as every caller reads it."""

    category = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    type = serializers.SlugRelatedField(
        source="ticket_type", slug_field="slug", read_only=True, allow_null=True, help_text="The ticket type's slug."
    )
    customer_email = serializers.EmailField(source="customer.email", read_only=True)
    is_urgent = serializers.BooleanField(read_only=True)
    sla_status = serializers.SerializerMethodField(
        help_text="ok, at_risk (past the warning point of the target it is racing), breached "
        "(a target passed unmet, or the breach scan stamped it), or null when no target is running."
    )
    time_remaining_seconds = serializers.SerializerMethodField(
        help_text="Seconds until the next unmet target (first response, then resolution) is due; "
        "negative once breached, frozen while pending; null when no target is running."
    )
    custom_fields = serializers.SerializerMethodField(
        help_text="Custom field values, {key: value} (admin → Custom fields defines them); customers see only "
        "the fields shown to customers."
    )
    satisfaction = serializers.SerializerMethodField(
        help_text="The customer's answer to the survey mailed on resolving: {rating: good|bad, comment, rated_at}, "
        "or null when not rated."
    )

    class Meta:
        model = Ticket
        fields = [
            "id",
            "reference",
            "title",
            "description",
            "status",
            "priority",
            "category",
            "type",
            "custom_fields",
            "tags",
            "metadata",
            "external_id",
            "channel",
            "customer",
            "customer_email",
            "organization",
            "team",
            "assignee",
            "escalated",
            "escalated_at",
            "is_urgent",
            "first_response_due_at",
            "next_reply_due_at",
            "resolution_due_at",
            "sla_breached_at",
            "sla_status",
            "time_remaining_seconds",
            "satisfaction",
            "first_responded_at",
            "resolved_at",
            "closed_at",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def _now(self) -> datetime:
        """One clock per response, so a list's states agree with each other (from the row: no query)."""
        context = self.context
        if "sla_now" not in context:
            context["sla_now"] = timezone.now()
        return context["sla_now"]

    @extend_schema_field(
        inline_serializer(
            "TicketSatisfaction",
            {
                "rating": serializers.ChoiceField(choices=["good", "bad"]),
                "comment": serializers.CharField(),
                "rated_at": serializers.DateTimeField(),
            },
            allow_null=True,
        )
    )
    def get_satisfaction(self, ticket: Ticket) -> dict[str, Any] | None:
        if not ticket.satisfaction:
            return None
        return {
            "rating": ticket.satisfaction,
            "comment": ticket.satisfaction_comment,
            "rated_at": serializers.DateTimeField().to_representation(ticket.satisfaction_rated_at),
        }

    @extend_schema_field(serializers.DictField())
    def get_custom_fields(self, ticket: Ticket) -> dict[str, Any]:
        if not ticket.custom_fields:
            return {}
        context = self.context
        if "custom_fields_visible" not in context:  # once per response, and only when a ticket has values
            request = context.get("request")
            is_customer = request is not None and user_role(request.user) == CUSTOMER_ROLE
            context["custom_fields_visible"] = customer_visible_keys() if is_customer else None
        return visible_values(ticket.custom_fields, context["custom_fields_visible"])

    @extend_schema_field(serializers.ChoiceField(choices=["ok", "at_risk", "breached"], allow_null=True))
    def get_sla_status(self, ticket: Ticket) -> str | None:
        state = rules.sla_state(ticket, now=self._now())
        return None if state == "none" else state

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_time_remaining_seconds(self, ticket: Ticket) -> int | None:
        remaining = rules.time_remaining(ticket, now=self._now())
        return None if remaining is None else math.floor(remaining.total_seconds())


class TicketDetailSerializer(TicketSerializer):
    """One ticket read on its own: with its files (a customer's without internal notes' files)."""

    attachments = serializers.SerializerMethodField()

    class Meta(TicketSerializer.Meta):
        fields = [*TicketSerializer.Meta.fields, "attachments"]
        read_only_fields = fields

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, ticket: Ticket) -> list[dict[str, Any]]:
        request = self.context.get("request")
        rows = ticket.attachments.select_related("comment").order_by("created_at", "id")
        if request is not None and user_role(request.user) == CUSTOMER_ROLE:
            rows = rows.exclude(comment__is_internal=True)
        return AttachmentSerializer(rows, many=True).data


class _TicketWriteBase(StrictFieldsMixin, serializers.Serializer):
    # The shared rule runs here too, so every bad field is named in one 400 (the service re-checks).
    title = serializers.CharField(max_length=200, trim_whitespace=False, validators=[validators.validate_title])
    description = serializers.CharField(required=False, allow_blank=True, max_length=100_000, trim_whitespace=False)
    category = CategoryField(required=False, allow_null=True)
    type = TicketTypeField(source="ticket_type", required=False, allow_null=True)
    tags = TagsField(required=False)
    custom_fields = serializers.DictField(
        required=False,
        help_text='{"<field key>": value}: each value checked against its field\'s type; null or "" clears it.',
    )


class TicketCreateSerializer(_TicketWriteBase):
    """What an agent (or an API key) may send to open a ticket: the customer by id (`customer`) or
    by email (`customer_email`, found or created), exactly one of the two."""

    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.MEDIUM)
    customer = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.all(), required=False, help_text="An existing customer's id."
    )
    customer_email = serializers.EmailField(
        max_length=254, required=False, help_text="The customer's email: found, or created when new."
    )
    customer_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    metadata = serializers.DictField(required=False)
    external_id = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=100)
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), required=False, allow_null=True)

    def cross_field_errors(self, data: dict[str, Any]) -> dict[str, list[str]]:
        if "customer" in data and "customer_email" in data:
            return {"customer": ["Send either 'customer' (a customer id) or 'customer_email', not both."]}
        if "customer" not in data and "customer_email" not in data:
            return {"customer_email": ["This field is required (or send 'customer', an existing customer's id)."]}
        return {}


class TicketCustomerCreateSerializer(_TicketWriteBase):
    """What a portal customer may send: the customer is themselves; no priority, team or assignee."""


class TicketUpdateSerializer(StrictFieldsMixin, serializers.Serializer):
    """What an agent may change with PATCH."""

    title = serializers.CharField(
        max_length=200, trim_whitespace=False, required=False, validators=[validators.validate_title]
    )
    description = serializers.CharField(required=False, allow_blank=True, max_length=100_000, trim_whitespace=False)
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    category = CategoryField(required=False, allow_null=True)
    type = TicketTypeField(source="ticket_type", required=False, allow_null=True)
    tags = TagsField(required=False)
    custom_fields = serializers.DictField(
        required=False,
        help_text='{"<field key>": value}: each value checked against its field\'s type; null or "" clears it.',
    )
    metadata = serializers.DictField(required=False)
    external_id = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=100)
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), required=False, allow_null=True)
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=assignable_users(),
        required=False,
        allow_null=True,
        error_messages={"does_not_exist": "No active agent with id {pk_value} may be assigned tickets."},
    )


CUSTOMER_STATUS_CHOICES = [(Status.OPEN.value, "Open (reopen)"), (Status.CLOSED.value, "Closed")]


class TicketCustomerUpdateSerializer(StrictFieldsMixin, serializers.Serializer):
    """A customer may only close or reopen their own ticket, filling fields shown to customers on the way
    (one required to close, say)."""

    status = serializers.ChoiceField(choices=CUSTOMER_STATUS_CHOICES)
    custom_fields = serializers.DictField(
        required=False,
        help_text='{"<field key>": value} of fields shown to customers, written before the status (a field '
        "required to close can be filled in the same request).",
    )


class TicketAssignSerializer(StrictFieldsMixin, serializers.Serializer):
    """Either `agent` (a user id) or `strategy`, not both."""

    agent = serializers.PrimaryKeyRelatedField(
        queryset=assignable_users(),
        required=False,
        allow_null=True,
        help_text="An active agent, senior agent or admin (not a viewer, not an API key); null to unassign.",
        error_messages={"does_not_exist": "No active agent with id {pk_value} may be assigned tickets."},
    )
    strategy = serializers.ChoiceField(choices=AssignmentStrategy.choices, required=False)

    def cross_field_errors(self, data: dict[str, Any]) -> dict[str, list[str]]:
        if ("agent" in data) == ("strategy" in data):
            return {"agent": ["Send either 'agent' (a user id, or null to unassign) or 'strategy', not both."]}
        return {}


class CommentSerializer(CachedFieldsMixin, serializers.ModelSerializer):
    author_name = serializers.SerializerMethodField()
    from_customer = serializers.BooleanField(source="is_from_customer", read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Comment
        fields = [
            "id",
            "ticket",
            "body",
            "is_internal",
            "author",
            "author_name",
            "customer",
            "from_customer",
            "channel",
            "attachments",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_author_name(self, obj: Comment) -> str | None:
        if obj.author_id:
            return obj.author.get_full_name()
        if obj.customer_id:
            return obj.customer.name or obj.customer.email
        return None


class CommentCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    body = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=100_000)
    is_internal = serializers.BooleanField(default=False)


class CustomerCommentCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    """Customers write public replies only: `is_internal` is not theirs to send."""

    body = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=100_000)


class TicketEventSerializer(CachedFieldsMixin, serializers.ModelSerializer):
    old_value = serializers.JSONField(allow_null=True)
    new_value = serializers.JSONField(allow_null=True)

    class Meta:
        model = TicketEvent
        fields = ["id", "ticket", "kind", "field", "old_value", "new_value", "note", "actor", "created_at"]
        read_only_fields = fields
