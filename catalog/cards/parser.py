"""``parse_document``: any supported document in, a :class:`ParsedDocument` out.

Dispatch: JSON -> lm-eval results; text with no front matter that looks like a scraped catalog
page -> catalog page; everything else -> a model card (front matter + Markdown body).
"""

from __future__ import annotations

import json
import re
from typing import Any

from catalog.cards import prose
from catalog.cards.benchmarks import resolve_benchmark, shots_from_name
from catalog.cards.catalog_page import looks_like_catalog_page, parse_catalog_page
from catalog.cards.facts import EvalRunFact, LineageFact, ModelFacts, ParsedDocument, ParseError, ResultFact
from catalog.cards.frontmatter import split_front_matter
from catalog.cards.guards import MAX_DOCUMENT_BYTES, decode_document
from catalog.cards.lmeval import looks_like_lmeval, parse_lmeval
from catalog.cards.merge import extract_recipes
from catalog.cards.reindent import CARD_SCHEMA, looks_flattened, reindent
from catalog.cards.safe_yaml import YamlSyntaxError, load_yaml
from catalog.cards.tables import DEFAULT_METRIC, V1_KEYS, V2_KEYS, extract_table_runs

_QUERY = re.compile(r"open_llm_leaderboard\?query=([\w.-]+/[\w.-]+)")
_DETAILS = re.compile(r"open-llm-leaderboard/details_([\w.-]+?)__([\w.-]+?)(?:[)\s\"'/]|$)", re.MULTILINE)
_HF_LINK = re.compile(r"huggingface\.co/([\w.-]+)/([\w.-]+)")
_BASED_ON = re.compile(r"\bbased on\s+(?:\[[^\]]*\]\()?https?://huggingface\.co/([\w.-]+/[\w.-]+)", re.IGNORECASE)
_H1 = re.compile(r"^#\s+(.+)$", re.MULTILINE)
_MAX_JSON_DEPTH = 64
RELATIONS = {"finetune": "finetune", "fine-tune": "finetune", "merge": "merge", "adapter": "adapter",
             "quantized": "quantized"}
_IFEVAL_METRIC = re.compile(r"inst_level_strict_acc.*prompt_level_strict_acc|prompt_level_strict_acc.*inst_level")


def parse_document(data: bytes | str, *, filename: str = "", repo_id_hint: str = "",
                   max_bytes: int = MAX_DOCUMENT_BYTES) -> ParsedDocument:
    text = decode_document(data, max_bytes=max_bytes)
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")) or filename.lower().endswith(".json"):
        doc = _parse_json(stripped, repo_id_hint)
    else:
        front, body, warnings = split_front_matter(text)
        if front is None and looks_like_catalog_page(text):
            doc = parse_catalog_page(text)
            doc.warnings[:0] = warnings
        else:
            doc = _parse_card(front, body, warnings, text)
    if repo_id_hint:
        doc.model.repo_id = repo_id_hint
        doc.model.name = doc.model.name or repo_id_hint.split("/")[-1]
    if doc.model.repo_id and not doc.model.organization:
        doc.model.organization = doc.model.repo_id.split("/")[0]
    return doc


def _json_depth(text: str) -> int:
    depth = best = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            best = max(best, depth)
        elif ch in "]}":
            depth -= 1
    return best


def _parse_json(text: str, repo_id_hint: str) -> ParsedDocument:
    if _json_depth(text) > _MAX_JSON_DEPTH:
        raise ParseError("too_deep", f"JSON is nested deeper than {_MAX_JSON_DEPTH} levels.")
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ParseError("invalid_json", f"Not valid JSON: {exc}") from exc
    if not looks_like_lmeval(data):
        raise ParseError("invalid_json", "JSON document is not an lm-evaluation-harness results file "
                                         "(no 'results' mapping of tasks).")
    return parse_lmeval(data, repo_id_hint=repo_id_hint)


def _load_front_matter(front: str, warnings: list[str]) -> dict[str, Any]:
    if looks_flattened(front):
        warnings.append("The front matter had lost its indentation; it was re-indented to recover its results.")
        front = reindent(front, CARD_SCHEMA)
        try:
            data = load_yaml(front)
        except YamlSyntaxError as exc:
            warnings.append(f"The front matter could not be recovered ({exc}); it was ignored.")
            return {}
    else:
        try:
            data = load_yaml(front)
        except YamlSyntaxError:
            try:
                data = load_yaml(reindent(front, CARD_SCHEMA))
                warnings.append("The front matter was not valid YAML; it was re-indented to read it.")
            except YamlSyntaxError as exc:
                warnings.append(f"The front matter is not valid YAML ({exc}); it was ignored.")
                return {}
    if not isinstance(data, dict):
        warnings.append("The front matter is not a mapping; it was ignored.")
        return {}
    return data


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if v is not None and str(v).strip()]
    return [str(value).strip()] if str(value).strip() else []


def _parse_card(front: str | None, body: str, warnings: list[str], text: str) -> ParsedDocument:
    fm = _load_front_matter(front, warnings) if front is not None else {}
    doc = ParsedDocument(kind="model_card", model=ModelFacts(), front_matter=fm, body_markdown=body,
                         warnings=warnings)
    model = doc.model
    model.license = str(fm.get("license") or "")[:100]
    model.license_name = str(fm.get("license_name") or "")[:200]
    model.license_link = str(fm.get("license_link") or "")[:500]
    model.tags = _strings(fm.get("tags"))[:100]
    model.languages = _strings(fm.get("language"))[:50]
    model.datasets = _strings(fm.get("datasets"))[:100]
    model.base_models = [b for b in _strings(fm.get("base_model")) if "/" in b]
    model.base_model_relation = str(fm.get("base_model_relation") or "")
    index = fm.get("model-index") if isinstance(fm.get("model-index"), list) else []
    index_name = next((str(e.get("name")) for e in index if isinstance(e, dict) and e.get("name")), "")
    heading = _H1.search(body)
    model.name = index_name or (re.sub(r"[*_`\[\]]", "", heading.group(1)).strip()[:200] if heading else "")
    model.repo_id = _repo_id(text, index_name)
    if not model.repo_id:
        warnings.append("No repo id found in the card (no leaderboard or details link); give one when importing.")
    doc.runs.extend(_index_runs(index, warnings))
    table_runs, table_warnings = extract_table_runs(body, model_name=model.name, repo_id=model.repo_id)
    warnings.extend(table_warnings)
    doc.runs = _merge_runs(doc.runs, table_runs)
    known = _known_repos(body, model)
    recipes, edges, merge_warnings = extract_recipes(body, known)
    doc.merge_recipes, doc.lineage = recipes, edges
    warnings.extend(merge_warnings)
    _base_model_edges(doc, body)
    doc.quantized_links = prose.quantized_links(body, model.repo_id)
    prose.apply_prose(model, body)
    model.siblings = prose.siblings(body, model.repo_id)
    _infer_architecture(doc)
    return doc


def _repo_id(text: str, index_name: str) -> str | None:
    if (m := _QUERY.search(text)):
        return m.group(1)
    if (m := _DETAILS.search(text)):
        return f"{m.group(1)}/{m.group(2)}"
    if index_name:
        for org, name in _HF_LINK.findall(text):
            if name.lower() == index_name.lower():
                return f"{org}/{name}"
    return None


def _metric(raw: str, key: str) -> str:
    raw = raw.strip()
    if key == "ifeval" or _IFEVAL_METRIC.search(raw):
        return "strict_acc"  # the v2 board reports the mean of the instance- and prompt-level strict accuracy
    return raw or DEFAULT_METRIC.get(key, "score")


def _index_runs(index: list, warnings: list[str]) -> list[EvalRunFact]:
    """model-index results grouped into one run per leaderboard."""
    runs: dict[str, EvalRunFact] = {}
    for entry in index:
        results = entry.get("results") if isinstance(entry, dict) else None
        if not isinstance(results, list):
            continue
        for result in results:
            if not isinstance(result, dict):
                continue
            dataset = result.get("dataset") if isinstance(result.get("dataset"), dict) else {}
            source = result.get("source") if isinstance(result.get("source"), dict) else {}
            args = dataset.get("args") if isinstance(dataset.get("args"), dict) else {}
            name = str(dataset.get("name") or "")
            key = resolve_benchmark(name, dataset_type=str(dataset.get("type") or ""),
                                    config=str(dataset.get("config") or ""))
            shots = args.get("num_few_shot") if isinstance(args.get("num_few_shot"), int) else shots_from_name(name)
            url = str(source.get("url") or "")
            board = "open_llm_v2" if "open-llm-leaderboard/open_llm_leaderboard" in url else \
                "open_llm_v1" if "open_llm_leaderboard" in url else \
                "open_llm_v2" if key in V2_KEYS else "open_llm_v1" if key in V1_KEYS else None
            run = runs.setdefault(board or "", EvalRunFact(
                source="front_matter", label=str(source.get("name") or "Card front matter"), leaderboard=board,
                self_reported="open_llm_leaderboard" not in url, sources=["front matter model-index"]))
            for metric in result.get("metrics") or []:
                if not isinstance(metric, dict):
                    continue
                value = metric.get("value")
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    warnings.append(f"Front matter result {name or key}: value {value!r} is not a number; skipped.")
                    continue
                value = float(value)
                scale = 100.0
                run.results.append(ResultFact(
                    benchmark=key, raw_name=name or key, metric=_metric(str(metric.get("type") or ""), key),
                    value=value, raw_value=value, raw_scale=scale, shots=shots, normalized=board == "open_llm_v2",
                ))
    return [r for r in runs.values() if r.results]


def _merge_runs(front: list[EvalRunFact], tables: list[EvalRunFact]) -> list[EvalRunFact]:
    """A table repeating the front matter's values is the same run: keep one, with the table's averages."""
    merged = list(front)
    for table in tables:
        twin = next((f for f in front if _same_values(f, table)), None)
        if twin is None:
            merged.append(table)
            continue
        for key, value in table.stated_averages.items():
            twin.stated_averages.setdefault(key, value)
        twin.sources.extend(table.sources)
    return merged


def _same_values(front: EvalRunFact, table: EvalRunFact) -> bool:
    if table.subject or front.leaderboard != table.leaderboard:
        return False
    mine = {(r.benchmark, r.metric): r.value for r in front.results if r.benchmark}
    shared = [(r.benchmark, r.metric, r.value) for r in table.results if (r.benchmark, r.metric) in mine]
    return bool(shared) and len(shared) == len([r for r in table.results if r.benchmark]) and \
        all(abs(mine[(k, m)] - v) <= 0.005 for k, m, v in shared)


def _known_repos(body: str, model: ModelFacts) -> dict[str, str]:
    known = {}
    for org, name in _HF_LINK.findall(body):
        name = name.rstrip(".)")
        known.setdefault(name.lower(), f"{org}/{name}")
    for repo in [*model.base_models, *model.tags]:
        if re.fullmatch(r"[\w.-]+/[\w.-]+", repo):
            known.setdefault(repo.split("/")[1].lower(), repo)
    return known


def _base_model_edges(doc: ParsedDocument, body: str) -> None:
    model = doc.model
    recipe_parents = {e.parent.lower() for e in doc.lineage}
    relation = RELATIONS.get(model.base_model_relation.lower(), "")
    bases = list(model.base_models)
    if not bases and (m := _BASED_ON.search(body)):
        bases = [m.group(1).rstrip(".)")]
        evidence, confidence = "prose: 'based on'", 0.8
    else:
        evidence, confidence = "base_model front matter", 1.0
    for base in bases:
        if base.lower() in recipe_parents or (model.repo_id and base.lower() == model.repo_id.lower()):
            continue
        kind = relation or ("merge" if len(bases) > 1 else "finetune")
        doc.lineage.append(LineageFact(parent=base, kind=kind, confidence=confidence, evidence=evidence))


def _infer_architecture(doc: ParsedDocument) -> None:
    model = doc.model
    tags = {t.lower() for t in model.tags}
    names = " ".join([model.repo_id or "", model.name, *model.base_models, *[e.parent for e in doc.lineage]])
    if "moe" in tags or any(r.tool == "mergekit-moe" for r in doc.merge_recipes) or "mixtral" in names.lower() \
            and "8x" in names.lower():
        model.is_moe = True
    if any(r.tool == "mergekit-moe" for r in doc.merge_recipes):
        recipe = next(r for r in doc.merge_recipes if r.tool == "mergekit-moe")
        model.num_experts = model.num_experts or len(recipe.models) or None
        model.experts_per_token = model.experts_per_token or recipe.experts_per_token or 2
    model.family = model.family or prose.family_of(names, " ".join(model.tags))
    if model.is_moe and model.family == "mistral":
        model.architecture = model.architecture or "MixtralForCausalLM"
        if model.total_params_b is None and "8x7b" in names.lower():
            model.total_params_b, model.active_params_b = 46.7, 12.9
