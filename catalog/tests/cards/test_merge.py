"""mergekit / mergekit-moe recipes: code blocks, YAML recovery, name resolution, lineage rules."""

from __future__ import annotations

import time

import pytest

from catalog.cards.merge import (
    code_blocks,
    extract_recipes,
    lineage_from_recipes,
    normalize_reference,
    resolve_name,
)

KNOWN = {
    "mistral-7b-v0.1": "mistralai/Mistral-7B-v0.1", "mistralai/mistral-7b-v0.1": "mistralai/Mistral-7B-v0.1",
    "openhermes-2.5-mistral-7b": "teknium/OpenHermes-2.5-Mistral-7B",
    "teknium/openhermes-2.5-mistral-7b": "teknium/OpenHermes-2.5-Mistral-7B",
}


def fenced(text: str, lang: str = "yaml") -> str:
    return f"Intro.\n\n```{lang}\n{text}\n```\n\nOutro.\n"


# --- code blocks --------------------------------------------------------------------------


def test_code_blocks_are_found_line_by_line() -> None:
    body = "a\n```yaml\nx: 1\n```\n~~~\ny: 2\n~~~\n  ```python title='x'\n  print(1)\n  ```\n````\nz\n```\nstill\n````\n"
    blocks = code_blocks(body)
    assert [(b.lang, b.text, b.line) for b in blocks] == [
        ("yaml", "x: 1", 2), ("", "y: 2", 5), ("python", "print(1)", 8), ("", "z\n```\nstill", 11)]


def test_unclosed_fence_runs_to_the_end() -> None:
    [block] = code_blocks("```yaml\nmodels:\n  - model: a/b\n")
    assert block.text == "models:\n  - model: a/b"


# --- references ---------------------------------------------------------------------------


@pytest.mark.parametrize("written, expected", [
    ("mistralai/Mistral-7B-v0.1", ("mistralai/Mistral-7B-v0.1", "")),
    ("'mistralai/Mistral-7B-v0.1'", ("mistralai/Mistral-7B-v0.1", "")),
    ("https://huggingface.co/mistralai/Mistral-7B-v0.1", ("mistralai/Mistral-7B-v0.1", "")),
    ("mistralai/Mistral-7B-v0.1@a1b2c3", ("mistralai/Mistral-7B-v0.1", "")),
    ("mistralai/Mistral-7B-v0.1+jondurbin/airoboros-lora", ("mistralai/Mistral-7B-v0.1", "jondurbin/airoboros-lora")),
    ("./models/foo", ("foo", "")),
    ("/home/x/models/org_name/", ("org_name", "")),
    ("C:\\models\\org_name", ("org_name", "")),
])
def test_normalize_reference(written: str, expected: tuple[str, str]) -> None:
    assert normalize_reference(written) == expected


@pytest.mark.parametrize("written, expected", [
    ("mistralai/Mistral-7B-v0.1", ("mistralai/Mistral-7B-v0.1", True)),
    ("MISTRALAI/mistral-7b-v0.1", ("mistralai/Mistral-7B-v0.1", True)),  # canonical spelling from the card
    ("OpenHermes-2.5-Mistral-7B", ("teknium/OpenHermes-2.5-Mistral-7B", True)),
    ("teknium_OpenHermes-2.5-Mistral-7B", ("teknium/OpenHermes-2.5-Mistral-7B", True)),
    ("/data/ckpt/teknium_OpenHermes-2.5-Mistral-7B", ("teknium/OpenHermes-2.5-Mistral-7B", True)),
    ("./merges/step1", ("step1", False)),
    ("Unknown-Model-7B", ("Unknown-Model-7B", False)),
    ("other/unlisted-model", ("other/unlisted-model", True)),
    ("datasets/foo", ("datasets/foo", False)),
])
def test_resolve_name(written: str, expected: tuple[str, bool]) -> None:
    assert resolve_name(written, KNOWN) == expected


# --- mergekit-yaml ------------------------------------------------------------------------


