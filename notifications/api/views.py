"""/api/v1/webhooks/: subscriptions, their deliveries, redelivery and secret rotation. Admins only."""

from __future__ import annotations

import uuid

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.lists import StrictQueryParamsCursorPagination
from notifications import subscriptions
from notifications.api.permissions import IsAdminRole
from notifications.api.serializers import (
    WebhookDeliverySerializer,
    WebhookSubscriptionInputSerializer,
    WebhookSubscriptionSerializer,
    WebhookSubscriptionWithSecretSerializer,
)
from notifications.models import WebhookDelivery, WebhookSubscription


class CreatedCursorPagination(StrictQueryParamsCursorPagination):
    ordering = ("-created_at", "-id")


class WebhookSubscriptionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [IsAdminRole]
    serializer_class = WebhookSubscriptionSerializer
    pagination_class = CreatedCursorPagination
    queryset = WebhookSubscription.objects.all()
    filter_backends: list = []

    @property
    def extra_query_params(self) -> tuple[str, ...]:
        return ("status",) if self.action == "deliveries" else ()

    @extend_schema(request=WebhookSubscriptionInputSerializer, responses={201: WebhookSubscriptionWithSecretSerializer})
    def create(self, request: Request) -> Response:
        data = WebhookSubscriptionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        subscription = subscriptions.webhook_subscription_create(actor=request.user, **data.validated_data)
        return Response(WebhookSubscriptionWithSecretSerializer(subscription).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=WebhookSubscriptionInputSerializer, responses=WebhookSubscriptionSerializer)
    def update(self, request: Request, pk: str | None = None) -> Response:
        data = WebhookSubscriptionInputSerializer(data=request.data, partial=request.method == "PATCH")
        data.is_valid(raise_exception=True)
        subscription = subscriptions.webhook_subscription_update(
            subscription=self.get_object(), actor=request.user, data=dict(data.validated_data)
        )
        return Response(WebhookSubscriptionSerializer(subscription).data)

    @extend_schema(request=WebhookSubscriptionInputSerializer, responses=WebhookSubscriptionSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self.update(request, pk)

    def perform_destroy(self, instance: WebhookSubscription) -> None:
        subscriptions.webhook_subscription_delete(subscription=instance, actor=self.request.user)

    @extend_schema(request=None, responses=WebhookSubscriptionWithSecretSerializer)
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk: str | None = None) -> Response:
        subscription = subscriptions.webhook_subscription_rotate_secret(
            subscription=self.get_object(), actor=request.user
        )
        return Response(WebhookSubscriptionWithSecretSerializer(subscription).data)

    @extend_schema(
        responses=WebhookDeliverySerializer(many=True),
        parameters=[OpenApiParameter("status", OpenApiTypes.STR, description="Only deliveries in this status.")],
    )
    @action(detail=True, methods=["get"], serializer_class=WebhookDeliverySerializer)
    def deliveries(self, request: Request, pk: str | None = None) -> Response:
        subscription = self.get_object()
        queryset = WebhookDelivery.objects.filter(subscription=subscription)
        if request.query_params.get("status"):
            queryset = queryset.filter(status=request.query_params["status"])
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)

    @extend_schema(
        request=None,
        responses={202: WebhookDeliverySerializer},
        parameters=[OpenApiParameter("delivery_id", OpenApiTypes.UUID, OpenApiParameter.PATH)],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"deliveries/(?P<delivery_id>[^/.]+)/redeliver",
        serializer_class=WebhookDeliverySerializer,
    )
    def redeliver(self, request: Request, pk: str | None = None, delivery_id: str | None = None) -> Response:
        subscription = self.get_object()
        try:
            delivery_uuid = uuid.UUID(str(delivery_id))
        except ValueError as exc:
            raise Http404 from exc
        delivery = WebhookDelivery.objects.filter(subscription=subscription, pk=delivery_uuid).first()
        if delivery is None:
            raise Http404
        delivery = subscriptions.webhook_delivery_redeliver(delivery=delivery, actor=request.user)
        delivery.refresh_from_db()
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
