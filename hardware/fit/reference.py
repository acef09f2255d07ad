"""Loading and validating the shipped GPU and quantization-format data (pure)."""

from __future__ import annotations

import json
import re
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"
GPU_REQUIRED = ("slug", "name", "vendor", "memory_gb", "bandwidth_gbs", "memory_kind")
QUANT_REQUIRED = ("name", "family", "bits_per_weight", "quality_retention")


class ReferenceDataError(ValueError):
    pass


def _load(name: str) -> list[dict]:
    data = json.loads((DATA / name).read_text())
    if not isinstance(data, list):
        raise ReferenceDataError(f"{name} must hold a list")
    return data


def load_gpus() -> list[dict]:
    gpus = _load("gpus.json")
    slugs: set[str] = set()
    names: set[str] = set()
    for gpu in gpus:
        missing = [f for f in GPU_REQUIRED if gpu.get(f) in (None, "")]
        if missing:
            raise ReferenceDataError(f"GPU {gpu.get('name')!r} lacks {', '.join(missing)}")
        if gpu["memory_gb"] <= 0 or gpu["bandwidth_gbs"] <= 0:
            raise ReferenceDataError(f"GPU {gpu['name']!r} has a non-positive memory or bandwidth")
        if gpu["memory_kind"] not in ("dedicated", "unified"):
            raise ReferenceDataError(f"GPU {gpu['name']!r}: memory_kind must be dedicated or unified")
        keys = {_key(gpu["name"]), *(_key(a) for a in gpu.get("aliases", []))}
        if gpu["slug"] in slugs or keys & names:
            raise ReferenceDataError(f"GPU {gpu['name']!r} repeats a slug, name or alias")
        slugs.add(gpu["slug"])
        names |= keys
    return gpus


def load_quant_formats() -> list[dict]:
    quants = _load("quant_formats.json")
    seen: set[str] = set()
    for quant in quants:
        missing = [f for f in QUANT_REQUIRED if quant.get(f) in (None, "")]
        if missing:
            raise ReferenceDataError(f"Quantization {quant.get('name')!r} lacks {', '.join(missing)}")
        if not 0.5 <= quant["bits_per_weight"] <= 32 or not 0 <= quant["quality_retention"] <= 1:
            raise ReferenceDataError(f"Quantization {quant['name']!r} has out-of-range figures")
        if quant["name"] in seen:
            raise ReferenceDataError(f"Quantization {quant['name']!r} appears twice")
        seen.add(quant["name"])
    return quants


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower().replace("geforce", ""))


def match_gpu_name(name: str, gpus: list[dict]) -> dict | None:
    """A GPU as a scraped page names it ("NVIDIA RTX 5090", "Tesla V100 SXM2 32 GB") -> its entry."""
    wanted = _key(name)
    for gpu in gpus:
        if wanted in {_key(gpu["name"]), *(_key(a) for a in gpu.get("aliases", []))}:
            return gpu
    return None
