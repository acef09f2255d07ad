"""Hardware: GPUs, quantization formats, fit estimates and fit jobs."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from catalog.jobs import Job
from catalog.models import LLMModel
from config.reversing import slot_url
from hardware.fit.formulas import memory_share


class GPU(models.Model):
    class Vendor(models.TextChoices):
        NVIDIA = "nvidia", "NVIDIA"
        AMD = "amd", "AMD"
        APPLE = "apple", "Apple"
        INTEL = "intel", "Intel"

    class MemoryKind(models.TextChoices):
        DEDICATED = "dedicated", "Dedicated VRAM"
        UNIFIED = "unified", "Unified memory"

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=120)
    vendor = models.CharField(max_length=10, choices=Vendor.choices, db_index=True)
    memory_gb = models.FloatField(validators=[MinValueValidator(0.5)])
    bandwidth_gbs = models.FloatField(validators=[MinValueValidator(1)])
    fp16_tflops = models.FloatField(null=True, blank=True, validators=[MinValueValidator(0)])
    memory_kind = models.CharField(max_length=10, choices=MemoryKind.choices, default=MemoryKind.DEDICATED)
    launch_price_usd = models.PositiveIntegerField(null=True, blank=True)
    form_factor = models.CharField(max_length=20, blank=True)
    release_year = models.PositiveSmallIntegerField(null=True, blank=True)
    aliases = ArrayField(models.CharField(max_length=120), default=list, blank=True)
    usable_memory_gb = models.FloatField(
        default=0, help_text="Memory a model may use on one card (unified memory: the GPU's share)."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["memory_gb", "name"]
        verbose_name = "GPU"
        constraints = [
            models.CheckConstraint(condition=Q(memory_gb__gt=0), name="gpu_memory_positive"),
            models.CheckConstraint(condition=Q(bandwidth_gbs__gt=0), name="gpu_bandwidth_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # Derived, but stored so the fit queries can compare against an indexed column.
        self.usable_memory_gb = round(self.memory_gb * memory_share(self.memory_kind), 3)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return slot_url("hardware:gpu-detail", "slug", self.slug)


class QuantizationFormat(models.Model):
    name = models.CharField(max_length=40, unique=True)
    family = models.CharField(max_length=16, db_index=True)
    bits_per_weight = models.FloatField(validators=[MinValueValidator(0.5), MaxValueValidator(32)])
    quality_retention = models.FloatField(validators=[MinValueValidator(0), MaxValueValidator(1)])
    standard = models.BooleanField(default=False, help_text="Part of the standard fit matrix.")
    description = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-bits_per_weight", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(bits_per_weight__gte=0.5) & Q(bits_per_weight__lte=32), name="quant_bpw_range"
            ),
            models.CheckConstraint(
                condition=Q(quality_retention__gte=0) & Q(quality_retention__lte=1), name="quant_quality_0_1"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Verdict(models.TextChoices):
    FITS = "fits", "Fits"
    REDUCED_CONTEXT = "fits_reduced_context", "Fits with reduced context"
    NEEDS_MORE_GPUS = "needs_more_gpus", "Needs more GPUs"
    DOES_NOT_FIT = "does_not_fit", "Does not fit"


class FitRequirement(models.Model):
    """Memory and bandwidth one model needs at one quantization and context.

    The fit matrix is stored in this GPU-independent form: whether a GPU runs it is one
    comparison (``total_gb <= gpu.usable_memory_gb * n``) and the decode-speed bound is
    ``gpu.bandwidth_gbs / gb_read_per_token``, both done in SQL over indexed columns. That
    keeps 100,000 models x 8 quantizations x 3 contexts at 2.4M rows instead of 120M for
    every GPU, and a new GPU needs no recomputation.
    """

    model = models.ForeignKey(LLMModel, on_delete=models.CASCADE, related_name="fit_requirements")
    quant = models.ForeignKey(QuantizationFormat, on_delete=models.CASCADE, related_name="fit_requirements")
    context = models.PositiveIntegerField()
    weights_gb = models.FloatField()
    kv_gb = models.FloatField()
    overhead_gb = models.FloatField()
    total_gb = models.FloatField()
    gb_read_per_token = models.FloatField(help_text="Active weights + KV cache read per generated token.")
    estimated_architecture = models.BooleanField(default=False)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["model", "quant", "context"], name="fit_requirement_unique")
        ]
        indexes = [
            models.Index(fields=["context", "total_gb"], name="fitreq_ctx_total_idx"),
            models.Index(fields=["quant", "context", "total_gb"], name="fitreq_quant_ctx_total_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.model} {self.quant} @ {self.context}: {self.total_gb:.1f} GB"


class FitJob(Job):
    model_ids = models.JSONField(default=list, blank=True, help_text="Empty means the whole catalog.")
    rows_written = models.PositiveIntegerField(default=0)

    class Meta(Job.Meta):
        pass

    def __str__(self) -> str:
        return f"Fit #{self.pk} ({self.status})"
