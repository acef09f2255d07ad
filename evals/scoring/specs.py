"""Benchmark and leaderboard definitions: the single source used by the scoring rules and,
through the data migration (``evals.services.reference``), by the database, so a board shown in
the UI is exactly the board that was computed. Pure: no Django.

Sources
-------
* Open LLM Leaderboard v1 (Hugging Face, "About" page of the archived board,
  https://huggingface.co/docs/leaderboards/open_llm_leaderboard/archive): ARC 25-shot acc_norm,
  HellaSwag 10-shot acc_norm, MMLU 5-shot acc, TruthfulQA 0-shot mc2, Winogrande 5-shot acc,
  GSM8K 5-shot acc; the score is the plain mean of the six. Its "baseline" row (random guessing)
  is 25 / 25 / 25 / 25 / 50 / 0, which is what ``random_baseline`` holds for those keys.
* Open LLM Leaderboard v2 (https://huggingface.co/docs/leaderboards/open_llm_leaderboard/about and
  .../normalization): IFEval 0-shot (mean of inst_level_strict_acc and prompt_level_strict_acc),
  BBH 3-shot acc_norm, MATH Lvl 5 4-shot exact_match, GPQA 0-shot acc_norm, MuSR 0-shot acc_norm,
  MMLU-PRO 5-shot acc. Each value is normalized ``(raw - lower) / (1 - lower)``, clipped at 0,
  where ``lower = 1 / num_choices`` (0 for the generative IFEval and MATH); the score is the mean
  of the six normalized values. GPQA has 4 choices (0.25), MMLU-PRO 10 (0.1). BBH and MuSR are
  normalized per subtask and then averaged; when only a raw group value is known we apply the
  mean of the subtask baselines (``BBH_CHOICES``/``MUSR_CHOICES`` below, choice counts from the
  leaderboard's normalization notebook): BBH 0.2917 (24 subtasks), MuSR 0.3444 (2, 5, 3 choices).
  That group approximation is not exact (normalizing the mean is not the mean of the normalized
  subtasks); it only applies to raw group values, never to the normalized figures cards print.
* Nous benchmark suite (Nous Research and mlabonne model cards, LLM AutoEval
  https://github.com/mlabonne/llm-autoeval): GPT4All = mean of arc_challenge, arc_easy, boolq,
  hellaswag, openbookqa, piqa, winogrande (0-shot; acc_norm where the task reports it, else acc);
  AGIEval = mean of the eight English agieval_* tasks (acc_norm where present, else acc);
  BigBench = mean multiple_choice_grade of the 18 bigbench_* tasks; TruthfulQA = mc2; the suite
  score is the mean of those four.
* Chatbot Arena (LMSYS, https://arxiv.org/abs/2403.04132): an Elo-style rating, its own board.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping


@dataclass(frozen=True)
class BenchmarkSpec:
    key: str
    name: str
    suite: str
    metric: str
    default_shots: int | None = None
    higher_is_better: bool = True
    random_baseline: float | None = None  # 0-1 fraction: the score of random guessing
    scale: float | None = 100.0  # None: an unbounded rating (Elo)
    parent: str = ""  # the aggregate this task is a component of
    description: str = ""
    url: str = ""


@dataclass(frozen=True)
class MemberSpec:
    benchmark: str
    metric: str
    shots: int | None = None
    alt_metrics: tuple[str, ...] = ()  # accepted when ``metric`` is absent, in this order
    weight: float = 1.0
    # When ``metric`` itself is absent: the mean of these metrics taken from one run (IFEval's
    # board value is the mean of instance- and prompt-level strict accuracy). Tried before
    # ``alt_metrics``.
    mean_of: tuple[str, ...] = ()


@dataclass(frozen=True)
class LeaderboardSpec:
    slug: str
    name: str
    version: str
    description: str
    members: tuple[MemberSpec, ...]
    averaging: str  # mean | mean_normalized | nous | elo
    # Aggregate member -> its component tasks, computed from those when one run has them all
    # (else the document's stated aggregate is used). Read-only mappings keep the spec frozen.
    subsets: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    # Aggregate member -> metric preference for its components (first one present wins).
    subset_metrics: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def member_keys(self) -> tuple[str, ...]:
        return tuple(m.benchmark for m in self.members)


AVERAGING_KINDS = ("mean", "mean_normalized", "nous", "elo")

GPT4ALL_TASKS = ("arc", "arc_easy", "boolq", "hellaswag", "openbookqa", "piqa", "winogrande")
AGIEVAL_TASKS = tuple(f"agieval_{t}" for t in (
    "aqua_rat", "logiqa_en", "lsat_ar", "lsat_lr", "lsat_rc", "sat_en", "sat_en_without_passage", "sat_math"))
BIGBENCH_TASKS = tuple(f"bigbench_{t}" for t in (
    "causal_judgement", "date_understanding", "disambiguation_qa", "geometric_shapes",
    "logical_deduction_five_objects", "logical_deduction_seven_objects", "logical_deduction_three_objects",
    "movie_recommendation", "navigate", "reasoning_about_colored_objects", "ruin_names",
    "salient_translation_error_detection", "snarks", "sports_understanding", "temporal_sequences",
    "tracking_shuffled_objects_five_objects", "tracking_shuffled_objects_seven_objects",
    "tracking_shuffled_objects_three_objects"))

# Number of answer choices of the 24 BBH subtasks the v2 leaderboard runs (its normalization
# notebook, https://huggingface.co/docs/leaderboards/open_llm_leaderboard/normalization).
BBH_CHOICES: Mapping[str, int] = MappingProxyType({
    "boolean_expressions": 2, "causal_judgement": 2, "date_understanding": 6, "disambiguation_qa": 3,
    "formal_fallacies": 2, "geometric_shapes": 11, "hyperbaton": 2, "logical_deduction_five_objects": 5,
    "logical_deduction_seven_objects": 7, "logical_deduction_three_objects": 3, "movie_recommendation": 6,
    "navigate": 2, "object_counting": 19, "penguins_in_a_table": 5, "reasoning_about_colored_objects": 18,
    "ruin_names": 6, "salient_translation_error_detection": 6, "snarks": 2, "sports_understanding": 2,
    "temporal_sequences": 4, "tracking_shuffled_objects_five_objects": 5,
    "tracking_shuffled_objects_seven_objects": 7, "tracking_shuffled_objects_three_objects": 3, "web_of_lies": 2,
})
MUSR_CHOICES: Mapping[str, int] = MappingProxyType({"murder_mysteries": 2, "object_placements": 5,
                                                    "team_allocation": 3})


def mean_chance(choices: Mapping[str, int]) -> float:
    """Mean random-guess score (1 / choices) over a group's subtasks, rounded to 4 places."""
    return round(sum(1.0 / n for n in choices.values()) / len(choices), 4)


