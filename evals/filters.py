"""One FilterSet for leaderboard rows: the HTML board, its CSV export and /api/leaderboards/<slug>/."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, F, OuterRef, QuerySet

from catalog.models import EdgeKind, LineageEdge
from catalog.querysets import ContainsIgnoringCase
from evals.models import Score, VerificationStatus

BOARD_SORTS = {
    "rank": (F("rank").asc(nulls_last=True), "model__repo_id"),
    "-average": (F("average").desc(nulls_last=True), "model__repo_id"),
    "average": (F("average").asc(nulls_last=True), "model__repo_id"),
    "name": ("model__repo_id",),
    "-params": (F("model__total_params_b").desc(nulls_last=True), "model__repo_id"),
    "params": (F("model__total_params_b").asc(nulls_last=True), "model__repo_id"),
    "-active": (F("model__active_params_b").desc(nulls_last=True), "model__repo_id"),
    "-release": (F("model__release_date").desc(nulls_last=True), "model__repo_id"),
}


class ScoreFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Search models", max_length=200)
    family = django_filters.CharFilter(field_name="model__family", lookup_expr="iexact", label="Family")
    architecture = django_filters.CharFilter(field_name="model__architecture", lookup_expr="icontains", max_length=100,
                                             label="Architecture")
    license = django_filters.CharFilter(field_name="model__license", lookup_expr="iexact", label="License")
    organization = django_filters.CharFilter(field_name="model__organization__slug", lookup_expr="iexact",
                                             label="Organisation")
    is_moe = django_filters.BooleanFilter(field_name="model__is_moe", label="Mixture of experts")
    merged = django_filters.BooleanFilter(method="filter_merged", label="Merged")
    params_min = django_filters.NumberFilter(field_name="model__total_params_b", lookup_expr="gte", min_value=0,
                                            label="Params ≥ (B)")
    params_max = django_filters.NumberFilter(field_name="model__total_params_b", lookup_expr="lte", min_value=0,
                                            label="Params ≤ (B)")
    active_min = django_filters.NumberFilter(field_name="model__active_params_b", lookup_expr="gte", min_value=0,
                                            label="Active ≥ (B)")
    active_max = django_filters.NumberFilter(field_name="model__active_params_b", lookup_expr="lte", min_value=0,
                                            label="Active ≤ (B)")
    verified_only = django_filters.BooleanFilter(method="filter_verified", label="Verified averages only")
    hide_flagged = django_filters.BooleanFilter(method="filter_flagged", label="Hide flagged results")
    include_incomplete = django_filters.BooleanFilter(method="filter_incomplete", label="Include partial entries")
    sort = django_filters.ChoiceFilter(choices=[(k, k) for k in BOARD_SORTS], method="filter_sort", empty_label=None)

    class Meta:
        model = Score
        fields: list[str] = []

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        data = self.form.cleaned_data
        if data.get("include_incomplete") is not True:
            queryset = queryset.filter(average__isnull=False)
        queryset = super().filter_queryset(queryset)
        if not data.get("sort"):
            queryset = queryset.order_by(*BOARD_SORTS["rank"])
        return queryset

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        # ILIKE on the bare column, which the trigram index on repo_id answers; ``icontains``
        # compiles to UPPER(repo_id) LIKE ..., which no index answers, and scanned every model.
        return queryset.filter(ContainsIgnoringCase(F("model__repo_id"), value)) if value else queryset

    def filter_merged(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        merged = LineageEdge.objects.filter(child=OuterRef("model_id"), kind__in=[EdgeKind.MERGE, EdgeKind.MOE_EXPERT])
        return queryset.filter(Exists(merged)) if value else queryset.exclude(Exists(merged))

    def filter_verified(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        return queryset.filter(verification=VerificationStatus.VERIFIED) if value else queryset

    def filter_flagged(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        return queryset.filter(flag_count=0).exclude(verification=VerificationStatus.MISMATCH) if value else queryset

    def filter_incomplete(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        return queryset  # handled in filter_queryset

    def filter_sort(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.order_by(*BOARD_SORTS[value])
