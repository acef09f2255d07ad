"""Curator admin for the catalog: every model editable with history, plus an upload page for imports."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from catalog.models import (
    ImportItem,
    ImportJob,
    LineageEdge,
    LLMModel,
    MergeRecipe,
    Organization,
    QuantizedVariant,
    SourceDocument,
)
from catalog.forms import ImportForm
from catalog.services.imports import ImportFailed, create_import_job
from catalog.signals import models_changed


@admin.register(Organization)
class OrganizationAdmin(SimpleHistoryAdmin):
    list_display = ("slug", "name", "model_count")
    search_fields = ("slug", "name")

    def get_queryset(self, request: HttpRequest):
        from django.db.models import Count

        return super().get_queryset(request).annotate(_models=Count("models"))

    @admin.display(ordering="_models", description="models")
    def model_count(self, obj: Organization) -> int:
        return obj._models


class ParentEdgeInline(admin.TabularInline):
    model = LineageEdge
    fk_name = "child"
    extra = 0
    autocomplete_fields = ("parent", "source_document")
    fields = ("parent", "kind", "params", "confidence", "evidence", "source_document")
    verbose_name = "parent (lineage)"
    verbose_name_plural = "parents (lineage)"


class QuantizedVariantInline(admin.TabularInline):
    model = QuantizedVariant
    extra = 0
    autocomplete_fields = ("source_document",)
    fields = ("format", "level", "bits_per_weight", "file_size_bytes", "repo_id", "quantizer", "stated_vram_gb")


class MergeRecipeInline(admin.StackedInline):
    model = MergeRecipe
    fk_name = "model"
    extra = 0
    autocomplete_fields = ("base_model", "source_document")
    fields = ("step", "tool", "method", "base_model", "dtype", "gate_mode", "experts_per_token", "raw_config")


class ParamsRangeFilter(admin.SimpleListFilter):
    title = "total parameters"
    parameter_name = "params"
    RANGES = {"lt3": (None, 3), "3-9": (3, 9), "9-20": (9, 20), "20-40": (20, 40), "40-80": (40, 80), "gt80": (80, None)}

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin):
        return [("lt3", "< 3B"), ("3-9", "3-9B"), ("9-20", "9-20B"), ("20-40", "20-40B"), ("40-80", "40-80B"),
                ("gt80", "> 80B")]

    def queryset(self, request: HttpRequest, queryset):
        if self.value() in self.RANGES:
            low, high = self.RANGES[self.value()]
            return queryset.params_between(low, high)
        return queryset


@admin.register(LLMModel)
class LLMModelAdmin(SimpleHistoryAdmin):
    list_display = ("repo_id", "family", "total_params_b", "active_params_b", "is_moe", "context_length", "license",
                    "is_stub", "updated_at")
    list_filter = ("is_moe", "is_stub", "family", "license", "prompt_format", ParamsRangeFilter)
    search_fields = ("repo_id", "name", "family", "tags")
    autocomplete_fields = ("organization",)
    readonly_fields = ("created_at", "updated_at", "card_preview")
    list_select_related = ("organization",)
    inlines = (ParentEdgeInline, MergeRecipeInline, QuantizedVariantInline)

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        fields = set(form.changed_data)
        if any(formset.model is LineageEdge and formset.has_changed() for formset in formsets):
            fields.add("lineage")
        if fields:
            models_changed.send(sender=LLMModel, model_ids=[form.instance.pk], fields=fields, user=request.user)

    fieldsets = (
        (None, {"fields": ("repo_id", "name", "organization", "family", "architecture", "license", "license_name",
                           "release_date", "is_stub")}),
        ("Size and architecture", {"fields": ("total_params_b", "active_params_b", "params_estimated", "is_moe",
                                              "num_experts", "experts_per_token", "layers", "kv_heads",
                                              "attention_heads", "head_dim", "hidden_size", "context_length")}),
        ("Usage", {"fields": ("prompt_format", "prompt_template", "tags", "languages", "datasets", "downloads")}),
        ("Card", {"fields": ("summary", "card_preview"), "classes": ("collapse",)}),
        ("Timestamps", {"fields": ("created_at", "updated_at")}),
    )

    @admin.display(description="rendered card")
    def card_preview(self, obj: LLMModel) -> str:
        return format_html("<div style='max-height:30em;overflow:auto'>{}</div>", obj.card_html[:20000]) \
            if obj.card_html else "-"


@admin.register(LineageEdge)
class LineageEdgeAdmin(SimpleHistoryAdmin):
    list_display = ("child", "kind", "parent", "confidence", "evidence")
    list_filter = ("kind",)
    search_fields = ("child__repo_id", "parent__repo_id")
    autocomplete_fields = ("child", "parent", "source_document")
    list_select_related = ("child", "parent")

    def save_model(self, request: HttpRequest, obj: LineageEdge, form, change: bool) -> None:
        previous_child = form.initial.get("child") if change else None
        super().save_model(request, obj, form, change)
        ids = {obj.child_id} | ({previous_child} if previous_child else set())
        models_changed.send(sender=LineageEdge, model_ids=sorted(ids), fields={"lineage"}, user=request.user)

    def delete_model(self, request: HttpRequest, obj: LineageEdge) -> None:
        child_id = obj.child_id
        super().delete_model(request, obj)
        models_changed.send(sender=LineageEdge, model_ids=[child_id], fields={"lineage"}, user=request.user)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        child_ids = sorted(set(queryset.values_list("child_id", flat=True)))
        super().delete_queryset(request, queryset)
        models_changed.send(sender=LineageEdge, model_ids=child_ids, fields={"lineage"}, user=request.user)


@admin.register(MergeRecipe)
class MergeRecipeAdmin(SimpleHistoryAdmin):
    list_display = ("model", "step", "tool", "method", "base_model", "dtype")
    list_filter = ("tool", "method")
    search_fields = ("model__repo_id", "base_model__repo_id")
    autocomplete_fields = ("model", "base_model", "source_document")
    list_select_related = ("model", "base_model")


@admin.register(QuantizedVariant)
class QuantizedVariantAdmin(SimpleHistoryAdmin):
    list_display = ("model", "format", "level", "bits_per_weight", "repo_id", "quantizer")
    list_filter = ("format",)
    search_fields = ("model__repo_id", "repo_id", "level")
    autocomplete_fields = ("model", "source_document")
    list_select_related = ("model",)


@admin.register(SourceDocument)
class SourceDocumentAdmin(admin.ModelAdmin):
    list_display = ("__str__", "kind", "model", "status", "warning_count", "size_bytes", "imported_at")
    list_filter = ("kind", "status")
    search_fields = ("origin", "content_hash", "model__repo_id")
    autocomplete_fields = ("model", "previous")
    readonly_fields = ("content_hash", "size_bytes", "imported_at", "parsed_facts", "warnings", "raw_text",
                       "rendered_html")
    list_select_related = ("model",)

    @admin.display(description="warnings")
    def warning_count(self, obj: SourceDocument) -> int:
        return len(obj.warnings or [])


class ImportItemInline(admin.TabularInline):
    model = ImportItem
    extra = 0
    can_delete = False
    fields = ("position", "name", "status", "attempts", "error", "model", "document")
    readonly_fields = fields
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("__str__", "via", "status", "progress", "succeeded", "unchanged", "failed_count", "created_by",
                    "created_at")
    list_filter = ("status", "via")
    readonly_fields = ("status", "via", "label", "total", "processed", "succeeded", "unchanged", "failed_count",
                       "warnings_count", "errors", "attempts", "created_by", "created_at", "started_at",
                       "finished_at", "heartbeat_at")
    inlines = (ImportItemInline,)
    actions = ("requeue",)
    change_list_template = "admin/catalog/importjob/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="progress")
    def progress(self, obj: ImportJob) -> str:
        return f"{obj.processed}/{obj.total}"

    @admin.action(description="Re-queue the pending items of the selected jobs")
    def requeue(self, request: HttpRequest, queryset) -> None:
        from catalog.services.imports import enqueue_import_job

        for job in queryset:
            enqueue_import_job(job)
        self.message_user(request, f"{queryset.count()} job(s) re-queued.", messages.SUCCESS)

    def get_urls(self):
        return [
            path("upload/", self.admin_site.admin_view(self.upload_view), name="catalog_importjob_upload"),
            *super().get_urls(),
        ]

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("catalog.add_sourcedocument"):
            messages.error(request, "You do not have permission to import documents.")
            return HttpResponseRedirect(reverse("admin:catalog_importjob_changelist"))
        form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
        if request.method == "POST" and form.is_valid():
            try:
                job = create_import_job(form.documents(), via=ImportJob.Via.ADMIN, user=request.user,
                                        label="admin upload")
            except ImportFailed as exc:
                form.add_error(None, exc.reason)
            else:
                messages.success(request, f"Import #{job.pk} queued with {job.total} document(s).")
                return HttpResponseRedirect(reverse("admin:catalog_importjob_change", args=[job.pk]))
        context = {**self.admin_site.each_context(request), "form": form, "title": "Import documents",
                   "opts": self.model._meta}
        return render(request, "admin/catalog/importjob/upload.html", context)
