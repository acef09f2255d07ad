"""Scoring rules on the seeds' real numbers: v1, v2, Nous, Elo, picking, completeness, ranking."""

from __future__ import annotations

import math

import pytest

from evals.scoring import bench
from evals.scoring.rules import ResultRow, ScoreOutcome, normalize_v2, pick, rank, score, score_many
from evals.scoring.specs import BY_SLUG, LEADERBOARDS, LeaderboardSpec, MemberSpec

V1, V2, NOUS, ELO = (BY_SLUG[s] for s in ("open-llm-v1", "open-llm-v2", "nous", "arena-elo"))
V1_KEYS = [("arc", "acc_norm", 25), ("hellaswag", "acc_norm", 10), ("mmlu", "acc", 5), ("truthfulqa", "mc2", 0),
           ("winogrande", "acc", 5), ("gsm8k", "acc", 5)]
V2_KEYS = [("ifeval", "strict_acc", 0), ("bbh", "acc_norm", 3), ("math_lvl5", "exact_match", 4),
           ("gpqa", "acc_norm", 0), ("musr", "acc_norm", 0), ("mmlu_pro", "acc", 5)]
SEED_000_V1 = [68.69, 86.16, 72.07, 71.92, 83.58, 59.14]
SEED_004_V2 = [55.54, 31.92, 0.00, 6.82, 12.99, 26.13]

# Seed 001 (Beyonder-4x7B-v2): the Nous harness tables, in percent, one run (card table, rank 2).
SEED_001_GPT4ALL = [("arc", "acc", 61.86), ("arc", "acc_norm", 64.51), ("arc_easy", "acc", 85.06),
                    ("arc_easy", "acc_norm", 82.45), ("boolq", "acc", 88.35), ("hellaswag", "acc", 68.04),
                    ("hellaswag", "acc_norm", 85.12), ("openbookqa", "acc", 37.80), ("openbookqa", "acc_norm", 48.60),
                    ("piqa", "acc", 83.08), ("piqa", "acc_norm", 83.95), ("winogrande", "acc", 78.69)]
SEED_001_AGIEVAL = [("agieval_aqua_rat", 23.62, 23.62), ("agieval_logiqa_en", 41.47, 43.01),
                    ("agieval_lsat_ar", 23.04, 23.48), ("agieval_lsat_lr", 51.57, 52.94),
                    ("agieval_lsat_rc", 64.31, 64.68), ("agieval_sat_en", 79.13, 79.13),
                    ("agieval_sat_en_without_passage", 43.20, 43.20),
                    ("agieval_sat_math", 34.55, 32.27)]  # task, acc, acc_norm
SEED_001_BIGBENCH = [("causal_judgement", 58.95), ("date_understanding", 66.40), ("disambiguation_qa", 48.84),
                     ("geometric_shapes", 22.56), ("logical_deduction_five_objects", 30.40),
                     ("logical_deduction_seven_objects", 20.57), ("logical_deduction_three_objects", 52.00),
                     ("movie_recommendation", 44.40), ("navigate", 52.10),
                     ("reasoning_about_colored_objects", 69.75), ("ruin_names", 55.36),
                     ("salient_translation_error_detection", 23.65), ("snarks", 77.35),
                     ("sports_understanding", 73.02), ("temporal_sequences", 46.80),
                     ("tracking_shuffled_objects_five_objects", 22.08),
                     ("tracking_shuffled_objects_seven_objects", 19.03),
                     ("tracking_shuffled_objects_three_objects", 52.00)]


def v1_rows(values: list[float], run_id: int = 1, rank_: int = 1, shots: bool = True) -> list[ResultRow]:
    return [ResultRow(run_id, k, m, s if shots else None, v, False, rank_) for (k, m, s), v in zip(V1_KEYS, values)]


