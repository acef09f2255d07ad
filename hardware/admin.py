"""Curator admin for GPUs, quantization formats, fit estimates and fit jobs."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from hardware.models import GPU, FitJob, FitRequirement, QuantizationFormat


@admin.register(GPU)
class GPUAdmin(SimpleHistoryAdmin):
    list_display = ("name", "vendor", "memory_gb", "bandwidth_gbs", "fp16_tflops", "memory_kind", "launch_price_usd",
                    "form_factor")
    list_filter = ("vendor", "memory_kind", "form_factor")
    search_fields = ("name", "slug", "aliases")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(QuantizationFormat)
class QuantizationFormatAdmin(SimpleHistoryAdmin):
    list_display = ("name", "family", "bits_per_weight", "quality_retention", "standard")
    list_filter = ("family", "standard")
    search_fields = ("name",)


@admin.register(FitRequirement)
class FitRequirementAdmin(admin.ModelAdmin):
    list_display = ("model", "quant", "context", "weights_gb", "kv_gb", "total_gb", "gb_read_per_token",
                    "estimated_architecture")
    list_filter = ("context", "quant", "estimated_architecture")
    search_fields = ("model__repo_id",)
    list_select_related = ("model", "quant")
    autocomplete_fields = ("model", "quant")


@admin.register(FitJob)
class FitJobAdmin(admin.ModelAdmin):
    list_display = ("__str__", "status", "rows_written", "created_at", "finished_at")
    list_filter = ("status",)
    readonly_fields = [f.name for f in FitJob._meta.fields]
    actions = ("rerun",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Recompute the whole fit matrix")
    def rerun(self, request: HttpRequest, queryset) -> None:
        from hardware.services.fit import request_fit

        job = request_fit(model_ids=None, user=request.user)
        self.message_user(request, f"Fit job #{job.pk} queued.", messages.SUCCESS)
