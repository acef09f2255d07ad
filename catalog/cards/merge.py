"""mergekit recipes from a card's YAML code blocks, and the lineage edges they imply."""

from __future__ import annotations

import re
from typing import Any

from catalog.cards.facts import LineageFact, MergeModelFact, MergeRecipeFact, ParseError
from catalog.cards.reindent import MERGE_SCHEMA, looks_flattened, reindent
from catalog.cards.safe_yaml import YamlSyntaxError, load_yaml_documents

_FENCE = re.compile(r"^```[ \t]*([\w+-]*)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
_REPO = re.compile(r"^[\w.-]+/[\w.-]+$")
_MERGE_KEYS = {"merge_method", "models", "slices", "experts"}
_GLOBAL_PARAM_KEYS = ("normalize", "int8_mask", "t", "epsilon", "lambda", "rescale", "density", "weight")


def code_blocks(body: str) -> list[tuple[str, str]]:
    return [(m.group(1).lower(), m.group(2)) for m in _FENCE.finditer(body)]


def resolve_name(name: str, known: dict[str, str]) -> tuple[str, bool]:
    """Map a model reference to ``org/name``. Returns (repo id or original, resolved?)."""
    name = (name or "").strip().strip("'\"")
    if name.startswith(("./", "/", "~")) or name.count("/") > 1:
        name = name.rstrip("/").split("/")[-1]
    if _REPO.match(name):
        return name, True
    lowered = name.lower()
    if lowered in known:
        return known[lowered], True
    if "_" in name:  # "org_name" written for "org/name"
        for split in range(name.find("_"), len(name)):
            if name[split] == "_":
                candidate = f"{name[:split]}/{name[split + 1:]}"
                if candidate.lower() in {v.lower() for v in known.values()}:
                    return candidate, True
    return name, False


def extract_recipes(body: str, known_repos: dict[str, str]) -> tuple[list[MergeRecipeFact], list[LineageFact],
                                                                      list[str]]:
    """Every mergekit config in the body: recipes (one per step) and merge / MoE-expert edges."""
    warnings: list[str] = []
    recipes: list[MergeRecipeFact] = []
    for lang, block in code_blocks(body):
        if lang not in ("", "yaml", "yml") or not any(k + ":" in block for k in _MERGE_KEYS):
            continue
        docs = _load_block(block, warnings)
        for doc in docs:
            if isinstance(doc, dict) and _MERGE_KEYS & set(doc):
                recipes.append(_recipe(doc, block, len(recipes), known_repos, warnings))
    edges: list[LineageFact] = []
    seen: set[tuple[str, str]] = set()
    for recipe in recipes:
        kind = "moe_expert" if recipe.tool == "mergekit-moe" else "merge"
        for m in recipe.models:
            if (m.repo_id, kind) in seen:
                continue
            seen.add((m.repo_id, kind))
            params = dict(m.parameters)
            if m.positive_prompts:
                params["positive_prompts"] = m.positive_prompts
            if m.negative_prompts:
                params["negative_prompts"] = m.negative_prompts
            if m.layer_range:
                params["layer_range"] = m.layer_range
            params["method"] = recipe.method
            edges.append(LineageFact(parent=m.repo_id, kind=kind, params=params, evidence=f"{recipe.tool} config"))
        if recipe.base_model and (recipe.base_model, "merge") not in seen and \
                all(recipe.base_model != m.repo_id for m in recipe.models if kind == "merge"):
            seen.add((recipe.base_model, "merge"))
            edges.append(LineageFact(parent=recipe.base_model, kind="merge",
                                     params={"role": "base", "method": recipe.method},
                                     evidence=f"{recipe.tool} base_model"))
    return recipes, edges, warnings


def _load_block(block: str, warnings: list[str]) -> list[Any]:
    # Flattened YAML often still *parses* (duplicate keys silently win), just into the wrong
    # shape, so a block with nested keys but no indentation goes straight to recovery.
    if not looks_flattened(block, MERGE_SCHEMA):
        try:
            return load_yaml_documents(block)
        except YamlSyntaxError:
            pass
    # Strict YAML failed: the usual cause is lost indentation, which the schema can restore.
    try:
        docs = load_yaml_documents(reindent(block, MERGE_SCHEMA))
    except (YamlSyntaxError, ParseError):
        warnings.append("A merge config block is not valid YAML and could not be recovered.")
        return []
    warnings.append("A merge config block had lost its indentation; it was re-indented to read it.")
    return docs


def _params(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _recipe(doc: dict, raw: str, step: int, known: dict[str, str], warnings: list[str]) -> MergeRecipeFact:
    def repo(name: Any) -> str:
        resolved, ok = resolve_name(str(name), known)
        if not ok:
            warnings.append(f"Merge config names '{name}', which does not resolve to an org/name repo id.")
        return resolved

    models: list[MergeModelFact] = []
    if "experts" in doc:
        tool = "mergekit-moe"
        method = str(doc.get("merge_method") or "moe")
        for expert in doc.get("experts") or []:
            if isinstance(expert, dict) and expert.get("source_model"):
                models.append(MergeModelFact(
                    repo_id=repo(expert["source_model"]),
                    positive_prompts=[str(p) for p in expert.get("positive_prompts") or []],
                    negative_prompts=[str(p) for p in expert.get("negative_prompts") or []],
                ))
    else:
        tool = "mergekit"
        method = str(doc.get("merge_method") or "unknown")
        for entry in doc.get("models") or []:
            if isinstance(entry, dict) and entry.get("model"):
                models.append(MergeModelFact(repo_id=repo(entry["model"]), parameters=_params(entry.get("parameters"))))
        for slice_ in doc.get("slices") or []:
            for source in (slice_ or {}).get("sources") or [] if isinstance(slice_, dict) else []:
                if isinstance(source, dict) and source.get("model"):
                    rid = repo(source["model"])
                    layer_range = source.get("layer_range")
                    existing = next((m for m in models if m.repo_id == rid), None)
                    if existing is None:
                        models.append(MergeModelFact(repo_id=rid, parameters=_params(source.get("parameters")),
                                                     layer_range=list(layer_range) if isinstance(layer_range, list)
                                                     else None))
    base = doc.get("base_model")
    return MergeRecipeFact(
        tool=tool, method=method, base_model=repo(base) if base else None,
        dtype=str(doc["dtype"]) if doc.get("dtype") else None, models=models,
        parameters=_params(doc.get("parameters")), raw_yaml=raw.strip(), parsed=doc, step=step,
        gate_mode=str(doc["gate_mode"]) if doc.get("gate_mode") else None,
        experts_per_token=int(doc["experts_per_token"]) if str(doc.get("experts_per_token", "")).isdigit() else None,
    )
