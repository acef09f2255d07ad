"""Benchmark and leaderboard definitions: the single source used by the scoring rules and,
through a data migration, by the database (so what a page shows is what was computed).

Sources: Open LLM Leaderboard v1 "About" (ARC 25-shot acc_norm, HellaSwag 10-shot acc_norm,
MMLU 5-shot acc, TruthfulQA 0-shot mc2, Winogrande 5-shot acc, GSM8K 5-shot acc) and v2
documentation (normalization ``(raw - baseline) / (1 - baseline)``, negatives clipped to 0;
baselines from the number of answer choices: GPQA 4 -> 0.25, MMLU-PRO 10 -> 0.1, MuSR's three
subtasks 2/5/3 choices -> mean 0.344, BBH's subtasks mostly 2-7 choices -> we use 0.25 as the
group approximation, IFEval and MATH have none). Nous suite as published in Nous Research and
mlabonne's model cards (LLM AutoEval): GPT4All, AGIEval, TruthfulQA, BigBench.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class BenchmarkSpec:
    key: str
    name: str
    suite: str
    metric: str
    default_shots: int | None = None
    higher_is_better: bool = True
    random_baseline: float | None = None
    scale: float | None = 100.0
    parent: str = ""
    description: str = ""
    url: str = ""


@dataclass(frozen=True)
class MemberSpec:
    benchmark: str
    metric: str
    shots: int | None = None
    alt_metrics: tuple[str, ...] = ()
    weight: float = 1.0


@dataclass(frozen=True)
class LeaderboardSpec:
    slug: str
    name: str
    version: str
    description: str
    members: tuple[MemberSpec, ...]
    averaging: str  # mean | mean_normalized | nous | elo
    subsets: dict[str, tuple[str, ...]] = field(default_factory=dict)


GPT4ALL_TASKS = ("arc", "arc_easy", "boolq", "hellaswag", "openbookqa", "piqa", "winogrande")
AGIEVAL_TASKS = tuple(f"agieval_{t}" for t in ("aqua_rat", "logiqa_en", "lsat_ar", "lsat_lr", "lsat_rc", "sat_en",
                                               "sat_en_without_passage", "sat_math"))
BIGBENCH_TASKS = tuple(f"bigbench_{t}" for t in (
    "causal_judgement", "date_understanding", "disambiguation_qa", "geometric_shapes",
    "logical_deduction_five_objects", "logical_deduction_seven_objects", "logical_deduction_three_objects",
    "movie_recommendation", "navigate", "reasoning_about_colored_objects", "ruin_names",
    "salient_translation_error_detection", "snarks", "sports_understanding", "temporal_sequences",
    "tracking_shuffled_objects_five_objects", "tracking_shuffled_objects_seven_objects",
    "tracking_shuffled_objects_three_objects"))

BENCHMARKS: tuple[BenchmarkSpec, ...] = (
    BenchmarkSpec("arc", "ARC-Challenge", "open-llm-v1", "acc_norm", 25, random_baseline=0.25,
                  description="AI2 Reasoning Challenge, grade-school science questions.",
                  url="https://allenai.org/data/arc"),
    BenchmarkSpec("hellaswag", "HellaSwag", "open-llm-v1", "acc_norm", 10, random_baseline=0.25,
                  description="Commonsense sentence completion.", url="https://rowanzellers.com/hellaswag/"),
    BenchmarkSpec("mmlu", "MMLU", "open-llm-v1", "acc", 5, random_baseline=0.25,
                  description="57 subjects of multiple-choice knowledge questions."),
    BenchmarkSpec("truthfulqa", "TruthfulQA", "open-llm-v1", "mc2", 0,
                  description="Questions that some humans answer falsely; mc2 scores the probability on true answers."),
    BenchmarkSpec("winogrande", "Winogrande", "open-llm-v1", "acc", 5, random_baseline=0.5,
                  description="Pronoun resolution (Winograd schema) at scale."),
    BenchmarkSpec("gsm8k", "GSM8K", "open-llm-v1", "acc", 5, random_baseline=0.0,
                  description="Grade-school math word problems."),
    BenchmarkSpec("ifeval", "IFEval", "open-llm-v2", "strict_acc", 0, random_baseline=0.0,
                  description="Verifiable instruction following; mean of instance- and prompt-level strict accuracy."),
    BenchmarkSpec("bbh", "BBH", "open-llm-v2", "acc_norm", 3, random_baseline=0.25,
                  description="BIG-Bench Hard, 23 challenging BIG-Bench tasks."),
    BenchmarkSpec("math_lvl5", "MATH Lvl 5", "open-llm-v2", "exact_match", 4, random_baseline=0.0,
                  description="The hardest level of the MATH competition problems."),
    BenchmarkSpec("gpqa", "GPQA", "open-llm-v2", "acc_norm", 0, random_baseline=0.25,
                  description="Graduate-level Google-proof science questions."),
    BenchmarkSpec("musr", "MuSR", "open-llm-v2", "acc_norm", 0, random_baseline=0.3444,
                  description="Multistep soft reasoning over long narratives."),
    BenchmarkSpec("mmlu_pro", "MMLU-PRO", "open-llm-v2", "acc", 5, random_baseline=0.1,
                  description="Harder MMLU with ten answer choices."),
    BenchmarkSpec("arena_elo", "Arena Elo", "arena", "elo", None, scale=None,
                  description="LMSYS Chatbot Arena rating from pairwise human votes."),
    BenchmarkSpec("gpt4all", "GPT4All", "nous", "average", 0, description="Mean of seven zero-shot tasks."),
    BenchmarkSpec("agieval", "AGIEval", "nous", "average", 0, description="Mean of eight AGIEval English tasks."),
    BenchmarkSpec("bigbench", "BigBench", "nous", "average", 0, description="Mean of 18 BIG-bench tasks."),
    BenchmarkSpec("arc_easy", "ARC-Easy", "nous", "acc_norm", 0, random_baseline=0.25, parent="gpt4all"),
    BenchmarkSpec("boolq", "BoolQ", "nous", "acc", 0, random_baseline=0.5, parent="gpt4all"),
    BenchmarkSpec("openbookqa", "OpenBookQA", "nous", "acc_norm", 0, random_baseline=0.25, parent="gpt4all"),
    BenchmarkSpec("piqa", "PIQA", "nous", "acc_norm", 0, random_baseline=0.5, parent="gpt4all"),
    *(BenchmarkSpec(key, key.removeprefix("agieval_").replace("_", " ").upper(), "nous", "acc_norm", 0,
                    parent="agieval") for key in AGIEVAL_TASKS),
    *(BenchmarkSpec(key, key.removeprefix("bigbench_").replace("_", " ").capitalize(), "nous",
                    "multiple_choice_grade", 0, parent="bigbench") for key in BIGBENCH_TASKS),
)

LEADERBOARDS: tuple[LeaderboardSpec, ...] = (
    LeaderboardSpec(
        "open-llm-v1", "Open LLM Leaderboard v1", "1",
        "The original Hugging Face Open LLM Leaderboard (2023-2024): mean of six benchmarks at fixed shots.",
        (MemberSpec("arc", "acc_norm", 25), MemberSpec("hellaswag", "acc_norm", 10), MemberSpec("mmlu", "acc", 5),
         MemberSpec("truthfulqa", "mc2", 0), MemberSpec("winogrande", "acc", 5),
         MemberSpec("gsm8k", "acc", 5, alt_metrics=("exact_match",))),
        "mean",
    ),
    LeaderboardSpec(
        "open-llm-v2", "Open LLM Leaderboard v2", "2",
        "The 2024 Open LLM Leaderboard: mean of six harder benchmarks, each normalized so random guessing scores 0.",
        (MemberSpec("ifeval", "strict_acc", 0, alt_metrics=("inst_level_strict_acc", "prompt_level_strict_acc")),
         MemberSpec("bbh", "acc_norm", 3), MemberSpec("math_lvl5", "exact_match", 4),
         MemberSpec("gpqa", "acc_norm", 0), MemberSpec("musr", "acc_norm", 0), MemberSpec("mmlu_pro", "acc", 5)),
        "mean_normalized",
    ),
    LeaderboardSpec(
        "nous", "Nous benchmark suite", "1",
        "GPT4All, AGIEval, TruthfulQA and BigBench as reported by Nous Research: the mean of the four sub-averages.",
        (MemberSpec("gpt4all", "average", 0), MemberSpec("agieval", "average", 0),
         MemberSpec("truthfulqa", "mc2", 0), MemberSpec("bigbench", "average", 0)),
        "nous",
        subsets={"gpt4all": GPT4ALL_TASKS, "agieval": AGIEVAL_TASKS, "bigbench": BIGBENCH_TASKS},
    ),
    LeaderboardSpec(
        "arena-elo", "Chatbot Arena Elo", "1", "Elo rating from the LMSYS Chatbot Arena's pairwise human votes.",
        (MemberSpec("arena_elo", "elo", None),), "elo",
    ),
)

BY_KEY = {b.key: b for b in BENCHMARKS}
BY_SLUG = {b.slug: b for b in LEADERBOARDS}
