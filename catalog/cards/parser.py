"""``parse_document``: any supported document in, a :class:`ParsedDocument` out.

Dispatch: JSON (``{`` after whitespace, or a ``.json`` file name) -> lm-evaluation-harness
results; text without front matter that looks like a scraped catalog page -> catalog page;
everything else -> a model card (front matter + Markdown body).

Only documents that cannot be read at all raise :class:`ParseError`; everything else becomes
warnings on the result. Each extraction stage is guarded so that one failing stage costs its
facts, not the document.

Decisions documented here:

* model-index results become one ``EvalRunFact(source="front_matter")`` per leaderboard:
  ``HuggingFaceH4/open_llm_leaderboard`` -> v1, ``open-llm-leaderboard/open_llm_leaderboard``
  -> v2; without a URL the benchmark keys decide. Results whose source is the leaderboard are
  written by the leaderboard bot, so ``self_reported=False``.
* IFEval's metric type ``inst_level_strict_acc and prompt_level_strict_acc`` (the v2 board
  reports the mean of the two) is stored as ``strict_acc``.
* A table run that repeats a front-matter run (same leaderboard, every shared benchmark
  within 0.005) is merged into it: one run, the table's stated averages, both sources.
  Different values stay separate runs, each with its source.
* Self-reported model-index values that are all in [0, 1] are fractions and stored x100;
  leaderboard values are always percentages.
* ``base_model`` edges: ``base_model_relation`` when stated; else ``quantized`` for a repo
  whose name says GGUF/GPTQ/AWQ/EXL2 (with ``quantized_by`` or a base), ``adapter`` for PEFT /
  LoRA cards, ``merge`` with a merge recipe or several bases, else ``finetune``. Without a
  ``base_model``, a "based on <link>" sentence gives a ``finetune`` edge with confidence 0.8.
  Merge recipes give their own edges (see :mod:`catalog.cards.merge`).
* Parameter counts: stated prose wins; an ``NxM B`` shape (own name, a finetune's base, a
  mergekit-moe config) is estimated with :func:`catalog.cards.prose.estimate_moe`, flagged
  ``params_estimated`` and warned about; a dense name ("-7B") gives the nominal size, flagged.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any, TypeVar

from catalog.cards import prose
from catalog.cards.benchmarks import resolve_benchmark, shots_from_name
from catalog.cards.catalog_page import looks_like_catalog_page, parse_catalog_page
from catalog.cards.facts import EvalRunFact, LineageFact, ModelFacts, ParsedDocument, ParseError, ResultFact
from catalog.cards.frontmatter import split_front_matter
from catalog.cards.guards import MAX_DOCUMENT_BYTES, decode_document
from catalog.cards.lmeval import looks_like_lmeval, parse_lmeval
from catalog.cards.merge import extract_recipes, normalize_reference
from catalog.cards.reindent import SCALAR, SCALARS, CARD_SCHEMA, count_task_markers, looks_flattened, reindent
from catalog.cards.repo_refs import hf_model_links, hf_model_links_with_context, is_repo_id, quant_info
from catalog.cards.safe_yaml import YamlSyntaxError, load_yaml, reject_aliases
from catalog.cards.tables import extract_table_runs

T = TypeVar("T")

MAX_JSON_DEPTH = 50
MAX_JSON_NODES = 500_000
MAX_FRONT_MATTER_BYTES = 512 * 1024
MAX_WARNINGS = 200

V1_KEYS = frozenset({"arc", "hellaswag", "mmlu", "truthfulqa", "winogrande", "gsm8k"})
V2_KEYS = frozenset({"ifeval", "bbh", "math_lvl5", "gpqa", "musr", "mmlu_pro"})
# Shots and metric each board uses for its benchmarks (Open LLM Leaderboard "About" pages:
# v1 https://huggingface.co/spaces/open-llm-leaderboard-old/open_llm_leaderboard, v2
# https://huggingface.co/docs/leaderboards/open_llm_leaderboard/about). Used only when a
# model-index entry leaves them out.
BOARD_DEFAULTS: dict[str, dict[str, tuple[int, str]]] = {
    "open_llm_v1": {"arc": (25, "acc_norm"), "hellaswag": (10, "acc_norm"), "mmlu": (5, "acc"),
                    "truthfulqa": (0, "mc2"), "winogrande": (5, "acc"), "gsm8k": (5, "acc")},
    "open_llm_v2": {"ifeval": (0, "strict_acc"), "bbh": (3, "acc_norm"), "math_lvl5": (4, "exact_match"),
                    "gpqa": (0, "acc_norm"), "musr": (0, "acc_norm"), "mmlu_pro": (5, "acc")},
}
BOARD_LABELS = {"open_llm_v1": "Open LLM Leaderboard (v1)", "open_llm_v2": "Open LLM Leaderboard (v2)"}
RELATIONS = {"finetune": "finetune", "fine-tune": "finetune", "fine_tune": "finetune", "finetuned": "finetune",
             "merge": "merge", "merged": "merge", "adapter": "adapter", "lora": "adapter",
             "quantized": "quantized", "quantization": "quantized"}
UNBOUNDED_METRICS = {"elo", "perplexity", "ppl", "bits_per_byte", "word_perplexity", "byte_perplexity", "loss"}

_QUERY = re.compile(r"open[_-]llm[_-]leaderboard\?query=([\w.-]{1,96})(?:/|%2F)([\w.-]{1,96})", re.IGNORECASE)
_DETAILS_V1 = re.compile(r"open-llm-leaderboard(?:-old)?/details_([\w.-]{1,96}?)__([\w.-]{1,96})")
_DETAILS_V2 = re.compile(r"open-llm-leaderboard/([\w.-]{1,96}?)__([\w.-]{1,96}?)-details\b")
_DETAILS_URL = re.compile(r"https?://huggingface\.co/datasets/open-llm-leaderboard(?:-old)?/[\w.-]{1,200}")
_H1 = re.compile(r"^#[ \t]+(.{1,300})$", re.MULTILINE)
_IFEVAL_METRIC = re.compile(r"inst_level_strict_acc.{0,40}prompt_level_strict_acc|"
                            r"prompt_level_strict_acc.{0,40}inst_level_strict_acc")
_BASED_ON = re.compile(r"(?:based on|built on(?: top of)?|fine-?tuned (?:from|on top of|version of)|"
                       r"fine-?tune of|trained (?:from|on top of|over)|derived from|version of)"
                       r"[ \t]{0,3}(?:the[ \t]+)?[\[(\"'`]{0,2}(?:[^\n.;]|\.(?=\S)){0,40}$", re.IGNORECASE)
_URL_TAIL = re.compile(r"\(?(?:https?://)?(?:www\.)?(?:huggingface\.co|hf\.co)/$")
_TAB_INDENT = re.compile(r"^\t+", re.MULTILINE)
_SALVAGE_KEY = re.compile(r"^([A-Za-z_][\w.-]{0,80})[ \t]*:(?:[ \t]+(.{0,2000}))?$")
_SALVAGE_ITEM = re.compile(r"^[ \t]{0,8}-[ \t]+(.{1,500})$")

ARCHITECTURES_DENSE = {"mistral": "MistralForCausalLM", "llama": "LlamaForCausalLM", "yi": "LlamaForCausalLM",
                       "solar": "LlamaForCausalLM", "qwen": "Qwen2ForCausalLM", "gemma": "GemmaForCausalLM",
                       "falcon": "FalconForCausalLM", "stablelm": "StableLmForCausalLM"}
# mergekit-moe writes Mixtral-architecture checkpoints for Llama/Mistral experts
# (https://github.com/arcee-ai/mergekit/blob/main/docs/moe.md), Qwen2-MoE for Qwen experts.
ARCHITECTURES_MOE = {"mistral": "MixtralForCausalLM", "llama": "MixtralForCausalLM", "yi": "MixtralForCausalLM",
                     "solar": "MixtralForCausalLM", "qwen": "Qwen2MoeForCausalLM"}


# --- entry point -----------------------------------------------------------------------------


def parse_document(data: bytes | str, *, filename: str = "", repo_id_hint: str = "",
                   max_bytes: int = MAX_DOCUMENT_BYTES) -> ParsedDocument:
    """Parse a model card, catalog page or lm-eval results file.

    Raises ParseError (codes ``too_large``, ``binary``, ``encoding``, ``empty``,
    ``yaml_alias``, ``too_deep``, ``invalid_json``) only when nothing can be read.
    """
    text = decode_document(data, max_bytes=max_bytes)
    hint = (repo_id_hint or "").strip()
    stripped = text.lstrip()
    if stripped.startswith("{") or (filename.lower().endswith(".json") and stripped.startswith("[")):
        doc = _parse_json(stripped, hint)
    else:
        front, body, warnings = split_front_matter(text)
        doc = None
        if front is None and _guarded("catalog page detection", warnings, looks_like_catalog_page, False, text):
            doc = _guarded("catalog page", warnings, parse_catalog_page, None, text)
            if doc is not None:
                doc.warnings[:0] = warnings
        if doc is None:
            doc = _parse_card(front, body, warnings, hint)
    _apply_hint(doc, hint)
    if doc.model.repo_id and not doc.model.organization:
        doc.model.organization = doc.model.repo_id.split("/")[0]
    doc.warnings = _unique(doc.warnings)[:MAX_WARNINGS]
    return doc


def _guarded(stage: str, warnings: list[str], fn: Callable[..., T], default: T, *args: Any, **kwargs: Any) -> T:
    """Run one extraction stage; a bug or an unforeseen input shape costs that stage, not the document."""
    try:
        return fn(*args, **kwargs)
    except ParseError:
        raise
    except Exception as exc:  # noqa: BLE001 - isolating stages is the point
        warnings.append(f"Internal error while reading the {stage} ({type(exc).__name__}: {str(exc)[:200]}); "
                        "those facts are missing.")
        return default


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _apply_hint(doc: ParsedDocument, hint: str) -> None:
    """The importer's repo id wins over what the document says (a conflict is reported once)."""
    if not hint or doc.model.repo_id == hint:
        return
    found = doc.model.repo_id
    if found and found.lower() != hint.lower():
        doc.warnings.append(f"The document names its model {found}, but it was imported as {hint}.")
    doc.model.repo_id = hint
    doc.model.organization = hint.split("/")[0] if "/" in hint else doc.model.organization
    doc.model.name = doc.model.name or hint.split("/")[-1]