BBH_BASELINE = mean_chance(BBH_CHOICES)  # 0.2917
MUSR_BASELINE = mean_chance(MUSR_CHOICES)  # 0.3444

# AGIEval English tasks: AQuA-RAT and the three LSAT sections have 5 options, the others 4
# (AGIEval paper, https://arxiv.org/abs/2304.06364, table 1).
_AGIEVAL = {
    "agieval_aqua_rat": ("AGIEval AQuA-RAT", 5), "agieval_logiqa_en": ("AGIEval LogiQA (en)", 4),
    "agieval_lsat_ar": ("AGIEval LSAT-AR", 5), "agieval_lsat_lr": ("AGIEval LSAT-LR", 5),
    "agieval_lsat_rc": ("AGIEval LSAT-RC", 5), "agieval_sat_en": ("AGIEval SAT-En", 4),
    "agieval_sat_en_without_passage": ("AGIEval SAT-En (no passage)", 4),
    "agieval_sat_math": ("AGIEval SAT-Math", 4),
}

_ARXIV = "https://arxiv.org/abs/"


def _bigbench(key: str) -> BenchmarkSpec:
    task = key.removeprefix("bigbench_")
    choices = BBH_CHOICES.get(task)
    return BenchmarkSpec(
        key, "BIG-bench " + task.replace("_", " ").capitalize(), "nous", "multiple_choice_grade", 0,
        random_baseline=round(1.0 / choices, 4) if choices else None, parent="bigbench",
        description=f"BIG-bench task {task} (lm-eval harness bigbench_{task}), scored by multiple-choice grade.",
        url=_ARXIV + "2206.04615",
    )


