"""One FilterSet for the model list: the HTML catalog page and /api/models/ both use it."""

from __future__ import annotations

import copy
from typing import Any

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet

from catalog.models import EdgeKind, LineageEdge, LLMModel, MergeRecipe, QuantFormat, QuantizedVariant

SORTS = {
    "relevance": None,  # search rank when q is given, else downloads
    "name": ("repo_id",),
    "-downloads": ("-downloads", "repo_id"),
    "-params": ("-total_params_b", "repo_id"),
    "params": ("total_params_b", "repo_id"),
    "-release": ("-release_date", "repo_id"),
    "-updated": ("-updated_at", "-pk"),
    "-results": ("-result_count", "repo_id"),
}


class _CopiedShallow(dict):
    """A FilterSet's declared filters, or its form's fields, copied one level deep per instance.

    django-filter deep-copies every declared filter for each FilterSet, and Django every form
    field for each form, so that an instance may change its own without touching the class's.
    This FilterSet and its form never change theirs (no request-dependent choices, labels or
    widgets), so a shallow copy of each is as good, and the two deep copies of 18 filters and
    their fields (choice lists, widgets, error messages) were ~0.4 ms of every catalog page and
    API list request. Each instance still gets objects of its own: django-filter then points its
    filters at the FilterSet (``parent``) and the model, as before.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return {name: _shallow_copy(item) for name, item in self.items()}


def _shallow_copy(item: Any) -> Any:
    copied = copy.copy(item)
    if isinstance(item, django_filters.Filter) and item.method is not None:
        # A method filter calls its method through a FilterMethod bound to the filter it was made
        # for; setting ``method`` again makes the copy's own, which finds this copy's parent.
        copied.method = item.method
    return copied


class LLMModelFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Search", max_length=200)
    organization = django_filters.CharFilter(field_name="organization__slug", lookup_expr="iexact")
    family = django_filters.CharFilter(field_name="family", lookup_expr="iexact")
    architecture = django_filters.CharFilter(field_name="architecture", lookup_expr="icontains", max_length=100)
    license = django_filters.CharFilter(field_name="license", lookup_expr="iexact")
    is_moe = django_filters.BooleanFilter(field_name="is_moe", label="Mixture of experts")
    merged = django_filters.BooleanFilter(method="filter_merged", label="Merged")
    merge_method = django_filters.CharFilter(method="filter_merge_method")
    quant_format = django_filters.ChoiceFilter(choices=QuantFormat.choices, method="filter_quant_format")
    has_evals = django_filters.BooleanFilter(method="filter_has_evals", label="Has benchmark results")
    include_stubs = django_filters.BooleanFilter(method="filter_stubs", label="Include models known only by reference")
    params_min = django_filters.NumberFilter(field_name="total_params_b", lookup_expr="gte", min_value=0)
    params_max = django_filters.NumberFilter(field_name="total_params_b", lookup_expr="lte", min_value=0)
    active_min = django_filters.NumberFilter(field_name="active_params_b", lookup_expr="gte", min_value=0)
    active_max = django_filters.NumberFilter(field_name="active_params_b", lookup_expr="lte", min_value=0)
    context_min = django_filters.NumberFilter(field_name="context_length", lookup_expr="gte", min_value=0)
    tag = django_filters.CharFilter(field_name="tags", lookup_expr="contains", method="filter_tag")
    sort = django_filters.ChoiceFilter(choices=[(k, k) for k in SORTS], method="filter_sort", empty_label=None)

    class Meta:
        model = LLMModel
        fields: list[str] = []

    def get_form_class(self) -> type:
        # The form's fields follow from the declarations above alone (no choice depends on the
        # request or the database), so the class is built once per FilterSet class: building it
        # makes every filter construct its form field, ~1.5 ms of each catalog page and API list.
        cls = type(self)
        form_class = cls.__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            form_class.base_fields = _CopiedShallow(form_class.base_fields)
            cls._form_class = form_class
        return form_class

    @classmethod
    def get_filters(cls) -> dict[str, django_filters.Filter]:
        return _CopiedShallow(super().get_filters())

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # Stubs (models only mentioned by other documents) are hidden unless asked for.
        if self.form.cleaned_data.get("include_stubs") is not True:
            queryset = queryset.filter(is_stub=False)
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("sort") and not self.form.cleaned_data.get("q"):
            queryset = queryset.order_by("-downloads", "repo_id")
        return queryset

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.search(value)

    def filter_stubs(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset  # handled in filter_queryset

    def filter_merged(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        return queryset if value is None else queryset.merged(value)

    def filter_merge_method(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Exists(MergeRecipe.objects.filter(model=OuterRef("pk"), method__iexact=value)))

    def filter_quant_format(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # Models with a variant in that format, or a quantized child edge saying it. As ``id IN
        # (...) OR id IN (...)``, each list is hashed once; as the OR of two correlated EXISTS,
        # PostgreSQL could not turn them into semi-joins and priced the filter as if probing both
        # for every model (cost ~1.3 million), which set off JIT compilation: 0.7 s of the
        # 0.75 s the catalog's GGUF facets took at 100,000 models (now ~40 ms).
        variants = QuantizedVariant.objects.filter(format=value).values("model_id")
        quantized_children = LineageEdge.objects.filter(kind=EdgeKind.QUANTIZED, params__format=value)
        return queryset.filter(Q(pk__in=variants) | Q(pk__in=quantized_children.values("parent_id")))

    def filter_has_evals(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(result_count__gt=0) if value else queryset.filter(result_count=0)

    def filter_tag(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(tags__contains=[value])

    def filter_sort(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        order = SORTS.get(value)
        if order is None:
            return queryset
        return queryset.order_by(*order)