def seed_001_nous_run(run_id: int = 2, *, aggregates: bool = True) -> list[ResultRow]:
    rows = [ResultRow(run_id, k, m, 0, v, False, 2) for k, m, v in SEED_001_GPT4ALL]
    for key, acc, acc_norm in SEED_001_AGIEVAL:
        rows += [ResultRow(run_id, key, "acc", 0, acc, False, 2),
                 ResultRow(run_id, key, "acc_norm", 0, acc_norm, False, 2)]
    rows += [ResultRow(run_id, f"bigbench_{t}", "multiple_choice_grade", 0, v, False, 2) for t, v in SEED_001_BIGBENCH]
    rows += [ResultRow(run_id, "bigbench_geometric_shapes", "exact_str_match", 0, 13.37, False, 2),
             ResultRow(run_id, "truthfulqa", "mc1", 0, 44.55, False, 2),
             ResultRow(run_id, "truthfulqa", "mc2", 0, 60.86, False, 2)]
    if aggregates:
        rows += [ResultRow(run_id, "agieval", "average", 0, 45.29, False, 2),
                 ResultRow(run_id, "gpt4all", "average", 0, 75.95, False, 2),
                 ResultRow(run_id, "bigbench", "average", 0, 46.4, False, 2)]
    return rows


# --- Open LLM Leaderboard v1 -----------------------------------------------------------------

def test_v1_seed_000_complete() -> None:
    outcome = score(v1_rows(SEED_000_V1), V1)
    assert outcome.leaderboard == "open-llm-v1" and outcome.complete and outcome.completeness == 1.0
    assert outcome.average == pytest.approx(73.593333333, abs=1e-9)  # full precision, not 73.59
    assert outcome.display_average() == "73.59"
    assert outcome.components == dict(zip([k for k, _, _ in V1_KEYS], SEED_000_V1))
    assert outcome.component_runs == {k: 1 for k, _, _ in V1_KEYS}
    assert outcome.missing == [] and outcome.notes == []


def test_v1_partial_has_no_average() -> None:
    outcome = score(v1_rows(SEED_000_V1[:4]), V1)
    assert outcome.average is None and not outcome.complete
    assert outcome.completeness == pytest.approx(4 / 6)
    assert outcome.missing == ["winogrande", "gsm8k"]
    assert outcome.display_average() == ""


def test_v1_shots_must_match() -> None:
    rows = v1_rows(SEED_000_V1)
    rows[0] = ResultRow(1, "arc", "acc_norm", 0, 64.51)  # a GPT4All 0-shot ARC is not the board's 25-shot ARC
    outcome = score(rows, V1)
    assert outcome.missing == ["arc"] and outcome.average is None and outcome.completeness == pytest.approx(5 / 6)


def test_unstated_shots_accepted_with_a_note_seed_004() -> None:
    outcome = score(v1_rows([74.91, 87.70, 70.16, 65.96, 81.61, 70.36], shots=False), V1)
    assert outcome.complete and outcome.average == pytest.approx(75.116666667, abs=1e-9)
    assert "arc: number of shots not stated; accepted as 25-shot" in outcome.notes
    assert len(outcome.notes) == 6


def test_stated_shots_win_over_unstated_even_from_a_less_trusted_source() -> None:
    rows = v1_rows(SEED_000_V1, run_id=1, rank_=2) + [ResultRow(2, "arc", "acc_norm", None, 70.0, False, 0)]
    outcome = score(rows, V1)
    assert outcome.components["arc"] == 68.69 and outcome.component_runs["arc"] == 1


def test_prefers_trustworthy_source_then_newest_run() -> None:
    rows = v1_rows([60.0] * 6, run_id=1, rank_=1) + [
        ResultRow(2, "arc", "acc_norm", 25, 70.0, False, 3),
        ResultRow(3, "arc", "acc_norm", 25, 65.0, False, 0),
        ResultRow(4, "arc", "acc_norm", 25, 66.0, False, 0),
    ]
    outcome = score(rows, V1)
    assert outcome.components["arc"] == 66.0 and outcome.component_runs["arc"] == 4
    assert outcome.average == pytest.approx((66.0 + 5 * 60.0) / 6)