BENCHMARKS: tuple[BenchmarkSpec, ...] = (
    # Open LLM Leaderboard v1 (arc, hellaswag and winogrande are also GPT4All tasks at 0 shots).
    BenchmarkSpec("arc", "ARC-Challenge", "open-llm-v1", "acc_norm", 25, random_baseline=0.25,
                  description="AI2 Reasoning Challenge: grade-school science questions, challenge set.",
                  url=_ARXIV + "1803.05457"),
    BenchmarkSpec("hellaswag", "HellaSwag", "open-llm-v1", "acc_norm", 10, random_baseline=0.25,
                  description="Commonsense inference: pick the most plausible continuation.",
                  url=_ARXIV + "1905.07830"),
    BenchmarkSpec("mmlu", "MMLU", "open-llm-v1", "acc", 5, random_baseline=0.25,
                  description="Massive Multitask Language Understanding: 57 subjects of multiple-choice questions.",
                  url=_ARXIV + "2009.03300"),
    BenchmarkSpec("truthfulqa", "TruthfulQA", "open-llm-v1", "mc2", 0, random_baseline=0.25,
                  description="Questions some humans answer falsely; mc2 is the probability mass on true answers.",
                  url=_ARXIV + "2109.07958"),
    BenchmarkSpec("winogrande", "Winogrande", "open-llm-v1", "acc", 5, random_baseline=0.5,
                  description="Adversarial Winograd-schema pronoun resolution.", url=_ARXIV + "1907.10641"),
    BenchmarkSpec("gsm8k", "GSM8K", "open-llm-v1", "acc", 5, random_baseline=0.0,
                  description="Grade-school math word problems (exact_match in lm-eval 0.4 files).",
                  url=_ARXIV + "2110.14168"),
    # Open LLM Leaderboard v2.
    BenchmarkSpec("ifeval", "IFEval", "open-llm-v2", "strict_acc", 0, random_baseline=0.0,
                  description="Verifiable instruction following; the board reports the mean of instance- and "
                              "prompt-level strict accuracy.", url=_ARXIV + "2311.07911"),
    BenchmarkSpec("bbh", "BBH", "open-llm-v2", "acc_norm", 3, random_baseline=BBH_BASELINE,
                  description="BIG-Bench Hard: 24 hard multiple-choice BIG-bench tasks (baseline: mean of the "
                              "subtasks' 1/choices).", url=_ARXIV + "2210.09261"),
    BenchmarkSpec("math_lvl5", "MATH Lvl 5", "open-llm-v2", "exact_match", 4, random_baseline=0.0,
                  description="Level-5 competition mathematics problems (generative).", url=_ARXIV + "2103.03874"),
    BenchmarkSpec("gpqa", "GPQA", "open-llm-v2", "acc_norm", 0, random_baseline=0.25,
                  description="Graduate-level, Google-proof science questions (4 choices).",
                  url=_ARXIV + "2311.12022"),
    BenchmarkSpec("musr", "MuSR", "open-llm-v2", "acc_norm", 0, random_baseline=MUSR_BASELINE,
                  description="Multistep soft reasoning over long narratives (subtasks with 2, 5 and 3 choices).",
                  url=_ARXIV + "2310.16049"),
    BenchmarkSpec("mmlu_pro", "MMLU-PRO", "open-llm-v2", "acc", 5, random_baseline=0.1,
                  description="Harder, reasoning-focused MMLU with ten answer choices.", url=_ARXIV + "2406.01574"),
    # Chatbot Arena.
    BenchmarkSpec("arena_elo", "Arena Elo", "arena", "elo", None, random_baseline=None, scale=None,
                  description="LMSYS Chatbot Arena rating from pairwise human preference votes.",
                  url=_ARXIV + "2403.04132"),
    # Nous suite aggregates (documents often give only these).
    BenchmarkSpec("gpt4all", "GPT4All", "nous", "average", 0,
                  description="Mean of seven zero-shot tasks: ARC-Challenge, ARC-Easy, BoolQ, HellaSwag, "
                              "OpenBookQA, PIQA, Winogrande (acc_norm where reported, else acc)."),
    BenchmarkSpec("agieval", "AGIEval", "nous", "average", 0,
                  description="Mean of eight English AGIEval exam tasks (acc_norm where reported, else acc).",
                  url=_ARXIV + "2304.06364"),
    BenchmarkSpec("bigbench", "BigBench", "nous", "average", 0,
                  description="Mean multiple-choice grade over 18 BIG-bench tasks.", url=_ARXIV + "2206.04615"),
    # GPT4All components that are not already v1 keys.
    BenchmarkSpec("arc_easy", "ARC-Easy", "nous", "acc_norm", 0, random_baseline=0.25, parent="gpt4all",
                  description="AI2 Reasoning Challenge, easy set.", url=_ARXIV + "1803.05457"),
    BenchmarkSpec("boolq", "BoolQ", "nous", "acc", 0, random_baseline=0.5, parent="gpt4all",
                  description="Naturally occurring yes/no questions.", url=_ARXIV + "1905.10044"),
    BenchmarkSpec("openbookqa", "OpenBookQA", "nous", "acc_norm", 0, random_baseline=0.25, parent="gpt4all",
                  description="Open-book elementary science questions.", url=_ARXIV + "1809.02789"),
    BenchmarkSpec("piqa", "PIQA", "nous", "acc_norm", 0, random_baseline=0.5, parent="gpt4all",
                  description="Physical commonsense: pick the better of two solutions.", url=_ARXIV + "1911.11641"),
    *(BenchmarkSpec(key, name, "nous", "acc_norm", 0, random_baseline=round(1.0 / choices, 4), parent="agieval",
                    description=f"{name}: {choices}-option exam questions.", url=_ARXIV + "2304.06364")
      for key, (name, choices) in _AGIEVAL.items()),
    *(_bigbench(key) for key in BIGBENCH_TASKS),
)

