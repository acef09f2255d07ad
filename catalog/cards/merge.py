"""mergekit recipes from a card's code blocks, and the lineage edges they imply.

Recognised configs (https://github.com/arcee-ai/mergekit, README "Merge Configuration" and
docs/moe.md):

* mergekit-yaml: ``models:`` (``model`` + ``parameters``: weight, density, gradients ...) or
  ``slices:`` (``sources``: model + ``layer_range``), ``merge_method``, ``base_model``,
  global ``parameters`` (normalize, int8_mask, ``t`` gradients or filter/value lists),
  ``dtype``, ``tokenizer_source``.
* mergekit-moe: ``base_model``, ``experts:`` (``source_model``, ``positive_prompts``,
  ``negative_prompts``), ``gate_mode``, ``experts_per_token``, ``dtype``.

Multi-step recipes (several ``---`` documents in one block, or several blocks) become steps
0, 1, 2 ... in order of appearance.

Lineage edges (the card's model is the child):

* mergekit: one ``merge`` edge per distinct parent model; params are that model's
  parameters plus ``method`` (and ``layer_range``/``layer_ranges`` for slices, ``step`` and
  ``steps`` for multi-step recipes). The ``base_model`` gets ``role: "base"``: on its own edge
  when it is not also listed as a model (TIES/DARE), or added to its edge when it is (SLERP).
* mergekit-moe: one ``moe_expert`` edge per expert (params: ``positive_prompts``,
  ``negative_prompts``, ``method: "moe"``, ``gate_mode``); the MoE ``base_model`` (which
  provides attention, embeddings and norms) is a ``merge`` edge with ``role: "base"``.
* References that do not resolve to an ``org/name`` repo (local paths, intermediate outputs
  of an earlier step) stay in the recipe as written, with a warning, but get no edge: an edge
  needs a repo id the catalog can point at.
"""

from __future__ import annotations

import re
from typing import Any

from catalog.cards.facts import LineageFact, MergeModelFact, MergeRecipeFact, ParseError
from catalog.cards.markdown import CodeBlock, code_blocks
from catalog.cards.reindent import MERGE_SCHEMA, looks_flattened, reindent
from catalog.cards.repo_refs import is_repo_id
from catalog.cards.safe_yaml import YamlSyntaxError, load_yaml_documents, reject_aliases

_RECIPE_LANGS = {"", "yaml", "yml", "text", "txt", "plaintext"}
_MERGE_KEY_LINE = re.compile(r"^[ \t]*-?[ \t]*(merge_method|models|slices|experts)[ \t]*:", re.MULTILINE)
_MERGE_KEYS = {"merge_method", "models", "slices", "experts"}
MAX_BLOCK_BYTES = 256 * 1024
MAX_RECIPES = 50
_URL_PREFIX = re.compile(r"^(?:https?://)?(?:www\.)?(?:huggingface\.co|hf\.co)/", re.IGNORECASE)


def normalize_reference(name: str) -> tuple[str, str]:
    """(model reference, LoRA reference) with URL prefixes, quotes, revisions and local dirs removed.

    mergekit accepts ``model+lora`` (a LoRA applied on the fly) and ``model@revision``.
    """
    text = str(name or "").strip().strip("'\"").strip()
    text = _URL_PREFIX.sub("", text)
    lora = ""
    if "+" in text:
        text, lora = (part.strip() for part in text.split("+", 1))
    text = text.split("@", 1)[0].rstrip("/")
    if text.startswith(("./", "../", "/", "~")) or text.count("/") > 1 or "\\" in text:
        # A local path: only its last component can name a repo ("/models/org_name" -> "org_name").
        text = re.split(r"[/\\]", text)[-1]
    return text, lora


def resolve_name(name: str, known: dict[str, str]) -> tuple[str, bool]:
    """Map a model reference to ``org/name``. Returns (repo id or the cleaned name, resolved?).

    ``known`` maps lower-cased repo *names* (the part after the slash) and lower-cased full
    ids to repo ids mentioned elsewhere in the card (links, base_model, tags).
    """
    text, _ = normalize_reference(name)
    lowered = text.lower()
    if "/" in text:
        return (known.get(lowered, text), True) if is_repo_id(text) else (text, False)
    if lowered in known:
        return known[lowered], True
    # "org_name" for "org/name" (how some tools name local download folders).
    for index, char in enumerate(text):
        if char == "_" and 0 < index < len(text) - 1:
            candidate = f"{lowered[:index]}/{lowered[index + 1:]}"
            if candidate in known:
                return known[candidate], True
    return text, False


