"""Filters for the catalog's API-only lists (edges, documents). The model list reuses
``catalog.filters.LLMModelFilter``, the catalog page's own FilterSet."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from catalog.models import DocumentKind, DocumentStatus, EdgeKind, LineageEdge, SourceDocument


class EdgeFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=EdgeKind.choices)
    child = django_filters.CharFilter(field_name="child__repo_id", lookup_expr="iexact", max_length=200,
                                      label="Child repo id")
    parent = django_filters.CharFilter(field_name="parent__repo_id", lookup_expr="iexact", max_length=200,
                                       label="Parent repo id")
    model = django_filters.CharFilter(method="filter_model", max_length=200, label="Repo id on either end")

    class Meta:
        model = LineageEdge
        fields: list[str] = []

    def filter_model(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(child__repo_id__iexact=value) | Q(parent__repo_id__iexact=value))


class DocumentFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=DocumentKind.choices)
    status = django_filters.ChoiceFilter(choices=DocumentStatus.choices)
    model = django_filters.CharFilter(field_name="model__repo_id", lookup_expr="iexact", max_length=200,
                                      label="Repo id of the model it describes")

    class Meta:
        model = SourceDocument
        fields: list[str] = []