def test_ties_recipe_with_bare_names() -> None:
    body = fenced("""models:
  - model: OpenHermes-2.5-Mistral-7B
    parameters:
      density: .5
      weight: [0, 0.3, 0.7, 1]
merge_method: ties
base_model: Mistral-7B-v0.1
parameters:
  normalize: false
  int8_mask: true
dtype: float16""")
    [recipe], edges, warnings = extract_recipes(body, KNOWN)
    assert warnings == []
    assert (recipe.tool, recipe.method, recipe.base_model, recipe.dtype, recipe.step) == (
        "mergekit", "ties", "mistralai/Mistral-7B-v0.1", "float16", 0)
    assert recipe.models[0].parameters == {"density": 0.5, "weight": [0, 0.3, 0.7, 1]}
    assert recipe.parameters == {"normalize": False, "int8_mask": True}
    assert [(e.parent, e.kind, e.params) for e in edges] == [
        ("teknium/OpenHermes-2.5-Mistral-7B", "merge", {"density": 0.5, "weight": [0, 0.3, 0.7, 1], "method": "ties"}),
        ("mistralai/Mistral-7B-v0.1", "merge", {"role": "base", "method": "ties"}),
    ]
    assert all(e.evidence.startswith("mergekit config") and e.confidence == 1.0 for e in edges)


def test_slerp_base_listed_as_a_source_gets_the_base_role_on_its_edge() -> None:
    body = fenced("""slices:
  - sources:
      - model: mistralai/Mistral-7B-v0.1
        layer_range: [0, 32]
      - model: teknium/OpenHermes-2.5-Mistral-7B
        layer_range: [0, 32]
merge_method: slerp
base_model: mistralai/Mistral-7B-v0.1
parameters:
  t:
    - filter: self_attn
      value: [0, 0.5, 0.3, 0.7, 1]
    - value: 0.5
dtype: bfloat16""", lang="")
    [recipe], edges, _ = extract_recipes(body, KNOWN)
    assert recipe.parameters["t"] == [{"filter": "self_attn", "value": [0, 0.5, 0.3, 0.7, 1]}, {"value": 0.5}]
    assert [(e.parent, e.params) for e in edges] == [
        ("mistralai/Mistral-7B-v0.1", {"method": "slerp", "layer_range": [0, 32], "role": "base"}),
        ("teknium/OpenHermes-2.5-Mistral-7B", {"method": "slerp", "layer_range": [0, 32]}),
    ]


def test_models_as_plain_strings_and_lora_suffix() -> None:
    body = fenced("""models:
  - mistralai/Mistral-7B-v0.1+jondurbin/airoboros-lora
  - teknium/OpenHermes-2.5-Mistral-7B
merge_method: linear""")
    [recipe], edges, _ = extract_recipes(body, KNOWN)
    assert [(m.repo_id, m.parameters) for m in recipe.models] == [
        ("mistralai/Mistral-7B-v0.1", {"lora": "jondurbin/airoboros-lora"}),
        ("teknium/OpenHermes-2.5-Mistral-7B", {})]
    assert edges[0].params == {"lora": "jondurbin/airoboros-lora", "method": "linear"}


def test_multi_step_documents_in_one_block_and_across_blocks() -> None:
    step01 = """models:
  - model: mistralai/Mistral-7B-v0.1
  - model: teknium/OpenHermes-2.5-Mistral-7B
    parameters: {weight: 0.5}
merge_method: task_arithmetic
base_model: mistralai/Mistral-7B-v0.1
---
models:
  - model: ./intermediate
  - model: teknium/OpenHermes-2.5-Mistral-7B
    parameters: {weight: 0.2}
merge_method: linear"""
    step2 = """merge_method: slerp
slices:
  - sources:
      - model: ./intermediate2
        layer_range: [0, 32]
      - model: HuggingFaceH4/zephyr-7b-beta
        layer_range: [0, 32]
base_model: ./intermediate2"""
    recipes, edges, warnings = extract_recipes(fenced(step01) + fenced(step2), KNOWN)
    assert [(r.step, r.method) for r in recipes] == [(0, "task_arithmetic"), (1, "linear"), (2, "slerp")]
    assert recipes[1].raw_yaml.startswith("models:\n  - model: ./intermediate")
    hermes = next(e for e in edges if e.parent == "teknium/OpenHermes-2.5-Mistral-7B")
    assert hermes.params == {"weight": 0.5, "method": "task_arithmetic", "step": 0, "steps": [0, 1]}
    assert [e.parent for e in edges] == ["mistralai/Mistral-7B-v0.1", "teknium/OpenHermes-2.5-Mistral-7B",
                                         "HuggingFaceH4/zephyr-7b-beta"]
    assert sum("does not resolve" in w for w in warnings) == 2  # ./intermediate and ./intermediate2