def extract_recipes(body: str, known_repos: dict[str, str]) -> tuple[list[MergeRecipeFact], list[LineageFact],
                                                                      list[str]]:
    """Every mergekit config in the body: recipes (one per step) and merge / MoE-expert edges."""
    warnings: list[str] = []
    recipes: list[MergeRecipeFact] = []
    seen_docs: list[dict] = []
    for block in code_blocks(body):
        if block.lang not in _RECIPE_LANGS or not _MERGE_KEY_LINE.search(block.text):
            continue
        if len(block.text) > MAX_BLOCK_BYTES:
            warnings.append(f"The code block at line {block.line} is too large to read as a merge config; skipped.")
            continue
        docs = _load_block(block, warnings)
        raw_docs = _split_documents(block.text) if len(docs) > 1 else [block.text]
        for index, doc in enumerate(docs):
            if not isinstance(doc, dict) or not _MERGE_KEYS & set(doc):
                continue
            if doc in seen_docs:  # the same config shown twice (e.g. a summary and a usage section)
                continue
            if len(recipes) >= MAX_RECIPES:
                warnings.append(f"More than {MAX_RECIPES} merge configs; the rest were ignored.")
                break
            seen_docs.append(doc)
            raw = raw_docs[index] if index < len(raw_docs) else block.text
            recipes.append(_recipe(doc, raw, len(recipes), known_repos, warnings))
    return recipes, lineage_from_recipes(recipes), warnings


def _split_documents(text: str) -> list[str]:
    """The raw text of each non-empty YAML document, aligned with what ``load_all`` returns."""
    parts = re.split(r"^---[ \t]*$", text, flags=re.MULTILINE)
    return [part.strip() for part in parts
            if any(line.strip() and not line.lstrip().startswith("#") for line in part.split("\n"))]


def _load_block(block: CodeBlock, warnings: list[str]) -> list[Any]:
    where = f"The merge config at line {block.line}"
    # Flattened YAML often still *parses* (duplicate keys silently win), just into the wrong
    # shape, so a block with nested keys at column 0 goes straight to recovery.
    flattened = looks_flattened(block.text, MERGE_SCHEMA)
    try:
        scan = reject_aliases(block.text)  # reused below: the same text is not tokenised twice
        if not flattened:
            try:
                return load_yaml_documents(block.text, scan=scan)
            except YamlSyntaxError:
                pass  # the usual cause is lost indentation, which the schema can restore
        docs = load_yaml_documents(reindent(block.text, MERGE_SCHEMA))
    except YamlSyntaxError as exc:
        warnings.append(f"{where} is not valid YAML and could not be recovered ({exc}); it was ignored.")
        return []
    except ParseError as exc:
        # Anchors or absurd nesting in a body code block: refuse the block, keep the card.
        warnings.append(f"{where} was refused: {exc.reason}")
        return []
    warnings.append(f"{where} had lost its indentation; it was re-indented to read it.")
    return docs


def _params(value: Any) -> dict[str, Any]:
    return {str(k): v for k, v in value.items()} if isinstance(value, dict) else {}


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 6:
        return int(value.strip())
    return None


def _text(value: Any, limit: int = 100) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text[:limit] if text else None


def _strings(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value if v is not None and not isinstance(v, (dict, list))]
    if value is not None and not isinstance(value, dict):
        return [str(value)]
    return []


