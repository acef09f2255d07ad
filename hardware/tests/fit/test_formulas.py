"""The fit formulas against the acceptance figures (seed 002's page, Mixtral, a 70B model)."""

from __future__ import annotations

import pytest

from hardware.fit.formulas import (
    GpuSpec,
    ModelSpec,
    QuantSpec,
    catalog_page_vram_gb,
    complete_spec,
    decode_bound_tokens_per_s,
    fit,
    fit_matrix,
    kv_bytes_per_token,
    kv_cache_bytes,
    requirements,
)
from hardware.fit.reference import load_gpus, load_quant_formats, match_gpu_name

MIXTRAL = ModelSpec(total_params_b=46.7, active_params_b=12.9, layers=32, kv_heads=8, head_dim=128, is_moe=True)
LLAMA70 = ModelSpec(total_params_b=70.6, layers=80, kv_heads=8, head_dim=128)
Q4 = QuantSpec("Q4_K_M", 4.5, 0.94)


@pytest.mark.parametrize("bpw, expected", [(4.5, 26.8), (6.5, 38.4), (8, 47.2), (16, 93.9)])
def test_catalog_page_rule(bpw: float, expected: float) -> None:
    assert round(catalog_page_vram_gb(46.7, bpw), 1) == expected


def test_mixtral_kv_cache() -> None:
    assert kv_bytes_per_token(MIXTRAL) == 131_072
    assert kv_cache_bytes(MIXTRAL, 32_768) == 131_072 * 32_768  # 4.29e9 bytes, "about 4.3 GB"
    assert round(kv_cache_bytes(MIXTRAL, 32_768) / 1e9, 1) == 4.3
    assert kv_cache_bytes(MIXTRAL, 32_768, "q8_0") < kv_cache_bytes(MIXTRAL, 32_768) / 1.8


def test_context_aware_total_and_28gb_card() -> None:
    radeon_v710 = GpuSpec("AMD Radeon PRO V710", 28, 504)
    result = fit(MIXTRAL, Q4, radeon_v710, 32_768)
    assert result.total_gb == pytest.approx(31.1, abs=0.05)  # the page says 26.8 GB and lists the card first
    assert result.verdict == "fits_reduced_context"
    assert 8_000 < result.max_context < 32_768 and result.max_context % 256 == 0
    assert fit(MIXTRAL, Q4, radeon_v710, 4_096).verdict == "fits"


def test_speed_bound_on_1792_gbs() -> None:
    bound = decode_bound_tokens_per_s(MIXTRAL, Q4, 1792)
    assert bound == pytest.approx(247, abs=1)
    rtx5090 = GpuSpec("NVIDIA RTX 5090", 32, 1792, 419)
    result = fit(MIXTRAL, Q4, rtx5090, 4096)
    assert result.tokens_per_s == pytest.approx(result.tokens_per_s_bound * 0.65)
    assert result.tokens_per_s_bound < bound  # KV reads at 4K context lower the bound


def test_70b_needs_two_48gb_cards_at_long_context() -> None:
    a6000 = GpuSpec("RTX A6000", 48, 768)
    q4km = QuantSpec("Q4_K_M", 4.85)
    single = fit(LLAMA70, q4km, a6000, 32_768)
    assert single.verdict == "fits_reduced_context" and single.gpus_needed == 2
    assert fit(LLAMA70, q4km, a6000, 32_768, n_gpus=2).verdict == "fits"
    assert fit(LLAMA70, QuantSpec("FP16", 16), a6000, 4096).verdict == "needs_more_gpus"


def test_unified_memory_counts_three_quarters() -> None:
    mac = GpuSpec("Apple M2 Max (32GB)", 32, 400, memory_kind="unified")
    result = fit(MIXTRAL, Q4, mac, 4096)
    assert result.available_gb == pytest.approx(24.0)
    assert result.verdict == "needs_more_gpus" and result.gpus_needed == 2  # 27.2 GB needed, 24 GB usable
    assert any("unified memory" in a for a in result.assumptions)


