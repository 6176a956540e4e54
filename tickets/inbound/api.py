"""/api/v1/mailboxes/ (admins only; secrets write-only, never returned), /api/v1/inbound-messages/
(admins: the inbound log, with `retry` for failed messages) and /api/v1/tickets/{id}/followers/
(agents read; writing agents add and remove)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from agents.permissions import IsAdminRole, IsAgentRole, ReadOnlyForViewer
from config.api.schema import ERRORS
from config.api.serializers import StrictFieldsMixin
from tickets import selectors
from tickets.followers.services import follower_add, follower_remove, ticket_follow, ticket_unfollow
from tickets.inbound.mailboxes import SECRETS, mailbox_save
from tickets.inbound.services import inbound_message_retry
from tickets.models import InboundMessage, InboundStatus, Mailbox, Ticket, TicketFollower


class MailboxSerializer(serializers.ModelSerializer):
    password = serializers.CharField(write_only=True, required=False, allow_blank=True, trim_whitespace=False)
    oauth_client_secret = serializers.CharField(write_only=True, required=False, allow_blank=True)
    oauth_refresh_token = serializers.CharField(write_only=True, required=False, allow_blank=True)
    secrets_stored = serializers.SerializerMethodField()

    class Meta:
        model = Mailbox
        fields = (
            "id",
            "name",
            "address",
            "is_active",
            "imap_host",
            "imap_port",
            "security",
            "username",
            "auth_method",
            "password",
            "oauth_client_id",
            "oauth_client_secret",
            "oauth_tenant",
            "oauth_refresh_token",
            "oauth_token_url",
            "folder",
            "processed_action",
            "processed_folder",
            "team",
            "category",
            "send_acknowledgement",
            "secrets_stored",
            "last_polled_at",
            "last_error",
            "last_error_at",
            "consecutive_failures",
            "next_poll_at",
        )
        read_only_fields = ("last_polled_at", "last_error", "last_error_at", "consecutive_failures", "next_poll_at")

    def get_secrets_stored(self, obj: Mailbox) -> list[str]:
        return [name for name in SECRETS if getattr(obj, f"{name}_encrypted")]


@extend_schema_view(
    list=extend_schema(summary="Mailboxes (admins)", responses={200: MailboxSerializer(many=True), **ERRORS}),
    create=extend_schema(summary="Add a mailbox; secrets are write-only", responses={201: MailboxSerializer, **ERRORS}),
)
class MailboxViewSet(viewsets.ModelViewSet):
    serializer_class = MailboxSerializer
    permission_classes = [IsAdminRole]
    queryset = Mailbox.objects.select_related("team", "category").order_by("name")
    filter_backends: list[Any] = []

    def perform_create(self, serializer: MailboxSerializer) -> None:
        self._save(serializer, Mailbox())

    def perform_update(self, serializer: MailboxSerializer) -> None:
        self._save(serializer, serializer.instance)

    @staticmethod
    def _save(serializer: MailboxSerializer, mailbox: Mailbox) -> None:
        data = dict(serializer.validated_data)
        secrets = {name: data.pop(name) for name in SECRETS if name in data}
        serializer.instance = mailbox_save(mailbox=mailbox, data=data, secrets=secrets)


class InboundMessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = InboundMessage
        fields = (
            "id",
            "message_id",
            "mailbox",
            "uidvalidity",
            "uid",
            "source",
            "sender",
            "subject",
            "status",
            "reason",
            "ticket",
            "comment",
            "attempts",
            "received_at",
            "processed_at",
        )
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(
        summary="Inbound messages (admins); `?status=failed` lists what waits for a retry",
        responses={200: InboundMessageSerializer(many=True), **ERRORS},
    ),
)
class InboundMessageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = InboundMessageSerializer
    permission_classes = [IsAdminRole]
    filter_backends: list[Any] = []
    extra_query_params = ("status",)
    ordering = ("-received_at", "-id")

    def get_queryset(self):  # type: ignore[no-untyped-def]
        queryset = InboundMessage.objects.order_by("-received_at", "-id")
        wanted = self.request.query_params.get("status")
        if wanted:
            if wanted not in InboundStatus.values:
                raise serializers.ValidationError({"status": [f"'{wanted}' is not a status."]})
            queryset = queryset.filter(status=wanted)
        return queryset

    @extend_schema(request=None, responses={200: InboundMessageSerializer, **ERRORS}, summary="Retry a failed message")
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):  # type: ignore[no-untyped-def]
        record = self.get_object()
        try:
            result = inbound_message_retry(record=record)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        record.refresh_from_db()
        code = status.HTTP_200_OK if not result.failed else status.HTTP_422_UNPROCESSABLE_ENTITY
        return Response(InboundMessageSerializer(record).data, status=code)


class FollowerSerializer(serializers.ModelSerializer):
    class Meta:
        model = TicketFollower
        fields = ("id", "email", "customer", "user", "source", "created_at")
        read_only_fields = ("id", "customer", "user", "source", "created_at")


class FollowerCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    """`email` adds that follower; without it the calling agent follows the ticket."""

    email = serializers.EmailField(
        required=False, max_length=254, help_text="Omit to follow the ticket yourself (agents)."
    )


class FollowerViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    serializer_class = FollowerSerializer
    permission_classes = [IsAgentRole, ReadOnlyForViewer]
    filter_backends: list[Any] = []
    pagination_class = None

    def get_ticket(self) -> Ticket:
        try:
            pk = int(self.kwargs["ticket_pk"])
        except (TypeError, ValueError):
            raise Http404 from None
        ticket = selectors.ticket_get(user=self.request.user, pk=pk)
        if ticket is None:
            raise Http404
        return ticket

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return TicketFollower.objects.filter(ticket=self.get_ticket()).order_by("email")

    @extend_schema(
        summary="Follow a ticket, or add a follower",
        description="`{}`: you (an agent) follow the ticket and are emailed about its updates as your "
        'notification preferences say. `{"email": ...}`: add a customer of the organisation, an agent or an '
        "allowed address. Idempotent.",
        request=FollowerCreateSerializer,
        responses={201: FollowerSerializer, **ERRORS},
    )
    def create(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        serializer = FollowerCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ticket = self.get_ticket()
        email = serializer.validated_data.get("email")
        if email:
            follower = follower_add(ticket=ticket, email=email, actor=request.user)
        else:
            follower = ticket_follow(ticket=ticket, user=request.user)
        return Response(FollowerSerializer(follower).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Stop following a ticket",
        request=None,
        responses={204: None, 404: OpenApiResponse(description="You do not follow it."), **ERRORS},
    )
    def unfollow(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not ticket_unfollow(ticket=self.get_ticket(), user=request.user):
            raise Http404("You do not follow this ticket.")
        return Response(status=status.HTTP_204_NO_CONTENT)

    def perform_destroy(self, instance: TicketFollower) -> None:
        follower_remove(follower=instance, actor=self.request.user)
