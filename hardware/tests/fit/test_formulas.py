"""The fit formulas against the acceptance figures (seed 002's page, Mixtral, a 70B model) and edge cases."""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.fit.formulas import (
    EFFICIENCY,
    FitInputError,
    GpuSpec,
    ModelSpec,
    QuantSpec,
    best_quant_for,
    catalog_page_vram_gb,
    complete_spec,
    decode_bound_tokens_per_s,
    decode_tokens_per_s,
    fit,
    kv_bytes_per_token,
    kv_cache_bytes,
    largest_context_that_fits,
    overhead_bytes,
    prefill_seconds,
    requirements,
    typical_shape,
    usable_memory_bytes,
    weights_bytes,
)

MIXTRAL = ModelSpec(total_params_b=46.7, active_params_b=12.9, layers=32, kv_heads=8, head_dim=128, is_moe=True,
                    max_context=32768, hidden_size=4096, attention_heads=32)
LLAMA70 = ModelSpec(total_params_b=70.6, layers=80, kv_heads=8, head_dim=128, hidden_size=8192, attention_heads=64)
PAGE_Q4 = QuantSpec("Q4_K_M", 4.5, 0.94)  # seed 002's simplified figure
Q4KM = QuantSpec("Q4_K_M", 4.85, 0.94)  # llama.cpp's effective figure
V710 = GpuSpec("AMD Radeon PRO V710", 28, 504, 55.3)
RTX5090 = GpuSpec("NVIDIA GeForce RTX 5090", 32, 1792, 419, price_usd=1999)
A6000 = GpuSpec("NVIDIA RTX A6000", 48, 768, 154.8)
M2MAX32 = GpuSpec("Apple M2 Max (32GB)", 32, 400, 13.6, memory_kind="unified")


# --- seed 002's page rule -------------------------------------------------------------


@pytest.mark.parametrize("bpw, expected", [(4.5, 26.8), (6.5, 38.4), (8, 47.2), (16, 93.9)])
def test_catalog_page_rule_reproduces_the_page(bpw: float, expected: float) -> None:
    assert round(catalog_page_vram_gb(46.7, bpw), 1) == expected


def test_catalog_page_rule_exact_values() -> None:
    assert catalog_page_vram_gb(46.7, 4.5) == pytest.approx(26.76875)
    assert catalog_page_vram_gb(46.7, 16) == pytest.approx(93.9)
    with pytest.raises(FitInputError):
        catalog_page_vram_gb(-1, 4.5)


# --- weights and KV cache -------------------------------------------------------------


def test_weights_use_total_params_and_measured_size_wins() -> None:
    assert weights_bytes(MIXTRAL, PAGE_Q4) == pytest.approx(46.7e9 * 4.5 / 8)
    assert weights_bytes(MIXTRAL, PAGE_Q4) == 26_268_750_000
    assert weights_bytes(MIXTRAL, Q4KM, file_size_bytes=26_440_000_000) == 26_440_000_000
    assert weights_bytes(MIXTRAL, Q4KM, file_size_bytes=0) == pytest.approx(28.311875e9)  # 0 = unknown
    with pytest.raises(FitInputError):
        weights_bytes(MIXTRAL, Q4KM, file_size_bytes=-5)


def test_mixtral_kv_cache() -> None:
    assert kv_bytes_per_token(MIXTRAL) == 131_072
    assert kv_cache_bytes(MIXTRAL, 32_768) == 4_294_967_296  # 4.29e9 bytes, "about 4.3 GB"
    assert round(kv_cache_bytes(MIXTRAL, 32_768) / 1e9, 2) == 4.29
    assert kv_cache_bytes(MIXTRAL, 32_768, batch=4) == 4 * 4_294_967_296
    # llama.cpp block formats: q8_0 = 8.5 bits, q4_0 = 4.5 bits per element.
    assert kv_bytes_per_token(MIXTRAL, "q8_0") == 131_072 * 8.5 / 16 == 69_632
    assert kv_bytes_per_token(MIXTRAL, "q4_0") == 131_072 * 4.5 / 16 == 36_864
    with pytest.raises(FitInputError) as err:
        kv_cache_bytes(MIXTRAL, 1024, kv_dtype="int3")
    assert err.value.field == "kv_dtype"
    with pytest.raises(FitInputError):
        kv_cache_bytes(MIXTRAL, -1)


def test_context_aware_total_and_the_28gb_card() -> None:
    result = fit(MIXTRAL, PAGE_Q4, V710, 32_768)
    # The page lists this card first with 26.8 GB; with the 32K fp16 cache it needs 31.1 GB.
    assert round(result.total_gb, 1) == 31.1
    assert result.total_gb == pytest.approx(26.26875 + 4.294967296 + 0.5)
    assert result.weights_gb == pytest.approx(26.26875) and result.kv_gb == pytest.approx(4.294967296)
    assert result.overhead_gb == 0.5 and result.available_gb == 28.0
    assert result.verdict == "fits_reduced_context"
    # (28 - 26.26875 - 0.5) GB / 131,072 bytes = 9,393 tokens -> 9,216 (multiple of 256).
    assert result.max_context == 9_216
    assert result.gpus_needed == 2
    assert fit(MIXTRAL, PAGE_Q4, V710, 8_192).verdict == "fits"


def test_llama_cpp_q4_k_m_does_not_fit_the_28gb_card_at_all() -> None:
    result = fit(MIXTRAL, Q4KM, V710, 32_768)
    assert result.weights_gb == pytest.approx(28.311875)
    assert result.verdict == "needs_more_gpus" and result.gpus_needed == 2 and result.max_context is None
    assert fit(MIXTRAL, Q4KM, V710, 32_768, n_gpus=2).verdict == "fits"


def test_overhead_constant_and_no_flash_attention_term() -> None:
    assert overhead_bytes() == 0.5e9
    # 512 x 32,768 x 32 heads x 4 bytes of f32 attention scores without flash attention.
    assert overhead_bytes(MIXTRAL, 32_768, flash_attention=False) == 0.5e9 + 512 * 32_768 * 32 * 4
    slow = fit(MIXTRAL, PAGE_Q4, V710, 32_768, flash_attention=False)
    assert slow.overhead_gb == pytest.approx(0.5 + 2.147483648)
    assert slow.max_context < 9_216 and slow.max_context % 256 == 0
    assert slow.max_context == largest_context_that_fits(MIXTRAL, PAGE_Q4, V710, flash_attention=False)
    assert any("without flash attention" in a for a in slow.assumptions)


# --- speed ----------------------------------------------------------------------------


def test_speed_bound_on_1792_gbs_excludes_kv_at_context_zero() -> None:
    bound = decode_bound_tokens_per_s(MIXTRAL, PAGE_Q4, 1792)
    assert bound == pytest.approx(1792 / 7.25625)  # 12.9B x 4.5 / 8 = 7.26 GB per token
    assert round(bound) == 247
    speed = decode_tokens_per_s(MIXTRAL, PAGE_Q4, RTX5090, context=0)
    assert speed.bound_tokens_per_s == bound and speed.tokens_per_s == pytest.approx(247 * 0.65, abs=0.05)
    assert speed.gb_read_per_token == pytest.approx(7.25625)


def test_speed_estimate_and_kv_reads_at_context() -> None:
    result = fit(MIXTRAL, PAGE_Q4, RTX5090, 4096)
    assert result.tokens_per_s_bound == pytest.approx(1792e9 / (7.25625e9 + 131_072 * 4096))
    assert result.tokens_per_s == pytest.approx(result.tokens_per_s_bound * EFFICIENCY)
    assert round(result.tokens_per_s_bound) == 230
    custom = decode_tokens_per_s(MIXTRAL, PAGE_Q4, RTX5090, 0, efficiency=0.7)
    assert custom.tokens_per_s == pytest.approx(custom.bound_tokens_per_s * 0.7)
    with pytest.raises(FitInputError):
        decode_tokens_per_s(MIXTRAL, PAGE_Q4, RTX5090, 0, efficiency=1.5)


