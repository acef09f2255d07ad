"""Loading the shipped GPU and quantization-format reference data into the database."""

from __future__ import annotations

from typing import Any

from hardware.fit.formulas import memory_share
from hardware.fit.reference import load_gpus, load_quant_formats
from config.sitecache.version import catalog_changed

GPU_FIELDS = ("name", "vendor", "memory_gb", "bandwidth_gbs", "fp16_tflops", "memory_kind", "launch_price_usd",
              "form_factor", "release_year", "aliases")
QUANT_FIELDS = ("family", "bits_per_weight", "quality_retention", "standard", "description")


def sync_reference_data(gpu_model: Any = None, quant_model: Any = None) -> tuple[int, int]:
    """Upsert every shipped GPU (by slug) and quantization format (by name); returns the counts.

    Model classes are parameters so the data migration can pass its historical models.
    """
    if gpu_model is None or quant_model is None:
        from hardware.models import GPU, QuantizationFormat

        gpu_model, quant_model = GPU, QuantizationFormat
        catalog_changed()  # migrations pass historical models (no signals) and run before anything is cached
    gpus = load_gpus()
    for entry in gpus:
        defaults = {f: entry.get(f) for f in GPU_FIELDS if f in entry}
        defaults["aliases"] = list(entry.get("aliases") or [])
        # Historical models in migrations have no custom save(): set the derived column here too.
        defaults["usable_memory_gb"] = round(entry["memory_gb"] * memory_share(entry["memory_kind"]), 3)
        gpu_model.objects.update_or_create(slug=entry["slug"], defaults=defaults)
    quants = load_quant_formats()
    for entry in quants:
        defaults = {f: entry[f] for f in QUANT_FIELDS if f in entry}
        defaults.setdefault("description", entry.get("notes", "") or "")
        quant_model.objects.update_or_create(name=entry["name"], defaults=defaults)
    return len(gpus), len(quants)
