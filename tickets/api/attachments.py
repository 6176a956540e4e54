"""Attachment endpoints:

- `POST /api/v1/tickets/{id}/attachments/` multipart, one or more `files` (optionally `comment`,
  the id of a message on the ticket) -> 201 with the attachments. Agents who may write, and the
  ticket's customers; a file over ATTACHMENT_MAX_BYTES or of a type outside
  ATTACHMENT_ALLOWED_TYPES is a 400 naming the file, and nothing is stored.
- `GET /api/v1/attachments/{id}/download/` the file, scoped like its ticket: another
  organisation's file is a 404, and so is an internal note's file for a customer."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.permissions import ReadOnlyForViewer
from config.api.ids import id_or_404
from config.api.parsers import FormParser, MultiPartParser
from config.api.schema import ERRORS
from config.api.serializers import CachedFieldsMixin
from tickets import attachments, selectors
from tickets.api.permissions import AgentOrCustomerReader, TicketAccess
from tickets.models import Attachment, Comment


class AttachmentSerializer(CachedFieldsMixin, serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "ticket", "comment", "filename", "content_type", "size", "download_url", "created_at"]
        read_only_fields = fields

    def get_download_url(self, obj: Attachment) -> str:
        return reverse("attachment-download", kwargs={"pk": obj.pk})


class AttachmentUploadSerializer(serializers.Serializer):
    files = serializers.ListField(child=serializers.FileField(allow_empty_file=True), allow_empty=False)
    comment = serializers.IntegerField(required=False, allow_null=True)


class TicketAttachmentsView(APIView):
    permission_classes = [TicketAccess, ReadOnlyForViewer]
    parser_classes = [MultiPartParser, FormParser]

    def _ticket(self, request: Request, ticket_pk: str) -> Any:
        ticket = selectors.ticket_get(user=request.user, pk=id_or_404(ticket_pk))
        if ticket is None:
            raise Http404
        return ticket

    @extend_schema(
        summary="A ticket's files",
        responses={200: AttachmentSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, ticket_pk: str) -> Response:
        ticket = self._ticket(request, ticket_pk)
        rows = attachments.attachment_list_for(user=request.user).filter(ticket=ticket).order_by("created_at", "id")
        return Response(AttachmentSerializer(rows, many=True).data)

    @extend_schema(
        summary="Upload files to a ticket",
        description="multipart/form-data with one or more `files` parts and optionally `comment` (a message "
        "id on this ticket). Too big or of a refused type: 400 naming the file, nothing stored.",
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: AttachmentSerializer(many=True), **ERRORS},
    )
    def post(self, request: Request, ticket_pk: str) -> Response:
        ticket = self._ticket(request, ticket_pk)
        data = {"files": request.FILES.getlist("files") or request.FILES.getlist("file")}
        if request.data.get("comment") not in (None, ""):
            data["comment"] = request.data.get("comment")
        serializer = AttachmentUploadSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        comment = None
        comment_id = serializer.validated_data.get("comment")
        if comment_id is not None:
            comment = selectors.comment_list(ticket=ticket, user=request.user).filter(pk=comment_id).first()
            if comment is None:
                raise serializers.ValidationError({"comment": ["No such message on this ticket."]})
        created = attachments.attachments_upload(
            ticket=ticket, actor=request.user, files=serializer.validated_data["files"], comment=comment
        )
        return Response(AttachmentSerializer(created, many=True).data, status=status.HTTP_201_CREATED)


class AttachmentDownloadView(APIView):
    permission_classes = [AgentOrCustomerReader]

    @extend_schema(
        summary="Download a file",
        responses={
            # Served with the type detected from its bytes when it was stored (tickets/file_types.py).
            (200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The file."),
            **ERRORS,
        },
    )
    def get(self, request: Request, pk: int) -> FileResponse:
        attachment = attachments.attachment_get_for(user=request.user, pk=pk)
        if attachment is None:
            raise Http404
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(handle, as_attachment=True, filename=attachment.filename)
        response["Content-Type"] = attachment.content_type or "application/octet-stream"
        response["X-Content-Type-Options"] = "nosniff"
        return response


def comment_attachments(comment: Comment) -> list[dict[str, Any]]:
    return AttachmentSerializer(comment.attachments.all(), many=True).data
