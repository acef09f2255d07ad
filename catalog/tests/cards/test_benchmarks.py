"""Benchmark names -> canonical keys, shots written in names, metric spellings."""

from __future__ import annotations

import time

import pytest

from catalog.cards.benchmarks import (
    AGIEVAL_TASKS,
    BIGBENCH_TASKS,
    MMLU_SUBJECTS,
    canonical_metric,
    leaderboard_for,
    resolve_benchmark,
    shots_from_name,
    strip_shots,
    subset_of,
)

SPELLINGS = {
    "arc": ["AI2 Reasoning Challenge (25-Shot)", "ARC (25-shot)", "ARC", "arc_challenge", "arc:challenge",
            "harness|arc:challenge|25", "leaderboard_arc_challenge", "ARC-Challenge", "  arc challenge  "],
    "hellaswag": ["HellaSwag (10-Shot)", "hellaswag", "HellaSwag", "harness|hellaswag|10", "Rowan/hellaswag"],
    "mmlu": ["MMLU (5-Shot)", "MMLU", "cais/mmlu", "hendrycksTest", "mmlu"],
    "truthfulqa": ["TruthfulQA (0-shot)", "truthful_qa", "truthfulqa_mc", "truthfulqa_mc2", "truthfulqa_mc1",
                   "harness|truthfulqa:mc|0", "TruthfulQA"],
    "winogrande": ["Winogrande (5-shot)", "winogrande", "harness|winogrande|5", "winogrande_xl"],
    "gsm8k": ["GSM8k (5-shot)", "gsm8k", "GSM8K (5-shot)", "harness|gsm8k|5"],
    "ifeval": ["IFEval (0-Shot)", "HuggingFaceH4/ifeval", "leaderboard_ifeval", "IFEval"],
    "bbh": ["BBH (3-Shot)", "BBH", "leaderboard_bbh", "BIG-Bench Hard"],
    "math_lvl5": ["MATH Lvl 5 (4-Shot)", "MATH", "hendrycks/competition_math", "leaderboard_math_hard", "MATH Lvl 5"],
    "gpqa": ["GPQA (0-shot)", "Idavidrein/gpqa", "leaderboard_gpqa", "GPQA"],
    "musr": ["MuSR (0-shot)", "MUSR", "TAUR-Lab/MuSR", "leaderboard_musr"],
    "mmlu_pro": ["MMLU-PRO (5-shot)", "MMLU-PRO", "TIGER-Lab/MMLU-Pro", "leaderboard_mmlu_pro", "MMLU Pro"],
    "arena_elo": ["Arena Elo", "Chatbot Arena Elo"],
    "agieval": ["AGIEval", "AGI-Eval"],
    "gpt4all": ["GPT4All", "GPT4ALL"],
    "bigbench": ["Bigbench", "BigBench", "BIG-bench"],
    "arc_easy": ["arc_easy", "ARC-Easy", "arc:easy"],
    "boolq": ["boolq", "BoolQ"],
    "openbookqa": ["openbookqa", "OpenBookQA"],
    "piqa": ["piqa", "PIQA"],
}


@pytest.mark.parametrize(("key", "name"), [(k, n) for k, names in SPELLINGS.items() for n in names])
def test_spellings(key: str, name: str) -> None:
    assert resolve_benchmark(name) == key


@pytest.mark.parametrize("task", [*AGIEVAL_TASKS, *BIGBENCH_TASKS])
def test_nous_task_names_are_their_own_keys(task: str) -> None:
    assert resolve_benchmark(task) == task


def test_all_57_mmlu_subjects_in_every_harness_spelling() -> None:
    assert len(MMLU_SUBJECTS) == 57 == len(set(MMLU_SUBJECTS))
    for subject in MMLU_SUBJECTS:
        key = f"mmlu_{subject}"
        assert resolve_benchmark(f"hendrycksTest-{subject}") == key
        assert resolve_benchmark(f"harness|hendrycksTest-{subject}|5") == key
        assert resolve_benchmark(f"mmlu_{subject}") == key  # lm-eval 0.4


@pytest.mark.parametrize(("name", "expected"), [
    ("MMLU-PRO", "mmlu_pro"), ("MMLU-PRO (5-shot)", "mmlu_pro"), ("mmlu_pro", "mmlu_pro"),
    ("arc_easy", "arc_easy"), ("ARC-Easy", "arc_easy"),
    ("BigBench Hard", "bbh"), ("BigBench", "bigbench"),
    ("hendrycksTest-not_a_subject", ""), ("mmlu_stem", ""), ("mmlu_humanities", ""),
    ("leaderboard_bbh_navigate", ""), ("leaderboard_musr_team_allocation", ""),
    ("Some new benchmark", ""), ("MT-Bench", ""), ("", ""), ("ARCADE", ""), ("Mathematics", ""),
    ("truthfulqa_gen", ""), ("arc_challenge_cot", ""),
])
def test_no_false_positives(name: str, expected: str) -> None:
    assert resolve_benchmark(name) == expected


