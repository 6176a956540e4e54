"""Auth (tokens), the caller (`/me/`), agents, teams and API keys."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from agents import services
from agents.api.permissions import AgentsReadAdminWrite, IsAdminRole
from agents.api.serializers import (
    AgentCreateSerializer,
    AgentSerializer,
    AgentUpdateSerializer,
    ApiKeyCreatedSerializer,
    ApiKeyCreateSerializer,
    ApiKeySerializer,
    MeSerializer,
    TeamSerializer,
    TeamWriteSerializer,
)
from agents.models import Agent, ApiKey, Team
from agents.permissions import request_role
from agents.selectors import CUSTOMER_ROLE
from config.api.schema import ERRORS, crud_schema
from config.api.throttling import AnonThrottle, LoginAccountThrottle, LoginAddressThrottle
from config.api.views import ServiceModelViewSet


@extend_schema(
    summary="Obtain a JWT pair",
    description='`{"email", "password"}` -> `{"access", "refresh"}`; wrong credentials are a 401.',
    responses={200: OpenApiTypes.OBJECT, 400: ERRORS[400], 401: ERRORS[401], 429: ERRORS[429]},
)
class TokenObtainView(TokenObtainPairView):
    authentication_classes = ()
    throttle_classes = (AnonThrottle, LoginAddressThrottle, LoginAccountThrottle)


@extend_schema(
    summary="Refresh the access token",
    description="The refresh token is rotated: use the new one next time; the old one is blacklisted.",
    responses={200: OpenApiTypes.OBJECT, 400: ERRORS[400], 401: ERRORS[401], 429: ERRORS[429]},
)
class TokenRefreshingView(TokenRefreshView):
    authentication_classes = ()
    throttle_classes = (AnonThrottle, LoginAddressThrottle)


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Who am I", responses={200: MeSerializer, 401: ERRORS[401]})
    def get(self, request: Any) -> Response:
        user = request.user
        role = request_role(request)
        customer = organization = None
        teams: list[int] = []
        if role == CUSTOMER_ROLE:
            try:
                customer_obj = user.customer
            except ObjectDoesNotExist:  # pragma: no cover - the role implies the profile
                customer_obj = None
            if customer_obj is not None:
                customer = customer_obj.pk
                org = customer_obj.organization
                organization = {"id": org.pk, "name": org.name} if org else None
        elif role is not None and hasattr(user, "agent"):
            teams = list(user.agent.teams.values_list("pk", flat=True))
        data = {
            "id": user.pk,
            "email": user.email,
            "name": user.name,
            "role": role,
            "customer": customer,
            "organization": organization,
            "teams": teams,
        }
        return Response(MeSerializer(data).data)


@crud_schema(
    noun="an agent",
    plural="agents",
    read=AgentSerializer,
    create=AgentCreateSerializer,
    update=AgentUpdateSerializer,
    retrieve="Read an agent (by user id)",
    destroy="Deactivate an agent (admins)",
)
class AgentViewSet(ServiceModelViewSet):
    """Agents, addressed by their user id (the id tickets use for `assignee`). API keys' service
    users are not listed."""

    permission_classes = [AgentsReadAdminWrite]
    read_serializer_class = AgentSerializer
    write_serializer_class = AgentCreateSerializer
    update_serializer_class = AgentUpdateSerializer
    lookup_field = "user_id"
    lookup_url_kwarg = "pk"
    ordering = ("-id",)

    def get_queryset(self):
        return (
            Agent.objects.filter(user__api_key__isnull=True)
            .select_related("user")
            .prefetch_related(Prefetch("teams", queryset=Team.objects.only("pk")))
        )

    def create(self, request, *args, **kwargs):
        agent = services.agent_create(actor=request.user, **self.validated(request, partial=False))
        return self.respond(agent, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        agent = self.get_object()
        agent = services.agent_update(agent=agent, data=self.validated(request, partial=True), actor=request.user)
        return self.respond(agent)

    def destroy(self, request, *args, **kwargs):
        services.agent_deactivate(agent=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@crud_schema(noun="a team", plural="teams", read=TeamSerializer, create=TeamWriteSerializer)
class TeamViewSet(ServiceModelViewSet):
    permission_classes = [AgentsReadAdminWrite]
    read_serializer_class = TeamSerializer
    write_serializer_class = TeamWriteSerializer
    ordering = ("name",)

    def get_queryset(self):
        return Team.objects.all()

    def create(self, request, *args, **kwargs):
        team = services.team_create(actor=request.user, **self.validated(request, partial=False))
        return self.respond(team, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        team = self.get_object()
        team = services.team_update(team=team, data=self.validated(request, partial=True), actor=request.user)
        return self.respond(team)

    def destroy(self, request, *args, **kwargs):
        services.team_delete(team=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(summary="List API keys (admins)", responses={200: ApiKeySerializer(many=True), **ERRORS}),
    retrieve=extend_schema(summary="Read an API key (admins)", responses={200: ApiKeySerializer, **ERRORS}),
    create=extend_schema(
        summary="Create an API key (admins)",
        description="The plain `key` is in this response only; it is stored hashed.",
        request=ApiKeyCreateSerializer,
        responses={201: ApiKeyCreatedSerializer, **ERRORS},
    ),
    destroy=extend_schema(summary="Revoke an API key (admins)", responses={204: None, **ERRORS}),
)
class ApiKeyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Integration keys, addressed by their public prefix."""

    permission_classes = [IsAdminRole]
    lookup_field = "prefix"
    lookup_url_kwarg = "pk"
    ordering = ("-created",)
    lookup_value_regex = "[^/]+"  # any id reaches the view: malformed ones get a JSON 404

    def get_queryset(self):
        return ApiKey.objects.all()

    def get_serializer_class(self):
        return ApiKeyCreateSerializer if self.action == "create" else ApiKeySerializer

    def create(self, request, *args, **kwargs):
        serializer = ApiKeyCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        api_key, plain_key = services.api_key_create(actor=request.user, **serializer.validated_data)
        api_key.key = plain_key
        return Response(ApiKeyCreatedSerializer(api_key).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        services.api_key_revoke(api_key=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
