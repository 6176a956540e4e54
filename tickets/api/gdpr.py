"""GDPR endpoints (admin role only), wired into tickets/api/urls.py by `gdpr_urlpatterns`:

- `GET /api/v1/customers/{id}/export/` -> everything held about the customer as a JSON document
  (served as a download, `customer-{id}.json`);
- `POST /api/v1/customers/{id}/erase/` -> personal data anonymised, tickets kept, attachments
  deleted; 200 with the erased customer's id and `erased_at`. Erasing twice is a no-op.
Both are recorded in the GDPR audit log."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents.permissions import IsAdminRole
from customers.models import Customer
from tickets.gdpr import customer_erase, customer_gdpr_export


class CustomerGdprExportView(APIView):
    permission_classes = [IsAdminRole]

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="Export all data held about a customer (GDPR).")
    def get(self, request: Request, pk: int) -> Response:
        customer = get_object_or_404(Customer, pk=pk)
        document = customer_gdpr_export(customer=customer, actor=request.user)
        return Response(document, headers={"Content-Disposition": f'attachment; filename="customer-{pk}.json"'})


class CustomerEraseView(APIView):
    permission_classes = [IsAdminRole]

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer(
                "CustomerErased", {"id": serializers.IntegerField(), "erased_at": serializers.DateTimeField()}
            )
        },
        summary="Erase a customer's personal data (GDPR); tickets are kept anonymised.",
    )
    def post(self, request: Request, pk: int) -> Response:
        customer = get_object_or_404(Customer, pk=pk)
        customer = customer_erase(customer=customer, actor=request.user)
        return Response({"id": customer.pk, "erased_at": customer.erased_at})


gdpr_urlpatterns = [
    path("customers/<int:pk>/export/", CustomerGdprExportView.as_view(), name="customer-gdpr-export"),
    path("customers/<int:pk>/erase/", CustomerEraseView.as_view(), name="customer-gdpr-erase"),
]