def test_fallback_metric_gsm8k_exact_match() -> None:
    rows = v1_rows(SEED_000_V1)[:5] + [ResultRow(1, "gsm8k", "exact_match", 5, 59.14)]
    outcome = score(rows, V1)
    assert outcome.average == pytest.approx(73.593333333, abs=1e-9)
    assert outcome.notes == ["gsm8k: exact_match used in place of acc"]
    both = rows + [ResultRow(2, "gsm8k", "acc", 5, 58.0, False, 4)]  # the board's own metric wins
    assert score(both, V1).components["gsm8k"] == 58.0


def test_non_finite_and_malformed_values_are_skipped() -> None:
    rows = v1_rows(SEED_000_V1) + [ResultRow(9, "arc", "acc_norm", 25, math.nan, False, 0),
                                   ResultRow(9, "mmlu", "acc", 5, "72", False, 0)]  # type: ignore[arg-type]
    outcome = score(rows, V1)
    assert outcome.components["arc"] == 68.69 and outcome.components["mmlu"] == 72.07
    broken = score([None, 3], V1)  # type: ignore[list-item]
    assert broken.average is None and broken.missing == [k for k, _, _ in V1_KEYS]
    assert broken.notes == ["invalid result rows ignored: AttributeError"]


def test_pick_helper() -> None:
    rows = [ResultRow(1, "gsm8k", "exact_match", 5, 50.0), ResultRow(2, "gsm8k", "acc", None, 51.0)]
    row, note = pick(rows, "gsm8k", ("acc", "exact_match"), 5)
    assert row is not None and row.value == 51.0 and note == "gsm8k: number of shots not stated; accepted as 5-shot"
    assert pick(rows, "gsm8k", ("exact_match",), 8) == (None, "")  # 5-shot is not 8-shot


# --- Open LLM Leaderboard v2 -----------------------------------------------------------------

def test_v2_seed_004_already_normalized() -> None:
    rows = [ResultRow(1, k, m, s, v, True, 1) for (k, m, s), v in zip(V2_KEYS, SEED_004_V2)]
    outcome = score(rows, V2)
    assert outcome.average == pytest.approx(22.233333333, abs=1e-9)
    assert outcome.components["math_lvl5"] == 0.0 and outcome.components["gpqa"] == 6.82  # kept as they are
    assert outcome.notes == []


def test_normalize_v2() -> None:
    assert normalize_v2(25.0, 0.25) == 0.0
    assert normalize_v2(20.0, 0.25) == 0.0  # below random: clipped
    assert normalize_v2(62.5, 0.25) == pytest.approx(50.0)
    assert normalize_v2(100.0, 0.1) == pytest.approx(100.0)
    assert normalize_v2(12.2, 0.0) == 12.2 and normalize_v2(12.2, None) == 12.2


def test_v2_raw_values_are_normalized_with_the_documented_baselines() -> None:
    raw = [60.0, 50.0, 10.0, 32.5, 40.0, 28.0]
    rows = [ResultRow(1, k, m, s, v, False, 0) for (k, m, s), v in zip(V2_KEYS, raw)]
    outcome = score(rows, V2)
    assert outcome.components == pytest.approx({
        "ifeval": 60.0,  # baseline 0
        "bbh": 29.408442750,  # (0.50 - 0.2917) / (1 - 0.2917)
        "math_lvl5": 10.0,  # baseline 0
        "gpqa": 10.0,  # (0.325 - 0.25) / 0.75
        "musr": 8.480780964,  # (0.40 - 0.3444) / (1 - 0.3444)
        "mmlu_pro": 20.0,  # (0.28 - 0.1) / 0.9
    }, abs=1e-8)
    assert outcome.average == pytest.approx(22.981537286, abs=1e-8)
    assert "gpqa: raw 32.50 normalized to 10.00 (baseline 0.25)" in outcome.notes


def test_v2_mixes_normalized_and_raw_rows() -> None:
    rows = [ResultRow(1, "gpqa", "acc_norm", 0, 32.5, False), ResultRow(2, "musr", "acc_norm", 0, 12.99, True)]
    outcome = score(rows, V2)
    assert outcome.components == pytest.approx({"gpqa": 10.0, "musr": 12.99})
    assert outcome.completeness == pytest.approx(2 / 6) and outcome.average is None