def test_missing_architecture_is_estimated_and_said() -> None:
    bare = ModelSpec(total_params_b=7.2)
    spec = complete_spec(bare)
    assert (spec.layers, spec.kv_heads, spec.head_dim) == (32, 8, 128)
    assert spec.estimated_fields == ("head_dim", "kv_heads", "layers")
    result = fit(bare, Q4, GpuSpec("RTX 4090", 24, 1008), 8192)
    assert any("estimated" in a for a in result.assumptions)


def test_moe_uses_total_for_memory_active_for_speed() -> None:
    dense_equivalent = ModelSpec(total_params_b=46.7, layers=32, kv_heads=8, head_dim=128)
    gpu = GpuSpec("H100", 80, 3350)
    moe, dense = fit(MIXTRAL, Q4, gpu, 4096), fit(dense_equivalent, Q4, gpu, 4096)
    assert moe.weights_gb == dense.weights_gb
    assert moe.tokens_per_s > 3 * dense.tokens_per_s


def test_matrix_agrees_with_fit() -> None:
    gpus = [GpuSpec("a", 24, 1000), GpuSpec("b", 48, 800), GpuSpec("c", 32, 400, memory_kind="unified")]
    quants = [QuantSpec("Q4", 4.85), QuantSpec("Q8", 8.5), QuantSpec("FP16", 16)]
    models = [MIXTRAL, LLAMA70, ModelSpec(total_params_b=7.2)]
    codes = {"fits": 0, "fits_reduced_context": 1, "needs_more_gpus": 2, "does_not_fit": 3}
    cells = fit_matrix(models, quants, gpus, [4096, 32768])
    assert len(cells) == 3 * 3 * 3 * 2
    for mi, qi, gi, context, code, speed in cells:
        expected = fit(models[mi], quants[qi], gpus[gi], context)
        got_verdict = expected.verdict if expected.verdict != "fits_reduced_context" else "fits_reduced_context"
        assert code == codes[got_verdict], (mi, qi, gi, context)
        assert speed == pytest.approx(expected.tokens_per_s)
    reqs = requirements(MIXTRAL, [Q4], [4096, 32768])
    assert [round(r.total_gb, 2) for r in reqs] == [round(fit(MIXTRAL, Q4, gpus[0], c).total_gb, 2) for c in (4096, 32768)]


def test_reference_data_covers_seed_002_gpus() -> None:
    from pathlib import Path

    from catalog.cards import parse_document

    gpus = load_gpus()
    assert len(gpus) >= 45
    seed = next((Path(__file__).resolve().parents[3] / "catalog/fixtures/cards/seeds").glob("002_*.txt"))
    mentioned = parse_document(seed.read_bytes()).gpus
    assert len(mentioned) == 30
    for gpu in mentioned:
        entry = match_gpu_name(gpu.name, gpus)
        assert entry is not None, gpu.name
        assert entry["memory_gb"] == gpu.memory_gb
        assert entry["bandwidth_gbs"] == pytest.approx(gpu.bandwidth_gbs, rel=0.01)


def test_quant_formats_complete_and_monotone() -> None:
    quants = {q["name"]: q for q in load_quant_formats()}
    order = ["Q2_K", "Q3_K_S", "Q3_K_M", "Q3_K_L", "Q4_K_S", "Q4_K_M", "Q5_K_S", "Q5_K_M", "Q6_K", "Q8_0"]
    bpw = [quants[n]["bits_per_weight"] for n in order]
    assert bpw == sorted(bpw)
    assert {"IQ2_XS", "IQ4_XS", "GPTQ-4bit", "AWQ-4bit", "EXL2-4.0", "FP8", "FP16", "BF16"} <= set(quants)
    assert sum(q["standard"] for q in quants.values()) == 8