# --- JSON (lm-eval results) ------------------------------------------------------------------


def _check_json_shape(data: Any) -> None:
    """Depth and node limits, walked iteratively (the same limits as YAML front matter)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    nodes = 0
    while stack:
        value, depth = stack.pop()
        nodes += 1
        if nodes > MAX_JSON_NODES:
            raise ParseError("too_large", f"JSON has more than {MAX_JSON_NODES:,} values.")
        if isinstance(value, (dict, list)):
            if depth > MAX_JSON_DEPTH:
                raise ParseError("too_deep", f"JSON is nested deeper than {MAX_JSON_DEPTH} levels.")
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)


def _parse_json(text: str, hint: str) -> ParsedDocument:
    try:
        data = json.loads(text)
    except RecursionError as exc:
        raise ParseError("too_deep", f"JSON is nested deeper than {MAX_JSON_DEPTH} levels.") from exc
    except ValueError as exc:
        raise ParseError("invalid_json", f"Not valid JSON: {str(exc)[:200]}") from exc
    _check_json_shape(data)
    try:
        is_lmeval = isinstance(data, dict) and looks_like_lmeval(data)
    except Exception:  # noqa: BLE001
        is_lmeval = False
    if not is_lmeval:
        raise ParseError("invalid_json", "This JSON is not an lm-evaluation-harness results file "
                                         "(no 'results' mapping of tasks).")
    try:
        return parse_lmeval(data, repo_id_hint=hint)
    except ParseError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise ParseError("invalid_json", f"This lm-eval results file has an unexpected shape "
                                         f"({type(exc).__name__}: {str(exc)[:200]}).") from exc


# --- front matter ----------------------------------------------------------------------------


def load_front_matter(front: str) -> tuple[dict[str, Any], list[str]]:
    """The front matter as a dict, recovering from lost indentation, tabs and invalid YAML.

    Raises ParseError for hostile YAML (aliases, deep nesting, too large).
    """
    warnings: list[str] = []
    if not front.strip():
        return {}, warnings
    if len(front) > MAX_FRONT_MATTER_BYTES:
        load_yaml(front, max_bytes=MAX_FRONT_MATTER_BYTES)  # raises too_large without scanning
    scan = reject_aliases(front)  # reused below: the same text is not tokenised twice
    data: Any = None
    loaded = False
    if looks_flattened(front, CARD_SCHEMA):
        try:
            data, loaded = load_yaml(reindent(front, CARD_SCHEMA), max_bytes=MAX_FRONT_MATTER_BYTES), True
            warnings.append("The front matter had lost its indentation; it was re-indented (schema-aware) "
                            "to recover its fields and results.")
        except YamlSyntaxError:
            pass
    if not loaded:
        try:
            data, loaded = load_yaml(front, max_bytes=MAX_FRONT_MATTER_BYTES, scan=scan), True
        except YamlSyntaxError as exc:
            data, loaded = _recover_front_matter(front, str(exc), warnings)
    if not loaded:
        return {}, warnings
    if data is None:
        return {}, warnings
    if not isinstance(data, dict):
        warnings.append("The front matter is not a mapping of fields; it was ignored.")
        return {}, warnings
    markers = count_task_markers(front)
    recovered = _count_results(data)
    if markers > recovered:
        warnings.append(f"The front matter lists {markers} model-index results but only {recovered} could be "
                        "read; the rest were lost.")
    return data, warnings


def _recover_front_matter(front: str, error: str, warnings: list[str]) -> tuple[Any, bool]:
    if _TAB_INDENT.search(front):
        try:
            data = load_yaml(_TAB_INDENT.sub(lambda m: "  " * len(m.group(0)), front),
                             max_bytes=MAX_FRONT_MATTER_BYTES)
            warnings.append("The front matter was indented with tabs (not valid YAML); tabs were read as spaces.")
            return data, True
        except YamlSyntaxError:
            pass
    try:
        data = load_yaml(reindent(front, CARD_SCHEMA), max_bytes=MAX_FRONT_MATTER_BYTES)
        warnings.append(f"The front matter was not valid YAML ({error}); it was re-indented (schema-aware) "
                        "to read it.")
        return data, True
    except YamlSyntaxError:
        pass
    salvaged = _salvage(front)
    if salvaged:
        warnings.append(f"The front matter is not valid YAML ({error}); only its simple top-level fields "
                        f"({', '.join(sorted(salvaged)[:10])}) were read.")
        return salvaged, True
    warnings.append(f"The front matter is not valid YAML ({error}); it was ignored.")
    return None, False


def _scalar(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text.split(" #", 1)[0].strip()


# Keys whose value is a scalar or a list of scalars: the only ones salvage can read reliably.
_SALVAGEABLE = frozenset(k for k, spec in CARD_SCHEMA.keys.items() if spec in (SCALAR, SCALARS))


def _salvage(front: str) -> dict[str, Any]:
    """Known top-level ``key: value`` lines and ``- item`` lists (license, tags, base_model ...).

    Unknown keys are skipped: in flattened text every nested key stands at column 0 too."""
    out: dict[str, Any] = {}
    current: str | None = None
    for line in front.split("\n"):
        if (m := _SALVAGE_KEY.match(line)):
            current = m.group(1) if m.group(1) in _SALVAGEABLE and m.group(1) not in out else None
            if current is None:
                continue
            value = _scalar(m.group(2) or "")
            if value and value[0] not in "[{|>&*!":
                out[current] = value
                current = None
            elif not value:
                out.setdefault(current, [])
            continue
        if current and (m := _SALVAGE_ITEM.match(line)) and isinstance(out.get(current), list):
            if _SALVAGE_KEY.match(m.group(1)):  # "- type: acc": a list of mappings, not of scalars
                del out[current]
                current = None
                continue
            out[current].append(_scalar(m.group(1)))
            continue
        if line.strip() and not line.startswith((" ", "\t", "-")):
            current = None
    return {k: v for k, v in out.items() if v not in ([], "") and all(isinstance(i, str) for i in
                                                                      (v if isinstance(v, list) else [v]))}


def _count_results(data: dict[str, Any]) -> int:
    index = data.get("model-index")
    entries = index if isinstance(index, list) else [index] if isinstance(index, dict) else []
    return sum(len(e["results"]) for e in entries if isinstance(e, dict) and isinstance(e.get("results"), list))


def _strings(value: Any, limit: int = 100) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if item is None or isinstance(item, (dict, list)):
            continue
        text = str(item).strip()
        if text and text not in out:
            out.append(text[:200])
    return out[:limit]


def _first_string(value: Any, limit: int) -> str:
    items = _strings(value)
    return items[0][:limit] if items else ""


# --- the model card --------------------------------------------------------------------------


def _parse_card(front: str | None, body: str, warnings: list[str], hint: str = "") -> ParsedDocument:
    fm: dict[str, Any] = {}
    if front is not None:
        fm, fm_warnings = load_front_matter(front)
        warnings.extend(fm_warnings)
    doc = ParsedDocument(kind="model_card", model=ModelFacts(), front_matter=fm, body_markdown=body,
                         warnings=warnings)
    model = doc.model
    _guarded("front matter fields", warnings, _apply_front_matter, None, model, fm, warnings)
    index = fm.get("model-index")
    index = index if isinstance(index, list) else [index] if isinstance(index, dict) else []
    index_name = next((str(e["name"]).strip()[:200] for e in index if isinstance(e, dict)
                       and isinstance(e.get("name"), (str, int, float)) and str(e["name"]).strip()), "")
    heading = _heading(body)
    model.name = index_name or heading or _first_string(fm.get("model_name"), 200)
    full_text = (front or "") + "\n" + body
    model.repo_id = _guarded("repo id", warnings, find_repo_id, None, full_text, index_name or heading)
    if hint:  # applied before the tables and links, which compare names against the card's own repo
        _apply_hint(doc, hint)
    elif not model.repo_id:
        warnings.append("No repo id found in the card (no leaderboard query link, details dataset link or "
                        "matching model link); give one when importing.")
    model.name = model.name or (model.repo_id or "").split("/")[-1]

    front_runs = _guarded("model-index results", warnings, index_runs, [], index, body, warnings)
    table_runs, table_warnings = _guarded("benchmark tables", warnings, extract_table_runs, ([], []), body,
                                          model_name=model.name, repo_id=model.repo_id)
    warnings.extend(table_warnings)
    doc.runs = _guarded("run deduplication", warnings, merge_runs, front_runs + table_runs, front_runs, table_runs)

    known = _guarded("repo references", warnings, known_repos, {}, body, model)
    recipes, edges, merge_warnings = _guarded("merge recipes", warnings, extract_recipes, ([], [], []), body, known)
    doc.merge_recipes, doc.lineage = recipes, edges
    warnings.extend(merge_warnings)
    _guarded("base model lineage", warnings, _base_model_edges, None, doc, fm, body, warnings)

    own_quantized = _guarded("quantization status", warnings, _is_quantized, False, model, fm)
    doc.quantized_links = _guarded("quantized links", warnings, prose.quantized_links, [], body, model.repo_id,
                                   own_name=model.name, own_is_quantized=own_quantized)
    warnings.extend(_guarded("prose facts", warnings, prose.apply_prose, [], model, body))
    exclude = tuple(model.base_models) + tuple(e.parent for e in doc.lineage)
    model.siblings = _guarded("sibling repos", warnings, prose.siblings, [], body, model.repo_id, exclude=exclude,
                              include_quantized=own_quantized)
    _guarded("architecture", warnings, infer_architecture, None, doc, warnings)
    return doc


def _heading(body: str) -> str:
    match = _H1.search(body[:20000])
    if not match:
        return ""
    text = prose.unlink(match.group(1))
    return re.sub(r"[*_`]|\s+#+\s*$", "", text).strip()[:200]


def _apply_front_matter(model: ModelFacts, fm: dict[str, Any], warnings: list[str]) -> None:
    model.license = _first_string(fm.get("license"), 100)
    model.license_name = _first_string(fm.get("license_name"), 200)
    model.license_link = _first_string(fm.get("license_link"), 500)
    model.tags = _strings(fm.get("tags"))
    model.languages = [lang[:20] for lang in _strings(fm.get("language"), 50)]
    model.datasets = _strings(fm.get("datasets"))
    for base in _strings(fm.get("base_model"), 50):
        ref, _ = normalize_reference(base)
        if is_repo_id(ref):
            if ref.lower() not in {b.lower() for b in model.base_models}:
                model.base_models.append(ref)
        else:
            warnings.append(f"base_model '{base}' is not an org/name repo id; it was not linked.")
    model.base_model_relation = _first_string(fm.get("base_model_relation"), 40).lower()
    template = fm.get("prompt_template")
    if isinstance(template, str) and template.strip():
        model.prompt_template = template.strip()[:4000]
        model.prompt_format = prose.marker_prompt_format(template) or prose.stated_prompt_format(template)


def find_repo_id(text: str, name: str = "") -> str | None:
    """The card's own repo id: leaderboard ``?query=`` link, then the details dataset link
    (``open-llm-leaderboard/details_<org>__<name>`` or the v2 ``<org>__<name>-details``), then a
    model link whose name is the card's model name."""
    if (m := _QUERY.search(text)):
        return f"{m.group(1)}/{m.group(2).rstrip('.')}"
    for pattern in (_DETAILS_V2, _DETAILS_V1):
        if (m := pattern.search(text)):
            repo = f"{m.group(1)}/{m.group(2).rstrip('.')}"
            if is_repo_id(repo):
                return repo
    if name:
        wanted = re.sub(r"\s+", "-", name.strip()).lower()
        for repo in hf_model_links(text):
            if repo.split("/")[-1].lower() == wanted:
                return repo
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip().rstrip("%"))
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _shots(value: Any) -> int | None:
    number = _number(value)
    return int(number) if number is not None and number.is_integer() and 0 <= number <= 1000 else None


