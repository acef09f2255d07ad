"""The pure parser against the five seed documents: every fact in SEEDS_EXPECTED.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog.cards import parse_document
from catalog.cards.facts import ParsedDocument

SEEDS = Path(__file__).resolve().parents[2] / "fixtures" / "cards" / "seeds"


def parse(prefix: str) -> ParsedDocument:
    return parse_document(next(SEEDS.glob(f"{prefix}_*.txt")).read_bytes())


def values(run) -> dict[tuple[str, str, int | None], float]:
    return {(r.benchmark, r.metric, r.shots): r.value for r in run.results}


def test_000_front_matter_merge_config_and_dedup() -> None:
    doc = parse("000")
    m = doc.model
    assert (m.repo_id, m.name, m.license) == ("rombodawg/Open_Gpt4_8x7B_v0.2", "Open_Gpt4_8x7B_v0.2", "cc-by-4.0")
    assert m.tags == ["merge", "moe"] and m.is_moe and m.architecture == "MixtralForCausalLM"
    assert m.prompt_format == "alpaca"
    [recipe] = doc.merge_recipes
    assert (recipe.tool, recipe.method, recipe.base_model, recipe.dtype) == (
        "mergekit", "ties", "smelborp/MixtralOrochi8x7B", "float16")
    assert recipe.parameters == {"normalize": True, "int8_mask": True}
    assert [(x.repo_id, x.parameters) for x in recipe.models] == [
        ("mistralai/Mixtral-8x7B-Instruct-v0.1", {"density": 0.5, "weight": 1}),
        ("jondurbin/bagel-dpo-8x7b-v0.2", {"density": 0.5, "weight": 0.7}),
    ]
    [link] = doc.quantized_links
    assert (link.repo_id, link.format, link.level) == ("rombodawg/Open_Gpt4_8x7B_v0.2_q8_0_gguf", "GGUF", "Q8_0")
    [run] = doc.runs  # front matter and body table hold the same six values: one run
    assert run.leaderboard == "open_llm_v1" and run.stated_averages == {"": 73.59} and not run.self_reported
    assert values(run) == {("arc", "acc_norm", 25): 68.69, ("hellaswag", "acc_norm", 10): 86.16,
                           ("mmlu", "acc", 5): 72.07, ("truthfulqa", "mc2", 0): 71.92,
                           ("winogrande", "acc", 5): 83.58, ("gsm8k", "acc", 5): 59.14}


def test_001_flattened_front_matter_moe_recipe_and_claims() -> None:
    doc = parse("001")
    m = doc.model
    assert (m.repo_id, m.license, m.license_name) == ("mlabonne/Beyonder-4x7B-v2", "other",
                                                      "microsoft-research-license")
    assert (m.total_params_b, m.num_experts, m.experts_per_token, m.context_length) == (24.2, 4, 2, 8192)
    assert any("indentation" in w for w in doc.warnings)
    v1 = next(r for r in doc.runs if r.leaderboard == "open_llm_v1")
    assert values(v1) == {("arc", "acc_norm", 25): 68.77, ("hellaswag", "acc_norm", 10): 86.8,
                          ("mmlu", "acc", 5): 65.1, ("truthfulqa", "mc2", 0): 60.68,
                          ("winogrande", "acc", 5): 80.9, ("gsm8k", "acc", 5): 71.72}
    nous = next(r for r in doc.runs if r.leaderboard == "nous" and r.subject is None)
    got = values(nous)
    assert got[("agieval", "average", 0)] == 45.29 and got[("gpt4all", "average", 0)] == 75.95
    assert got[("truthfulqa", "mc2", 0)] == 60.86 and got[("bigbench", "average", 0)] == 46.4
    assert nous.stated_averages == {"": 57.13}
    assert got[("agieval_aqua_rat", "acc", 0)] == 23.62 and got[("bigbench_snarks", "multiple_choice_grade", 0)] == 77.35
    claims = {r.subject: r.stated_averages[""] for r in doc.runs if r.subject}
    assert claims == {"mlabonne/NeuralHermes-2.5-Mistral-7B": 53.51, "teknium/OpenHermes-2.5-Mistral-7B": 52.42,
                      "NousResearch/Nous-Hermes-2-SOLAR-10.7B": 55.81, "NousResearch/Nous-Hermes-2-Yi-34B": 58.33}
    assert any("links to NousResearch/Nous-Hermes-2-SOLAR-10.7B" in w for w in doc.warnings)
    [recipe] = doc.merge_recipes
    assert recipe.tool == "mergekit-moe" and recipe.base_model == "mlabonne/Marcoro14-7B-slerp"
    assert [x.repo_id for x in recipe.models] == ["openchat/openchat-3.5-1210", "beowolx/CodeNinja-1.0-OpenChat-7B",
                                                 "maywell/PiVoT-0.1-Starling-LM-RP", "WizardLM/WizardMath-7B-V1.1"]
    assert recipe.models[1].positive_prompts == ["code", "python", "javascript", "programming", "algorithm"]
    assert {(q.format, q.quantizer) for q in doc.quantized_links} == {
        ("GGUF", "TheBloke"), ("AWQ", "TheBloke"), ("GPTQ", "TheBloke"), ("EXL2", "bartowski")}


def test_002_catalog_page() -> None:
    doc = parse("002")
    m = doc.model
    assert doc.kind == "catalog_page"
    assert m.repo_id == "NousResearch/Nous-Hermes-2-Mixtral-8x7B-DPO"
    assert (m.total_params_b, m.active_params_b, m.context_length, m.is_moe) == (46.7, 13.0, 32768, True)
    assert (str(m.release_date), m.layers, m.kv_heads, m.head_dim, m.family) == ("2024-01-11", 32, 8, 128, "mistral")
    assert m.prompt_format == "chatml" and "<|im_start|>system" in m.prompt_template
    assert m.siblings == ["NousResearch/Nous-Hermes-2-Mixtral-8x7B-SFT"] and m.downloads == 9000
    assert [(e.parent, e.kind) for e in doc.lineage] == [("mistralai/Mixtral-8x7B-v0.1", "finetune")]
    nous = next(r for r in doc.runs if r.leaderboard == "nous")
    assert nous.stated_averages == {"gpt4all": 75.70, "agieval": 46.05, "bigbench": 49.70}
    arc = next(r for r in nous.results if (r.benchmark, r.metric) == ("arc", "acc_norm"))
    assert (arc.value, arc.raw_value, arc.raw_scale, arc.stderr) == (64.25, 0.6425, 1.0, 1.4)
    assert [(q.level, q.bits_per_weight, q.vram_gb, q.quality_pct) for q in doc.quant_table] == [
        ("Q4_K_M", 4.5, 26.8, 94), ("Q6_K", 6.5, 38.4, 97), ("Q8_0", 8, 47.2, 100), ("FP16", 16, 93.9, 100)]
    boards = {r.leaderboard: values(r) for r in doc.runs if r.leaderboard in ("arena_elo", "open_llm_v2")}
    assert boards["arena_elo"] == {("arena_elo", "elo", None): 1099}
    assert sorted(boards["open_llm_v2"].values()) == [9.5, 12.2, 16.7, 29.6, 37.1, 59.0]
    assert len(doc.gpus) == 30
    assert (doc.gpus[1].name, doc.gpus[1].memory_gb, doc.gpus[1].bandwidth_gbs, doc.gpus[1].price_usd) == (
        "NVIDIA RTX 5090", 32, 1792, 1999)


def test_003_table_only() -> None:
    doc = parse("003")
    m = doc.model
    assert (m.repo_id, m.license, m.languages) == ("orangetin/OpenHermes-Mixtral-8x7B", "apache-2.0", ["en"])
    assert m.prompt_format == "llama2" and "[INST] <<SYS>>" in m.prompt_template
    assert m.training_notes == "This model was trained on the OpenHermes dataset for 3 epochs"
    assert [(e.parent, e.kind) for e in doc.lineage] == [("mistralai/Mixtral-8x7B-Instruct-v0.1", "finetune")]
    [run] = doc.runs
    assert run.stated_averages == {"": 65.27}
    assert sorted(values(run).values()) == sorted([63.91, 84.14, 64.29, 59.53, 74.03, 45.72])


def test_004_scraped_view() -> None:
    doc = parse("004")
    assert doc.model.repo_id == "abacusai/Smaug-Mixtral-v0.1" and doc.model.license == "apache-2.0"
    assert [(e.parent, e.kind) for e in doc.lineage] == [("mistralai/Mixtral-8x7B-v0.1", "finetune")]
    v2 = next(r for r in doc.runs if r.leaderboard == "open_llm_v2")
    assert v2.stated_averages == {"": 22.24} and all(r.normalized for r in v2.results)
    assert values(v2) == {("ifeval", "strict_acc", 0): 55.54, ("bbh", "acc_norm", 3): 31.92,
                          ("math_lvl5", "exact_match", 4): 0.0, ("gpqa", "acc_norm", 0): 6.82,
                          ("musr", "acc_norm", 0): 12.99, ("mmlu_pro", "acc", 5): 26.13}
    v1 = next(r for r in doc.runs if r.leaderboard == "open_llm_v1")
    assert v1.self_reported and v1.stated_averages == {"": 75.12}
    assert sorted(values(v1).values()) == sorted([74.91, 87.70, 70.16, 65.96, 81.61, 70.36])
    assert any("scraped page noise" in w for w in doc.warnings)