def _recipe(doc: dict, raw: str, step: int, known: dict[str, str], warnings: list[str]) -> MergeRecipeFact:
    unresolved: list[str] = []

    def repo(name: Any) -> str:
        resolved, ok = resolve_name(str(name), known)
        if not ok and resolved not in unresolved:
            unresolved.append(resolved)
            warnings.append(f"Merge config names '{name}', which does not resolve to an org/name repo id; "
                            "kept as written.")
        return resolved

    models: list[MergeModelFact] = []
    if "experts" in doc:
        tool = "mergekit-moe"
        method = _text(doc.get("merge_method")) or "moe"
        for expert in doc.get("experts") if isinstance(doc.get("experts"), list) else []:
            if isinstance(expert, dict) and expert.get("source_model"):
                params = {k: v for k, v in expert.items()
                          if k not in ("source_model", "positive_prompts", "negative_prompts")}
                models.append(MergeModelFact(
                    repo_id=repo(expert["source_model"]), parameters=params,
                    positive_prompts=_strings(expert.get("positive_prompts")),
                    negative_prompts=_strings(expert.get("negative_prompts")),
                ))
    else:
        tool = "mergekit"
        method = _text(doc.get("merge_method")) or "unknown"
        for entry in doc.get("models") if isinstance(doc.get("models"), list) else []:
            if isinstance(entry, str):
                entry = {"model": entry}
            if isinstance(entry, dict) and entry.get("model"):
                _add_model(models, repo(entry["model"]), _params(entry.get("parameters")), None, entry["model"])
        for slice_ in doc.get("slices") if isinstance(doc.get("slices"), list) else []:
            sources = slice_.get("sources") if isinstance(slice_, dict) else None
            for source in sources if isinstance(sources, list) else []:
                if isinstance(source, dict) and source.get("model"):
                    layer_range = source.get("layer_range")
                    _add_model(models, repo(source["model"]), _params(source.get("parameters")),
                               [v for v in layer_range if isinstance(v, int) and not isinstance(v, bool)]
                               if isinstance(layer_range, list) else None, source["model"])
    base = doc.get("base_model")
    return MergeRecipeFact(
        tool=tool, method=method, base_model=repo(base) if _text(base) else None,
        dtype=_text(doc.get("dtype") or doc.get("out_dtype"), 20), models=models,
        parameters=_params(doc.get("parameters")), raw_yaml=raw.strip(), parsed=doc, step=step,
        gate_mode=_text(doc.get("gate_mode"), 20), experts_per_token=_int(doc.get("experts_per_token")),
    )


def _add_model(models: list[MergeModelFact], repo_id: str, params: dict[str, Any], layer_range: list[int] | None,
               written: Any) -> None:
    _, lora = normalize_reference(str(written))
    if lora:
        params = {**params, "lora": lora}
    existing = next((m for m in models if m.repo_id == repo_id), None)
    if existing is None:
        models.append(MergeModelFact(repo_id=repo_id, parameters=params, layer_range=layer_range))
        return
    # The same model in several slices (passthrough "frankenmerges"): keep every layer range.
    if layer_range is not None:
        ranges = existing.parameters.setdefault("layer_ranges", [existing.layer_range] if existing.layer_range else [])
        ranges.append(layer_range)
    for key, value in params.items():
        existing.parameters.setdefault(key, value)


def lineage_from_recipes(recipes: list[MergeRecipeFact]) -> list[LineageFact]:
    """Edges implied by the recipes (rules in the module docstring)."""
    edges: dict[tuple[str, str], LineageFact] = {}
    multi_step = len(recipes) > 1

    def add(parent: str, kind: str, params: dict[str, Any], evidence: str, step: int) -> None:
        if not is_repo_id(parent):
            return
        key = (parent.lower(), kind)
        if key in edges:
            edge = edges[key]
            steps = edge.params.setdefault("steps", [edge.params.get("step", 0)]) if multi_step else None
            if steps is not None and step not in steps:
                steps.append(step)
            for name, value in params.items():
                edge.params.setdefault(name, value)
            return
        if multi_step:
            params = {**params, "step": step}
        edges[key] = LineageFact(parent=parent, kind=kind, params=params, confidence=1.0, evidence=evidence)

    for recipe in recipes:
        evidence = f"{recipe.tool} config" + (f" (step {recipe.step})" if multi_step else "")
        if recipe.tool == "mergekit-moe":
            for expert in recipe.models:
                params: dict[str, Any] = {"method": "moe"}
                if expert.positive_prompts:
                    params["positive_prompts"] = expert.positive_prompts
                if expert.negative_prompts:
                    params["negative_prompts"] = expert.negative_prompts
                if recipe.gate_mode:
                    params["gate_mode"] = recipe.gate_mode
                add(expert.repo_id, "moe_expert", params, evidence, recipe.step)
            if recipe.base_model:
                add(recipe.base_model, "merge", {"role": "base", "method": "moe"}, f"{evidence}: base_model",
                    recipe.step)
            continue
        base_key = (recipe.base_model or "").lower()
        for model in recipe.models:
            params = {**model.parameters, "method": recipe.method}
            if model.layer_range and "layer_ranges" not in params:
                params["layer_range"] = model.layer_range
            if model.repo_id.lower() == base_key:
                params["role"] = "base"
            add(model.repo_id, "merge", params, evidence, recipe.step)
        if recipe.base_model and not any(m.repo_id.lower() == base_key for m in recipe.models):
            add(recipe.base_model, "merge", {"role": "base", "method": recipe.method}, f"{evidence}: base_model",
                recipe.step)
    return list(edges.values())