def _board(url: str, key: str) -> str | None:
    lowered = url.lower()
    if "open-llm-leaderboard/open_llm_leaderboard" in lowered:
        return "open_llm_v2"
    if "huggingfaceh4/open_llm_leaderboard" in lowered or "open-llm-leaderboard-old" in lowered:
        return "open_llm_v1"
    return None


def _metric_name(raw: str, key: str, board: str | None) -> str:
    raw = raw.strip()
    if _IFEVAL_METRIC.search(raw) or (key == "ifeval" and (not raw or "strict" in raw)):
        return "strict_acc"  # the v2 board reports the mean of the instance- and prompt-level strict accuracy
    if raw:
        return raw[:60]
    if board in BOARD_DEFAULTS and key in BOARD_DEFAULTS[board]:
        return BOARD_DEFAULTS[board][key][1]
    return "score"


def index_runs(index: list[Any], body: str, warnings: list[str]) -> list[EvalRunFact]:
    """model-index results grouped into one run per leaderboard (or per other source)."""
    pending: list[tuple[str, str, str, str | None, int | None, str, float, str]] = []
    for entry in index:
        results = entry.get("results") if isinstance(entry, dict) else None
        for result in results if isinstance(results, list) else []:
            if not isinstance(result, dict):
                warnings.append(f"A front matter result is not a mapping ({str(result)[:60]!r}); skipped.")
                continue
            dataset = result.get("dataset") if isinstance(result.get("dataset"), dict) else {}
            source = result.get("source") if isinstance(result.get("source"), dict) else {}
            args = dataset.get("args") if isinstance(dataset.get("args"), dict) else {}
            name = str(dataset.get("name") or "").strip()
            dtype = str(dataset.get("type") or "").strip()
            key = resolve_benchmark(name, dataset_type=dtype, config=str(dataset.get("config") or ""))
            url = str(source.get("url") or "")
            source_name = str(source.get("name") or "").strip()
            shots = _shots(args.get("num_few_shot")) if "num_few_shot" in args else shots_from_name(name)
            metrics = result.get("metrics")
            if isinstance(metrics, dict):
                metrics = [metrics]
            if not isinstance(metrics, list) or not metrics:
                warnings.append(f"Front matter result '{name or dtype or '?'}' has no metrics; skipped.")
                continue
            for metric in metrics:
                if not isinstance(metric, dict):
                    warnings.append(f"Front matter result '{name or dtype or '?'}' has a metric that is not a "
                                    "mapping; skipped.")
                    continue
                value = _number(metric.get("value"))
                if value is None:
                    warnings.append(f"Front matter result '{name or key}': value {metric.get('value')!r} is "
                                    "not a number; skipped.")
                    continue
                pending.append((key, name or dtype or key, str(metric.get("type") or ""), _board(url, key), shots,
                                url, value, source_name))
    # Results without a leaderboard URL: decide by the benchmark keys of the whole group.
    unsourced = {p[0] for p in pending if p[3] is None and p[0]}
    fallback = "open_llm_v2" if unsourced and unsourced <= V2_KEYS else \
        "open_llm_v1" if unsourced and unsourced <= V1_KEYS else None
    runs: dict[str, EvalRunFact] = {}
    for key, raw_name, metric_type, board, shots, url, value, source_name in pending:
        from_board = board is not None
        board = board or fallback
        group = board or (source_name or url or "model-index")
        run = runs.get(group)
        if run is None:
            run = runs[group] = EvalRunFact(
                source="front_matter", label=BOARD_LABELS.get(board or "", source_name or "Card front matter"),
                leaderboard=board, self_reported=not from_board, sources=["front matter model-index"],
                details_url=_details_url(body, board))
        elif from_board:
            run.self_reported = False
        if shots is None and board in BOARD_DEFAULTS and key in BOARD_DEFAULTS[board]:
            shots = BOARD_DEFAULTS[board][key][0]
        metric = _metric_name(metric_type, key, board)
        run.results.append(ResultFact(benchmark=key, raw_name=raw_name[:200], metric=metric, value=value,
                                      raw_value=value, raw_scale=None if metric in UNBOUNDED_METRICS else 100.0,
                                      shots=shots, normalized=board == "open_llm_v2"))
    for run in runs.values():
        _fix_fraction_scale(run)
    return [r for r in runs.values() if r.results]


