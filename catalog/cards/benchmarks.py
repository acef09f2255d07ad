"""Benchmark names as people write them -> the catalog's canonical keys.

A key names a task; the leaderboard definitions (evals.scoring.specs) say which metric and
number of shots count. MMLU subtasks of old harness files map to ``mmlu_<subject>``: the MMLU
score is their mean.
"""

from __future__ import annotations

import re

_SHOTS = re.compile(r"\((\d+)\s*-?\s*shots?\)", re.IGNORECASE)
_HARNESS = re.compile(r"^harness\|([^|]+)\|(\d+)$")

# Normalised spelling (lowercase, only [a-z0-9]) -> key. Order matters only for prefixes below.
_ALIASES: dict[str, str] = {}


def _add(key: str, *names: str) -> None:
    for name in (key, *names):
        _ALIASES[_norm(name)] = key


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


_add("arc", "AI2 Reasoning Challenge", "ARC", "ARC-Challenge", "arc_challenge", "arc:challenge", "ai2_arc",
     "leaderboard_arc_challenge", "arc challenge")
_add("arc_easy", "ARC-Easy", "arc:easy")
_add("hellaswag", "HellaSwag", "Rowan/hellaswag")
_add("mmlu", "MMLU", "cais/mmlu", "hendrycksTest", "Measuring Massive Multitask Language Understanding")
_add("truthfulqa", "TruthfulQA", "truthful_qa", "truthfulqa_mc", "truthfulqa_mc2", "truthfulqa:mc",
     "TruthfulQA MC2")
_add("winogrande", "Winogrande", "winogrande_xl")
_add("gsm8k", "GSM8k", "GSM8K", "gsm8k_cot")
_add("ifeval", "IFEval", "HuggingFaceH4/ifeval", "google/IFEval", "leaderboard_ifeval", "wis-k/instruction-following-eval")
_add("bbh", "BBH", "BIG-Bench Hard", "leaderboard_bbh", "lukaemon/bbh", "SaylorTwift/bbh")
_add("math_lvl5", "MATH Lvl 5", "MATH", "MATH Level 5", "hendrycks/competition_math", "leaderboard_math_hard",
     "lighteval/MATH-Hard", "math_hard")
_add("gpqa", "GPQA", "Idavidrein/gpqa", "leaderboard_gpqa")
_add("musr", "MuSR", "MUSR", "TAUR-Lab/MuSR", "leaderboard_musr")
_add("mmlu_pro", "MMLU-PRO", "MMLU Pro", "TIGER-Lab/MMLU-Pro", "leaderboard_mmlu_pro", "mmlupro")
_add("arena_elo", "Arena Elo", "Chatbot Arena", "LMSYS Arena Elo", "Elo")
_add("agieval", "AGIEval", "AGI Eval", "AGI-Eval")
_add("gpt4all", "GPT4All", "GPT4ALL")
_add("bigbench", "Bigbench", "BigBench", "Big-Bench", "BIG-bench")
for _task in ("boolq", "openbookqa", "piqa"):
    _add(_task)
_add("openbookqa", "OpenBookQA", "openbook_qa")
for _task in ("aqua_rat", "logiqa_en", "lsat_ar", "lsat_lr", "lsat_rc", "sat_en", "sat_en_without_passage", "sat_math"):
    _add(f"agieval_{_task}")
BIGBENCH_TASKS = (
    "causal_judgement", "date_understanding", "disambiguation_qa", "geometric_shapes",
    "logical_deduction_five_objects", "logical_deduction_seven_objects", "logical_deduction_three_objects",
    "movie_recommendation", "navigate", "reasoning_about_colored_objects", "ruin_names",
    "salient_translation_error_detection", "snarks", "sports_understanding", "temporal_sequences",
    "tracking_shuffled_objects_five_objects", "tracking_shuffled_objects_seven_objects",
    "tracking_shuffled_objects_three_objects",
)
for _task in BIGBENCH_TASKS:
    _add(f"bigbench_{_task}")


def shots_from_name(name: str) -> int | None:
    """``"AI2 Reasoning Challenge (25-Shot)"`` -> 25."""
    match = _SHOTS.search(name or "")
    return int(match.group(1)) if match else None


def resolve_benchmark(name: str, *, dataset_type: str = "", config: str = "") -> str:
    """Canonical key for a benchmark name (or dataset type/config), or "" when unknown."""
    harness = _HARNESS.match((name or "").strip())
    if harness:  # Open LLM Leaderboard v1 detail files: "harness|arc:challenge|25"
        name = harness.group(1)
    for candidate in (name, dataset_type):
        if not candidate:
            continue
        cleaned = _SHOTS.sub("", candidate).strip()
        lowered = cleaned.lower()
        if lowered.startswith(("hendrycktest-", "hendryckstest-", "mmlu_")) and "pro" not in lowered:
            subject = re.sub(r"^(hendrycks?test-|mmlu_)", "", lowered)
            if subject and subject not in {"pro", "all"}:
                return f"mmlu_{re.sub(r'[^a-z0-9_]', '_', subject)}"
        exact = _ALIASES.get(_norm(cleaned))
        if exact:
            return "arc_easy" if exact == "arc" and _norm(config) == "arceasy" else exact
        if lowered.startswith("leaderboard_bbh_") or lowered.startswith("leaderboard_musr_") \
                or lowered.startswith("leaderboard_math_") or lowered.startswith("leaderboard_gpqa_"):
            return ""  # sub-tasks of v2 groups: the group value is what the board uses
        key = _ALIASES.get(_norm(cleaned))
        if key:
            if key == "arc" and _norm(config) == "arceasy":
                return "arc_easy"
            return key
    return ""
