"""Benchmark names as people write them -> the catalog's canonical benchmark keys.

A key names a TASK; the leaderboard definitions (``evals.scoring.specs``) say which metric
and number of shots count. Spellings come from the places results are published:

* Open LLM Leaderboard v1 model-index entries and summary tables ("AI2 Reasoning Challenge
  (25-Shot)", "ARC (25-shot)", dataset types ``ai2_arc``/``cais/mmlu``/``truthful_qa``) and
  its detail files (``harness|arc:challenge|25``, ``harness|hendrycksTest-anatomy|5``);
* Open LLM Leaderboard v2 ("IFEval (0-Shot)", ``HuggingFaceH4/ifeval``, the lm-eval
  ``leaderboard_*`` tasks);
* lm-evaluation-harness task names, old (``arc_challenge``, ``truthfulqa_mc``,
  ``hendrycksTest-<subject>``) and 0.4+ (``truthfulqa_mc2``, ``mmlu_<subject>``);
* the Nous suite tables (GPT4All / AGIEval / BigBench task names, ``agieval_*``, ``bigbench_*``).

MMLU: the 57 subject tasks of old harness files (``hendrycksTest-<subject>``) and of 0.4
(``mmlu_<subject>``) map to sub-keys ``mmlu_<subject>``. The MMLU score the v1 leaderboard
reports is the unweighted mean of those 57 subject accuracies (5-shot ``acc``); the parser
keeps the subjects, the scoring rules decide whether to average them.

Matching is on a normalised spelling (lower case, letters and digits only) looked up in an
exact table: there is no substring matching, so "MMLU-PRO" is never "mmlu" and "arc_easy" is
never "arc".
"""

from __future__ import annotations

import re
from functools import lru_cache

MAX_NAME = 300  # longer "names" are prose, not benchmark names; bounded work either way

V1_KEYS: tuple[str, ...] = ("arc", "hellaswag", "mmlu", "truthfulqa", "winogrande", "gsm8k")
V2_KEYS: tuple[str, ...] = ("ifeval", "bbh", "math_lvl5", "gpqa", "musr", "mmlu_pro")
NOUS_AGGREGATES: tuple[str, ...] = ("agieval", "gpt4all", "truthfulqa", "bigbench")
GPT4ALL_TASKS: tuple[str, ...] = ("arc", "arc_easy", "boolq", "hellaswag", "openbookqa", "piqa", "winogrande")
AGIEVAL_TASKS: tuple[str, ...] = tuple(f"agieval_{t}" for t in (
    "aqua_rat", "logiqa_en", "lsat_ar", "lsat_lr", "lsat_rc", "sat_en", "sat_en_without_passage", "sat_math"))
BIGBENCH_TASKS: tuple[str, ...] = tuple(f"bigbench_{t}" for t in (
    "causal_judgement", "date_understanding", "disambiguation_qa", "geometric_shapes",
    "logical_deduction_five_objects", "logical_deduction_seven_objects", "logical_deduction_three_objects",
    "movie_recommendation", "navigate", "reasoning_about_colored_objects", "ruin_names",
    "salient_translation_error_detection", "snarks", "sports_understanding", "temporal_sequences",
    "tracking_shuffled_objects_five_objects", "tracking_shuffled_objects_seven_objects",
    "tracking_shuffled_objects_three_objects"))

# The 57 subjects of Hendrycks et al., "Measuring Massive Multitask Language Understanding"
# (ICLR 2021, https://github.com/hendrycks/test), spelled as the harness task suffixes.
MMLU_SUBJECTS: tuple[str, ...] = (
    "abstract_algebra", "anatomy", "astronomy", "business_ethics", "clinical_knowledge", "college_biology",
    "college_chemistry", "college_computer_science", "college_mathematics", "college_medicine", "college_physics",
    "computer_security", "conceptual_physics", "econometrics", "electrical_engineering", "elementary_mathematics",
    "formal_logic", "global_facts", "high_school_biology", "high_school_chemistry",
    "high_school_computer_science", "high_school_european_history", "high_school_geography",
    "high_school_government_and_politics", "high_school_macroeconomics", "high_school_mathematics",
    "high_school_microeconomics", "high_school_physics", "high_school_psychology", "high_school_statistics",
    "high_school_us_history", "high_school_world_history", "human_aging", "human_sexuality", "international_law",
    "jurisprudence", "logical_fallacies", "machine_learning", "management", "marketing", "medical_genetics",
    "miscellaneous", "moral_disputes", "moral_scenarios", "nutrition", "philosophy", "prehistory",
    "professional_accounting", "professional_law", "professional_medicine", "professional_psychology",
    "public_relations", "security_studies", "sociology", "us_foreign_policy", "virology", "world_religions",
)