def _fix_fraction_scale(run: EvalRunFact) -> None:
    """Self-reported model-index values written as fractions (0.6869) are stored x100.

    Leaderboard results are always percentages (0.00 is a real MATH Lvl 5 score)."""
    if run.leaderboard is not None:
        return
    bounded = [r for r in run.results if r.raw_scale is not None]
    if bounded and all(0 <= r.raw_value <= 1.0 for r in bounded) and any(r.raw_value > 0 for r in bounded):
        for r in bounded:
            r.raw_scale = 1.0
            r.value = round(r.raw_value * 100.0, 6)


def _details_url(body: str, board: str | None) -> str:
    for match in _DETAILS_URL.finditer(body):
        url = match.group(0).rstrip(".")
        is_v2 = url.endswith("-details") and "/details_" not in url
        if board is None or (board == "open_llm_v2") == is_v2:
            return url
    return ""


def merge_runs(front: list[EvalRunFact], tables: list[EvalRunFact]) -> list[EvalRunFact]:
    """A table repeating a front-matter run is the same run: keep one, with the table's averages."""
    merged = list(front)
    for table in tables:
        twin = next((f for f in front if _same_run(f, table)), None)
        if twin is None:
            merged.append(table)
            continue
        have = {(r.benchmark, r.metric) for r in twin.results}
        twin.results.extend(r for r in table.results if (r.benchmark, r.metric) not in have)
        for key, value in table.stated_averages.items():
            twin.stated_averages.setdefault(key, value)
        twin.sources.extend(s for s in table.sources if s not in twin.sources)
        twin.details_url = twin.details_url or table.details_url
    return merged