def test_multi_gpu_speed_depends_on_split() -> None:
    one = decode_tokens_per_s(LLAMA70, Q4KM, A6000, 4096)
    layer = decode_tokens_per_s(LLAMA70, Q4KM, A6000, 4096, n_gpus=2)
    tensor = decode_tokens_per_s(LLAMA70, Q4KM, A6000, 4096, n_gpus=2, split="tensor")
    assert layer.bound_tokens_per_s == one.bound_tokens_per_s
    assert tensor.bound_tokens_per_s == pytest.approx(2 * one.bound_tokens_per_s)


def test_prefill_from_fp16_tflops() -> None:
    # 2 x 12.9e9 FLOPs x 1000 tokens + attention 2 x 32 x 32 x 128 x 1000^2, at 40% of 419 TFLOPS.
    expected = (2 * 12.9e9 * 1000 + 2 * 32 * 32 * 128 * 1000**2) / (419e12 * 0.4)
    assert prefill_seconds(MIXTRAL, RTX5090, 1000) == pytest.approx(expected)
    assert prefill_seconds(MIXTRAL, RTX5090, 1000) == pytest.approx(0.155502, abs=1e-6)
    assert prefill_seconds(MIXTRAL, GpuSpec("no figure", 24, 900), 1000) is None
    assert prefill_seconds(MIXTRAL, RTX5090, 0) == 0
    result = fit(MIXTRAL, PAGE_Q4, RTX5090, 8192)
    assert result.prefill_seconds_per_1k == pytest.approx(expected)
    assert result.prefill_seconds_full_context == pytest.approx(prefill_seconds(MIXTRAL, RTX5090, 8192))


# --- verdicts -------------------------------------------------------------------------


def test_70b_q4_k_m_needs_two_48gb_cards_at_long_context() -> None:
    single = fit(LLAMA70, Q4KM, A6000, 32_768)
    # 42.80 GB of weights + 10.74 GB of cache + 0.5 GB = 54.04 GB > 48 GB.
    assert single.total_gb == pytest.approx(70.6 * 4.85 / 8 + 327_680 * 32_768 / 1e9 + 0.5)
    assert single.verdict == "fits_reduced_context" and single.gpus_needed == 2
    assert single.max_context == 14_336
    double = fit(LLAMA70, Q4KM, A6000, 32_768, n_gpus=2)
    assert double.verdict == "fits" and double.available_gb == 96 and double.overhead_gb == 1.0
    assert any("2 cards" in a for a in double.assumptions)
    # At 4K the weights and cache fit on one 48 GB card.
    assert fit(LLAMA70, Q4KM, A6000, 4096).verdict == "fits"


def test_needs_more_gpus_and_does_not_fit() -> None:
    fp16 = fit(LLAMA70, QuantSpec("FP16", 16), A6000, 4096)
    assert fp16.verdict == "needs_more_gpus" and fp16.gpus_needed == 4 and fp16.max_context is None
    tiny = GpuSpec("8 GB card", 8, 272)
    huge = ModelSpec(total_params_b=405, layers=126, kv_heads=8, head_dim=128)
    nope = fit(huge, QuantSpec("FP16", 16), tiny, 4096)
    assert nope.verdict == "does_not_fit" and nope.gpus_needed is None and nope.max_context is None


def test_fits_reports_max_context_capped_at_model_maximum() -> None:
    big = GpuSpec("NVIDIA H100 SXM", 80, 3350, 989)
    result = fit(MIXTRAL, PAGE_Q4, big, 8192)
    assert result.verdict == "fits" and result.max_context == 32_768  # memory would allow more
    uncapped = largest_context_that_fits(MIXTRAL, PAGE_Q4, big)
    assert uncapped == (80e9 - 26.26875e9 - 0.5e9) // 131_072 // 256 * 256 == 406_016
    over = fit(MIXTRAL, PAGE_Q4, big, 65_536)
    assert over.verdict == "fits" and any("exceed the model's trained context" in w for w in over.warnings)


