"""Background-job endpoints and their serializers, wired into tickets/api/urls.py by `job_urlpatterns`:

- `POST /api/v1/exports/` {"format": "csv"|"jsonl", "filters": {...}} -> 202 with the job;
  `GET /api/v1/exports/` the caller's exports; `GET /api/v1/exports/{id}/` status, progress,
  row_count and `download_url` once completed; `GET /api/v1/exports/{id}/download/` the file.
  Writing agents (not viewers) request them; a job is visible to its requester only (others get a 404).
- `POST /api/v1/tickets/bulk/` {"ids": [...]} or {"filters": {...}} plus {"changes": {...}} -> 202
  with a job to poll at `GET /api/v1/bulk-jobs/{id}/` (requester only). Writing agents only."""

from __future__ import annotations

import json
from typing import Any

from django.http import FileResponse
from django.urls import path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.permissions import IsAgentRole, IsWritingAgent, ReadOnlyForViewer
from config.exceptions import ApplicationError
from tickets import bulk, exports
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


CONTENT_TYPES = {ExportFormat.CSV: "text/csv", ExportFormat.JSONL: "application/x-ndjson"}


class ExportJobViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = ExportJobSerializer
    permission_classes = [IsAgentRole, ReadOnlyForViewer]
    filter_backends: list[Any] = []
    ordering = ("-created_at", "-id")

    def get_queryset(self):
        return ExportJob.objects.filter(requested_by=self.request.user)

    @extend_schema(request=ExportRequestSerializer, responses={202: ExportJobSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = ExportRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = exports.export_job_create(
            actor=request.user, format=data.validated_data["format"], filters=data.validated_data["filters"]
        )
        body = self.get_serializer(job).data
        location = reverse("export-detail", kwargs={"pk": job.pk})
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": location})

    @extend_schema(
        summary="Download a completed export (409 while it is not ready)",
        responses={(200, content_type): OpenApiTypes.BINARY for content_type in CONTENT_TYPES.values()},
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str | None = None) -> FileResponse:
        job = self.get_object()
        if job.status != JobStatus.COMPLETED or not job.file:
            raise ApplicationError(
                f"The export is not ready (status: {job.status}).", code="not_ready", http_status=409
            )
        return FileResponse(
            job.file.open("rb"),
            as_attachment=True,
            filename=f"tickets-{job.pk}.{job.format}",
            content_type=CONTENT_TYPES[job.format],
        )


class BulkUpdateJobViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = BulkUpdateJobSerializer
    permission_classes = [IsAgentRole]
    filter_backends: list[Any] = []

    def get_queryset(self):
        return BulkUpdateJob.objects.filter(requested_by=self.request.user)


class TicketBulkUpdateView(APIView):
    permission_classes = [IsWritingAgent]

    @extend_schema(request=BulkUpdateRequestSerializer, responses={202: BulkUpdateJobSerializer})
    def post(self, request: Request) -> Response:
        data = BulkUpdateRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = bulk.bulk_update_job_create(
            actor=request.user,
            ids=data.validated_data.get("ids"),
            filters=data.validated_data.get("filters"),
            changes=data.validated_data["changes"],
        )
        location = reverse("bulk-job-detail", kwargs={"pk": job.pk})
        return Response(
            BulkUpdateJobSerializer(job).data, status=status.HTTP_202_ACCEPTED, headers={"Location": location}
        )


export_list = ExportJobViewSet.as_view({"get": "list", "post": "create"})
export_detail = ExportJobViewSet.as_view({"get": "retrieve"})
export_download = ExportJobViewSet.as_view({"get": "download"})

# Explicit paths: `tickets/bulk/` must come before the router's `tickets/{id}/`.
job_urlpatterns = [
    path("tickets/bulk/", TicketBulkUpdateView.as_view(), name="ticket-bulk"),
    path("bulk-jobs/<int:pk>/", BulkUpdateJobViewSet.as_view({"get": "retrieve"}), name="bulk-job-detail"),
    path("exports/", export_list, name="export-list"),
    path("exports/<int:pk>/", export_detail, name="export-detail"),
    path("exports/<int:pk>/download/", export_download, name="export-download"),
]