def _same_run(front: EvalRunFact, table: EvalRunFact) -> bool:
    if table.subject or front.leaderboard is None or front.leaderboard != table.leaderboard:
        return False
    mine = {(r.benchmark, r.metric): r.value for r in front.results if r.benchmark}
    shared = [(mine[(r.benchmark, r.metric)], r.value) for r in table.results if (r.benchmark, r.metric) in mine]
    if not shared:  # the table may not say which metric; compare by benchmark
        by_key = {r.benchmark: r.value for r in front.results if r.benchmark}
        shared = [(by_key[r.benchmark], r.value) for r in table.results if r.benchmark in by_key]
    return bool(shared) and all(abs(a - b) <= 0.005 for a, b in shared)


# --- lineage -----------------------------------------------------------------------------------


def known_repos(body: str, model: ModelFacts) -> dict[str, str]:
    """Repo ids the card mentions, keyed by lower-cased name and lower-cased id, for resolving
    bare names in merge configs. Earlier mentions win; non-quantized repos win over quantized."""
    candidates = [*model.base_models, *[t for t in model.tags if is_repo_id(t)], *hf_model_links(body)]
    candidates.sort(key=lambda repo: quant_info(repo) is not None)  # stable: keeps order otherwise
    known: dict[str, str] = {}
    for repo in candidates:
        known.setdefault(repo.lower(), repo)
        known.setdefault(repo.split("/")[-1].lower(), repo)
    return known


