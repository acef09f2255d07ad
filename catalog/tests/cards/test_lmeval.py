"""lm-evaluation-harness result files: old format, 0.4+, leaderboard v2 tasks, v1 detail files."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.cards.benchmarks import MMLU_SUBJECTS
from catalog.cards.lmeval import looks_like_lmeval, parse_lmeval, repo_from

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "cards" / "corpus"


def load(name: str) -> dict[str, Any]:
    return json.loads((CORPUS / name).read_text(encoding="utf-8"))


def table(doc) -> dict[tuple[str, str], tuple[float, float | None, int | None]]:
    [run] = doc.runs
    return {(r.benchmark or r.raw_name, r.metric): (r.value, r.stderr, r.shots) for r in run.results}


def test_old_format() -> None:
    data = load("lmeval_old_format.json")
    assert looks_like_lmeval(data)
    doc = parse_lmeval(data)
    assert (doc.kind, doc.model.repo_id, doc.model.name) == ("lmeval_results", "teknium/OpenHermes-2.5-Mistral-7B",
                                                             "OpenHermes-2.5-Mistral-7B")
    [run] = doc.runs
    assert (run.source, run.harness, run.harness_version, run.run_date) == (
        "lmeval_file", "lm-evaluation-harness", "", None)
    assert run.leaderboard is None  # zero-shot ARC/HellaSwag are not the v1 board's 25/10-shot runs
    got = table(doc)
    assert got[("arc", "acc_norm")] == (60.92, 1.43, 0)
    assert got[("arc_easy", "acc")] == (83.46, 0.76, 0)
    assert got[("truthfulqa", "mc1")] == (38.07, 1.7, 0) and got[("truthfulqa", "mc2")] == (53.86, 1.54, 0)
    assert got[("mmlu_abstract_algebra", "acc")] == (31.0, 4.65, 0)
    assert got[("mmlu_high_school_us_history", "acc")] == (78.43, 2.89, 0)
    arc = next(r for r in run.results if (r.benchmark, r.metric) == ("arc", "acc_norm"))
    assert (arc.raw_value, arc.raw_scale, arc.raw_name, arc.normalized) == (0.6092, 1.0, "arc_challenge", False)
    # Perplexities are not proportions: kept as written, unknown task kept with benchmark "".
    ppl = {r.metric: r for r in run.results if r.raw_name == "wikitext"}
    assert {m: (r.benchmark, r.value, r.raw_scale) for m, r in ppl.items()} == {
        "word_perplexity": ("", 10.5932, None), "byte_perplexity": ("", 1.5521, None),
        "bits_per_byte": ("", 0.6342, None)}
    assert doc.warnings == ["MMLU: 3 of 57 subjects in the file; no MMLU average derived."]
    assert len(run.results) == 17


def test_v04_format() -> None:
    data = load("lmeval_v04_format.json")
    assert looks_like_lmeval(data)
    doc = parse_lmeval(data)
    assert doc.model.repo_id == "NousResearch/Hermes-2-Pro-Mistral-7B" and doc.warnings == []
    [run] = doc.runs
    assert (run.harness_version, run.run_date, run.leaderboard) == ("0.4.3", date(2024, 6, 10), "open_llm_v1")
    assert table(doc) == {
        ("arc", "acc"): (62.03, 1.42, 25), ("arc", "acc_norm"): (66.04, 1.38, 25),
        ("hellaswag", "acc"): (67.12, 0.47, 10), ("hellaswag", "acc_norm"): (85.12, None, 10),  # "N/A" stderr
        ("gsm8k", "exact_match"): (65.13, 1.31, 5),  # strict-match, not flexible-extract
        ("winogrande", "acc"): (78.45, 1.16, 5),
        ("truthfulqa", "mc2"): (59.21, 1.53, 0),  # truthfulqa_mc2's "acc" is mc2
        ("mmlu", "acc"): (60.52, 0.39, 5),  # the group, once (it is in "results" and "groups")
        ("mmlu_abstract_algebra", "acc"): (33.0, 4.73, 5), ("mmlu_anatomy", "acc"): (59.26, 4.24, 5),
    }


def test_leaderboard_v2_tasks() -> None:
    data = load("lmeval_leaderboard_v2.json")
    doc = parse_lmeval(data)
    assert doc.model.repo_id == "lumen-ai/Lumen-Llama-3-8B-Instruct" and doc.warnings == []
    [run] = doc.runs
    assert (run.leaderboard, run.harness_version, run.run_date) == ("open_llm_v2", "0.4.3", date(2024, 8, 5))
    assert not any(r.normalized for r in run.results)  # raw harness scores; the scoring rules normalise
    main = {(r.benchmark, r.metric): (r.value, r.shots) for r in run.results if r.benchmark}
    assert main == {
        ("bbh", "acc_norm"): (49.18, 3), ("gpqa", "acc_norm"): (29.87, 0), ("math_lvl5", "exact_match"): (7.25, 4),
        ("mmlu_pro", "acc"): (32.83, 5), ("musr", "acc_norm"): (39.29, 0),
        ("ifeval", "prompt_level_strict_acc"): (60.25, 0), ("ifeval", "inst_level_strict_acc"): (70.14, 0),
        ("ifeval", "prompt_level_loose_acc"): (63.77, 0), ("ifeval", "inst_level_loose_acc"): (73.14, 0),
        ("ifeval", "strict_acc"): (65.195, 0),  # derived: the board's IFEval is the mean of the strict pair
    }
    strict = next(r for r in run.results if r.metric == "strict_acc")
    assert (strict.raw_value, strict.raw_scale, strict.stderr) == (0.65195, 1.0, None)
    assert "mean of inst/prompt strict acc" in strict.raw_name
    # Subtasks and the umbrella group are kept, unkeyed, so nothing is silently dropped.
    unkeyed = {r.raw_name for r in run.results if not r.benchmark}
    assert len(unkeyed) == 1 + 24 + 3 + 7 + 3 and "leaderboard_bbh_navigate" in unkeyed
    navigate = next(r for r in run.results if r.raw_name == "leaderboard_bbh_navigate")
    assert (navigate.value, navigate.shots) == (59.2, 3)
    # 37 subtasks + the umbrella's 5 metrics + 5 keyed groups + 4 IFEval metrics + the derived one
    assert len(run.results) == 37 + 5 + 5 + 4 + 1


def test_open_llm_leaderboard_v1_detail_file() -> None:
    results: dict[str, Any] = {
        "harness|arc:challenge|25": {"acc": 0.6451, "acc_stderr": 0.014, "acc_norm": 0.6877, "acc_norm_stderr": 0.0135},
        "harness|hellaswag|10": {"acc": 0.6719, "acc_stderr": 0.0047, "acc_norm": 0.868, "acc_norm_stderr": 0.0034},
        "harness|truthfulqa:mc|0": {"mc1": 0.4186, "mc1_stderr": 0.0173, "mc2": 0.6068, "mc2_stderr": 0.0155},
        "harness|winogrande|5": {"acc": 0.809, "acc_stderr": 0.011},
        "harness|gsm8k|5": {"acc": 0.7172, "acc_stderr": 0.0124},
        "all": {"acc": 0.64, "acc_norm": 0.65},
    }
    for i, subject in enumerate(MMLU_SUBJECTS):
        results[f"harness|hendrycksTest-{subject}|5"] = {"acc": 0.6 + (0.01 if i % 2 else -0.01), "acc_stderr": 0.04}
    data = {"config_general": {"model_name": "mlabonne/Beyonder-4x7B-v2", "lighteval_sha": "494ee12",
                               "start_date": 1704931200.25}, "results": results, "versions": {"all": 0}}
    assert looks_like_lmeval(data)
    doc = parse_lmeval(data)
    [run] = doc.runs
    assert (doc.model.repo_id, run.leaderboard, run.label, run.run_date) == (
        "mlabonne/Beyonder-4x7B-v2", "open_llm_v1", "Open LLM Leaderboard v1 results file", date(2024, 1, 11))
    got = table(doc)
    assert got[("arc", "acc_norm")] == (68.77, 1.35, 25) and got[("hellaswag", "acc_norm")] == (86.8, 0.34, 10)
    assert got[("truthfulqa", "mc2")] == (60.68, 1.55, 0) and got[("gsm8k", "acc")] == (71.72, 1.24, 5)
    mmlu = next(r for r in run.results if r.benchmark == "mmlu")
    # 29 subjects at 0.59 and 28 at 0.61: the unweighted mean of the 57 subject accuracies.
    assert mmlu.metric == "acc" and mmlu.shots == 5 and math.isclose(mmlu.raw_value, (29 * 0.59 + 28 * 0.61) / 57)
    assert "all" not in {r.raw_name for r in run.results}
    assert doc.warnings == []


def test_repo_id_sources() -> None:
    assert repo_from({"config": {"model_args": "pretrained=org/name,dtype=float16"}}) == "org/name"
    assert repo_from({"config": {"model_args": "dtype=float16, pretrained=org/name"}}) == "org/name"
    assert repo_from({"config": {"model_args": {"pretrained": "org/dict-name"}}}) == "org/dict-name"
    assert repo_from({"model_name": "/home/me/checkpoints/final", "model_name_sanitized": "org__saned"}) == "org/saned"
    assert repo_from({"config": {"model": "hf", "model_args": "pretrained=./local"}}) == ""
    data = load("lmeval_v04_format.json")
    assert parse_lmeval(data, repo_id_hint="other/hinted").model.repo_id == "other/hinted"
    doc = parse_lmeval(data, repo_id_hint="not a repo")
    assert doc.model.repo_id == "NousResearch/Hermes-2-Pro-Mistral-7B"
    assert doc.warnings == ["The given repo id 'not a repo' is not org/name; the file's model name was used."]


def test_malformed_content_becomes_warnings() -> None:
    doc = parse_lmeval({
        "results": {
            "arc_challenge": {"acc": float("nan"), "acc_norm": 0.61, "acc_norm_stderr": float("inf")},
            "hellaswag": ["not", "a", "mapping"],
            "winogrande": {"acc": "0.7", "acc_stderr": 0.01, "alias": "winogrande"},
            "gsm8k": {"acc": True},
            "mystery": {"score": 7.5, "weird": -3.0},
        },
        "config": {"model_args": "pretrained=org/m", "num_fewshot": "five"},
        "date": 1e30,
    })
    [run] = doc.runs
    assert table(doc) == {("arc", "acc_norm"): (61.0, None, None), ("mystery", "score"): (7.5, None, None),
                          ("mystery", "weird"): (-3.0, None, None)}
    assert run.run_date is None
    assert doc.warnings == [
        "Task 'arc_challenge' metric 'acc': 'nan' is not a finite number; skipped.",
        "Task 'hellaswag': results are not a mapping; skipped.",
        "Task 'winogrande' metric 'acc': '0.7' is not a finite number; skipped.",
        "Task 'gsm8k' metric 'acc': 'True' is not a finite number; skipped.",
        "Task 'mystery' metric 'weird': -3 is outside 0-100; kept as written.",
        "The file's date 1e+30 is not a valid timestamp.",
    ]
    mystery = {r.metric: r.raw_scale for r in run.results if r.raw_name == "mystery"}
    assert mystery == {"score": 100.0, "weird": None}


@pytest.mark.parametrize("data", [None, [], "x", 3, {"results": []}, {"results": {}}, {"results": {"a": 1}},
                                  {"results": None, "config": {}}])
def test_not_a_results_file(data: Any) -> None:
    doc = parse_lmeval(data)  # type: ignore[arg-type]
    assert doc.kind == "lmeval_results" and doc.runs == [] and doc.warnings


def test_detection() -> None:
    assert not looks_like_lmeval({"results": {"arc": {"acc": 0.5}}})  # no harness marker
    assert looks_like_lmeval({"results": {"harness|arc:challenge|25": {"acc": 0.5}}})
    assert looks_like_lmeval({"results": {"arc": {"acc": 0.5}}, "versions": {}})
    assert not looks_like_lmeval({"results": [1], "versions": {}})
    assert not looks_like_lmeval({"model-index": []}) and not looks_like_lmeval([])


JSON = st.recursive(st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=8),
                    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children,
                                                                                      max_size=4), max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["results", "groups", "config", "configs", "n-shot", "date", "model_name",
                                        "config_general", "lm_eval_version", "versions"]), JSON, max_size=6),
       st.dictionaries(st.sampled_from(["arc_challenge", "harness|gsm8k|5", "leaderboard_ifeval", "all", "x"]),
                       st.dictionaries(st.sampled_from(["acc", "acc,none", "acc_stderr", "mc2", "alias"]), JSON,
                                       max_size=4), max_size=4))
def test_arbitrary_files_never_raise(data: dict[str, Any], results: dict[str, Any]) -> None:
    for candidate in (data, {**data, "results": results}):
        looks_like_lmeval(candidate)
        doc = parse_lmeval(candidate)
        for run in doc.runs:
            for r in run.results:
                assert math.isfinite(r.value) and r.raw_scale in (1.0, 100.0, None)