_NOUS_SUBSETS = MappingProxyType({"gpt4all": GPT4ALL_TASKS, "agieval": AGIEVAL_TASKS, "bigbench": BIGBENCH_TASKS})
_NOUS_SUBSET_METRICS = MappingProxyType({"gpt4all": ("acc_norm", "acc"), "agieval": ("acc_norm", "acc"),
                                         "bigbench": ("multiple_choice_grade",)})

LEADERBOARDS: tuple[LeaderboardSpec, ...] = (
    LeaderboardSpec(
        "open-llm-v1", "Open LLM Leaderboard v1", "1",
        "The original Hugging Face Open LLM Leaderboard (2023-2024): the mean of six benchmarks at fixed shots.",
        (MemberSpec("arc", "acc_norm", 25), MemberSpec("hellaswag", "acc_norm", 10), MemberSpec("mmlu", "acc", 5),
         MemberSpec("truthfulqa", "mc2", 0), MemberSpec("winogrande", "acc", 5),
         MemberSpec("gsm8k", "acc", 5, alt_metrics=("exact_match",))),
        "mean",
    ),
    LeaderboardSpec(
        "open-llm-v2", "Open LLM Leaderboard v2", "2",
        "The 2024 Open LLM Leaderboard: the mean of six harder benchmarks, each normalized so that random "
        "guessing scores 0 and a perfect score 100.",
        (MemberSpec("ifeval", "strict_acc", 0, alt_metrics=("inst_level_strict_acc", "prompt_level_strict_acc"),
                    mean_of=("inst_level_strict_acc", "prompt_level_strict_acc")),
         MemberSpec("bbh", "acc_norm", 3), MemberSpec("math_lvl5", "exact_match", 4),
         MemberSpec("gpqa", "acc_norm", 0), MemberSpec("musr", "acc_norm", 0), MemberSpec("mmlu_pro", "acc", 5)),
        "mean_normalized",
    ),
    LeaderboardSpec(
        "nous", "Nous benchmark suite", "1",
        "GPT4All, AGIEval, TruthfulQA and BigBench as reported by Nous Research: the mean of the four.",
        (MemberSpec("gpt4all", "average", 0), MemberSpec("agieval", "average", 0),
         MemberSpec("truthfulqa", "mc2", 0), MemberSpec("bigbench", "average", 0)),
        "nous",
        subsets=_NOUS_SUBSETS,
        subset_metrics=_NOUS_SUBSET_METRICS,
    ),
    LeaderboardSpec(
        "arena-elo", "Chatbot Arena Elo", "1",
        "Elo rating from the LMSYS Chatbot Arena's pairwise human votes; higher is better.",
        (MemberSpec("arena_elo", "elo", None),),
        "elo",
    ),
)

BY_KEY: Mapping[str, BenchmarkSpec] = MappingProxyType({b.key: b for b in BENCHMARKS})
BY_SLUG: Mapping[str, LeaderboardSpec] = MappingProxyType({b.slug: b for b in LEADERBOARDS})
