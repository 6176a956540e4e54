"""Customer and organisation API shapes. Field rules come from customers.validators, applied per
field here so a bad value is a 400 naming that field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from config.api.serializers import StrictFieldsMixin
from config.validators import normalize_email
from customers import validators
from customers.models import Customer, Organization, Tier


def _apply(check: Callable[[Any], Any], value: Any) -> Any:
    try:
        return check(value)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.messages) from exc


class CustomerSerializer(serializers.ModelSerializer):
    has_portal_access = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = [
            "id",
            "email",
            "name",
            "company",
            "phone",
            "tier",
            "organization",
            "crm_id",
            "metadata",
            "email_opt_out",
            "email_undeliverable_at",
            "email_undeliverable_reason",
            "email_soft_bounces",
            "has_portal_access",
            "erased_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_has_portal_access(self, obj: Customer) -> bool:
        return obj.user_id is not None


class CustomerWriteSerializer(StrictFieldsMixin, serializers.Serializer):
    email = serializers.CharField(max_length=254)
    name = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    company = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
    tier = serializers.ChoiceField(choices=Tier.choices, required=False)
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), required=False, allow_null=True
    )
    metadata = serializers.DictField(required=False)
    email_opt_out = serializers.BooleanField(required=False)

    def validate_email(self, value: str) -> str:
        return _apply(normalize_email, value)

    def validate_phone(self, value: str) -> str:
        return _apply(validators.normalize_phone, value)

    def validate_name(self, value: str) -> str:
        return _apply(validators.clean_plain_text, value)

    def validate_company(self, value: str) -> str:
        return _apply(validators.clean_plain_text, value)


class PortalAccessSerializer(StrictFieldsMixin, serializers.Serializer):
    password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})


class PortalAccessResponseSerializer(serializers.Serializer):
    customer = serializers.IntegerField()
    email = serializers.EmailField()
    role = serializers.CharField()


class OrganizationSerializer(serializers.ModelSerializer):
    domains = serializers.SerializerMethodField()

    class Meta:
        model = Organization
        fields = ["id", "name", "default_tier", "notes", "share_tickets", "domains", "created_at", "updated_at"]
        read_only_fields = fields

    def get_domains(self, obj: Organization) -> list[str]:
        return [d.domain for d in obj.domains.all()]


class OrganizationWriteSerializer(StrictFieldsMixin, serializers.Serializer):
    name = serializers.CharField(max_length=1000, allow_blank=True)
    default_tier = serializers.ChoiceField(choices=Tier.choices, required=False)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    share_tickets = serializers.BooleanField(required=False)
    domains = serializers.ListField(child=serializers.CharField(max_length=253), required=False, max_length=100)

    def validate_name(self, value: str) -> str:
        value = _apply(validators.clean_plain_text, value)
        if not value:
            raise serializers.ValidationError("This field may not be blank.")
        return value

    def validate_domains(self, value: list[str]) -> list[str]:
        return [_apply(validators.normalize_domain, d) for d in value]
