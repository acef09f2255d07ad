"""Filters for the evals API lists. Leaderboard rows reuse ``evals.filters.ScoreFilter``, the
HTML board's own FilterSet."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, QuerySet

from evals.models import Benchmark, EvalRun, MergeUplift, Result, RunSource, Score, VerificationStatus


class BenchmarkFilter(django_filters.FilterSet):
    suite = django_filters.CharFilter(lookup_expr="iexact", max_length=40)
    leaderboard = django_filters.CharFilter(field_name="leaderboards__slug", max_length=60,
                                            label="Slug of a leaderboard it is a member of")

    class Meta:
        model = Benchmark
        fields: list[str] = []


class RunFilter(django_filters.FilterSet):
    model = django_filters.CharFilter(field_name="model__repo_id", lookup_expr="iexact", max_length=200,
                                      label="Repo id")
    source = django_filters.ChoiceFilter(choices=RunSource.choices)
    benchmark = django_filters.CharFilter(method="filter_benchmark", max_length=80,
                                          label="Key of a benchmark the run has a result for")
    leaderboard = django_filters.CharFilter(field_name="leaderboard_hint", max_length=40,
                                            label="Leaderboard the source says the run is for")
    third_party_claim = django_filters.BooleanFilter()

    class Meta:
        model = EvalRun
        fields: list[str] = []

    def filter_benchmark(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # EXISTS rather than a join: a run with several results for the benchmark appears once.
        return queryset.filter(Exists(Result.objects.filter(run=OuterRef("pk"), benchmark__key=value)))


class ResultFilter(django_filters.FilterSet):
    model = django_filters.CharFilter(field_name="run__model__repo_id", lookup_expr="iexact", max_length=200,
                                      label="Repo id")
    benchmark = django_filters.CharFilter(field_name="benchmark__key", max_length=80)
    metric = django_filters.CharFilter(max_length=60)
    run = django_filters.NumberFilter(field_name="run_id", min_value=1, max_value=2 ** 63 - 1)
    source = django_filters.ChoiceFilter(field_name="run__source", choices=RunSource.choices)

    class Meta:
        model = Result
        fields: list[str] = []


class ScoreListFilter(django_filters.FilterSet):
    model = django_filters.CharFilter(field_name="model__repo_id", lookup_expr="iexact", max_length=200,
                                      label="Repo id")
    leaderboard = django_filters.CharFilter(field_name="leaderboard__slug", max_length=60)
    verification = django_filters.ChoiceFilter(choices=VerificationStatus.choices)
    complete = django_filters.BooleanFilter()

    class Meta:
        model = Score
        fields: list[str] = []


class UpliftFilter(django_filters.FilterSet):
    method = django_filters.CharFilter(lookup_expr="iexact", max_length=40, label="Merge method")
    beats_all_parents = django_filters.BooleanFilter()

    class Meta:
        model = MergeUplift
        fields: list[str] = []