def test_unified_memory_counts_three_quarters() -> None:
    assert usable_memory_bytes(M2MAX32) == 24e9
    assert usable_memory_bytes(M2MAX32, 2) == 48e9
    result = fit(MIXTRAL, PAGE_Q4, M2MAX32, 4096)
    assert result.available_gb == pytest.approx(24.0)
    assert round(result.total_gb, 1) == 27.3  # 26.27 + 0.54 + 0.5
    assert result.verdict == "needs_more_gpus" and result.gpus_needed == 2
    assert any("Unified memory: about 75% of 32 GB" in a for a in result.assumptions)
    big_mac = GpuSpec("Apple M2 Ultra (192GB)", 192, 800, 27.2, memory_kind="unified")
    assert fit(LLAMA70, QuantSpec("Q8_0", 8.5), big_mac, 32_768).verdict == "fits"  # 75.0 + 10.7 + 0.5 <= 144


def test_kv_dtype_changes_the_verdict() -> None:
    assert fit(MIXTRAL, PAGE_Q4, V710, 32_768).verdict == "fits_reduced_context"
    q4_cache = fit(MIXTRAL, PAGE_Q4, V710, 32_768, kv_dtype="q4_0")
    assert q4_cache.kv_gb == pytest.approx(4.294967296 * 4.5 / 16) and q4_cache.verdict == "fits"
    assert any("q4_0 (4.5 bits per value)" in a for a in q4_cache.assumptions)


# --- architecture estimates and MoE ---------------------------------------------------


def test_missing_architecture_is_estimated_and_flagged() -> None:
    bare = ModelSpec(total_params_b=7.2)
    spec = complete_spec(bare)
    assert (spec.layers, spec.kv_heads, spec.head_dim, spec.hidden_size, spec.attention_heads) == (32, 8, 128, 4096, 32)
    assert spec.estimated_fields == ("attention_heads", "head_dim", "hidden_size", "kv_heads", "layers")
    assert spec.kv_estimated and complete_spec(spec) is spec
    result = fit(bare, Q4KM, GpuSpec("NVIDIA GeForce RTX 4090", 24, 1008, 330.3), 8192)
    assert result.estimated_fields == spec.estimated_fields
    assert any(a.startswith("ESTIMATED from the parameter count") and "layers" in a for a in result.assumptions)
    assert requirements(bare, [Q4KM], [4096])[0].estimated is True


def test_stated_architecture_is_not_flagged_and_derived_fields_are_not_estimates() -> None:
    stated = complete_spec(ModelSpec(total_params_b=7.2, layers=32, kv_heads=8, hidden_size=4096, attention_heads=32))
    assert stated.head_dim == 128 and stated.estimated_fields == ()
    assert requirements(stated, [Q4KM], [4096])[0].estimated is False
    partial = complete_spec(ModelSpec(total_params_b=7.2, layers=32, kv_heads=8, head_dim=128))
    assert partial.estimated_fields == ("attention_heads", "hidden_size") and not partial.kv_estimated
    result = fit(partial, Q4KM, RTX5090, 4096)
    assert not any(a.startswith("ESTIMATED") for a in result.assumptions)
    assert any("used only for the prompt-processing time" in a for a in result.assumptions)


def test_typical_shapes_by_size() -> None:
    assert typical_shape(1.1)["layers"] == 22
    assert typical_shape(70.6) == {"layers": 80, "kv_heads": 8, "head_dim": 128, "hidden_size": 8192,
                                   "attention_heads": 64}
    assert typical_shape(405)["layers"] == 126
    # A MoE's attention looks like a dense model of ~0.7 x its active parameters: Mixtral -> 7B shape.
    mixtral_guess = complete_spec(ModelSpec(total_params_b=46.7, active_params_b=12.9, is_moe=True))
    assert (mixtral_guess.layers, mixtral_guess.kv_heads, mixtral_guess.head_dim) == (32, 8, 128)


