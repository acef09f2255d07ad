"""Benchmark results in Markdown pipe tables.

Shapes handled (each seen in real cards, see ``fixtures/cards/seeds``):

* **summary tables**, benchmarks as rows: ``| Metric | Value |`` with ``Avg.`` / ``AI2 Reasoning
  Challenge (25-Shot)`` rows (the Open LLM Leaderboard bot's table, seeds 000/003/004), or
  ``| Benchmark | Score | Shots |``; several value columns are several models;
* **column tables**, benchmarks as columns: a one-row ``| Average | ARC | HellaSwag ... |``
  (seed 004) or a comparison of several models, one per row (seed 001);
* **lm-eval tables** ``| Task | Version | Metric | Value | | Stderr |`` with continuation rows
  whose Task cell is empty (seeds 001/002), and the 0.4 layout with Filter / n-shot columns.

The Nous suite (GPT4All, AGIEval, TruthfulQA, BigBench tables of one card, and the card's own
row of a comparison of the four aggregates) becomes ONE run, ``leaderboard="nous"``, all
zero-shot: that is how the suite is defined (Nous Research / LLM AutoEval model cards).

Scale: a table whose bounded values are all <= 1 holds fractions; they are stored x100 with
``raw_scale=1.0``. Elo columns are unbounded and excluded from that decision.

Every limit below bounds the work on hostile input (huge tables, very long cells).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from catalog.cards.benchmarks import (
    DEFAULT_METRIC,
    UNBOUNDED_KEYS,
    UNBOUNDED_METRICS,
    V1_KEYS,
    canonical_metric,
    V2_KEYS,
    leaderboard_for,
    resolve_benchmark,
    shots_from_name,
    subset_of,
)
from catalog.cards.facts import EvalRunFact, ResultFact

__all__ = ["DEFAULT_METRIC", "V1_KEYS", "V2_KEYS", "Table", "extract_table_runs", "find_tables", "make_result",
           "parse_value", "plain", "split_cells"]

MAX_LINES = 100_000
MAX_TABLES = 200
MAX_ROWS = 1_000
MAX_CELLS = 64
MAX_CELL = 600
MAX_LINE = 20_000
CONTEXT_LINES = 6  # how far above a table a label / below it an "Average:" line may be

# Header cells that mean "the value of the row's benchmark" rather than naming a model.
VALUE_HEADERS = {"value", "values", "score", "scores", "result", "results", "accuracy", "acc", "percent",
                 "percentage", "", "performance", "metricvalue"}
NAME_HEADERS = {"metric", "metrics", "benchmark", "benchmarks", "task", "tasks", "name", "dataset", "datasets",
                "eval", "evals", "evaluation", "test", "tests", "category", "groups", "group"}
MODEL_HEADERS = {"model", "models", "modelname", "name", "llm", "checkpoint", "model_name"}
SHOTS_HEADERS = {"shots", "nshot", "nshots", "fewshot", "fewshots", "numfewshot", "k", "shot"}
SKIP_HEADERS = {"stderr", "std", "stddev", "version", "filter", "notes", "note", "comment", "comments", "source",
                "link", "details", "rank", "type", "params", "parameters", "size", "license", "date"}
AVERAGE_NAMES = {"avg", "average", "averagescore", "avgscore", "mean", "overall", "overallaverage", "total",
                 "averageall", "avgall", "averagescores"}
NOT_A_VALUE = {"", "?", "n/a", "na", "-", "--", "–", "—", "none", "null", "nan", "tbd", "todo", "x", "/", "n.a.",
               "unknown", "pending"}
NOUS_WORDS = {"gpt4all": "gpt4all", "agieval": "agieval", "agi-eval": "agieval", "agi eval": "agieval",
              "bigbench": "bigbench", "big-bench": "bigbench", "big bench": "bigbench", "truthfulqa": "truthfulqa"}

_SEPARATOR_CELL = re.compile(r"^:?-{1,}:?$")
# Character classes exclude their own opening delimiters so that every scan stops at the
# next "[" / "(": linear time on hostile cells like "[[[[...".
_IMAGE = re.compile(r"!\[[^\[\]\n]{0,300}\]\([^()\[\]\n]{0,600}\)")
_LINK = re.compile(r"\[([^\[\]\n]{0,300})\]\(\s*<?([^()\[\]\s>]{0,600})>?(?:\s+\"[^\"\n]{0,200}\")?\s*\)")
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>\n]{0,200}>")
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*)$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_HF_MODEL = re.compile(r"^(?:https?://)?(?:www\.)?(?:huggingface\.co|hf\.co)/(?!datasets/|spaces/|docs/|blog/)"
                       r"([A-Za-z0-9][\w.-]{0,95})/([A-Za-z0-9][\w.-]{0,95})(?:[/?#].*)?$")
_REPO_TEXT = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95}$")
_NUMBER = re.compile(r"^[-+]?(?:\d{1,3}(?:,\d{3})+|\d{1,12})(?:\.\d{1,12})?$")
_PLUS_MINUS = re.compile(r"\s*\(?\s*(?:±|\+/-|\+-)\s*")
_AVERAGE_LINE = re.compile(r"^[ \t>*_]{0,6}(?:overall[ \t]+)?(?:average|avg\.?|mean)(?:[ \t]+score)?[ \t*_]{0,4}"
                           r"[:=]?[ \t*_]{0,4}([-+]?\d{1,4}(?:\.\d{1,8})?)[ \t]*%?[ \t*_]{0,4}$", re.IGNORECASE)
_DETAILS = re.compile(r"https?://huggingface\.co/datasets/open-llm-leaderboard(?:-old)?/[\w.-]{1,200}")
_BOARD_LINK = re.compile(r"huggingface\.co/spaces/[\w.-]{1,100}/open[_-]llm[_-]leaderboard", re.IGNORECASE)
_NON_ALNUM = re.compile(r"[^a-z0-9]")
_TOKENS = re.compile(r"[a-z0-9.]+")
_OWN_MARKER = re.compile(r"\b(?:ours|this model|proposed)\b")


def _norm(text: str) -> str:
    return _NON_ALNUM.sub("", text.lower())


# --- finding tables --------------------------------------------------------------------------


@dataclass
class Table:
    """A pipe table with what surrounds it in the document."""

    header: list[str]  # raw cells
    rows: list[list[str]]  # raw cells (ragged rows kept as written)
    line: int  # 1-based line of the header
    heading_raw: str = ""  # nearest Markdown heading above, as written (links kept)
    heading: str = ""  # the same as plain text
    label: str = ""  # the nearest non-table text line just above ("GPT4All:", "### AGIEval" ...)
    between: str = ""  # text between the heading and the table (details links live here)
    after: list[str] = field(default_factory=list)  # non-blank lines right after the table

    @property
    def context(self) -> str:
        return f"{self.heading} {self.label}".strip()

    @property
    def title(self) -> str:
        return (self.heading or self.label.rstrip(":")).strip()[:120]

    @property
    def where(self) -> str:
        title = self.heading or self.label
        return f"table at line {self.line}" + (f" ({title[:80]})" if title else "")


def split_cells(line: str) -> list[str]:
    """Cells of a pipe-table line; outer pipes optional, ``\\|`` is a literal pipe."""
    text = line.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    cells: list[str] = []
    current: list[str] = []
    escaped = False
    for char in text:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "|":
            cells.append("".join(current).strip()[:MAX_CELL])
            current = []
            if len(cells) >= MAX_CELLS:
                return cells
        else:
            current.append(char)
    cells.append("".join(current).strip()[:MAX_CELL])
    return cells


def _is_separator(line: str) -> bool:
    if "-" not in line or len(line) > MAX_LINE:
        return False
    cells = split_cells(line)
    filled = [c for c in cells if c]
    return "|" in line and bool(filled) and all(_SEPARATOR_CELL.match(c.replace(" ", "")) for c in filled)


def find_tables(body: str) -> list[Table]:
    """Every pipe table outside fenced code blocks, with its heading, label and trailing lines."""
    lines = body.split("\n", MAX_LINES)[:MAX_LINES]
    tables: list[Table] = []
    heading_raw = heading = ""
    heading_at = -1
    in_fence = False
    i = 0
    while i < len(lines) and len(tables) < MAX_TABLES:
        line = lines[i]
        if _FENCE.match(line):
            in_fence = not in_fence
            i += 1
            continue
        if in_fence:
            i += 1
            continue
        if (m := _HEADING.match(line[:MAX_LINE])):
            heading_raw = m.group(2).strip().rstrip("#").strip()
            heading = plain(heading_raw)
            heading_at = i
        elif "|" in line and len(line) <= MAX_LINE and i + 1 < len(lines) and _is_separator(lines[i + 1]):
            header = split_cells(line)
            if len(header) >= 2:
                rows: list[list[str]] = []
                j = i + 2
                while j < len(lines) and "|" in lines[j] and lines[j].strip() and len(rows) < MAX_ROWS:
                    if len(lines[j]) <= MAX_LINE:
                        rows.append(split_cells(lines[j]))
                    j += 1
                while j < len(lines) and "|" in lines[j] and lines[j].strip():  # rows beyond MAX_ROWS
                    j += 1
                label = _label_above(lines, i, heading_at)
                between = "\n".join(lines[heading_at + 1:i]) if heading_at >= 0 and i - heading_at < 40 else ""
                after = _lines_after(lines, j)
                tables.append(Table(header, rows, i + 1, heading_raw, heading, label, between[:5000], after))
                i = j
                continue
        i += 1
    return tables


def _label_above(lines: list[str], index: int, heading_at: int) -> str:
    """The nearest non-blank text line above a table, unless a table or the heading comes first."""
    for k in range(index - 1, max(-1, index - CONTEXT_LINES - 1), -1):
        text = lines[k].strip()
        if not text:
            continue
        if "|" in text or k == heading_at:  # another table, or the heading itself
            return ""
        return plain(text[:300])
    return ""


def _lines_after(lines: list[str], start: int) -> list[str]:
    out: list[str] = []
    for k in range(start, min(len(lines), start + CONTEXT_LINES)):
        text = lines[k].strip()
        if not text:
            continue
        if "|" in text or _HEADING.match(text[:MAX_LINE]):
            break
        out.append(text[:300])
        if len(out) >= 2:
            break
    return out


# --- cells -----------------------------------------------------------------------------------


def plain(cell: str) -> str:
    """A cell as plain text: no images, link targets, HTML tags, emphasis or code marks."""
    text = cell[:MAX_CELL]
    if "](" in text:
        text = _LINK.sub(r"\1", _IMAGE.sub("", text))
    if "<" in text:
        text = _HTML_TAG.sub("", text)
    text = text.replace("**", "").replace("__", "").replace("`", "").replace("~~", "")
    return " ".join(text.split()).strip("*_ ")


def is_bold(cell: str) -> bool:
    lowered = cell.lower()
    return "**" in cell or "__" in cell or "<b>" in lowered or "<strong>" in lowered


def parse_value(cell: str) -> tuple[float | None, float | None, bool]:
    """``(value, stderr, is_placeholder)`` of a cell: ``**45.29**`` -> 45.29, ``61.9 ± 1.4`` ->
    (61.9, 1.4), ``1,099`` -> 1099; ``?``/``N/A``/``-`` -> placeholder; prose -> (None, None, False)."""
    text = plain(cell)
    if text.lower() in NOT_A_VALUE:
        return None, None, True
    stderr = None
    parts = _PLUS_MINUS.split(text, maxsplit=1)
    if len(parts) == 2:
        text = parts[0]
        err = parts[1].rstrip(")% ").strip()
        if _NUMBER.match(err):
            stderr = float(err.replace(",", ""))
    text = text.rstrip("*†‡¹²³ ").rstrip("%").strip()
    if not _NUMBER.match(text):
        return None, None, False
    return float(text.replace(",", "")), stderr, False


def _repo_from_link(cell: str) -> str | None:
    for match in _LINK.finditer(cell[:MAX_CELL]):
        target = _HF_MODEL.match(match.group(2))
        if target:
            return f"{target.group(1)}/{target.group(2)}"
    return None


def _tokens(text: str) -> set[str]:
    return set(_TOKENS.findall(text.lower().replace("_", "-")))


@dataclass
class _Subject:
    own: bool
    repo: str | None  # None for the card's own model or when no repo is known
    name: str


def _own_names(model_name: str, repo_id: str | None) -> set[str]:
    names = {_norm(model_name), _norm(repo_id or ""), _norm((repo_id or "").split("/")[-1])}
    return {n for n in names if n}


def _who(cell: str, own: set[str], warnings: list[str], where: str) -> _Subject:
    """Whom a comparison row / column is about: the card's model or another repo."""
    name = plain(cell)
    norm = _norm(name)
    if norm in own or _norm(name.split("/")[-1]) in own or _OWN_MARKER.search(name.lower()):
        return _Subject(True, None, name)
    repo = _repo_from_link(cell)
    if repo:
        org, repo_name = repo.split("/")
        text_name = name.split("/")[-1].strip()
        if text_name and not _tokens(text_name) <= _tokens(repo_name):
            # The link text names another model than the link target: trust the text, which
            # is what the reader sees next to the numbers, and the link's organisation.
            fixed = re.sub(r"\s+", "-", text_name)
            warnings.append(f"{where}: row '{name}' links to {repo}; attributed to {org}/{fixed}.")
            repo = f"{org}/{fixed}" if _REPO_TEXT.match(f"{org}/{fixed}") else None
        return _Subject(False, repo, name)
    if _REPO_TEXT.match(name):
        return _Subject(False, name, name)
    return _Subject(False, None, name)


