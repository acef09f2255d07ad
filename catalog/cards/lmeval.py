"""lm-evaluation-harness result files (``results.json``), three generations:

* **old harness** (<= 0.3): ``results: {task: {acc, acc_stderr, acc_norm, acc_norm_stderr, mc2 ...}}``,
  ``versions``, ``config: {model, model_args: "pretrained=org/name,...", num_fewshot, batch_size}``;
* **0.4+**: ``results: {task: {"alias", "acc,none", "acc_stderr,none", "exact_match,strict-match" ...}}``
  (``metric,filter`` keys), ``groups``, ``group_subtasks``, ``configs: {task: {num_fewshot}}``,
  ``n-shot: {task: n}``, ``model_name``, ``date`` (unix time), ``lm_eval_version`` / ``git_hash``;
  ``config.model_args`` may be a string or a dict;
* **Open LLM Leaderboard v1 detail files**: ``results: {"harness|arc:challenge|25": {...}, "all": {...}}``
  with ``config_general.model_name`` (the leaderboard ran the harness through lighteval).

Values are fractions (0-1) and are stored x100 (``raw_scale=1.0``); perplexities and other
unbounded metrics keep their value (``raw_scale=None``). ``leaderboard_*`` tasks are the v2
leaderboard's harness tasks: the run is ``open_llm_v2`` with ``normalized=False`` (raw
scores; the scoring rules apply the v2 normalisation).

Derived results, each marked in ``raw_name`` (the leaderboards' definitions, see
``evals.scoring.specs``):

* IFEval ``strict_acc`` = mean of ``inst_level_strict_acc`` and ``prompt_level_strict_acc``
  (Open LLM Leaderboard v2 "About": the IFEval score is the mean of the two strict accuracies);
* MMLU ``acc`` = unweighted mean of the 57 subject accuracies when a file has all 57 subjects
  but no MMLU aggregate (Open LLM Leaderboard v1 reported MMLU as that mean).

Malformed content (results not a mapping, values that are not finite numbers) is skipped with
a warning; nothing here raises on bad input.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timezone
from typing import Any

from catalog.cards.benchmarks import (
    MMLU_SUBJECTS,
    UNBOUNDED_METRICS,
    V1_SHOTS,
    canonical_metric,
    leaderboard_for,
    resolve_benchmark,
    shots_from_name,
)
from catalog.cards.facts import EvalRunFact, ModelFacts, ParsedDocument, ResultFact

MAX_TASKS = 5_000
MAX_METRICS = 200
MAX_WARNINGS = 100

# Entries of a task's result mapping that are not metrics.
NOT_METRICS = {"alias", "samples", "name", "sample_len", "sample_count", "num_fewshot", "effective_few_shots",
               "version", "task", "group", "higher_is_better", "n-samples", "original", "effective",
               "hashes", "submetrics"}
# Filters in the order the leaderboards use them when a metric has several.
FILTER_PREFERENCE = ("none", "strict-match", "strict_match", "remove_whitespace", "get-answer", "flexible-extract")
_HARNESS_KEY = re.compile(r"^[A-Za-z_]{1,20}\|[^|]{1,200}\|\d{1,3}(?:\|\d{1,3})?$")
_PRETRAINED = re.compile(r"(?:^|,)\s*pretrained\s*=\s*([^,\s]{1,200})")
_REPO = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95}$")
_MARKERS = ("versions", "config", "configs", "n-shot", "model_name", "lm_eval_version", "git_hash",
            "group_subtasks", "higher_is_better", "config_general", "groups", "n-samples")


def looks_like_lmeval(data: object) -> bool:
    """A harness results file: a ``results`` mapping of task -> metrics plus a harness marker
    (``versions``, ``config``, ``n-shot`` ...) or leaderboard ``harness|task|shots`` keys."""
    if not isinstance(data, dict):
        return False
    results = data.get("results")
    if not isinstance(results, dict) or not results:
        return False
    tasks = list(results.items())[:50]
    if not any(isinstance(v, dict) for _, v in tasks):
        return False
    if any(marker in data for marker in _MARKERS):
        return True
    return any(isinstance(k, str) and _HARNESS_KEY.match(k) for k, _ in tasks)


# --- helpers ---------------------------------------------------------------------------------


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _as_repo(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    text = value.strip()[:200]
    if "__" in text and "/" not in text:  # model_name_sanitized: "org__name"
        text = text.replace("__", "/", 1)
    return text if _REPO.match(text) else ""


def _model_args(config: dict[str, Any]) -> str:
    args = config.get("model_args")
    if isinstance(args, dict):
        return _as_repo(args.get("pretrained")) or _as_repo(args.get("model"))
    if isinstance(args, str):
        match = _PRETRAINED.search(args[:2000])
        return _as_repo(match.group(1)) if match else ""
    return ""


def repo_from(data: dict[str, Any]) -> str:
    """The evaluated model's repo id: ``model_name``, then the config's model name or
    ``pretrained=`` argument, then the sanitized name."""
    config = data.get("config") if isinstance(data.get("config"), dict) else {}
    general = data.get("config_general") if isinstance(data.get("config_general"), dict) else {}
    for candidate in (_as_repo(data.get("model_name")), _as_repo(general.get("model_name")),
                      _as_repo(config.get("model_name")), _model_args(config), _as_repo(config.get("model")),
                      _as_repo(data.get("model_name_sanitized"))):
        if candidate:
            return candidate
    return ""


def _run_date(data: dict[str, Any], warnings: list[str]) -> date | None:
    general = data.get("config_general") if isinstance(data.get("config_general"), dict) else {}
    for value in (data.get("date"), general.get("start_date"), general.get("end_date")):
        if value is None or isinstance(value, bool):
            continue
        number = _finite(value)
        if number is not None:
            try:
                return datetime.fromtimestamp(number, tz=timezone.utc).date()
            except (OverflowError, OSError, ValueError):
                warnings.append(f"The file's date {number:g} is not a valid timestamp.")
                return None
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip()[:10])
            except ValueError:
                continue
    return None


def _harness_version(data: dict[str, Any]) -> str:
    for key in ("lm_eval_version", "harness_version", "git_hash"):
        value = data.get(key)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()[:40]
    return ""


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and 0 <= value <= 1000:
        return value
    if isinstance(value, float) and value.is_integer() and 0 <= value <= 1000:
        return int(value)
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 4:
        return int(value.strip())
    return None


def _shots(data: dict[str, Any], task: str) -> int | None:
    from_key = shots_from_name(task) if _HARNESS_KEY.match(task) else None
    if from_key is not None:
        return from_key
    n_shot = data.get("n-shot")
    if isinstance(n_shot, dict) and (shots := _int(n_shot.get(task))) is not None:
        return shots
    configs = data.get("configs")
    if isinstance(configs, dict) and isinstance(configs.get(task), dict):
        if (shots := _int(configs[task].get("num_fewshot"))) is not None:
            return shots
    config = data.get("config")
    if isinstance(config, dict) and (shots := _int(config.get("num_fewshot"))) is not None:
        return shots
    return None


def _scale(metric: str, value: float) -> float | None:
    if metric in UNBOUNDED_METRICS or "perplexity" in metric:
        return None
    if 0.0 <= value <= 1.0:
        return 1.0
    if 1.0 < value <= 100.0:
        return 100.0  # BLEU / chrF and some custom tasks report percentages
    return None


def _result(key: str, raw_name: str, metric: str, raw: float, shots: int | None, stderr: float | None,
            scale: float | None) -> ResultFact:
    factor = 100.0 if scale == 1.0 else 1.0
    return ResultFact(benchmark=key, raw_name=raw_name[:200], metric=metric[:60], value=round(raw * factor, 6),
                      raw_value=raw, raw_scale=scale, shots=shots,
                      stderr=round(stderr * factor, 6) if stderr is not None else None)


def _split_metric(name: str) -> tuple[str, str]:
    metric, _, filt = name.partition(",")
    return metric.strip(), filt.strip()


def _task_results(task: str, metrics: dict[Any, Any], shots: int | None,
                  warn: Any) -> list[ResultFact]:
    """One task's metrics (a filter per metric: the leaderboards' preferred one)."""
    chosen: dict[str, tuple[int, str, float, float | None]] = {}
    items = list(metrics.items())[:MAX_METRICS]
    for raw_key, value in items:
        name = str(raw_key)
        metric, filt = _split_metric(name)
        if not metric or metric in NOT_METRICS or metric.endswith("_stderr") or metric.startswith("stderr"):
            continue
        number = _finite(value)
        if number is None:
            if not isinstance(value, str) or value.strip().upper() not in ("", "N/A", "NA"):
                warn(f"Task {task!r} metric {name!r}: {str(value)[:40]!r} is not a finite number; skipped.")
            continue
        stderr_key = f"{metric}_stderr,{filt}" if filt else f"{metric}_stderr"
        stderr = _finite(metrics.get(stderr_key))
        rank = FILTER_PREFERENCE.index(filt) if filt in FILTER_PREFERENCE else len(FILTER_PREFERENCE)
        if not filt:
            rank = -1
        if metric not in chosen or rank < chosen[metric][0]:
            chosen[metric] = (rank, filt, number, stderr)
    key = resolve_benchmark(task)
    out = []
    for metric, (_, _, number, stderr) in chosen.items():
        scale = _scale(metric, number)
        if scale is None and metric not in UNBOUNDED_METRICS and "perplexity" not in metric:
            warn(f"Task {task!r} metric {metric!r}: {number:g} is outside 0-100; kept as written.")
        out.append(_result(key, task, canonical_metric(task, metric), number, shots, stderr, scale))
    return out


def _derived(results: list[ResultFact], has_mmlu: bool, warn: Any) -> list[ResultFact]:
    """Leaderboard scores the file holds only in parts (see the module docstring)."""
    extra: list[ResultFact] = []
    ifeval = {r.metric: r for r in results if r.benchmark == "ifeval"}
    if "strict_acc" not in ifeval and "inst_level_strict_acc" in ifeval and "prompt_level_strict_acc" in ifeval:
        inst, prompt = ifeval["inst_level_strict_acc"], ifeval["prompt_level_strict_acc"]
        if inst.raw_scale == prompt.raw_scale == 1.0:
            raw = (inst.raw_value + prompt.raw_value) / 2.0
            extra.append(_result("ifeval", f"{inst.raw_name} (mean of inst/prompt strict acc)", "strict_acc", raw,
                                 inst.shots, None, 1.0))
    subjects = {r.benchmark: r for r in results if r.benchmark.startswith("mmlu_") and r.metric == "acc"
                and r.benchmark != "mmlu_pro"}
    if subjects and not has_mmlu:
        if len(subjects) == len(MMLU_SUBJECTS) and all(r.raw_scale == 1.0 for r in subjects.values()):
            raw = sum(r.raw_value for r in subjects.values()) / len(subjects)
            shots = {r.shots for r in subjects.values()}
            extra.append(_result("mmlu", "MMLU (mean of 57 subjects)", "acc", raw,
                                 shots.pop() if len(shots) == 1 else None, None, 1.0))
        else:
            warn(f"MMLU: {len(subjects)} of {len(MMLU_SUBJECTS)} subjects in the file; no MMLU average derived.")
    return extra


def _board_hint(keys: set[str], facts: list[ResultFact]) -> str | None:
    """The board the tasks belong to, if the shots are the board's too (a zero-shot ARC run
    is not an Open LLM Leaderboard v1 ARC result)."""
    board = leaderboard_for(keys)
    if board == "open_llm_v1" and any(r.shots is not None and r.shots != V1_SHOTS[r.benchmark]
                                      for r in facts if r.benchmark in V1_SHOTS):
        return None
    if board == "nous" and any(r.shots not in (None, 0) for r in facts):
        return None
    return board


# --- entry point -----------------------------------------------------------------------------


def parse_lmeval(data: dict, *, repo_id_hint: str = "") -> ParsedDocument:
    """An lm-evaluation-harness results file as one run (``source="lmeval_file"``)."""
    warnings: list[str] = []

    def warn(message: str) -> None:
        if len(warnings) < MAX_WARNINGS:
            warnings.append(message)
        elif len(warnings) == MAX_WARNINGS:
            warnings.append("More problems in the file were not listed.")

    doc = ParsedDocument(kind="lmeval_results", model=ModelFacts(), warnings=warnings)
    if not isinstance(data, dict):
        warn("The result file is not a JSON object.")
        return doc
    hint = _as_repo(repo_id_hint) if repo_id_hint else ""
    if repo_id_hint and not hint:
        warn(f"The given repo id {repo_id_hint[:100]!r} is not org/name; the file's model name was used.")
    repo = hint or repo_from(data)
    if not repo:
        warn("The result file names no model (model_name or pretrained=); give a repo id when importing.")
    doc.model.repo_id = repo or None
    doc.model.name = repo.split("/")[-1] if repo else ""
    doc.model.organization = repo.split("/")[0] if repo else ""

    results = data.get("results")
    if not isinstance(results, dict):
        warn("'results' is not a mapping of tasks; nothing was read.")
        return doc
    entries: list[tuple[str, Any]] = [(str(k), v) for k, v in list(results.items())[:MAX_TASKS]]
    groups = data.get("groups")
    if isinstance(groups, dict):  # 0.4: group aggregates, often repeated in "results"
        known = {k for k, _ in entries}
        entries.extend((str(k), v) for k, v in list(groups.items())[:MAX_TASKS] if str(k) not in known)
    if len(results) > MAX_TASKS:
        warn(f"The file lists {len(results)} tasks; only the first {MAX_TASKS} were read.")

    facts: list[ResultFact] = []
    leaderboard_v2 = False
    leaderboard_v1 = False
    for task, metrics in entries:
        if task == "all":
            continue  # the v1 detail files' mean over every task: not a benchmark
        if not isinstance(metrics, dict):
            warn(f"Task {task[:100]!r}: results are not a mapping; skipped.")
            continue
        leaderboard_v2 = leaderboard_v2 or task.startswith("leaderboard_")
        leaderboard_v1 = leaderboard_v1 or task.startswith("harness|")
        facts.extend(_task_results(task[:200], metrics, _shots(data, task), warn))
    has_mmlu = any(r.benchmark == "mmlu" for r in facts)
    facts.extend(_derived(facts, has_mmlu, warn))
    if not facts:
        warn("The result file contains no numeric results.")
        return doc

    if leaderboard_v2:
        board, label = "open_llm_v2", "lm-evaluation-harness: Open LLM Leaderboard v2 tasks"
    elif leaderboard_v1:
        board, label = "open_llm_v1", "Open LLM Leaderboard v1 results file"
    else:
        main_keys = {r.benchmark for r in facts if r.benchmark and not r.benchmark.startswith("mmlu_")}
        board, label = _board_hint(main_keys, facts), "lm-evaluation-harness results"
    run = EvalRunFact(source="lmeval_file", label=label, leaderboard=board,  # type: ignore[arg-type]
                      harness="lm-evaluation-harness", harness_version=_harness_version(data),
                      run_date=_run_date(data, warnings), results=facts, self_reported=True,
                      sources=["results"])
    doc.runs.append(run)
    return doc
