"""Customers and organisations: agents read, senior agents and admins write customers, admins
delete them and write organisations; admins grant portal access."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from agents.selectors import CUSTOMER_ROLE
from config.api.schema import ERRORS, crud_schema
from config.api.views import ServiceModelViewSet
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


@crud_schema(
    noun="a customer",
    plural="customers",
    read=CustomerSerializer,
    create=CustomerWriteSerializer,
    writers="senior agents, admins",
    destroy="Delete a customer without tickets (admins)",
)
class CustomerViewSet(ServiceModelViewSet):
    permission_classes = [AgentsReadSeniorWriteAdminDelete]
    write_serializer_class = CustomerWriteSerializer
    read_serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    ordering = ("-created_at", "-id")

    def get_queryset(self):
        return Customer.objects.all()

    def create(self, request, *args, **kwargs):
        customer = services.customer_create(actor=request.user, **self.validated(request, partial=False))
        return self.respond(customer, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        customer = self.get_object()
        data = self.validated(request, partial=True)
        customer = services.customer_update(customer=customer, data=data, actor=request.user)
        return self.respond(customer)

    def destroy(self, request, *args, **kwargs):
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
    def portal_access(self, request, pk=None):
        customer = self.get_object()
        serializer = PortalAccessSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.customer_grant_portal_access(
            customer=customer, password=serializer.validated_data["password"], actor=request.user
        )
        return Response(
            {"customer": customer.pk, "email": customer.email, "role": CUSTOMER_ROLE}, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Clear a hard-bounced address (admins): mail to it resumes",
        request=None,
        responses={200: CustomerSerializer, **ERRORS},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="clear-undeliverable",
        permission_classes=[IsAdminRole],
        filterset_class=None,
    )
    def clear_undeliverable(self, request, pk=None):  # type: ignore[no-untyped-def]
        customer = services.customer_email_clear_undeliverable(customer=self.get_object(), actor=request.user)
        return Response(CustomerSerializer(customer).data)


@crud_schema(
    noun="an organisation", plural="organisations", read=OrganizationSerializer, create=OrganizationWriteSerializer
)
class OrganizationViewSet(ServiceModelViewSet):
    permission_classes = [AgentsReadAdminWrite]
    write_serializer_class = OrganizationWriteSerializer
    read_serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilter
    ordering = ("name",)

    def get_queryset(self):
        return Organization.objects.prefetch_related(
            Prefetch("domains", queryset=OrganizationDomain.objects.order_by("domain"))
        )

    def create(self, request, *args, **kwargs):
        organization = services.organization_create(**self.validated(request, partial=False))
        return self.respond(organization, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        organization = self.get_object()
        data = self.validated(request, partial=True)
        organization = services.organization_update(organization=organization, data=data, actor=request.user)
        return self.respond(organization)

    def destroy(self, request, *args, **kwargs):
        services.organization_delete(organization=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