def test_moe_uses_total_for_memory_and_active_for_speed() -> None:
    dense = ModelSpec(total_params_b=46.7, layers=32, kv_heads=8, head_dim=128)
    gpu = GpuSpec("NVIDIA H100 SXM", 80, 3350, 989)
    moe_result, dense_result = fit(MIXTRAL, PAGE_Q4, gpu, 4096), fit(dense, PAGE_Q4, gpu, 4096)
    assert moe_result.weights_gb == dense_result.weights_gb == pytest.approx(26.26875)
    assert moe_result.gb_read_per_token == pytest.approx(7.25625 + 131_072 * 4096 / 1e9)
    assert dense_result.gb_read_per_token == pytest.approx(26.26875 + 131_072 * 4096 / 1e9)
    assert moe_result.tokens_per_s > 3 * dense_result.tokens_per_s
    assert any("Mixture of experts" in a for a in moe_result.assumptions)
    # A measured file: the active share of it is read per token.
    measured = decode_tokens_per_s(MIXTRAL, PAGE_Q4, gpu, 0, file_size_bytes=28_000_000_000)
    assert measured.gb_read_per_token == pytest.approx(28 * 12.9 / 46.7)


def test_dense_active_equals_total_and_bad_active_is_noted() -> None:
    assert ModelSpec(total_params_b=8).active_params_b == 8
    odd = ModelSpec(total_params_b=8, active_params_b=20)
    assert odd.active_params_b == 8 and odd.notes and not odd.is_moe
    inferred = ModelSpec(total_params_b=24.2, active_params_b=12.9)
    assert inferred.is_moe  # fewer active than total parameters


# --- best quant -----------------------------------------------------------------------


def test_best_quant_for_prefers_quality_then_size() -> None:
    quants = [QuantSpec("Q3_K_M", 3.91, 0.89), Q4KM, QuantSpec("Q6_K", 6.56, 0.97), QuantSpec("FP16", 16, 1.0),
              QuantSpec("BF16", 16, 1.0), QuantSpec("FP32", 32, 1.0)]
    chosen = best_quant_for(A6000, MIXTRAL, 8192, quants=quants)
    assert chosen is not None and chosen[0].name == "Q6_K" and chosen[1].verdict == "fits"
    big = GpuSpec("NVIDIA B200", 180, 8000, 2250)
    assert best_quant_for(big, MIXTRAL, 8192, quants=quants)[0].name in ("FP16", "BF16")  # type: ignore[index]
    fast = best_quant_for(A6000, MIXTRAL, 8192, min_tokens_per_s=60, quants=quants)
    assert fast is not None and fast[0].name == "Q3_K_M" and fast[1].tokens_per_s >= 60
    assert best_quant_for(GpuSpec("8 GB card", 8, 272), MIXTRAL, 8192, quants=quants) is None


def test_best_quant_for_defaults_to_the_standard_formats() -> None:
    chosen = best_quant_for(RTX5090, ModelSpec(total_params_b=8.0, layers=32, kv_heads=8, head_dim=128), 8192)
    assert chosen is not None and chosen[0].name == "FP16"  # 16.06 + 1.07 + 0.5 GB fit in 32 GB


# --- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs", [{"total_params_b": 0}, {"total_params_b": -3}, {"total_params_b": math.nan},
                                    {"total_params_b": "7B"}, {"total_params_b": math.inf}])
def test_bad_model_raises_documented_error(kwargs: dict) -> None:
    with pytest.raises(FitInputError) as err:
        ModelSpec(**kwargs)
    assert err.value.field == "total_params_b"


def test_implausible_architecture_is_ignored_with_a_note() -> None:
    spec = ModelSpec(total_params_b=7.2, layers=0, kv_heads=-8, head_dim=10**30,
                     max_context=2.5)  # type: ignore[arg-type]
    assert spec.layers is None and spec.kv_heads is None and spec.head_dim is None and spec.max_context is None
    assert len(spec.notes) == 4
    result = fit(spec, Q4KM, RTX5090, 4096)
    assert result.verdict == "fits" and len(result.warnings) == 4