def _is_quantized(model: ModelFacts, fm: dict[str, Any]) -> bool:
    if model.base_model_relation == "quantized":
        return True
    own = model.repo_id or model.name
    return bool(own and quant_info(own) and (model.base_models or fm.get("quantized_by")))


def _relation(model: ModelFacts, fm: dict[str, Any], bases: list[str], has_recipe: bool) -> str:
    stated = RELATIONS.get(model.base_model_relation.replace(" ", ""), "")
    if stated:
        return stated
    if _is_quantized(model, fm):
        return "quantized"
    tags = {t.lower() for t in model.tags}
    if str(fm.get("library_name") or "").lower() == "peft" or tags & {"lora", "qlora", "peft", "adapter"}:
        return "adapter"
    if has_recipe or len(bases) > 1:
        return "merge"
    return "finetune"


def _base_model_edges(doc: ParsedDocument, fm: dict[str, Any], body: str, warnings: list[str]) -> None:
    model = doc.model
    recipe_parents = {e.parent.lower() for e in doc.lineage}
    bases = list(model.base_models)
    evidence, confidence = "base_model front matter", 1.0
    if not bases and not doc.merge_recipes:
        for repo, context in hf_model_links_with_context(body, width=120):
            at = context.lower().find(repo.lower())
            before = _URL_TAIL.sub("", context[:at] if at != -1 else context)
            if _BASED_ON.search(before[-100:]) and not quant_info(repo):
                bases = [repo]
                evidence, confidence = "prose: 'based on' link", 0.8
                break
    relation = _relation(model, fm, bases, bool(doc.merge_recipes))
    for base in bases:
        if base.lower() in recipe_parents or (model.repo_id and base.lower() == model.repo_id.lower()):
            continue
        doc.lineage.append(LineageFact(parent=base, kind=relation, confidence=confidence, evidence=evidence))
    if not model.base_models and bases:
        model.base_models = bases


