"""lm-evaluation-harness result files: the old format (``acc``/``acc_stderr``, ``config.num_fewshot``)
and 0.4+ (``"acc,none"`` keys, ``n-shot``, ``configs``, ``groups``, ``model_name``)."""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone
from typing import Any

from catalog.cards.benchmarks import resolve_benchmark
from catalog.cards.facts import EvalRunFact, ModelFacts, ParsedDocument, ResultFact

_SKIP_METRICS = {"alias", "samples", "n", "sample_len"}
_PRETRAINED = re.compile(r"pretrained=([^,\s]+)")
_REPO = re.compile(r"^[\w.-]+/[\w.-]+$")


def looks_like_lmeval(data: object) -> bool:
    return isinstance(data, dict) and isinstance(data.get("results"), dict) and (
        "config" in data or "configs" in data or "versions" in data or "n-shot" in data or "model_name" in data
        or all(isinstance(v, dict) for v in data["results"].values())
    )


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _repo_from(data: dict) -> str:
    config = data.get("config") if isinstance(data.get("config"), dict) else {}
    candidates = [data.get("model_name"), config.get("model_name")]
    args = config.get("model_args")
    if isinstance(args, dict):
        candidates.append(args.get("pretrained"))
    elif isinstance(args, str) and (m := _PRETRAINED.search(args)):
        candidates.append(m.group(1))
    candidates.append(config.get("model") if isinstance(config.get("model"), str) and "/" in config["model"] else None)
    for candidate in candidates:
        if isinstance(candidate, str) and _REPO.match(candidate.strip()):
            return candidate.strip()
    return ""


def _shots(data: dict, task: str) -> int | None:
    n_shot = data.get("n-shot")
    if isinstance(n_shot, dict) and isinstance(n_shot.get(task), int):
        return n_shot[task]
    configs = data.get("configs")
    if isinstance(configs, dict) and isinstance(configs.get(task), dict):
        value = configs[task].get("num_fewshot")
        if isinstance(value, int):
            return value
    harness = re.match(r"^harness\|[^|]+\|(\d+)$", task)
    if harness:
        return int(harness.group(1))
    config = data.get("config")
    if isinstance(config, dict) and isinstance(config.get("num_fewshot"), int):
        return config["num_fewshot"]
    return None


def parse_lmeval(data: dict, *, repo_id_hint: str = "") -> ParsedDocument:
    warnings: list[str] = []
    repo = repo_id_hint or _repo_from(data)
    if not repo:
        warnings.append("The result file names no model (model_name or pretrained=); give a repo id.")
    version = str(data.get("lm_eval_version") or data.get("git_hash") or "")[:40]
    run_date = None
    if isinstance(data.get("date"), (int, float)) and math.isfinite(data["date"]):
        try:
            run_date = datetime.fromtimestamp(float(data["date"]), tz=timezone.utc).date()
        except (OverflowError, OSError, ValueError):
            warnings.append("The file's date is not a valid timestamp.")
    results = data.get("results") if isinstance(data.get("results"), dict) else {}
    facts: list[ResultFact] = []
    leaderboard = None
    for task, metrics in list(results.items())[:5000]:
        if not isinstance(metrics, dict):
            warnings.append(f"Task {task!r}: results are not a mapping; skipped.")
            continue
        task = str(task)
        if task.startswith("leaderboard_"):
            leaderboard = "open_llm_v2"
        key = resolve_benchmark(task)
        shots = _shots(data, task)
        for name, value in metrics.items():
            name = str(name)
            metric, _, _filter = name.partition(",")
            if metric in _SKIP_METRICS or metric.endswith("_stderr"):
                continue
            number = _number(value)
            if number is None:
                if not isinstance(value, str):
                    warnings.append(f"Task {task!r} metric {metric!r}: not a finite number; skipped.")
                continue
            stderr_raw = metrics.get(f"{metric}_stderr,{_filter}" if _filter else f"{metric}_stderr")
            stderr = _number(stderr_raw)
            scale = 1.0 if 0 <= number <= 1.0 else 100.0
            factor = 100.0 if scale == 1.0 else 1.0
            facts.append(ResultFact(
                benchmark=key, raw_name=task[:200], metric=metric, value=round(number * factor, 6),
                raw_value=number, raw_scale=scale, shots=shots,
                stderr=round(stderr * factor, 6) if stderr is not None else None,
            ))
    run = EvalRunFact(source="lmeval_file", label="lm-evaluation-harness results", leaderboard=leaderboard,
                      harness="lm-evaluation-harness", harness_version=version, run_date=run_date, results=facts,
                      self_reported=True, sources=["results"])
    if not facts:
        warnings.append("The result file contains no numeric results.")
    model = ModelFacts(repo_id=repo or None, name=repo.split("/")[-1] if repo else "")
    return ParsedDocument(kind="lmeval_results", model=model, runs=[run] if facts else [], warnings=warnings)
