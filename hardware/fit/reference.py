"""The shipped GPU and quantization-format reference data: loading, validation, name matching (pure).

The JSON files live in ``hardware/data/`` next to this package; ``hardware/data/README.md``
says where the figures come from.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from hardware.fit.formulas import FitInputError, GpuSpec, QuantSpec

DATA = Path(__file__).resolve().parent.parent / "data"
GPU_REQUIRED = ("slug", "name", "vendor", "memory_gb", "bandwidth_gbs", "memory_kind", "form_factor")
QUANT_REQUIRED = ("name", "family", "bits_per_weight", "quality_retention", "standard")
VENDORS = ("nvidia", "amd", "apple", "intel")
MEMORY_KINDS = ("dedicated", "unified")
FORM_FACTORS = ("consumer", "workstation", "datacenter", "laptop-soc", "embedded")
QUANT_FAMILIES = ("gguf", "gptq", "awq", "exl2", "float")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_TOKEN = re.compile(r"[a-z0-9]+")
_MEMORY_TOKEN = re.compile(r"([0-9]{1,4})gb")
# Brand words scraped pages add or drop freely ("NVIDIA Tesla V100" = "V100").
_BRAND_WORDS = frozenset({"nvidia", "amd", "apple", "intel", "geforce", "tesla", "radeon", "instinct", "quadro"})
_MAX_NAME = 200


class ReferenceDataError(ValueError):
    """A shipped data file is malformed (a broken build, not bad user input)."""


def _read(path: Path) -> list[dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReferenceDataError(f"{path.name}: {exc}") from exc
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise ReferenceDataError(f"{path.name} must hold a list of objects")
    return data


def _positive(value: object) -> bool:
    return (not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)
            and value > 0)


def load_gpus(path: Path | str | None = None) -> list[dict]:
    """Every GPU entry, validated: required fields, positive figures, known enums, unique slugs and names."""
    source = Path(path) if path else DATA / "gpus.json"
    gpus = _read(source)
    slugs: set[str] = set()
    keys: dict[str, str] = {}
    for gpu in gpus:
        label = repr(gpu.get("name") or gpu.get("slug"))
        missing = [f for f in GPU_REQUIRED if gpu.get(f) in (None, "")]
        if missing:
            raise ReferenceDataError(f"GPU {label} lacks {', '.join(missing)}")
        if not isinstance(gpu["slug"], str) or not _SLUG.fullmatch(gpu["slug"]):
            raise ReferenceDataError(f"GPU {label}: slug must be lowercase words joined by hyphens")
        if not isinstance(gpu["name"], str):
            raise ReferenceDataError(f"GPU {label}: name must be text")
        if not _positive(gpu["memory_gb"]) or not _positive(gpu["bandwidth_gbs"]):
            raise ReferenceDataError(f"GPU {label} has a non-positive memory or bandwidth")
        for optional in ("fp16_tflops", "launch_price_usd"):
            if gpu.get(optional) is not None and not _positive(gpu[optional]):
                raise ReferenceDataError(f"GPU {label}: {optional} must be positive or null")
        year = gpu.get("release_year")
        if year is not None and (not isinstance(year, int) or isinstance(year, bool) or not 1990 <= year <= 2100):
            raise ReferenceDataError(f"GPU {label}: release_year must be a year or null")
        for name, allowed in (("vendor", VENDORS), ("memory_kind", MEMORY_KINDS), ("form_factor", FORM_FACTORS)):
            if gpu[name] not in allowed:
                raise ReferenceDataError(f"GPU {label}: {name} must be one of {', '.join(allowed)}")
        aliases = gpu.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
            raise ReferenceDataError(f"GPU {label}: aliases must be a list of names")
        if gpu["slug"] in slugs:
            raise ReferenceDataError(f"GPU slug {gpu['slug']!r} appears twice")
        slugs.add(gpu["slug"])
        for spelling in (gpu["name"], *aliases):
            key = _exact_key(spelling)
            if keys.get(key, gpu["slug"]) != gpu["slug"]:
                raise ReferenceDataError(f"GPU name or alias {spelling!r} is also used by {keys[key]!r}")
            keys[key] = gpu["slug"]
    return gpus


def load_quant_formats(path: Path | str | None = None) -> list[dict]:
    """Every quantization format, validated: required fields, bpw in (0, 32], quality in [0, 1], unique names."""
    source = Path(path) if path else DATA / "quant_formats.json"
    quants = _read(source)
    seen: set[str] = set()
    for quant in quants:
        label = repr(quant.get("name"))
        missing = [f for f in QUANT_REQUIRED if quant.get(f) in (None, "")]
        if missing:
            raise ReferenceDataError(f"Quantization {label} lacks {', '.join(missing)}")
        if quant["family"] not in QUANT_FAMILIES:
            raise ReferenceDataError(f"Quantization {label}: family must be one of {', '.join(QUANT_FAMILIES)}")
        if not _positive(quant["bits_per_weight"]) or quant["bits_per_weight"] > 32:
            raise ReferenceDataError(f"Quantization {label}: bits_per_weight must be in (0, 32]")
        retention = quant["quality_retention"]
        if isinstance(retention, bool) or not isinstance(retention, (int, float)) or not 0 <= retention <= 1:
            raise ReferenceDataError(f"Quantization {label}: quality_retention must be in [0, 1]")
        if not isinstance(quant["standard"], bool):
            raise ReferenceDataError(f"Quantization {label}: standard must be true or false")
        page = quant.get("catalog_page_bpw")
        if page is not None and not _positive(page):
            raise ReferenceDataError(f"Quantization {label}: catalog_page_bpw must be positive or null")
        if quant["name"] in seen:
            raise ReferenceDataError(f"Quantization {label} appears twice")
        seen.add(quant["name"])
    return quants


def gpu_spec(entry: dict) -> GpuSpec:
    """A ``gpus.json`` entry as the formulas' input."""
    return GpuSpec(name=entry["name"], memory_gb=entry["memory_gb"], bandwidth_gbs=entry["bandwidth_gbs"],
                   fp16_tflops=entry.get("fp16_tflops"), memory_kind=entry["memory_kind"],
                   price_usd=entry.get("launch_price_usd"))


def quant_spec(entry: dict) -> QuantSpec:
    """A ``quant_formats.json`` entry as the formulas' input."""
    return QuantSpec(entry["name"], entry["bits_per_weight"], entry["quality_retention"])


def standard_quant_specs() -> list[QuantSpec]:
    """The eight formats of the stored fit matrix, smallest first."""
    chosen = [quant_spec(q) for q in load_quant_formats() if q["standard"]]
    return sorted(chosen, key=lambda q: q.bits_per_weight)


# ---------------------------------------------------------------------------
# Matching names as scraped pages write them


def _tokens(name: str) -> list[str]:
    tokens = _TOKEN.findall(name[:_MAX_NAME].lower())
    merged: list[str] = []
    for token in tokens:
        # "32 GB" and "32GB" are the same spelling.
        if token == "gb" and merged and merged[-1].isdigit():
            merged[-1] += "gb"
        else:
            merged.append(token)
    return merged


def _exact_key(name: str) -> str:
    return "".join(t for t in _tokens(name) if t != "geforce")


def _brandless(tokens: list[str]) -> list[str]:
    return [t for t in tokens if t not in _BRAND_WORDS]


@dataclass
class GpuIndex:
    """Lookup tables over a GPU list; build once with ``build_gpu_index`` when matching many names."""

    exact: dict[str, dict] = field(default_factory=dict)
    brandless: dict[str, dict | None] = field(default_factory=dict)  # None: ambiguous
    memoryless: dict[str, list[dict]] = field(default_factory=dict)


def build_gpu_index(gpus: Sequence[dict]) -> GpuIndex:
    index = GpuIndex()
    for gpu in gpus:
        if not isinstance(gpu, dict) or not isinstance(gpu.get("name"), str):
            continue
        aliases = gpu.get("aliases") if isinstance(gpu.get("aliases"), list) else []
        for spelling in (gpu["name"], *(a for a in aliases if isinstance(a, str))):
            tokens = _tokens(spelling)
            index.exact.setdefault(_exact_key(spelling), gpu)
            key = "".join(_brandless(tokens))
            if index.brandless.get(key, gpu) is not gpu:
                index.brandless[key] = None
            else:
                index.brandless[key] = gpu
            bare = "".join(t for t in _brandless(tokens) if not _MEMORY_TOKEN.fullmatch(t))
            bucket = index.memoryless.setdefault(bare, [])
            if not any(g is gpu for g in bucket):
                bucket.append(gpu)
    return index


def match_gpu_name(name: str, gpus: Sequence[dict] | GpuIndex) -> dict | None:
    """The entry a scraped GPU name refers to, or None when unknown or ambiguous.

    Tries, in order: the name or an alias ignoring case, spacing, punctuation and "GeForce";
    the same without brand words (NVIDIA, Tesla, Radeon, Instinct, Quadro...); and finally the
    model without its memory size, when the size the name states picks exactly one entry
    ("RTX 4090 24GB", "Apple M2 Ultra 192 GB"). "A100" alone matches nothing: it is ambiguous.
    """
    if not isinstance(name, str) or not name.strip():
        return None
    index = gpus if isinstance(gpus, GpuIndex) else build_gpu_index(gpus)
    tokens = _tokens(name)
    found = index.exact.get(_exact_key(name))
    if found is not None:
        return found
    brandless = _brandless(tokens)
    found = index.brandless.get("".join(brandless))
    if found is not None:
        return found
    sizes = [int(m.group(1)) for t in brandless if (m := _MEMORY_TOKEN.fullmatch(t))]
    bare = "".join(t for t in brandless if not _MEMORY_TOKEN.fullmatch(t))
    candidates = index.memoryless.get(bare, [])
    if sizes:
        candidates = [g for g in candidates if _number_equal(g.get("memory_gb"), sizes[-1])]
    return candidates[0] if len(candidates) == 1 else None


def _number_equal(value: object, wanted: int) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == wanted


__all__ = [
    "FitInputError", "GpuIndex", "ReferenceDataError", "build_gpu_index", "gpu_spec", "load_gpus",
    "load_quant_formats", "match_gpu_name", "quant_spec", "standard_quant_specs",
]