def infer_architecture(doc: ParsedDocument, warnings: list[str]) -> None:
    """MoE-ness, expert counts, parameter estimates, family and architecture class."""
    model = doc.model
    own = (model.repo_id or "").split("/")[-1] or model.name
    moe_recipe = next((r for r in doc.merge_recipes if r.tool == "mergekit-moe"), None)
    merge_parents = [e.parent for e in doc.lineage if e.kind == "merge"]
    inherits = [e.parent for e in doc.lineage if e.kind in ("finetune", "quantized", "adapter")]
    shape = prose.moe_shape(own) or prose.moe_shape(model.name)
    shape_source = "the model name"
    if shape is None and moe_recipe is None:
        # A finetune / quantization / adapter keeps its base's shape; merging MoEs yields an MoE.
        for ref in [*inherits, *merge_parents]:
            if (shape := prose.moe_shape(ref.split("/")[-1])):
                shape_source = ref
                break
    if moe_recipe is not None:
        model.is_moe = True
        model.num_experts = model.num_experts or len(moe_recipe.models) or None
        model.experts_per_token = model.experts_per_token or moe_recipe.experts_per_token
        expert_sizes = {s for m in moe_recipe.models if (s := prose.dense_size(m.repo_id.split("/")[-1]))}
        base_size = prose.dense_size((moe_recipe.base_model or "").split("/")[-1])
        size = expert_sizes.pop() if len(expert_sizes) == 1 else base_size
        if size and model.num_experts:
            shape = (model.num_experts, size)
            shape_source = "the mergekit-moe config"
    if shape:
        model.is_moe = True
        model.num_experts = model.num_experts or shape[0]
    if any(t.lower() == "moe" for t in model.tags):
        model.is_moe = True
    if shape or moe_recipe is not None:  # Mixtral-style routing (a bare "moe" tag says nothing about it)
        model.experts_per_token = model.experts_per_token or prose.DEFAULT_EXPERTS_PER_TOKEN
    if shape and (model.total_params_b is None or model.active_params_b is None):
        estimate = prose.estimate_moe(shape[0], shape[1], model.experts_per_token or prose.DEFAULT_EXPERTS_PER_TOKEN)
        if estimate:
            if model.total_params_b is None:
                model.total_params_b = estimate[0]
                model.params_estimated = True
            if model.active_params_b is None:
                model.active_params_b = estimate[1]
                model.params_estimated = True
            warnings.append(f"Parameter counts estimated from {shape_source} ({shape[0]}x{shape[1]:g}B, "
                            f"{model.experts_per_token} active): {model.total_params_b}B total, "
                            f"{model.active_params_b}B active.")
    if model.total_params_b is None and not model.is_moe:
        for ref in [own, model.name, *inherits]:
            size = prose.dense_size(ref.split("/")[-1]) if ref else None
            if size:
                model.total_params_b = model.active_params_b = size
                # The nominal size in a name ("7B") is flagged as an estimate but not warned
                # about: it is how dense models are named, not a guess about their shape.
                model.params_estimated = True
                break
    structured = [own, model.name, *model.base_models, *merge_parents,
                  *[m.repo_id for r in doc.merge_recipes for m in r.models],
                  *[r.base_model or "" for r in doc.merge_recipes], " ".join(model.tags)]
    family = prose.family_of(*structured)
    if not model.family:
        model.family = family or prose.family_of(prose.summary(doc.body_markdown))
    if family and not model.architecture:
        table = ARCHITECTURES_MOE if model.is_moe else ARCHITECTURES_DENSE
        model.architecture = table.get(family, "")
        names = " ".join(structured).lower()
        if family == "gemma" and not model.is_moe and re.search(r"gemma[-_ ]?2", names):
            model.architecture = "Gemma2ForCausalLM"
        if family == "phi" and not model.is_moe:
            model.architecture = "Phi3ForCausalLM" if re.search(r"phi[-_ ]?3", names) else "PhiForCausalLM"
