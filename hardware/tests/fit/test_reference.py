"""The shipped GPU and quantization data: coverage, seed 002's GPUs, validation, name matching."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from hardware.fit.formulas import catalog_page_vram_gb
from hardware.fit.reference import (
    ReferenceDataError,
    build_gpu_index,
    gpu_spec,
    load_gpus,
    load_quant_formats,
    match_gpu_name,
    quant_spec,
    standard_quant_specs,
)

SEED_002 = next((Path(__file__).resolve().parents[3] / "catalog/fixtures/cards/seeds").glob("002_*.txt"))


def seed_002_gpus() -> list[tuple[str, int, int]]:
    """(name, VRAM GB, GB/s) as the page writes them: a name line, then "32 GB VRAM • 504 GB/s"."""
    lines = [line.strip() for line in SEED_002.read_text(encoding="utf-8").splitlines()]
    out = []
    for i, line in enumerate(lines):
        found = re.fullmatch(r"(\d+) GB VRAM • (\d+) GB/s", line)
        if found:
            out.append((lines[i - 1], int(found.group(1)), int(found.group(2))))
    return out


@pytest.fixture(scope="module")
def gpus() -> list[dict]:
    return load_gpus()


@pytest.fixture(scope="module")
def quants() -> dict[str, dict]:
    return {q["name"]: q for q in load_quant_formats()}


def test_at_least_45_gpus_with_every_field(gpus: list[dict]) -> None:
    assert len(gpus) >= 45
    fields = {"slug", "name", "vendor", "memory_gb", "bandwidth_gbs", "fp16_tflops", "memory_kind",
              "launch_price_usd", "form_factor", "release_year", "aliases"}
    for gpu in gpus:
        assert fields <= set(gpu), gpu["name"]
    assert {g["vendor"] for g in gpus} == {"nvidia", "amd", "apple", "intel"}
    assert {g["form_factor"] for g in gpus} == {"consumer", "workstation", "datacenter", "laptop-soc", "embedded"}
    assert all(g["memory_kind"] == "unified" for g in gpus if g["vendor"] == "apple")


@pytest.mark.parametrize("name, memory, bandwidth", [
    ("RTX 3060 12GB", 12, 360), ("RTX 3070", 8, 448), ("RTX 3080 10GB", 10, 760), ("RTX 3080 12GB", 12, 912),
    ("RTX 3090", 24, 936), ("RTX 3090 Ti", 24, 1008), ("RTX 4060 Ti 16GB", 16, 288), ("RTX 4070", 12, 504),
    ("RTX 4070 Ti Super", 16, 672), ("RTX 4080", 16, 716.8), ("RTX 4080 Super", 16, 736), ("RTX 4090", 24, 1008),
    ("RTX 5070", 12, 672), ("RTX 5070 Ti", 16, 896), ("RTX 5080", 16, 960), ("RTX 5090", 32, 1792),
    ("NVIDIA T4", 16, 320), ("NVIDIA L4", 24, 300), ("NVIDIA A10", 24, 600), ("NVIDIA A40", 48, 696),
    ("NVIDIA L40S", 48, 864), ("NVIDIA A100 40GB PCIe", 40, 1555), ("NVIDIA A100 40GB SXM", 40, 1555),
    ("NVIDIA A100 80GB PCIe", 80, 1935), ("NVIDIA A100 80GB SXM", 80, 2039), ("NVIDIA H100 PCIe", 80, 2000),
    ("NVIDIA H100 SXM", 80, 3350), ("NVIDIA H200", 141, 4800), ("NVIDIA B200", 180, 8000),
    ("NVIDIA V100 32GB", 32, 900), ("RTX A6000", 48, 768), ("RTX 6000 Ada", 48, 960), ("RTX 5000 Ada", 32, 576),
    ("AMD Radeon RX 7900 XTX", 24, 960), ("AMD Radeon RX 7900 XT", 20, 800), ("AMD Radeon RX 6800", 16, 512),
    ("AMD Radeon RX 6900 XT", 16, 512), ("AMD Radeon PRO W7800", 32, 576), ("AMD Radeon PRO W7900", 48, 864),
    ("AMD Instinct MI100", 32, 1230), ("MI210", 64, 1638.4), ("MI250X", 128, 3276.8), ("MI300X", 192, 5300),
    ("MI325X", 256, 6000), ("Apple M1 Max (64GB)", 64, 400), ("Apple M1 Ultra (128GB)", 128, 800),
    ("Apple M2 Max (96GB)", 96, 400), ("Apple M2 Ultra (192GB)", 192, 800), ("Apple M3 Max (128GB)", 128, 400),
    ("Apple M3 Ultra (512GB)", 512, 819), ("Apple M4 Max (128GB)", 128, 546), ("Intel Arc A770 16GB", 16, 560),
    ("Intel Arc B580", 12, 456),
])
def test_required_gpus_present_with_vendor_figures(gpus: list[dict], name: str, memory: int, bandwidth: float) -> None:
    entry = match_gpu_name(name, gpus)
    assert entry is not None, name
    assert (entry["memory_gb"], entry["bandwidth_gbs"]) == (memory, bandwidth)


def test_every_seed_002_gpu_matches_with_the_page_figures(gpus: list[dict]) -> None:
    listed = seed_002_gpus()
    assert len(listed) == 30
    index = build_gpu_index(gpus)
    for name, memory, bandwidth in listed:
        entry = match_gpu_name(name, index)
        assert entry is not None, name
        assert entry["memory_gb"] == memory, name
        # The page writes the RTX 5090 as 1792 and 1790, the V100 SXM2 as 900 and 898: one card each.
        assert entry["bandwidth_gbs"] == pytest.approx(bandwidth, rel=0.005), name
    exact = sum(match_gpu_name(n, index)["bandwidth_gbs"] == b for n, _, b in listed)  # type: ignore[index]
    assert exact == 27


def test_same_card_spellings_share_one_entry(gpus: list[dict]) -> None:
    def slug(name: str) -> str | None:
        entry = match_gpu_name(name, gpus)
        return entry["slug"] if entry else None

    same = ["NVIDIA RTX 5090", "NVIDIA GeForce RTX 5090", "RTX 5090", "geforce rtx-5090",
            "NVIDIA GeForce RTX 5090 32GB"]
    assert {slug(n) for n in same} == {"nvidia-geforce-rtx-5090"}
    assert slug("NVIDIA GeForce RTX 5090 D") == "nvidia-geforce-rtx-5090-d"
    assert slug("NVIDIA Tesla V100 SXM2 32 GB") == "nvidia-v100-sxm2-32gb"
    assert slug("Tesla T4") == "nvidia-tesla-t4"
    assert slug("AMD Radeon Instinct MI100") == "amd-instinct-mi100"
    assert slug("Apple M2 Ultra 192 GB") == "apple-m2-ultra-192gb"


@pytest.mark.parametrize("name", ["A100", "Apple M2 Ultra", "RTX 4090 48GB", "Voodoo 5 6000", "", "   ", "GB"])
def test_ambiguous_or_unknown_names_match_nothing(gpus: list[dict], name: str) -> None:
    assert match_gpu_name(name, gpus) is None


def test_hostile_names_are_cheap_and_safe(gpus: list[dict]) -> None:
    index = build_gpu_index(gpus)
    started = time.perf_counter()
    for name in ["9" * 100_000, "gb " * 50_000, "RTX " * 30_000 + "4090", "\x00\ufffd" * 10_000]:
        match_gpu_name(name, index)
    assert match_gpu_name(None, gpus) is None  # type: ignore[arg-type]
    assert match_gpu_name("RTX 4090", [{"no": "name"}, "junk"]) is None  # type: ignore[list-item]


def test_entries_convert_to_formula_inputs(gpus: list[dict]) -> None:
    specs = [gpu_spec(g) for g in gpus]
    mac = next(s for s in specs if s.name == "Apple M2 Ultra (192GB)")
    assert mac.memory_kind == "unified" and mac.price_usd == 5599 and mac.fp16_tflops == 27.2


# --- quantization formats -------------------------------------------------------------

REQUIRED_QUANTS = {
    "Q2_K", "Q3_K_S", "Q3_K_M", "Q3_K_L", "Q4_0", "Q4_K_S", "Q4_K_M", "Q5_0", "Q5_K_S", "Q5_K_M", "Q6_K", "Q8_0",
    "IQ1_S", "IQ1_M", "IQ2_XXS", "IQ2_XS", "IQ2_S", "IQ2_M", "IQ3_XXS", "IQ3_XS", "IQ3_S", "IQ3_M", "IQ4_XS", "IQ4_NL",
    "GPTQ-4bit", "GPTQ-8bit", "AWQ-4bit", "EXL2-2.5", "EXL2-3.0", "EXL2-4.0", "EXL2-5.0", "EXL2-6.0", "EXL2-8.0",
    "FP8", "FP16", "BF16", "FP32",
}
K_QUANT_ORDER = ["Q2_K", "Q3_K_S", "Q3_K_M", "Q3_K_L", "Q4_K_S", "Q4_K_M", "Q5_K_S", "Q5_K_M", "Q6_K", "Q8_0"]


def test_quant_formats_complete(quants: dict[str, dict]) -> None:
    assert set(quants) == REQUIRED_QUANTS
    families = {name: q["family"] for name, q in quants.items()}
    assert families["GPTQ-4bit"] == "gptq" and families["AWQ-4bit"] == "awq" and families["EXL2-4.0"] == "exl2"
    assert families["BF16"] == "float" and families["IQ2_XS"] == "gguf"
    assert all(q["description"] for q in quants.values())


def test_k_quants_monotone_in_bits_and_quality(quants: dict[str, dict]) -> None:
    bpw = [quants[n]["bits_per_weight"] for n in K_QUANT_ORDER]
    assert bpw == sorted(bpw) and len(set(bpw)) == len(bpw)
    quality = [quants[n]["quality_retention"] for n in K_QUANT_ORDER]
    assert quality == sorted(quality)
    iq = [quants[n]["bits_per_weight"] for n in ["IQ1_S", "IQ1_M", "IQ2_XXS", "IQ2_XS", "IQ2_S", "IQ2_M", "IQ3_XXS",
                                                  "IQ3_XS", "IQ3_S", "IQ3_M", "IQ4_XS", "IQ4_NL"]]
    assert iq == sorted(iq)
    exl2 = [quants[f"EXL2-{b}"]["bits_per_weight"] for b in ("2.5", "3.0", "4.0", "5.0", "6.0", "8.0")]
    assert exl2 == [2.5, 3.0, 4.0, 5.0, 6.0, 8.0]


def test_block_format_bits(quants: dict[str, dict]) -> None:
    assert quants["Q8_0"]["bits_per_weight"] == 8.5  # 34 bytes per 32 weights
    assert quants["Q4_K_M"]["bits_per_weight"] == 4.85
    assert (quants["FP16"]["bits_per_weight"], quants["BF16"]["bits_per_weight"], quants["FP32"]["bits_per_weight"],
            quants["FP8"]["bits_per_weight"]) == (16, 16, 32, 8)


def test_seed_002_page_figures_recorded_and_reproduced(quants: dict[str, dict]) -> None:
    page = {n: (q["catalog_page_bpw"], q["catalog_page_quality"]) for n, q in quants.items() if "catalog_page_bpw" in q}
    assert page == {"Q4_K_M": (4.5, 0.94), "Q6_K": (6.5, 0.97), "Q8_0": (8.0, 1.0), "FP16": (16.0, 1.0)}
    sizes = {n: round(catalog_page_vram_gb(46.7, bpw), 1) for n, (bpw, _) in page.items()}
    assert sizes == {"Q4_K_M": 26.8, "Q6_K": 38.4, "Q8_0": 47.2, "FP16": 93.9}


def test_the_eight_standard_formats(quants: dict[str, dict]) -> None:
    standard = {n for n, q in quants.items() if q["standard"]}
    assert standard == {"Q3_K_M", "Q4_K_M", "Q5_K_M", "Q6_K", "Q8_0", "AWQ-4bit", "EXL2-4.0", "FP16"}
    specs = standard_quant_specs()
    assert [s.name for s in specs] == ["Q3_K_M", "EXL2-4.0", "AWQ-4bit", "Q4_K_M", "Q5_K_M", "Q6_K", "Q8_0", "FP16"]
    assert quant_spec(quants["Q4_K_M"]).bits_per_weight == 4.85


# --- validation -----------------------------------------------------------------------


GOOD_GPU = {"slug": "x-card", "name": "X Card", "vendor": "nvidia", "memory_gb": 24, "bandwidth_gbs": 900,
            "fp16_tflops": None, "memory_kind": "dedicated", "launch_price_usd": None, "form_factor": "consumer",
            "release_year": 2024, "aliases": ["X"]}


@pytest.mark.parametrize("change, message", [
    ({"memory_gb": 0}, "non-positive"), ({"bandwidth_gbs": -1}, "non-positive"), ({"vendor": "3dfx"}, "vendor"),
    ({"memory_kind": "shared"}, "memory_kind"), ({"form_factor": "phone"}, "form_factor"), ({"slug": "X Card"}, "slug"),
    ({"name": None}, "lacks"), ({"fp16_tflops": 0}, "fp16_tflops"), ({"release_year": "2024"}, "release_year"),
    ({"aliases": "X"}, "aliases"), ({"memory_gb": True}, "non-positive"),
])
def test_gpu_validation_rejects_bad_entries(tmp_path: Path, change: dict, message: str) -> None:
    path = tmp_path / "gpus.json"
    path.write_text(json.dumps([{**GOOD_GPU, **change}]))
    with pytest.raises(ReferenceDataError, match=message):
        load_gpus(path)


def test_gpu_validation_rejects_duplicate_slugs_and_aliases(tmp_path: Path) -> None:
    path = tmp_path / "gpus.json"
    path.write_text(json.dumps([GOOD_GPU, {**GOOD_GPU, "name": "Y Card", "aliases": []}]))
    with pytest.raises(ReferenceDataError, match="slug"):
        load_gpus(path)
    path.write_text(json.dumps([GOOD_GPU, {**GOOD_GPU, "slug": "y-card", "name": "Y Card", "aliases": ["x"]}]))
    with pytest.raises(ReferenceDataError, match="also used by"):
        load_gpus(path)
    path.write_text("{not json")
    with pytest.raises(ReferenceDataError):
        load_gpus(path)
    assert load_gpus(_write(tmp_path, [GOOD_GPU]))[0]["slug"] == "x-card"


def _write(tmp_path: Path, data: list) -> Path:
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize("change", [{"bits_per_weight": 0}, {"bits_per_weight": 40}, {"quality_retention": 1.2},
                                    {"family": "onnx"}, {"standard": "yes"}, {"catalog_page_bpw": -1}, {"name": ""}])
def test_quant_validation_rejects_bad_entries(tmp_path: Path, change: dict) -> None:
    good = {"name": "Q4_K_M", "family": "gguf", "bits_per_weight": 4.85, "quality_retention": 0.94, "standard": True}
    path = tmp_path / "q.json"
    path.write_text(json.dumps([{**good, **change}]))
    with pytest.raises(ReferenceDataError):
        load_quant_formats(path)
    path.write_text(json.dumps([good, good]))
    with pytest.raises(ReferenceDataError, match="twice"):
        load_quant_formats(path)
