"""Customer and organisation list filters."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from config.api.filters import IdFilter
from customers.models import Customer, Organization, Tier


class CustomerFilter(django_filters.FilterSet):
    organization = IdFilter(field_name="organization_id")
    tier = django_filters.ChoiceFilter(choices=Tier.choices)
    email = django_filters.CharFilter(field_name="email", lookup_expr="iexact", max_length=254)
    search = django_filters.CharFilter(method="filter_search", max_length=200, help_text="Email, name or company.")

    class Meta:
        model = Customer
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet[Customer], name: str, value: str) -> QuerySet[Customer]:
        return queryset.filter(Q(email__icontains=value) | Q(name__icontains=value) | Q(company__icontains=value))


class OrganizationFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=200)

    class Meta:
        model = Organization
        fields: list[str] = []
