"""Serializers of the background-job endpoints: exports and bulk updates (tickets/jobs.py)."""

from __future__ import annotations

import json
from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tickets.models import BulkUpdateJob, ExportFormat, ExportJob, JobStatus

MAX_ID = 2**63 - 1


def _validate_filters(value: dict[str, Any]) -> dict[str, Any]:
    # PostgreSQL cannot store NUL characters in text or jsonb: refuse them here, not with a 500.
    if "\\u0000" in json.dumps(value):
        raise serializers.ValidationError("Must not contain NUL characters.")
    return value


class ExportRequestSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=ExportFormat.choices)
    filters = serializers.DictField(
        required=False,
        default=dict,
        help_text='The ticket list filters, e.g. {"status": "open,pending"}; "ids": [...] narrows to those tickets.',
    )

    def validate_filters(self, value: dict[str, Any]) -> dict[str, Any]:
        return _validate_filters(value)


class ExportJobSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "format",
            "filters",
            "status",
            "progress",
            "row_count",
            "error",
            "download_url",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_download_url(self, job: ExportJob) -> str | None:
        if job.status != JobStatus.COMPLETED or not job.file:
            return None
        url = reverse("export-download", kwargs={"pk": job.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class BulkUpdateRequestSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False, allow_empty=False
    )
    filters = serializers.DictField(required=False, help_text="The ticket list filters (instead of ids).")
    changes = serializers.DictField(help_text="Any of status, priority, assignee (user id or null), tags.")

    def validate_filters(self, value: dict[str, Any]) -> dict[str, Any]:
        return _validate_filters(value)

    def validate_changes(self, value: dict[str, Any]) -> dict[str, Any]:
        return _validate_filters(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("ids" in attrs) == ("filters" in attrs):
            raise serializers.ValidationError({"ids": ["Give either 'ids' or 'filters', not both and not neither."]})
        return attrs


class BulkUpdateJobSerializer(serializers.ModelSerializer):
    failed = serializers.IntegerField(read_only=True)

    class Meta:
        model = BulkUpdateJob
        fields = [
            "id",
            "status",
            "progress",
            "total",
            "processed",
            "succeeded",
            "failed",
            "failures",
            "changes",
            "filters",
            "ticket_ids",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields
