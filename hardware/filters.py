"""FilterSets for GPUs (list page and /api/gpus/)."""

from __future__ import annotations

import django_filters

from hardware.models import GPU


class GPUFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=100, label="Search")
    vendor = django_filters.ChoiceFilter(choices=GPU.Vendor.choices)
    memory_kind = django_filters.ChoiceFilter(choices=GPU.MemoryKind.choices)
    form_factor = django_filters.CharFilter(lookup_expr="iexact", label="Form factor")
    memory_min = django_filters.NumberFilter(field_name="memory_gb", lookup_expr="gte", min_value=0, label="Memory ≥ (GB)")
    memory_max = django_filters.NumberFilter(field_name="memory_gb", lookup_expr="lte", min_value=0, label="Memory ≤ (GB)")
    price_max = django_filters.NumberFilter(field_name="launch_price_usd", lookup_expr="lte", min_value=0,
                                           label="Price ≤ (USD)")
    sort = django_filters.OrderingFilter(
        fields=(("memory_gb", "memory"), ("bandwidth_gbs", "bandwidth"), ("launch_price_usd", "price"), ("name", "name"))
    )

    class Meta:
        model = GPU
        fields: list[str] = []