def test_the_same_config_shown_twice_is_one_recipe() -> None:
    config = "models:\n  - model: mistralai/Mistral-7B-v0.1\nmerge_method: linear\n"
    recipes, _, _ = extract_recipes(fenced(config) + fenced(config, lang="yml"), KNOWN)
    assert len(recipes) == 1


def test_non_recipe_blocks_are_ignored() -> None:
    body = (fenced("models:\n  - model: a/b\nmerge_method: linear", lang="python")
            + fenced("pip install mergekit", lang="bash") + fenced("license: mit\ntags: [x]"))
    assert extract_recipes(body, KNOWN) == ([], [], [])


def test_invalid_yaml_block_is_a_warning() -> None:
    recipes, edges, warnings = extract_recipes(fenced("models: [\n  - model: {a\nmerge_method: ties"), KNOWN)
    assert (recipes, edges) == ([], [])
    assert len(warnings) == 1 and "not valid YAML" in warnings[0] and "line 3" in warnings[0]


# --- flattened (seed 001 style) -----------------------------------------------------------


def test_flattened_ties_recipe_is_reindented() -> None:
    flat = """models:
- model: mistralai/Mistral-7B-v0.1
- model: teknium/OpenHermes-2.5-Mistral-7B
parameters:
density: 0.53
weight: 0.4
merge_method: dare_ties
base_model: mistralai/Mistral-7B-v0.1
parameters:
int8_mask: true
dtype: bfloat16"""
    [recipe], _, warnings = extract_recipes(fenced(flat), KNOWN)
    assert any("re-indented" in w for w in warnings)
    # merge_method/base_model are root keys even though the open "parameters" mapping would accept them
    assert (recipe.method, recipe.base_model, recipe.dtype) == ("dare_ties", "mistralai/Mistral-7B-v0.1", "bfloat16")
    assert recipe.models[1].parameters == {"density": 0.53, "weight": 0.4}
    assert recipe.parameters == {"int8_mask": True}


def test_flattened_moe_with_negative_prompts_and_two_documents() -> None:
    flat = """base_model: mistralai/Mistral-7B-v0.1
gate_mode: cheap_embed
experts_per_token: 1
experts:
- source_model: teknium/OpenHermes-2.5-Mistral-7B
positive_prompts:
- "chat"
negative_prompts:
- "code: python"
- source_model: HuggingFaceH4/zephyr-7b-beta
positive_prompts:
- "assistant"
---
models:
- model: mistralai/Mistral-7B-v0.1
merge_method: linear"""
    recipes, edges, warnings = extract_recipes(fenced(flat), KNOWN)
    assert any("re-indented" in w for w in warnings)
    moe, linear = recipes
    assert (moe.tool, moe.gate_mode, moe.experts_per_token, linear.step) == ("mergekit-moe", "cheap_embed", 1, 1)
    assert [(x.positive_prompts, x.negative_prompts) for x in moe.models] == [
        (["chat"], ["code: python"]), (["assistant"], [])]
    assert [(e.parent, e.kind) for e in edges] == [
        ("teknium/OpenHermes-2.5-Mistral-7B", "moe_expert"), ("HuggingFaceH4/zephyr-7b-beta", "moe_expert"),
        ("mistralai/Mistral-7B-v0.1", "merge")]
    assert edges[2].params == {"role": "base", "method": "moe", "step": 0, "steps": [0, 1]}


def test_lineage_skips_unresolved_references() -> None:
    recipes, _, _ = extract_recipes(fenced("models:\n  - model: ./local\n  - model: a/b\nmerge_method: linear"), {})
    assert [e.parent for e in lineage_from_recipes(recipes)] == ["a/b"]


def test_hostile_blocks_are_bounded() -> None:
    many = "".join(fenced(f"models:\n  - model: org/m{i}\nmerge_method: linear") for i in range(80))
    started = time.perf_counter()
    recipes, edges, warnings = extract_recipes(many, {})
    assert len(recipes) == 50 and any("More than 50" in w for w in warnings)
    big = fenced("models:\n" + "  - model: org/x\n" * 20000 + "merge_method: linear")
    recipes, _, warnings = extract_recipes(big, {})
    assert recipes == [] and "too large" in warnings[0]