# --- results ---------------------------------------------------------------------------------


def _scale_of(values: list[float], warnings: list[str], where: str) -> float:
    """1.0 when every bounded value is a fraction, else 100.0 (with a warning when mixed)."""
    if not values:
        return 100.0
    if all(0.0 <= v <= 1.0 for v in values) and any(0.0 < v < 1.0 for v in values):
        return 1.0
    fractions = [v for v in values if 0.0 < v < 1.0]
    if fractions and any(v > 1.0 for v in values):
        shown = ", ".join(f"{v:g}" for v in fractions[:5])
        warnings.append(f"{where}: mixes values <= 1 ({shown}) with percentages; all were read as percentages.")
    return 100.0


def make_result(key: str, raw_name: str, metric: str, raw: float, scale: float | None, shots: int | None,
                stderr: float | None = None, normalized: bool = False) -> ResultFact:
    """A ResultFact on the 0-100 scale (fractions x100; Elo kept as is with ``raw_scale=None``)."""
    factor = 100.0 if scale == 1.0 else 1.0
    return ResultFact(benchmark=key, raw_name=raw_name[:200], metric=metric[:60], value=round(raw * factor, 6),
                      raw_value=raw, raw_scale=scale, shots=shots,
                      stderr=round(stderr * factor, 6) if stderr is not None else None, normalized=normalized)


def _metric_for(key: str, name: str) -> str:
    """The metric a table means when it names only the benchmark (the boards' metric; a
    "TruthfulQA (MC1)" column is mc1)."""
    if key == "truthfulqa":
        return "mc1" if "mc1" in name.lower() else "mc2"
    return DEFAULT_METRIC.get(key, "score")


def _unbounded_metric(metric: str) -> bool:
    return metric in UNBOUNDED_METRICS or "perplexity" in metric


def _average(value: float, scale: float) -> float:
    """A stated average on the 0-100 scale. Averages printed under a table of fractions are
    often already percents (seed 002: 0.5990 ... then "Average: 75.70"), so only a value <= 1
    is scaled."""
    return round(value * 100.0, 6) if scale == 1.0 and value <= 1.0 else value


def _in_range(key: str, value: float) -> bool:
    return key in UNBOUNDED_KEYS or -0.001 <= value <= 100.0


def _is_bot_table(table: Table) -> bool:
    """Under the Open LLM Leaderboard bot's heading (a link to the leaderboard space)."""
    return "openllmleaderboard" in _norm(table.heading) and bool(
        _BOARD_LINK.search(table.heading_raw) or "evaluationresults" in _norm(table.heading))


def _details_url(table: Table) -> str:
    match = _DETAILS.search(table.between)
    return match.group(0).rstrip(".") if match else ""


def _stated_average(lines: list[str]) -> float | None:
    for line in lines:
        match = _AVERAGE_LINE.match(line)
        if match:
            return float(match.group(1))
    return None


@dataclass
class _Collector:
    """Runs of one card: the card's own runs in document order, claims about others after."""

    own: list[EvalRunFact] = field(default_factory=list)
    others: list[EvalRunFact] = field(default_factory=list)
    nous: EvalRunFact | None = None
    warnings: list[str] = field(default_factory=list)

    def nous_run(self) -> EvalRunFact:
        if self.nous is None:
            self.nous = EvalRunFact(source="card_table", label="Nous suite tables", leaderboard="nous",
                                    self_reported=True)
            self.own.append(self.nous)
        return self.nous

    def add_nous(self, results: list[ResultFact], averages: dict[str, float], where: str) -> None:
        run = self.nous_run()
        index = {(r.benchmark or r.raw_name, r.metric): i for i, r in enumerate(run.results)}
        for result in results:
            result.shots = 0
            key = (result.benchmark or result.raw_name, result.metric)
            if key in index:
                kept = run.results[index[key]]
                if abs(kept.value - result.value) > 0.0051:
                    self.warnings.append(f"Nous suite: {key[0]} {key[1]} is {kept.value:g} in one table and "
                                         f"{result.value:g} in another; the first was kept.")
                elif kept.stderr is None and result.stderr is not None:
                    run.results[index[key]] = result  # same value, and this one says its error
                continue
            index[key] = len(run.results)
            run.results.append(result)
        for name, value in averages.items():
            if name in run.stated_averages and abs(run.stated_averages[name] - value) > 0.0051:
                self.warnings.append(f"Nous suite: two different stated averages for '{name or 'overall'}' "
                                     f"({run.stated_averages[name]:g}, {value:g}); the first was kept.")
            run.stated_averages.setdefault(name, value)
        if where not in run.sources:
            run.sources.append(where)


# --- lm-eval tables ------------------------------------------------------------------------


def _column(header: list[str], *names: str) -> int | None:
    normed = [_norm(plain(h)) for h in header]
    for name in names:
        if name in normed:
            return normed.index(name)
    return None


def _lmeval_table(table: Table, collector: _Collector) -> None:
    """``Task|Version|Metric|Value| |Stderr``: one result per (task, metric); empty Task cells
    continue the previous task; the ``±`` column is ignored."""
    header = table.header
    task_i = _column(header, "task", "tasks", "groups", "group")
    metric_i = _column(header, "metric")
    value_i = _column(header, "value")
    if task_i is None or metric_i is None or value_i is None:
        return
    stderr_i = _column(header, "stderr")
    shots_i = _column(header, "nshot", "shots", "fewshot", "numfewshot")
    rows: list[tuple[str, str, float, float | None, int | None]] = []
    placeholders: list[str] = []
    seen: set[tuple[str, str]] = set()
    task = ""
    shots: int | None = None
    for row in table.rows:
        if len(row) <= max(task_i, metric_i, value_i):
            continue
        cell_task = plain(row[task_i]).lstrip("-• ").strip()
        if cell_task:
            task = cell_task
            shots = None
            if shots_i is not None and shots_i < len(row):
                shot_text = plain(row[shots_i])
                shots = int(shot_text) if shot_text.isdigit() and len(shot_text) <= 3 else None
        metric = plain(row[metric_i])
        if not task or not metric:
            continue
        value, _, placeholder = parse_value(row[value_i])
        if value is None:
            if placeholder:
                placeholders.append(f"{task} {metric}")
            continue
        if (task, metric) in seen:
            # 0.4 tables list a metric once per filter (gsm8k strict-match, flexible-extract):
            # the first filter is the one the leaderboards use.
            continue
        seen.add((task, metric))
        stderr = None
        if stderr_i is not None and stderr_i < len(row):
            stderr, _, _ = parse_value(row[stderr_i])
        rows.append((task, metric, value, stderr, shots))
    if not rows:
        return
    warnings = collector.warnings
    scale = _scale_of([v for _, m, v, _, _ in rows if not _unbounded_metric(m)], warnings, table.where)
    results = []
    for task, metric, value, stderr, shots in rows:
        key = resolve_benchmark(task)
        unit = None if _unbounded_metric(metric) or key in UNBOUNDED_KEYS else scale
        if unit == 100.0 and not _in_range(key, value):
            warnings.append(f"{table.where}: {task} {metric} = {value:g} is not a percentage; skipped.")
            continue
        results.append(make_result(key, task, canonical_metric(task, metric), value, unit, shots, stderr))
    if placeholders:
        warnings.append(f"{table.where}: no value for {', '.join(placeholders[:5])}; skipped.")
    subsets = {subset_of(r.benchmark) for r in results} - {""}
    named = _nous_name(table.context)
    stated = _stated_average(table.after)
    nonzero_shots = any(r.shots not in (None, 0) for r in results)
    # AGIEval / BigBench task names are the Nous suite's own (LLM AutoEval); GPT4All's tasks
    # (piqa, boolq ...) are ordinary harness tasks unless a heading / label names the suite.
    nous_only = any(r.benchmark.startswith(("agieval_", "bigbench_")) for r in results)
    if not nonzero_shots and (named or nous_only):
        averages: dict[str, float] = {}
        if stated is not None:
            group = named or (next(iter(subsets)) if len(subsets) == 1 else "")
            averages[group] = _average(stated, scale)
        collector.add_nous(results, averages, table.where)
        return
    keys = {r.benchmark for r in results if r.benchmark}
    board = leaderboard_for(keys)
    run = EvalRunFact(source="card_table", label=table.title or "lm-eval results table",
                      leaderboard=board if board != "nous" else None, self_reported=True,
                      harness="lm-evaluation-harness", results=results, sources=[table.where])
    if stated is not None:
        run.stated_averages[""] = _average(stated, scale)
    collector.own.append(run)


def _board_for(keys: set[str], table: Table) -> str | None:
    """The board of a summary / column table. GPT4All component tasks alone (ARC-Easy, PIQA
    ...) are not the Nous suite unless the table says so: nothing else makes them zero-shot."""
    board = leaderboard_for(keys)
    if board == "nous":
        suite = any(k in ("agieval", "gpt4all", "bigbench") or k.startswith(("agieval_", "bigbench_")) for k in keys)
        if not suite and not _nous_name(table.context) and "nous" not in table.context.lower():
            return None
    return board


def _nous_name(context: str) -> str:
    lowered = context.lower()
    found = {value for word, value in NOUS_WORDS.items() if word in lowered}
    return found.pop() if len(found) == 1 else ""


# --- summary tables (benchmarks as rows) ---------------------------------------------------


def _row_table(table: Table, collector: _Collector, own: set[str]) -> bool:
    """Benchmarks as rows. Returns False when the table is not one."""
    header = [plain(h) for h in table.header]
    normed = [_norm(h) for h in header]
    named_rows = [(row, plain(row[0])) for row in table.rows if row]
    keyed = [(row, name, resolve_benchmark(name)) for row, name in named_rows]
    known = [k for _, _, k in keyed if k]
    has_average = any(_norm(name) in AVERAGE_NAMES for _, name, _ in keyed)
    if len(known) < 2 and not (known and has_average):
        return False
    metric_i = next((i for i, h in enumerate(normed) if i > 0 and h in ("metric", "metrics")), None)
    shots_i = next((i for i, h in enumerate(normed) if i > 0 and h in SHOTS_HEADERS), None)
    value_cols = [i for i, h in enumerate(normed) if i > 0 and i not in (metric_i, shots_i)
                  and h not in SKIP_HEADERS and h not in NAME_HEADERS - {""}]
    if not value_cols:
        return False
    warnings = collector.warnings
    board = _board_for(set(known), table)
    bot = _is_bot_table(table)
    for col in value_cols:
        header_cell = table.header[col]
        if _norm(plain(header_cell)) in VALUE_HEADERS or len(value_cols) == 1 and not _repo_from_link(header_cell) \
                and not _REPO_TEXT.match(plain(header_cell)):
            who = _Subject(True, None, plain(header_cell))
        else:
            who = _who(header_cell, own, warnings, table.where)
        if not who.own and not who.repo:
            if any(parse_value(row[col])[0] is not None for row, _, _ in keyed if col < len(row)):
                warnings.append(f"{table.where}: column '{who.name}' names no repository; its values were "
                                "not attributed.")
            continue
        cells = [(row, name, key, *(parse_value(row[col]) if col < len(row) else (None, None, False)))
                 for row, name, key in keyed]
        bounded = [v for _, _, k, v, _, _ in cells if v is not None and k and k not in UNBOUNDED_KEYS]
        scale = _scale_of(bounded, warnings, table.where)
        run = EvalRunFact(source="card_table", label=table.title or "Results table", leaderboard=board,
                          subject=who.repo if not who.own else None, self_reported=not bot,
                          sources=[table.where], details_url=_details_url(table))
        placeholders = []
        for row, name, key, value, stderr, placeholder in cells:
            if value is None:
                if placeholder and (key or _norm(name) in AVERAGE_NAMES):
                    placeholders.append(name)
                continue
            if _norm(name) in AVERAGE_NAMES:
                run.stated_averages[""] = _average(value, scale)
                continue
            if not key:
                continue  # a non-benchmark row (parameters, notes) in a results table
            unit = None if key in UNBOUNDED_KEYS else scale
            if unit == 100.0 and not _in_range(key, value):
                warnings.append(f"{table.where}: {name} = {value:g} is not a percentage; skipped.")
                continue
            metric = plain(row[metric_i]) if metric_i is not None and metric_i < len(row) and plain(row[metric_i]) \
                else _metric_for(key, name)
            shots = shots_from_name(name)
            if shots_i is not None and shots_i < len(row):
                text = plain(row[shots_i])
                shots = int(text) if text.isdigit() and len(text) <= 3 else shots
            if board == "nous":
                shots = 0
            run.results.append(make_result(key, name, metric, value, unit, shots, stderr,
                                           normalized=board == "open_llm_v2"))
        if placeholders and (run.results or run.stated_averages):
            warnings.append(f"{table.where}: no value for {', '.join(placeholders[:6])}; skipped.")
        _file(collector, run, table)
    return True