def test_ifeval_mean_of_instance_and_prompt_strict_accuracy() -> None:
    rows = [ResultRow(1, "ifeval", "inst_level_strict_acc", 0, 60.0),
            ResultRow(1, "ifeval", "prompt_level_strict_acc", 0, 50.0),
            ResultRow(2, "ifeval", "prompt_level_strict_acc", 0, 40.0)]  # another run: not mixed in
    outcome = score(rows, V2)
    assert outcome.components["ifeval"] == 55.0 and outcome.component_runs["ifeval"] == 1
    assert "ifeval: mean of inst_level_strict_acc and prompt_level_strict_acc" in outcome.notes
    only_inst = score([ResultRow(3, "ifeval", "inst_level_strict_acc", 0, 61.0)], V2)
    assert only_inst.components["ifeval"] == 61.0
    assert only_inst.notes == ["ifeval: inst_level_strict_acc used in place of strict_acc"]
    stated = score(rows + [ResultRow(4, "ifeval", "strict_acc", 0, 55.54, True, 3)], V2)
    assert stated.components["ifeval"] == 55.54  # the board's own figure wins


# --- Nous suite ------------------------------------------------------------------------------

def test_nous_from_subtasks_seed_001() -> None:
    front_matter = v1_rows([68.77, 86.8, 65.1, 60.68, 80.9, 71.72], run_id=1, rank_=1)
    outcome = score(front_matter + seed_001_nous_run(2), NOUS)
    assert outcome.components == pytest.approx({
        "gpt4all": 75.952857143,  # acc_norm where present, else acc (boolq, winogrande)
        "agieval": 45.29125,  # acc_norm
        "truthfulqa": 60.86,  # the suite's own run, not the front matter's 60.68
        "bigbench": 46.403333333,
    }, abs=1e-8)
    assert outcome.average == pytest.approx(57.126860119, abs=1e-8)
    assert outcome.component_runs == {"gpt4all": 2, "agieval": 2, "truthfulqa": 2, "bigbench": 2}
    assert outcome.notes == []
    # the v1 board still takes the front matter's 60.68 (lower source rank, and arc at 25 shots)
    assert score(front_matter + seed_001_nous_run(2), V1).components["truthfulqa"] == 60.68


def test_nous_from_stated_aggregates_only() -> None:
    # seed 001's comparison row for NeuralHermes-2.5-Mistral-7B: AGIEval, GPT4All, TruthfulQA, Bigbench
    rows = [ResultRow(5, k, m, 0, v, False, 2) for k, m, v in (
        ("agieval", "average", 43.67), ("gpt4all", "average", 73.24), ("truthfulqa", "mc2", 55.37),
        ("bigbench", "average", 41.76))]
    outcome = score(rows, NOUS)
    assert outcome.average == pytest.approx(53.51, abs=1e-9)
    assert "gpt4all: the document's stated average was used (its tasks are incomplete or absent)" in outcome.notes


def test_nous_subtasks_are_not_stitched_across_runs() -> None:
    rows = [r for r in seed_001_nous_run(2, aggregates=False) if r.benchmark not in ("piqa", "winogrande")]
    rows += [ResultRow(3, "piqa", "acc_norm", 0, 83.95, False, 2),
             ResultRow(3, "winogrande", "acc", 0, 78.69, False, 2)]
    outcome = score(rows, NOUS)
    assert "gpt4all" not in outcome.components and outcome.missing == ["gpt4all"]
    assert "gpt4all: 5 of 7 tasks in the most complete run" in outcome.notes
    assert outcome.completeness == 0.75 and outcome.average is None


def test_nous_seed_002_is_partial_without_truthfulqa() -> None:
    gpt4all = [("arc", "acc", 0.5990), ("arc", "acc_norm", 0.6425), ("arc_easy", "acc", 0.8657),
               ("arc_easy", "acc_norm", 0.8636), ("boolq", "acc", 0.8783), ("hellaswag", "acc", 0.6661),
               ("hellaswag", "acc_norm", 0.8489), ("openbookqa", "acc", 0.3440), ("openbookqa", "acc_norm", 0.4660),
               ("piqa", "acc", 0.8324), ("piqa", "acc_norm", 0.8379), ("winogrande", "acc", 0.7616)]
    rows = [ResultRow(7, k, m, 0, v * 100, False, 3) for k, m, v in gpt4all]
    outcome = score(rows, NOUS)
    assert outcome.components == pytest.approx({"gpt4all": 75.697142857}, abs=1e-8)
    assert outcome.missing == ["agieval", "truthfulqa", "bigbench"] and outcome.completeness == 0.25


def test_shared_v1_tasks_alone_are_not_a_partial_suite_run() -> None:
    outcome = score(v1_rows([74.91, 87.70, 70.16, 65.96, 81.61, 70.36], shots=False), NOUS)
    assert outcome.components == {"truthfulqa": 65.96}  # TruthfulQA mc2 is the same task
    assert not any("tasks in the most complete run" in n for n in outcome.notes)


# --- Arena Elo, weights, ranking, many models ---------------------------------------------------

def test_arena_elo_board() -> None:
    outcome = score([ResultRow(1, "arena_elo", "elo", None, 1099.0, False, 3)], ELO)
    assert outcome.complete and outcome.average == 1099.0 and outcome.notes == []  # no shots expected
    assert score(v1_rows(SEED_000_V1), ELO).completeness == 0.0


def test_weighted_mean_and_zero_weights() -> None:
    board = LeaderboardSpec("w", "Weighted", "1", "", (MemberSpec("arc", "acc_norm", 25, weight=2.0),
                                                     MemberSpec("mmlu", "acc", 5, weight=1.0)), "mean")
    rows = v1_rows(SEED_000_V1)
    assert score(rows, board).average == pytest.approx((2 * 68.69 + 72.07) / 3)
    zero = LeaderboardSpec("z", "Zero", "1", "", (MemberSpec("arc", "acc_norm", 25, weight=0.0),), "mean")
    outcome = score(rows, zero)
    assert outcome.average is None and not outcome.complete
    assert outcome.notes == ["member weights sum to zero: no average"]


def test_rank_is_dense_with_ties_and_skips_incomplete() -> None:
    outcomes = score_many({1: v1_rows([70.0] * 6), 2: v1_rows([70.0] * 6), 3: v1_rows([60.0] * 6),
                           4: v1_rows([60.0] * 3), 5: v1_rows([80.0] * 6)}, V1)
    assert rank(outcomes) == {5: 1, 1: 2, 2: 2, 3: 3}
    assert rank(outcomes, higher_is_better=False) == {3: 1, 1: 2, 2: 2, 5: 3}
    noisy = {1: ScoreOutcome("x", 0.1 + 0.2, True, 1.0), 2: ScoreOutcome("x", 0.3, True, 1.0),
             3: ScoreOutcome("x", math.nan, True, 1.0)}
    assert rank(noisy) == {1: 1, 2: 1}  # float noise does not split a tie; NaN is unranked
    assert rank({}) == {}


def test_score_many_covers_every_model() -> None:
    out = score_many({1: v1_rows(SEED_000_V1), 2: [], 3: [ResultRow(1, "unknown_task", "acc", 0, 50.0)]}, V1)
    assert out[1].complete and out[2].completeness == 0.0 and out[3].completeness == 0.0
    assert out[2].missing == [k for k, _, _ in V1_KEYS] and out[2].average is None


def test_bench_synthetic_catalog_scores(capsys: pytest.CaptureFixture[str]) -> None:
    data = bench.synthetic_rows(200)
    assert data == bench.synthetic_rows(200)  # deterministic
    outcomes = score_many(data, V1)
    assert len(outcomes) == 200 and all(o.complete for o in outcomes.values())
    assert bench.main(["300"]) == 0
    assert "scores/s" in capsys.readouterr().out


def test_score_many_without_board_rows_matches_the_full_rules() -> None:
    from evals.scoring.rules import _plan, _score_buckets

    for spec in LEADERBOARDS:
        fast = score_many({1: [], 2: [ResultRow(1, "unknown_task", "acc", 0, 50.0)]}, spec)
        full = _score_buckets(_plan(spec), {})
        assert fast[1] == full and fast[2] == full
        assert full.average is None and full.components == {} and full.missing == list(_plan(spec).order)


