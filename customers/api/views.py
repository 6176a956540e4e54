"""Customers and organisations: agents read, senior agents and admins write customers, admins
delete them and write organisations; admins grant portal access."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from agents.selectors import CUSTOMER_ROLE
from customers import services
from customers.api.filters import CustomerFilter, OrganizationFilter
from customers.api.permissions import AgentsReadAdminWrite, AgentsReadSeniorWriteAdminDelete, IsAdminRole
from customers.api.serializers import (
    CustomerSerializer,
    CustomerWriteSerializer,
    OrganizationSerializer,
    OrganizationWriteSerializer,
    PortalAccessResponseSerializer,
    PortalAccessSerializer,
)
from customers.models import Customer, Organization, OrganizationDomain

ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Validation error, each offending field named."),
    401: OpenApiResponse(OpenApiTypes.OBJECT, description="Not authenticated."),
    403: OpenApiResponse(OpenApiTypes.OBJECT, description="Your role does not allow this."),
    404: OpenApiResponse(OpenApiTypes.OBJECT, description="Not found."),
}


class _WriteThroughServices:
    """create/partial_update with a write serializer, answered with the read serializer."""

    write_serializer_class: type
    read_serializer_class: type

    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        if self.action in ("create", "partial_update"):  # type: ignore[attr-defined]
            return self.write_serializer_class
        return self.read_serializer_class

    def _validated(self, request, *, partial: bool) -> dict:  # type: ignore[no-untyped-def]
        serializer = self.write_serializer_class(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _respond(self, obj, status_code: int = status.HTTP_200_OK) -> Response:  # type: ignore[no-untyped-def]
        obj = self.get_queryset().get(pk=obj.pk)  # type: ignore[attr-defined]
        return Response(self.read_serializer_class(obj).data, status=status_code)


@extend_schema_view(
    list=extend_schema(summary="List customers", responses={200: CustomerSerializer(many=True), **ERRORS}),
    retrieve=extend_schema(summary="Read a customer", responses={200: CustomerSerializer, **ERRORS}),
    create=extend_schema(
        summary="Create a customer (senior agents, admins)",
        request=CustomerWriteSerializer,
        responses={201: CustomerSerializer, **ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change a customer (senior agents, admins)",
        request=CustomerWriteSerializer,
        responses={200: CustomerSerializer, **ERRORS},
    ),
    destroy=extend_schema(summary="Delete a customer without tickets (admins)", responses={204: None, **ERRORS}),
)
class CustomerViewSet(
    _WriteThroughServices,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [AgentsReadSeniorWriteAdminDelete]
    write_serializer_class = CustomerWriteSerializer
    read_serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    ordering = ("-created_at", "-id")
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = "[^/]+"  # any id reaches the view: malformed ones get a JSON 404

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return Customer.objects.all()

    def create(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        data = self._validated(request, partial=False)
        email_opt_out = data.pop("email_opt_out", False)
        customer = services.customer_create(actor=request.user, **data)
        if email_opt_out:
            customer = services.customer_update(customer=customer, data={"email_opt_out": True}, actor=request.user)
        return self._respond(customer, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        customer = self.get_object()
        data = self._validated(request, partial=True)
        customer = services.customer_update(customer=customer, data=data, actor=request.user)
        return self._respond(customer)

    def destroy(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        services.customer_delete(customer=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Give a customer a portal login (admins)",
        description="The customer then obtains tokens with their own email and this password and acts with "
        "the `customer` role.",
        request=PortalAccessSerializer,
        responses={201: PortalAccessResponseSerializer, **ERRORS},
    )
    @action(
        detail=True, methods=["post"], url_path="portal-access", permission_classes=[IsAdminRole], filterset_class=None
    )
    def portal_access(self, request, pk=None):  # type: ignore[no-untyped-def]
        customer = self.get_object()
        serializer = PortalAccessSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.customer_grant_portal_access(
            customer=customer, password=serializer.validated_data["password"], actor=request.user
        )
        return Response(
            {"customer": customer.pk, "email": customer.email, "role": CUSTOMER_ROLE}, status=status.HTTP_201_CREATED
        )


@extend_schema_view(
    list=extend_schema(summary="List organisations", responses={200: OrganizationSerializer(many=True), **ERRORS}),
    retrieve=extend_schema(summary="Read an organisation", responses={200: OrganizationSerializer, **ERRORS}),
    create=extend_schema(
        summary="Create an organisation (admins)",
        request=OrganizationWriteSerializer,
        responses={201: OrganizationSerializer, **ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change an organisation (admins)",
        request=OrganizationWriteSerializer,
        responses={200: OrganizationSerializer, **ERRORS},
    ),
    destroy=extend_schema(summary="Delete an organisation (admins)", responses={204: None, **ERRORS}),
)
class OrganizationViewSet(
    _WriteThroughServices,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [AgentsReadAdminWrite]
    write_serializer_class = OrganizationWriteSerializer
    read_serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilter
    ordering = ("name",)
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = "[^/]+"  # any id reaches the view: malformed ones get a JSON 404

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return Organization.objects.prefetch_related(
            Prefetch("domains", queryset=OrganizationDomain.objects.order_by("domain"))
        )

    def create(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        organization = services.organization_create(**self._validated(request, partial=False))
        return self._respond(organization, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        organization = self.get_object()
        data = self._validated(request, partial=True)
        organization = services.organization_update(organization=organization, data=data, actor=request.user)
        return self._respond(organization)

    def destroy(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        services.organization_delete(organization=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
