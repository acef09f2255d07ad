"""Benchmark results in Markdown tables: leaderboard summaries, one-row score tables,
lm-eval ``Task|Version|Metric|Value|Stderr`` tables and multi-model comparison tables."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from catalog.cards.benchmarks import resolve_benchmark, shots_from_name
from catalog.cards.facts import EvalRunFact, ResultFact

V1_KEYS = ("arc", "hellaswag", "mmlu", "truthfulqa", "winogrande", "gsm8k")
V2_KEYS = ("ifeval", "bbh", "math_lvl5", "gpqa", "musr", "mmlu_pro")
NOUS_AGGREGATES = ("agieval", "gpt4all", "truthfulqa", "bigbench")
GPT4ALL_TASKS = ("arc", "arc_easy", "boolq", "hellaswag", "openbookqa", "piqa", "winogrande")
DEFAULT_METRIC = {
    "arc": "acc_norm", "hellaswag": "acc_norm", "mmlu": "acc", "truthfulqa": "mc2", "winogrande": "acc",
    "gsm8k": "acc", "ifeval": "strict_acc", "bbh": "acc_norm", "math_lvl5": "exact_match", "gpqa": "acc_norm",
    "musr": "acc_norm", "mmlu_pro": "acc", "arena_elo": "elo", "agieval": "average", "gpt4all": "average",
    "bigbench": "average",
}
AVERAGE_NAMES = {"avg", "average", "avgscore", "averagescore", "mean", "overall"}
_SEPARATOR = re.compile(r"^:?-{2,}:?$")
_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]*)[^)]*\)")
_NUMBER = re.compile(r"^[-+]?\d+(?:\.\d+)?$")
_HF_REPO = re.compile(r"huggingface\.co/([\w.-]+)/([\w.-]+)")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*)$")
_LABEL = re.compile(r"^\s*([A-Za-z][\w -]{1,40}):\s*$")
_AVERAGE_LINE = re.compile(r"^\s*Average:\s*([-+]?\d+(?:\.\d+)?)\s*$", re.IGNORECASE)
NOT_A_VALUE = {"", "?", "n/a", "na", "-", "–", "—", "none", "null", "tbd"}


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    heading: str  # nearest Markdown heading above
    label: str  # a "GPT4All:" style label line just above, if any
    after: list[str] = field(default_factory=list)  # the few lines right after the table


def _cells(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|"):
        line = line[:-1]
    return [c.strip() for c in line.split("|")]


def find_tables(body: str, max_tables: int = 200) -> list[Table]:
    lines = body.split("\n")
    tables: list[Table] = []
    heading = label = ""
    i = 0
    while i < len(lines) and len(tables) < max_tables:
        line = lines[i]
        if (m := _HEADING.match(line)):
            heading, label = _LINK.sub(r"\1", m.group(1)).strip(), ""
        elif (m := _LABEL.match(line)) and "|" not in line:
            label = m.group(1).strip()
        if "|" in line and i + 1 < len(lines) and "|" in lines[i + 1] and \
                all(_SEPARATOR.match(c) for c in _cells(lines[i + 1]) if c):
            header = _cells(line)
            rows: list[list[str]] = []
            j = i + 2
            while j < len(lines) and "|" in lines[j] and lines[j].strip():
                rows.append(_cells(lines[j]))
                j += 1
            after = [l for l in lines[j:j + 4] if l.strip()][:2]
            tables.append(Table(header, rows, heading, label, after))
            i = j
            continue
        i += 1
    return tables


def _plain(cell: str) -> str:
    return _LINK.sub(r"\1", cell).replace("**", "").replace("__", "").replace("`", "").strip()


def _number(cell: str) -> float | None:
    text = _plain(cell).rstrip("%").strip()
    if text.lower() in NOT_A_VALUE:
        return None
    return float(text) if _NUMBER.match(text) else None


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _scale(values: list[float]) -> float:
    """0-1 tables are stored x100: every value <= 1 means fractions."""
    return 1.0 if values and all(0 <= v <= 1.0 for v in values) else 100.0


def _result(key: str, raw_name: str, metric: str, raw: float, scale: float | None, shots: int | None,
            stderr: float | None = None, normalized: bool = False) -> ResultFact:
    factor = 100.0 if scale == 1.0 else 1.0
    return ResultFact(benchmark=key, raw_name=raw_name, metric=metric, value=round(raw * factor, 6), raw_value=raw,
                      raw_scale=scale, shots=shots, stderr=round(stderr * factor, 6) if stderr is not None else None,
                      normalized=normalized)


def _leaderboard_for(keys: set[str]) -> str | None:
    if keys and keys <= set(V1_KEYS):
        return "open_llm_v1"
    if keys and keys <= set(V2_KEYS):
        return "open_llm_v2"
    if keys and keys <= set(NOUS_AGGREGATES):
        return "nous"
    return None


def _is_leaderboard_heading(table: Table) -> bool:
    return "open llm leaderboard" in table.heading.lower()


def _subset_of(key: str) -> str:
    if key.startswith("agieval_"):
        return "agieval"
    if key.startswith("bigbench_"):
        return "bigbench"
    if key == "truthfulqa":
        return "truthfulqa"
    if key in GPT4ALL_TASKS:
        return "gpt4all"
    return ""


# ---------------------------------------------------------------------------


def _summary_table(table: Table, warnings: list[str]) -> EvalRunFact | None:
    """``| Metric | Value |`` rows of benchmark names with an ``Avg.`` row."""
    pairs: list[tuple[str, float]] = []
    average: float | None = None
    for row in table.rows:
        if len(row) < 2:
            continue
        name, value = _plain(row[0]), _number(row[1])
        if value is None:
            if name and _plain(row[1]).lower() in NOT_A_VALUE:
                warnings.append(f"Table row '{name}' has no value ('{row[1]}'); skipped.")
            continue
        if _norm(name) in AVERAGE_NAMES:
            average = value
        else:
            pairs.append((name, value))
    keyed = [(resolve_benchmark(name), name, value) for name, value in pairs]
    keys = {k for k, _, _ in keyed if k}
    if not keys:
        return None
    board = _leaderboard_for(keys)
    scale = _scale([v for _, _, v in keyed])
    run = EvalRunFact(source="card_table", label=table.heading or "Results table", leaderboard=board,
                      self_reported=not _is_leaderboard_heading(table), sources=[f"table: {table.heading}"])
    for key, name, value in keyed:
        run.results.append(_result(key, name, DEFAULT_METRIC.get(key, "score"), value,
                                   None if key == "arena_elo" else scale, shots_from_name(name),
                                   normalized=board == "open_llm_v2"))
    if average is not None:
        run.stated_averages[""] = average * (100.0 if scale == 1.0 else 1.0)
    return run


def _lmeval_table(table: Table, warnings: list[str]) -> tuple[list[ResultFact], dict[str, float]]:
    """``Task|Version|Metric|Value| |Stderr`` with continuation rows whose Task cell is empty."""
    header = [_norm(h) for h in table.header]
    try:
        task_i, metric_i, value_i = header.index("task"), header.index("metric"), header.index("value")
    except ValueError:
        return [], {}
    stderr_i = header.index("stderr") if "stderr" in header else None
    raw: list[tuple[str, str, float, float | None]] = []
    task = ""
    for row in table.rows:
        if len(row) <= max(task_i, metric_i, value_i):
            continue
        task = _plain(row[task_i]) or task
        value = _number(row[value_i])
        if not task or value is None:
            continue
        stderr = _number(row[stderr_i]) if stderr_i is not None and len(row) > stderr_i else None
        raw.append((task, _plain(row[metric_i]), value, stderr))
    scale = _scale([v for _, _, v, _ in raw])
    results = [_result(resolve_benchmark(t), t, m, v, scale, None, s) for t, m, v, s in raw]
    averages: dict[str, float] = {}
    for line in table.after:
        if (m := _AVERAGE_LINE.match(line)):
            subsets = {_subset_of(r.benchmark) for r in results} - {""}
            label = _norm(table.label or table.heading)
            key = next((a for a in ("gpt4all", "agieval", "bigbench", "truthfulqa") if a in label), None)
            key = key or (subsets.pop() if len(subsets) == 1 else "")
            averages[key] = float(m.group(1))
    return results, averages


def _column_table(table: Table, *, model_name: str, repo_id: str | None,
                  warnings: list[str]) -> list[EvalRunFact]:
    """Benchmarks as columns: one-row score tables and multi-model comparison tables."""
    columns = [(i, _plain(h), resolve_benchmark(_plain(h))) for i, h in enumerate(table.header)]
    bench_cols = [(i, name, key) for i, name, key in columns if key]
    avg_cols = [i for i, name, _ in columns if _norm(name) in AVERAGE_NAMES]
    if len(bench_cols) < 2:
        return []
    first = _norm(_plain(table.header[0]))
    has_model_col = first in {"model", "models", "name", "modelname"} or not columns[0][2] and first not in \
        AVERAGE_NAMES
    board = _leaderboard_for({k for _, _, k in bench_cols})
    values = [v for row in table.rows for i, _, _ in bench_cols if i < len(row) and (v := _number(row[i])) is not None]
    scale = _scale(values)
    runs = []
    own_names = {_norm(model_name), _norm((repo_id or "").split("/")[-1])} - {""}
    for row in table.rows if has_model_col else table.rows[:1]:
        subject = None
        label = table.heading or "Score table"
        if has_model_col:
            subject, label = _row_subject(row[0], own_names, warnings)
        run = EvalRunFact(source="card_table", label=label, leaderboard=board, subject=subject,
                          self_reported=not _is_leaderboard_heading(table), sources=[f"table: {table.heading}"])
        for i, name, key in bench_cols:
            value = _number(row[i]) if i < len(row) else None
            if value is None:
                continue
            metric = DEFAULT_METRIC.get(key, "score") if board != "nous" or key != "truthfulqa" else "mc2"
            shots = 0 if board == "nous" else shots_from_name(name)
            run.results.append(_result(key, name, metric, value, None if key == "arena_elo" else scale, shots,
                                       normalized=board == "open_llm_v2"))
        for i in avg_cols:
            if i < len(row) and (value := _number(row[i])) is not None:
                run.stated_averages[""] = value * (100.0 if scale == 1.0 else 1.0)
        if run.results:
            runs.append(run)
    return runs


def _row_subject(cell: str, own_names: set[str], warnings: list[str]) -> tuple[str | None, str]:
    """Who a comparison row is about. Bold or matching the card's name = the card's own model."""
    text = _plain(cell)
    bold = "**" in cell or "__" in cell
    link = _LINK.search(cell)
    repo = _HF_REPO.search(link.group(2)) if link else None
    if bold or _norm(text) in own_names or _norm(text.split("/")[-1]) in own_names:
        return None, text
    if repo:
        org, name = repo.group(1), repo.group(2)
        if _norm(name) != _norm(text.split("/")[-1]):
            warnings.append(f"Comparison row '{text}' links to {org}/{name}; using {org}/{text.split('/')[-1]}.")
            return f"{org}/{text.split('/')[-1]}", text
        return f"{org}/{name}", text
    if "/" in text and re.fullmatch(r"[\w.-]+/[\w.-]+", text):
        return text, text
    warnings.append(f"Comparison row '{text}' names no repository; its values were not attributed.")
    return "", text


def extract_table_runs(body: str, *, model_name: str, repo_id: str | None) -> tuple[list[EvalRunFact], list[str]]:
    """Every benchmark table of a card body as runs (own model first, then claims about others)."""
    warnings: list[str] = []
    runs: list[EvalRunFact] = []
    nous = EvalRunFact(source="card_table", label="Nous suite", leaderboard="nous", self_reported=True)
    seen_nous: dict[tuple[str, str], float] = {}

    def add_nous(results: list[ResultFact], averages: dict[str, float], where: str) -> None:
        for r in results:
            r.shots = 0
            if r.benchmark in ("truthfulqa",) and r.metric in ("mc1", "mc2"):
                pass
            key = (r.raw_name if not r.benchmark else r.benchmark, r.metric)
            if key in seen_nous:
                if abs(seen_nous[key] - r.value) > 0.005:
                    warnings.append(f"Nous suite: {key[0]} {key[1]} is {seen_nous[key]:g} in one table and "
                                    f"{r.value:g} in another.")
                continue
            seen_nous[key] = r.value
            nous.results.append(r)
        for k, v in averages.items():
            nous.stated_averages.setdefault(k, v)
        nous.sources.append(where)

    for table in find_tables(body):
        header = {_norm(h) for h in table.header}
        if {"task", "metric", "value"} <= header:
            results, averages = _lmeval_table(table, warnings)
            if results and any(_subset_of(r.benchmark) for r in results):
                add_nous(results, averages, f"table: {table.label or table.heading}")
            elif results:
                runs.append(EvalRunFact(source="card_table", label=table.label or table.heading or "lm-eval table",
                                        results=results, stated_averages=averages,
                                        sources=[f"table: {table.heading}"]))
            continue
        if len(table.header) == 2 and _norm(table.header[1]) in {"value", "score", "result"}:
            run = _summary_table(table, warnings)
            if run:
                runs.append(run)
            continue
        for run in _column_table(table, model_name=model_name, repo_id=repo_id, warnings=warnings):
            if run.leaderboard == "nous" and run.subject is None:
                add_nous(run.results, run.stated_averages, f"table: {table.heading}")
            elif run.subject != "":
                runs.append(run)
    if nous.results:
        runs.insert(0, nous)
    return runs, warnings