# Metric and shots each board counts (Open LLM Leaderboard v1/v2 "About" pages; Nous suite as
# published by Nous Research / LLM AutoEval). Used when a document names a benchmark but not
# its metric, e.g. a "Metric | Value" summary table.
DEFAULT_METRIC: dict[str, str] = {
    "arc": "acc_norm", "hellaswag": "acc_norm", "mmlu": "acc", "truthfulqa": "mc2", "winogrande": "acc",
    "gsm8k": "acc", "ifeval": "strict_acc", "bbh": "acc_norm", "math_lvl5": "exact_match", "gpqa": "acc_norm",
    "musr": "acc_norm", "mmlu_pro": "acc", "arena_elo": "elo", "agieval": "average", "gpt4all": "average",
    "bigbench": "average", "arc_easy": "acc_norm", "boolq": "acc", "openbookqa": "acc_norm", "piqa": "acc_norm",
}
V1_SHOTS: dict[str, int] = {"arc": 25, "hellaswag": 10, "mmlu": 5, "truthfulqa": 0, "winogrande": 5, "gsm8k": 5}
V2_SHOTS: dict[str, int] = {"ifeval": 0, "bbh": 3, "math_lvl5": 4, "gpqa": 0, "musr": 0, "mmlu_pro": 5}
# Keys whose values are not percentages (no 0-1 / 0-100 scale).
UNBOUNDED_KEYS: frozenset[str] = frozenset({"arena_elo"})
# Metrics that are not proportions (lm-eval's perplexity-style outputs, ratings): kept as
# written with ``raw_scale=None``.
UNBOUNDED_METRICS: frozenset[str] = frozenset({
    "perplexity", "ppl", "word_perplexity", "byte_perplexity", "bits_per_byte", "loss", "elo", "ter",
    "mean_length", "length", "brier_score"})

_SHOTS = re.compile(r"\b(\d{1,3})[ \t]*-?[ \t]*shots?\b", re.IGNORECASE)
_ZERO_SHOT = re.compile(r"\bzero[ \t]*-?[ \t]*shots?\b", re.IGNORECASE)
_SHOTS_PAREN = re.compile(r"\(\s*(?:\d{1,3}|zero)\s*-?\s*shots?\s*\)", re.IGNORECASE)
_SHOTS_BARE = re.compile(r"\b(?:\d{1,3}|zero)[ \t]*-?[ \t]*shots?\b", re.IGNORECASE)
# Open LLM Leaderboard v1 detail files and lighteval: "<suite>|<task>|<shots>".
_PIPE = re.compile(r"^[A-Za-z_]{1,20}\|([^|]{1,200})\|(\d{1,3})(?:\|\d{1,3})?$")
_NON_ALNUM = re.compile(r"[^a-z0-9]")
_SUBJECT_PREFIX = re.compile(r"^(?:hendryckstest|hendrycks_test|mmlu)[-_:]", re.IGNORECASE)

_ALIASES: dict[str, str] = {}


def _norm(name: str) -> str:
    return _NON_ALNUM.sub("", name.lower())


def _add(key: str, *names: str) -> None:
    for name in (key, *names):
        _ALIASES[_norm(name)] = key


_add("arc", "AI2 Reasoning Challenge", "ARC", "ARC-Challenge", "ARC Challenge", "ARC-C", "arc_challenge",
     "arc:challenge", "ai2_arc", "allenai/ai2_arc", "ai2_arc:ARC-Challenge", "leaderboard_arc_challenge",
     "AI2 ARC")
_add("arc_easy", "ARC-Easy", "ARC Easy", "ARC-E", "arc:easy", "ai2_arc:ARC-Easy")
_add("hellaswag", "HellaSwag", "Hella Swag", "Rowan/hellaswag", "hella_swag", "leaderboard_hellaswag")
_add("mmlu", "MMLU", "cais/mmlu", "hendrycks_test", "hendrycksTest", "lukaemon/mmlu", "mmlu_all", "mmlu:all",
     "Massive Multitask Language Understanding", "Measuring Massive Multitask Language Understanding")