def test_relevant_benchmarks_bound_what_a_board_sees() -> None:
    from evals.scoring.rules import relevant_benchmarks

    assert relevant_benchmarks(V1) == {k for k, _, _ in V1_KEYS}
    noise = [ResultRow(9, "not_on_v1", "acc", 5, 12.0), ResultRow(8, "gpqa", "acc_norm", 0, 30.0)]
    assert score(v1_rows(SEED_000_V1) + noise, V1) == score(v1_rows(SEED_000_V1), V1)


def test_dense_ranks_tie_at_six_decimals_as_the_database_rounds() -> None:
    from evals.scoring.rules import db_rank_key, dense_ranks

    averages = {"a": 70.0, "b": 70.0000004, "c": 65.1234565, "d": 65.123456, "e": 80.5}
    # 65.1234565 rounds half away from zero (numeric), not to even: it stays ahead of 65.123456
    assert dense_ranks(averages) == {"e": 1, "a": 2, "b": 2, "c": 3, "d": 4}
    assert str(db_rank_key(65.1234565)) == "65.123457" and str(db_rank_key(-0.0000005)) == "-0.000001"
    assert dense_ranks({}) == {}
    assert dense_ranks({"a": 1.0, "b": math.nan}) is None  # left to the database


def _tricky_averages(seed: int) -> list[float]:
    """Averages that test the short cut of ``dense_rank_by_average``: float-noise twins, pairs
    straddling a half at the 6th decimal, neighbours exactly 1e-6 and 2e-6 apart, and
    magnitudes where 15 significant digits round before the 6th decimal does (1e6 and up)."""
    import random

    rng = random.Random(seed)
    values: list[float] = []
    for _ in range(400):
        base = rng.choice([rng.uniform(0, 100), rng.uniform(-5, 5), rng.uniform(900, 1400),
                           rng.uniform(1e5, 1e7), rng.uniform(1e9, 1e12), rng.uniform(-1e7, -1e5)])
        values.append(base)
        values.append(base + rng.choice([1e-12, 1e-9, 4e-7, 5e-7, 1e-6, 1.5e-6, 2e-6, 2.1e-6, 3e-6]))
        half = math.floor(base * 1e6) / 1e6 + 5e-7  # a value at the rounding half
        values.extend([half, math.nextafter(half, math.inf), math.nextafter(half, -math.inf)])
    values.extend([0.0, -0.0, 5e-7, -5e-7, 4.9999999e-7, 1e-300, -1e-300, 65.1234565, 65.123456, 70.0, 70.0000004])
    return values


def test_dense_rank_by_average_equals_ranking_every_key() -> None:
    """The short cut (neighbours clearly apart need no key) ranks exactly as sorting every
    average's ``db_rank_key`` does."""
    from evals.scoring.rules import db_rank_key, dense_rank_by_average

    for seed in range(5):
        averages = _tricky_averages(seed)
        keys = sorted({db_rank_key(a) for a in averages}, reverse=True)
        position = {key: n + 1 for n, key in enumerate(keys)}
        expected = {a: position[db_rank_key(a)] for a in averages}
        assert dense_rank_by_average(averages) == expected
    assert dense_rank_by_average([70.0, 70.0000004, 80.5, 65.1234565, 65.123456]) == {
        80.5: 1, 70.0: 2, 70.0000004: 2, 65.1234565: 3, 65.123456: 4}
    assert dense_rank_by_average([1e6 + 0.5, 1e6 + 0.5 - 3e-6]) == {1e6 + 0.5: 1, 1e6 + 0.5 - 3e-6: 2}
    assert dense_rank_by_average([]) == {}
    assert dense_rank_by_average([1.0, math.inf]) is None and dense_rank_by_average([math.nan]) is None
    assert dense_rank_by_average([1e308, 1e308 * 0.9]) == {1e308: 1, 1e308 * 0.9: 2}  # the sum overflows, no value does
