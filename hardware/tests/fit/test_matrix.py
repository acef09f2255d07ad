"""The bulk fit matrix gives exactly fit()'s numbers, in the documented row layout."""

from __future__ import annotations

import random
import time

import pytest

from hardware.fit.bench import synthetic_models, time_matrix
from hardware.fit.formulas import (
    MATRIX_FIELDS,
    VERDICT_CODES,
    VERDICTS,
    FitInputError,
    GpuSpec,
    ModelSpec,
    QuantSpec,
    fit,
    fit_matrix,
    iter_fit_matrix,
    requirements,
)
from hardware.fit.reference import gpu_spec, load_gpus, standard_quant_specs

MIXTRAL = ModelSpec(total_params_b=46.7, active_params_b=12.9, layers=32, kv_heads=8, head_dim=128, is_moe=True,
                    max_context=32768)
LLAMA70 = ModelSpec(total_params_b=70.6, layers=80, kv_heads=8, head_dim=128, max_context=131072)
BARE = ModelSpec(total_params_b=7.2)
GPUS = [GpuSpec("a", 24, 1000), GpuSpec("b", 48, 800), GpuSpec("c", 32, 400, memory_kind="unified"),
        GpuSpec("d", 8, 272), GpuSpec("e", 28, 504)]
QUANTS = [QuantSpec("Q4", 4.5), QuantSpec("Q4_K_M", 4.85), QuantSpec("Q8", 8.5), QuantSpec("FP16", 16)]
CONTEXTS = [4096, 32768]


def _as_row(mi: int, qi: int, gi: int, context: int, result) -> tuple:
    return (mi, qi, gi, context, VERDICT_CODES[result.verdict], result.total_gb, result.max_context,
            result.gpus_needed, result.tokens_per_s_bound, result.tokens_per_s)


def test_shape_count_and_layout() -> None:
    models = [MIXTRAL, LLAMA70, BARE]
    cells = fit_matrix(models, QUANTS, GPUS, CONTEXTS)
    assert len(cells) == 3 * 4 * 5 * 2
    assert all(len(row) == len(MATRIX_FIELDS) == 10 for row in cells)
    assert {(r[0], r[1], r[2], r[3]) for r in cells} == {
        (m, q, g, c) for m in range(3) for q in range(4) for g in range(5) for c in CONTEXTS}
    assert {r[4] for r in cells} <= set(range(len(VERDICTS)))


def test_matrix_equals_fit_exactly_on_every_cell() -> None:
    models = [MIXTRAL, LLAMA70, BARE]
    for row in fit_matrix(models, QUANTS, GPUS, CONTEXTS):
        mi, qi, gi, context = row[:4]
        assert row == _as_row(mi, qi, gi, context, fit(models[mi], QUANTS[qi], GPUS[gi], context)), row[:4]


def test_matrix_equals_fit_on_a_random_sample_of_real_data() -> None:
    models = synthetic_models(60, seed=11)
    gpus = [gpu_spec(g) for g in load_gpus()]
    quants = standard_quant_specs()
    contexts = [2048, 8192, 32768, 131072]
    cells = fit_matrix(models, quants, gpus, contexts)
    assert len(cells) == 60 * len(gpus) * 8 * 4
    rng = random.Random(5)
    seen_verdicts = set()
    for row in rng.sample(cells, 3000):
        mi, qi, gi, context = row[:4]
        assert row == _as_row(mi, qi, gi, context, fit(models[mi], quants[qi], gpus[gi], context))
        seen_verdicts.add(row[4])
    assert seen_verdicts == {0, 1, 2, 3}


def test_matrix_with_several_gpus_and_q8_cache() -> None:
    models = [MIXTRAL, LLAMA70]
    for row in fit_matrix(models, QUANTS, GPUS, CONTEXTS, n_gpus=3, kv_dtype="q8_0"):
        mi, qi, gi, context = row[:4]
        expected = fit(models[mi], QUANTS[qi], GPUS[gi], context, n_gpus=3, kv_dtype="q8_0")
        assert row == _as_row(mi, qi, gi, context, expected)


def test_known_cells() -> None:
    cells = {r[:4]: r for r in fit_matrix([MIXTRAL, LLAMA70], QUANTS, GPUS, CONTEXTS)}
    v710_q4_32k = cells[(0, 0, 4, 32768)]
    assert v710_q4_32k[4] == VERDICT_CODES["fits_reduced_context"] and v710_q4_32k[6] == 9216
    assert round(v710_q4_32k[5], 1) == 31.1 and v710_q4_32k[7] == 2
    a6000_70b_32k = cells[(1, 1, 1, 32768)]
    assert a6000_70b_32k[4] == VERDICT_CODES["fits_reduced_context"] and a6000_70b_32k[7] == 2


def test_iter_yields_one_chunk_per_model_and_matches_the_list() -> None:
    models = [MIXTRAL, LLAMA70, BARE]
    chunks = list(iter_fit_matrix(models, QUANTS, GPUS, CONTEXTS))
    assert len(chunks) == 3 and all(len(c) == 4 * 5 * 2 for c in chunks)
    assert [row for chunk in chunks for row in chunk] == fit_matrix(models, QUANTS, GPUS, CONTEXTS)


def test_requirements_agree_with_fit() -> None:
    reqs = requirements(MIXTRAL, QUANTS, CONTEXTS)
    assert len(reqs) == 8
    for req in reqs:
        result = fit(MIXTRAL, QUANTS[req.quant_index], GPUS[0], req.context)
        assert (req.weights_gb, req.kv_gb, req.overhead_gb, req.total_gb) == (
            result.weights_gb, result.kv_gb, result.overhead_gb, result.total_gb)
        assert req.gb_read_per_token == pytest.approx(result.gb_read_per_token)
        assert req.estimated is False


def test_empty_inputs_and_bad_arguments() -> None:
    assert fit_matrix([], QUANTS, GPUS, CONTEXTS) == []
    assert fit_matrix([MIXTRAL], QUANTS, [], CONTEXTS) == []
    with pytest.raises(FitInputError):
        fit_matrix([MIXTRAL], QUANTS, GPUS, [-1])
    with pytest.raises(FitInputError):
        fit_matrix([MIXTRAL], QUANTS, GPUS, CONTEXTS, n_gpus=9)
    with pytest.raises(FitInputError):
        fit_matrix([MIXTRAL], QUANTS, GPUS, CONTEXTS, kv_dtype="nope")


def test_bulk_speed() -> None:
    # 100 models x 50 GPUs x 8 quants x 3 contexts = 120,000 cells; the full 1.2M-cell run takes ~2 s.
    started = time.perf_counter()
    figures = time_matrix(100, 50, 8)
    assert figures["cells"] == 120_000