_add("truthfulqa", "TruthfulQA", "Truthful QA", "truthful_qa", "truthfulqa_mc", "truthfulqa_mc1", "truthfulqa_mc2",
     "truthfulqa:mc", "truthfulqa:mc1", "truthfulqa:mc2", "TruthfulQA MC2", "TruthfulQA-MC2", "TruthfulQA (MC2)",
     "truthful_qa:multiple_choice")
_add("winogrande", "Winogrande", "WinoGrande XL", "winogrande_xl", "allenai/winogrande")
_add("gsm8k", "GSM8k", "GSM-8K", "GSM 8K", "openai/gsm8k", "gsm8k:main")
_add("ifeval", "IFEval", "IF-Eval", "IF Eval", "HuggingFaceH4/ifeval", "google/IFEval", "leaderboard_ifeval",
     "wis-k/instruction-following-eval", "Instruction Following Eval")
_add("bbh", "BBH", "BIG-Bench Hard", "BigBench Hard", "Big Bench Hard", "leaderboard_bbh", "lukaemon/bbh",
     "SaylorTwift/bbh")
_add("math_lvl5", "MATH Lvl 5", "MATH Lvl5", "MATH Level 5", "MATH", "MATH-Hard", "MATH Hard", "math_hard",
     "hendrycks/competition_math", "lighteval/MATH-Hard", "leaderboard_math_hard", "competition_math")
_add("gpqa", "GPQA", "Idavidrein/gpqa", "leaderboard_gpqa")
_add("musr", "MuSR", "TAUR-Lab/MuSR", "leaderboard_musr")
_add("mmlu_pro", "MMLU-PRO", "MMLU Pro", "MMLU_Pro", "TIGER-Lab/MMLU-Pro", "leaderboard_mmlu_pro")
_add("arena_elo", "Arena Elo", "Arena-Elo", "Chatbot Arena", "Chatbot Arena Elo", "LMSYS Arena Elo", "LMSYS Elo",
     "Arena Elo Rating", "Elo", "Elo Rating", "lmsys/chatbot_arena")
_add("agieval", "AGIEval", "AGI Eval", "AGI-Eval", "AGIEval English")
_add("gpt4all", "GPT4All", "GPT-4All", "GPT4All suite")
_add("bigbench", "Bigbench", "BigBench", "Big-Bench", "Big Bench", "BIG-bench")
_add("boolq", "BoolQ", "super_glue:boolq")
_add("openbookqa", "OpenBookQA", "OpenBook QA", "openbook_qa", "obqa")
_add("piqa", "PIQA", "ybisk/piqa")
for _task in (*AGIEVAL_TASKS, *BIGBENCH_TASKS):
    _add(_task)
_MMLU_SUBJECTS_BY_NORM: dict[str, str] = {_norm(s): s for s in MMLU_SUBJECTS}


def strip_shots(name: str) -> str:
    """``"HellaSwag (10-Shot)"`` -> ``"HellaSwag"``."""
    return _SHOTS_BARE.sub("", _SHOTS_PAREN.sub("", name)).strip(" \t-:,")


def shots_from_name(name: str) -> int | None:
    """The number of shots written in a name: ``"AI2 Reasoning Challenge (25-Shot)"`` -> 25,
    ``"zero-shot"`` -> 0, ``"harness|arc:challenge|25"`` -> 25; None when not stated."""
    if type(name) is str:
        return _shots_from_name(name[:MAX_NAME])
    return _shots_from_text((name or "")[:MAX_NAME])


# Cards and result files repeat the same few dozen benchmark names (every card of a leaderboard
# names the same six), so the pure lookups by name are remembered: a bounded cache of plain
# strings (at most MAX_NAME characters each) to the same answer.
@lru_cache(maxsize=4096)
def _shots_from_name(name: str) -> int | None:
    return _shots_from_text(name)


def _shots_from_text(name: str) -> int | None:
    text = name.strip()
    pipe = _PIPE.match(text)
    if pipe:
        return int(pipe.group(2))
    match = _SHOTS.search(text)
    if match:
        return int(match.group(1))
    return 0 if _ZERO_SHOT.search(text) else None


def _mmlu_subject(text: str) -> str:
    """``hendrycksTest-anatomy`` / ``mmlu_anatomy`` / ``mmlu:anatomy`` -> ``mmlu_anatomy``."""
    prefix = _SUBJECT_PREFIX.match(text)
    if not prefix:
        return ""
    subject = _MMLU_SUBJECTS_BY_NORM.get(_norm(text[prefix.end():]))
    return f"mmlu_{subject}" if subject else ""