def _file(collector: _Collector, run: EvalRunFact, table: Table) -> None:
    if not run.results:
        return
    if run.subject is not None:
        collector.others.append(run)
    elif run.leaderboard == "nous":
        collector.add_nous(run.results, run.stated_averages, table.where)
    else:
        collector.own.append(run)


# --- column tables (benchmarks as columns) ------------------------------------------------


def _column_table(table: Table, collector: _Collector, own: set[str]) -> bool:
    header = [plain(h) for h in table.header]
    keys = [resolve_benchmark(h) for h in header]
    bench_cols = [i for i, k in enumerate(keys) if k]
    # Two benchmark columns make a score table; one is enough next to a "Model" column
    # ("| Model | Arena Elo |").
    if len(bench_cols) < 2 and not (bench_cols and _norm(header[0]) in MODEL_HEADERS):
        return False
    average_cols = [i for i, h in enumerate(header) if _norm(h) in AVERAGE_NAMES]
    label_col = 0 if not keys[0] and 0 not in average_cols else None
    warnings = collector.warnings
    board = _board_for({keys[i] for i in bench_cols}, table)
    bot = _is_bot_table(table)
    rows = [row for row in table.rows if any(c.strip() for c in row)]
    if not rows:
        return True
    if label_col is None and len(rows) > 1:
        warnings.append(f"{table.where}: {len(rows)} rows but no model column; only the first row was read.")
        rows = rows[:1]
    subjects: list[tuple[list[str], _Subject]] = []
    for row in rows:
        if label_col is None:
            subjects.append((row, _Subject(True, None, "")))
        else:
            subjects.append((row, _who(row[label_col] if row else "", own, warnings, table.where)))
    # Bold marks the card's own row when no row names the model.
    if label_col is not None and not any(s.own for _, s in subjects):
        bold = [i for i, (row, _) in enumerate(subjects) if row and is_bold(row[label_col])]
        if len(bold) == 1:
            row, subject = subjects[bold[0]]
            subjects[bold[0]] = (row, _Subject(True, None, subject.name))
    bounded = [v for row, _ in subjects for i in bench_cols + average_cols
               if i < len(row) and keys[i] not in UNBOUNDED_KEYS and (v := parse_value(row[i])[0]) is not None]
    scale = _scale_of(bounded, warnings, table.where)
    for row, who in subjects:
        if not who.own and not who.repo:
            if any(i < len(row) and parse_value(row[i])[0] is not None for i in bench_cols):
                warnings.append(f"{table.where}: row '{who.name}' names no repository; its values were not "
                                "attributed.")
            continue
        run = EvalRunFact(source="card_table",
                          label=(table.title or "Results table") + (f": {who.name}" if who.name else ""),
                          leaderboard=board, subject=None if who.own else who.repo, self_reported=not bot,
                          sources=[table.where], details_url=_details_url(table))
        placeholders = []
        for i in bench_cols:
            if i >= len(row):
                continue
            value, stderr, placeholder = parse_value(row[i])
            key = keys[i]
            if value is None:
                if placeholder:
                    placeholders.append(header[i])
                continue
            unit = None if key in UNBOUNDED_KEYS else scale
            if unit == 100.0 and not _in_range(key, value):
                warnings.append(f"{table.where}: {header[i]} = {value:g} is not a percentage; skipped.")
                continue
            shots = 0 if board == "nous" else shots_from_name(header[i])
            run.results.append(make_result(key, header[i], _metric_for(key, header[i]), value, unit, shots,
                                           stderr, normalized=board == "open_llm_v2"))
        for i in average_cols:
            if i < len(row):
                value, _, _ = parse_value(row[i])
                if value is not None:
                    run.stated_averages[""] = _average(value, scale)
        if placeholders and who.own:
            warnings.append(f"{table.where}: no value for {', '.join(placeholders[:6])}; skipped.")
        _file(collector, run, table)
    return True


# --- entry point -----------------------------------------------------------------------------


def extract_table_runs(body: str, *, model_name: str, repo_id: str | None) -> tuple[list[EvalRunFact], list[str]]:
    """Every benchmark table of a card body as runs (``source="card_table"``).

    Runs about the card's own model come first, in document order (the Nous suite as one
    run where its first table is); runs with ``subject`` set (claims about other models from
    comparison tables) follow. Tables that hold no benchmark are ignored without warnings.
    """
    collector = _Collector()
    if not isinstance(body, str) or "|" not in body:
        return [], []
    own = _own_names(model_name or "", repo_id)
    for table in find_tables(body):
        header = {_norm(plain(h)) for h in table.header}
        if header & {"task", "tasks", "groups"} and "metric" in header and "value" in header:
            _lmeval_table(table, collector)
        elif not _column_table(table, collector, own):
            _row_table(table, collector, own)
    return collector.own + collector.others, collector.warnings