@pytest.mark.parametrize("call", [
    lambda: fit(MIXTRAL, Q4KM, RTX5090, -1),
    lambda: fit(MIXTRAL, Q4KM, RTX5090, 4096, n_gpus=0),
    lambda: fit(MIXTRAL, Q4KM, RTX5090, 4096, n_gpus=9),
    lambda: fit(MIXTRAL, Q4KM, RTX5090, 4096, kv_dtype="fp4"),
    lambda: fit(MIXTRAL, Q4KM, RTX5090, 4096, split="pipeline"),
    lambda: fit(MIXTRAL, Q4KM, RTX5090, 10**12),
    lambda: QuantSpec("bad", 0),
    lambda: QuantSpec("bad", 4, 1.5),
    lambda: GpuSpec("bad", 0, 100),
    lambda: GpuSpec("bad", 24, math.nan),
    lambda: GpuSpec("bad", 24, 100, memory_kind="shared"),
    lambda: best_quant_for(RTX5090, MIXTRAL, 4096, min_tokens_per_s=-1, quants=[Q4KM]),
])
def test_bad_inputs_raise_fit_input_error(call) -> None:
    with pytest.raises(FitInputError):
        call()


@settings(max_examples=150, deadline=None)
@given(
    total=st.floats(0.01, 2000), active_share=st.floats(0.01, 1), layers=st.one_of(st.none(), st.integers(1, 200)),
    kv=st.one_of(st.none(), st.integers(1, 128)), head=st.one_of(st.none(), st.integers(16, 512)),
    bpw=st.floats(1, 32), memory=st.floats(1, 1024), bandwidth=st.floats(10, 10000),
    context=st.integers(0, 2_000_000), n=st.integers(1, 8), unified=st.booleans(), kv_dtype=st.sampled_from(
        ["fp16", "q8_0", "q4_0"]),
)
def test_fit_is_total_and_consistent(total, active_share, layers, kv, head, bpw, memory, bandwidth, context, n,
                                     unified, kv_dtype) -> None:
    model = ModelSpec(total_params_b=total, active_params_b=total * active_share, layers=layers, kv_heads=kv,
                      head_dim=head)
    gpu = GpuSpec("g", memory, bandwidth, memory_kind="unified" if unified else "dedicated")
    result = fit(model, QuantSpec("q", bpw), gpu, context, n_gpus=n, kv_dtype=kv_dtype)
    assert result.verdict in ("fits", "fits_reduced_context", "needs_more_gpus", "does_not_fit")
    assert (result.verdict == "fits") == (result.total_gb <= result.available_gb)
    if result.max_context is not None:
        assert result.max_context % 256 == 0
    if result.verdict == "fits_reduced_context":
        assert 512 <= result.max_context < context  # type: ignore[operator]
    if result.gpus_needed is not None:
        assert n < result.gpus_needed <= 8
        assert fit(model, QuantSpec("q", bpw), gpu, context, n_gpus=result.gpus_needed,
                   kv_dtype=kv_dtype).verdict == "fits"
        if result.gpus_needed - 1 > n:
            assert fit(model, QuantSpec("q", bpw), gpu, context, n_gpus=result.gpus_needed - 1,
                       kv_dtype=kv_dtype).verdict != "fits"
    assert 0 < result.tokens_per_s < result.tokens_per_s_bound
    assert result.assumptions


def test_fit_without_explanation_gives_the_same_numbers_and_no_sentences() -> None:
    explained = fit(MIXTRAL, Q4KM, RTX5090, 8192)
    quiet = fit(MIXTRAL, Q4KM, RTX5090, 8192, explain=False)
    assert explained.assumptions and quiet.assumptions == []
    assert quiet == dataclasses.replace(explained, assumptions=[])


def test_a_complete_spec_is_returned_as_it_is_and_a_partial_one_is_completed() -> None:
    assert complete_spec(LLAMA70) is LLAMA70
    partial = dataclasses.replace(LLAMA70, head_dim=None)
    completed = complete_spec(partial)
    assert completed.head_dim == 128 and completed.estimated_fields == ()