def _resolve_one(candidate: str) -> str:
    text = candidate[:MAX_NAME].strip()
    if not text:
        return ""
    pipe = _PIPE.match(text)
    if pipe:
        text = pipe.group(1).strip()
    subject = _mmlu_subject(text)
    if subject:
        return subject
    key = _ALIASES.get(_norm(text))
    if key:
        return key
    stripped = strip_shots(text)
    return _ALIASES.get(_norm(stripped), "") if stripped != text else ""


def _with_config(key: str, config: str) -> str:
    """The dataset config picks the task for datasets that hold several."""
    norm = _norm(config)
    if not norm:
        return key
    if key in ("arc", "arc_easy"):
        if norm in ("arceasy", "easy"):
            return "arc_easy"
        if norm in ("arcchallenge", "challenge"):
            return "arc"
    if key == "mmlu":
        subject = _MMLU_SUBJECTS_BY_NORM.get(norm)
        if subject:
            return f"mmlu_{subject}"
    if key == "truthfulqa" and norm == "generation":
        return ""  # TruthfulQA generation is judged differently; mc1/mc2 are the keyed task
    return key


def resolve_benchmark(name: str, *, dataset_type: str = "", config: str = "") -> str:
    """Canonical key for a benchmark name (or a model-index dataset type + config), or "".

    The name wins when it resolves; the dataset type is the fallback. ``config`` only refines
    (``ai2_arc`` + ``ARC-Easy`` -> ``arc_easy``; ``cais/mmlu`` + ``anatomy`` -> ``mmlu_anatomy``).
    """
    if not isinstance(name, str):
        name = ""
    if not isinstance(dataset_type, str):
        dataset_type = ""
    if not isinstance(config, str):
        config = ""
    config = config[:MAX_NAME]
    if type(name) is str and type(dataset_type) is str and type(config) is str:
        return _resolve_cached(name[:MAX_NAME], dataset_type[:MAX_NAME], config)
    return _resolve(name, dataset_type, config)


@lru_cache(maxsize=4096)
def _resolve_cached(name: str, dataset_type: str, config: str) -> str:
    return _resolve(name, dataset_type, config)


def _resolve(name: str, dataset_type: str, config: str) -> str:
    by_name = _resolve_one(name)
    by_type = _resolve_one(dataset_type)
    if by_name:
        # "ARC" named with an ARC-Easy config is ARC-Easy; otherwise the name is explicit.
        if by_name in ("arc", "mmlu", "truthfulqa") and (by_type == by_name or not dataset_type):
            return _with_config(by_name, config)
        return by_name
    return _with_config(by_type, config) if by_type else ""


def subset_of(key: str) -> str:
    """Which Nous sub-aggregate a (0-shot) task belongs to: agieval, bigbench, gpt4all,
    truthfulqa, or "" for none."""
    if key in AGIEVAL_TASKS or key == "agieval":
        return "agieval"
    if key in BIGBENCH_TASKS or key == "bigbench":
        return "bigbench"
    if key == "truthfulqa":
        return "truthfulqa"
    if key in GPT4ALL_TASKS or key == "gpt4all":
        return "gpt4all"
    return ""


def leaderboard_for(keys: set[str] | frozenset[str]) -> str | None:
    """The board a set of keys belongs to (v1 six, v2 six, Nous aggregates, Arena), or None
    when they mix boards or none is known."""
    known = {k for k in keys if k}
    if not known:
        return None
    if known <= set(V1_KEYS):
        return "open_llm_v1"
    if known <= set(V2_KEYS):
        return "open_llm_v2"
    if known <= {"arena_elo"}:
        return "arena_elo"
    if known <= {*NOUS_AGGREGATES, *AGIEVAL_TASKS, *BIGBENCH_TASKS, *GPT4ALL_TASKS}:
        return "nous"
    return None


def canonical_metric(task: str, metric: str) -> str:
    """The metric under the name the leaderboards use.

    lm-eval 0.4 splits TruthfulQA into tasks ``truthfulqa_mc1`` / ``truthfulqa_mc2`` whose
    score is reported as ``acc``: that ``acc`` IS mc1 / mc2.
    """
    if metric == "acc":
        norm = _norm(task[:MAX_NAME])
        if norm.endswith("truthfulqamc1"):
            return "mc1"
        if norm.endswith("truthfulqamc2"):
            return "mc2"
    return metric
