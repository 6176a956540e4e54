"""Merge, split and links of a ticket: POST /tickets/{id}/merge/ (and merge/undo/), POST
/tickets/{id}/split/, GET/POST /tickets/{id}/links/, DELETE /tickets/{id}/links/{link_id}/, POST
/tickets/{id}/close-children/. Writing agents only; the ticket (and the other ticket named in the
body) must be in the caller's scope, else 404 / 400 naming the field."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.ids import id_or_404
from config.api.schema import ERRORS
from tickets import selectors
from tickets.api.permissions import IsAgentRole, WritingAgentScopeFirst
from tickets.api.serializers import TicketSerializer
from tickets.api.views import IF_MATCH, TICKET_PK, expected_versions, ticket_etag
from tickets.links import LINK_CHOICES, ticket_children_close, ticket_link_add, ticket_link_remove
from tickets.models import DONE_STATUSES, Status, Ticket, TicketLink, TicketMerge
from tickets.split import ticket_split
from tickets.ticket_merge import merge_undo_deadline, ticket_merge, ticket_merge_undo


class MergeRequestSerializer(serializers.Serializer):
    target = serializers.IntegerField(help_text="The ticket this one is merged into.")
    confirm_organization_mismatch = serializers.BooleanField(
        default=False, help_text="Merge although the tickets belong to different organisations (customers)."
    )


class MergeSerializer(serializers.ModelSerializer):
    undo_until = serializers.SerializerMethodField()

    class Meta:
        model = TicketMerge
        fields = ("id", "source", "target", "actor", "moved", "created_at", "undone_at", "undo_until")
        read_only_fields = fields

    def get_undo_until(self, merge: TicketMerge) -> Any:
        return serializers.DateTimeField().to_representation(merge_undo_deadline(merge))


class MergeResultSerializer(serializers.Serializer):
    merge = MergeSerializer()
    ticket = TicketSerializer(help_text="The source, now closed.")
    target = TicketSerializer()


class SplitRequestSerializer(serializers.Serializer):
    comment = serializers.IntegerField(help_text="The message that starts the new ticket.")
    include_following = serializers.BooleanField(default=False, help_text="Move every later message too.")
    title = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class LinkRequestSerializer(serializers.Serializer):
    ticket = serializers.IntegerField(help_text="The other ticket.")
    kind = serializers.ChoiceField(choices=list(LINK_CHOICES.items()))


class LinkedTicketSerializer(serializers.ModelSerializer):
    class Meta:
        model = Ticket
        fields = ("id", "title", "status", "priority")
        read_only_fields = fields


class LinkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(
        help_text="As read from this ticket: related, duplicate_of, has_duplicate, child_of, parent_of, "
        "merged_into, merged_from, split_from, split_into."
    )
    label = serializers.CharField()
    ticket = LinkedTicketSerializer()
    created_at = serializers.DateTimeField()
    removable = serializers.BooleanField()


class CloseChildrenSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=sorted(DONE_STATUSES), default=Status.CLOSED)


class CloseChildrenResultSerializer(serializers.Serializer):
    changed = serializers.ListField(child=serializers.IntegerField())


class _TicketAction(APIView):
    permission_classes = [WritingAgentScopeFirst]

    def ticket(self, request: Any, ticket_pk: str) -> Ticket:
        ticket = selectors.ticket_get(user=request.user, pk=id_or_404(ticket_pk))
        if ticket is None:
            raise Http404
        self.check_object_permissions(request, ticket)
        return ticket

    def other(self, request: Any, pk: int, field: str) -> Ticket:
        other = selectors.ticket_get(user=request.user, pk=pk)
        if other is None:
            raise serializers.ValidationError({field: [f"No ticket #{pk}."]})
        return other


def _merge_response(merge: TicketMerge) -> Response:
    source = selectors.ticket_base_queryset().get(pk=merge.source_id)
    target = selectors.ticket_base_queryset().get(pk=merge.target_id)
    data = {
        "merge": MergeSerializer(merge).data,
        "ticket": TicketSerializer(source).data,
        "target": TicketSerializer(target).data,
    }
    response = Response(data)
    response["ETag"] = ticket_etag(source)
    return response


class TicketMergeView(_TicketAction):
    @extend_schema(
        summary="Merge this ticket into another",
        description="The conversation, attachments, audit trail and followers move to `target`; this ticket is "
        "closed with a `merged_into` link. Tickets of two organisations need `confirm_organization_mismatch` "
        "(else a 400 naming it). Undo with merge/undo/ within TICKET_MERGE_UNDO_MINUTES.",
        parameters=[TICKET_PK, IF_MATCH],
        request=MergeRequestSerializer,
        responses={200: MergeResultSerializer, **ERRORS},
    )
    def post(self, request: Any, ticket_pk: str) -> Response:
        source = self.ticket(request, ticket_pk)
        body = MergeRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        target = self.other(request, body.validated_data["target"], "target")
        merge = ticket_merge(
            source=source,
            target=target,
            actor=request.user,
            confirm_organization_mismatch=body.validated_data["confirm_organization_mismatch"],
            expected_version=expected_versions(request, source),
        )
        return _merge_response(merge)


class TicketMergeUndoView(_TicketAction):
    @extend_schema(
        summary="Undo this ticket's merge",
        description="Within the window: what moved goes back, this ticket gets its status back. 409 after it.",
        parameters=[TICKET_PK],
        request=None,
        responses={200: MergeResultSerializer, **ERRORS},
    )
    def post(self, request: Any, ticket_pk: str) -> Response:
        merge = ticket_merge_undo(source=self.ticket(request, ticket_pk), actor=request.user)
        return _merge_response(merge)


class TicketSplitView(_TicketAction):
    @extend_schema(
        summary="Split a message (and what follows) into a new ticket",
        parameters=[TICKET_PK, IF_MATCH],
        request=SplitRequestSerializer,
        responses={201: TicketSerializer, **ERRORS},
    )
    def post(self, request: Any, ticket_pk: str) -> Response:
        ticket = self.ticket(request, ticket_pk)
        body = SplitRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        new = ticket_split(
            ticket=ticket,
            comment=data["comment"],
            actor=request.user,
            include_following=data["include_following"],
            title=data["title"],
            expected_version=expected_versions(request, ticket),
        )
        response = Response(
            TicketSerializer(selectors.ticket_base_queryset().get(pk=new.pk)).data, status=status.HTTP_201_CREATED
        )
        response["ETag"] = ticket_etag(new)
        return response


@extend_schema_view(
    get=extend_schema(
        summary="A ticket's links (agents)",
        parameters=[TICKET_PK],
        responses={200: LinkSerializer(many=True), **ERRORS},
    ),
    post=extend_schema(
        summary="Link this ticket to another",
        description="`related`, `duplicate_of`, `child_of` (the other ticket is the parent) or `parent_of`. "
        "An existing link answers 200, a new one 201.",
        parameters=[TICKET_PK],
        request=LinkRequestSerializer,
        responses={200: LinkSerializer(many=True), 201: LinkSerializer(many=True), **ERRORS},
    ),
)
class TicketLinksView(_TicketAction):
    def get_permissions(self) -> list[Any]:
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return [IsAgentRole()]
        return super().get_permissions()

    def get(self, request: Any, ticket_pk: str) -> Response:
        ticket = self.ticket(request, ticket_pk)
        return Response(LinkSerializer(selectors.link_list(ticket=ticket), many=True).data)

    def post(self, request: Any, ticket_pk: str) -> Response:
        ticket = self.ticket(request, ticket_pk)
        body = LinkRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        other = self.other(request, body.validated_data["ticket"], "ticket")
        _, created = ticket_link_add(ticket=ticket, other=other, kind=body.validated_data["kind"], actor=request.user)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(LinkSerializer(selectors.link_list(ticket=ticket), many=True).data, status=code)


class TicketLinkView(_TicketAction):
    @extend_schema(summary="Remove a link", parameters=[TICKET_PK], responses={204: None, **ERRORS})
    def delete(self, request: Any, ticket_pk: str, pk: int) -> Response:
        ticket = self.ticket(request, ticket_pk)
        link = TicketLink.objects.filter(pk=pk).filter(from_ticket=ticket).first() or (
            TicketLink.objects.filter(pk=pk, to_ticket=ticket).first()
        )
        if link is None:
            raise Http404
        ticket_link_remove(link=link, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TicketCloseChildrenView(_TicketAction):
    @extend_schema(
        summary="Resolve or close this ticket's open children",
        parameters=[TICKET_PK],
        request=CloseChildrenSerializer,
        responses={200: CloseChildrenResultSerializer, **ERRORS},
    )
    def post(self, request: Any, ticket_pk: str) -> Response:
        ticket = self.ticket(request, ticket_pk)
        body = CloseChildrenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        changed = ticket_children_close(parent=ticket, actor=request.user, status=body.validated_data["status"])
        return Response({"changed": changed})