def test_dataset_type_and_config() -> None:
    assert resolve_benchmark("", dataset_type="ai2_arc", config="ARC-Challenge") == "arc"
    assert resolve_benchmark("", dataset_type="ai2_arc", config="ARC-Easy") == "arc_easy"
    assert resolve_benchmark("AI2 Reasoning Challenge (25-Shot)", dataset_type="ai2_arc",
                             config="ARC-Challenge") == "arc"
    assert resolve_benchmark("ARC", config="ARC-Easy") == "arc_easy"
    assert resolve_benchmark("", dataset_type="cais/mmlu", config="all") == "mmlu"
    assert resolve_benchmark("", dataset_type="cais/mmlu", config="anatomy") == "mmlu_anatomy"
    assert resolve_benchmark("", dataset_type="truthful_qa", config="multiple_choice") == "truthfulqa"
    assert resolve_benchmark("", dataset_type="truthful_qa", config="generation") == ""
    # The name wins over the dataset type; the type is the fallback for unknown names.
    assert resolve_benchmark("MMLU-PRO (5-shot)", dataset_type="TIGER-Lab/MMLU-Pro", config="main") == "mmlu_pro"
    assert resolve_benchmark("My custom name", dataset_type="Idavidrein/gpqa") == "gpqa"
    assert resolve_benchmark("MATH Lvl 5 (4-Shot)", dataset_type="hendrycks/competition_math") == "math_lvl5"


def test_non_strings_resolve_to_nothing() -> None:
    assert resolve_benchmark(None) == ""  # type: ignore[arg-type]
    assert resolve_benchmark(25, dataset_type=["x"], config={"a": 1}) == ""  # type: ignore[arg-type]


@pytest.mark.parametrize(("name", "shots"), [
    ("AI2 Reasoning Challenge (25-Shot)", 25), ("HellaSwag (10-Shot)", 10), ("TruthfulQA (0-shot)", 0),
    ("MMLU (5-shot)", 5), ("GSM8K 5-shots", 5), ("ARC (25 shot)", 25), ("zero-shot MMLU", 0),
    ("harness|arc:challenge|25", 25), ("harness|truthfulqa:mc|0", 0), ("ARC", None), ("GSM8K", None),
    ("MATH Lvl 5", None), ("", None),
])
def test_shots_from_name(name: str, shots: int | None) -> None:
    assert shots_from_name(name) == shots


def test_strip_shots() -> None:
    assert strip_shots("HellaSwag (10-Shot)") == "HellaSwag"
    assert strip_shots("MATH Lvl 5 (4-Shot)") == "MATH Lvl 5"
    assert strip_shots("ARC") == "ARC"


def test_metric_spellings_and_groups() -> None:
    assert canonical_metric("truthfulqa_mc2", "acc") == "mc2"
    assert canonical_metric("truthfulqa_mc1", "acc") == "mc1"
    assert canonical_metric("truthfulqa_mc2", "acc_stderr") == "acc_stderr"
    assert canonical_metric("arc_challenge", "acc") == "acc"
    assert subset_of("agieval_sat_math") == "agieval" and subset_of("bigbench_snarks") == "bigbench"
    assert subset_of("piqa") == "gpt4all" and subset_of("arc") == "gpt4all" and subset_of("truthfulqa") == "truthfulqa"
    assert subset_of("mmlu") == "" and subset_of("") == ""
    assert leaderboard_for({"arc", "hellaswag", "mmlu", "truthfulqa", "winogrande", "gsm8k"}) == "open_llm_v1"
    assert leaderboard_for({"ifeval", "bbh", "math_lvl5", "gpqa", "musr", "mmlu_pro"}) == "open_llm_v2"
    assert leaderboard_for({"agieval", "gpt4all", "truthfulqa", "bigbench"}) == "nous"
    assert leaderboard_for({"arena_elo"}) == "arena_elo"
    assert leaderboard_for({"arc", "ifeval"}) is None and leaderboard_for(set()) is None


def test_hostile_names_are_cheap() -> None:
    start = time.perf_counter()
    for text in ("(" * 100_000, "1-shot " * 50_000, "harness|" + "a|" * 50_000 + "5", "x" * 1_000_000):
        assert resolve_benchmark(text) == ""
        shots_from_name(text)
