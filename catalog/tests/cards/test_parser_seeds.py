"""The pure parser against the five seed documents: every fact in SEEDS_EXPECTED.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog.cards import parse_document
from catalog.cards.facts import EvalRunFact, ParsedDocument

SEEDS = Path(__file__).resolve().parents[2] / "fixtures" / "cards" / "seeds"


def parse(prefix: str, **kwargs: str) -> ParsedDocument:
    return parse_document(next(SEEDS.glob(f"{prefix}_*.txt")).read_bytes(), **kwargs)


def values(run: EvalRunFact) -> dict[tuple[str, str, int | None], float]:
    return {(r.benchmark, r.metric, r.shots): r.value for r in run.results}


def by_key(run: EvalRunFact) -> dict[str, float]:
    return {r.benchmark: r.value for r in run.results}


def mean(numbers: list[float]) -> float:
    return sum(numbers) / len(numbers)


# --- 000: clean front matter + merge config in the body ----------------------------------


def test_000_model_facts() -> None:
    doc = parse("000")
    m = doc.model
    assert doc.kind == "model_card"
    assert (m.repo_id, m.name, m.organization, m.license) == (
        "rombodawg/Open_Gpt4_8x7B_v0.2", "Open_Gpt4_8x7B_v0.2", "rombodawg", "cc-by-4.0")
    assert m.tags == ["merge", "moe"]
    assert (m.is_moe, m.num_experts, m.experts_per_token, m.family, m.architecture) == (
        True, 8, 2, "mistral", "MixtralForCausalLM")
    # Not stated in the card: estimated from "8x7B" and flagged.
    assert (m.total_params_b, m.active_params_b, m.params_estimated) == (46.7, 12.9, True)
    assert any("estimated" in w and "46.7B" in w for w in doc.warnings)
    assert m.prompt_format == "alpaca"
    assert m.base_models == []  # lineage exists only in the body YAML


def test_000_merge_recipe_and_lineage() -> None:
    doc = parse("000")
    [recipe] = doc.merge_recipes
    assert (recipe.tool, recipe.method, recipe.base_model, recipe.dtype, recipe.step) == (
        "mergekit", "ties", "smelborp/MixtralOrochi8x7B", "float16", 0)
    assert recipe.parameters == {"normalize": True, "int8_mask": True}
    assert [(x.repo_id, x.parameters) for x in recipe.models] == [
        ("mistralai/Mixtral-8x7B-Instruct-v0.1", {"density": 0.5, "weight": 1}),
        ("jondurbin/bagel-dpo-8x7b-v0.2", {"density": 0.5, "weight": 0.7}),
    ]
    assert recipe.parsed["models"][0]["model"] == "Mixtral-8x7B-Instruct-v0.1"  # as written
    assert "merge_method: ties" in recipe.raw_yaml
    assert [(e.parent, e.kind, e.params) for e in doc.lineage] == [
        ("mistralai/Mixtral-8x7B-Instruct-v0.1", "merge", {"density": 0.5, "weight": 1, "method": "ties"}),
        ("jondurbin/bagel-dpo-8x7b-v0.2", "merge", {"density": 0.5, "weight": 0.7, "method": "ties"}),
        ("smelborp/MixtralOrochi8x7B", "merge", {"role": "base", "method": "ties"}),
    ]
    assert all(e.confidence == 1.0 for e in doc.lineage)
    # Every bare name resolved against the card's links: no "does not resolve" warning.
    assert not any("does not resolve" in w for w in doc.warnings)


def test_000_quantized_link() -> None:
    [link] = parse("000").quantized_links
    assert (link.repo_id, link.format, link.level, link.quantizer) == (
        "rombodawg/Open_Gpt4_8x7B_v0.2_q8_0_gguf", "GGUF", "Q8_0", "rombodawg")


def test_000_front_matter_and_table_are_one_run() -> None:
    doc = parse("000")
    [run] = doc.runs
    assert (run.source, run.leaderboard, run.self_reported, run.subject) == ("front_matter", "open_llm_v1", False, None)
    assert run.stated_averages == {"": 73.59}
    assert values(run) == {("arc", "acc_norm", 25): 68.69, ("hellaswag", "acc_norm", 10): 86.16,
                           ("mmlu", "acc", 5): 72.07, ("truthfulqa", "mc2", 0): 71.92,
                           ("winogrande", "acc", 5): 83.58, ("gsm8k", "acc", 5): 59.14}
    assert round(mean(list(by_key(run).values())), 3) == 73.593
    assert len(run.sources) == 2 and run.sources[0] == "front matter model-index"
    assert all((r.raw_scale, r.normalized) == (100.0, False) for r in run.results)
    assert run.details_url == "https://huggingface.co/datasets/open-llm-leaderboard/details_rombodawg__Open_Gpt4_8x7B_v0.2"


# --- 001: flattened front matter ---------------------------------------------------------


def test_001_model_facts() -> None:
    doc = parse("001")
    m = doc.model
    assert (m.repo_id, m.name, m.license, m.license_name) == (
        "mlabonne/Beyonder-4x7B-v2", "Beyonder-4x7B-v2", "other", "microsoft-research-license")
    assert m.license_link == "https://huggingface.co/WizardLM/WizardMath-7B-V1.1/resolve/main/LICENSE"
    assert m.tags[:4] == ["moe", "merge", "mergekit", "Mistral"] and len(m.tags) == 8
    # "24.2B parameters + only two experts are selected during inference (so ~12B)": stated, not estimated.
    assert (m.total_params_b, m.active_params_b, m.params_estimated) == (24.2, 12.0, False)
    assert (m.is_moe, m.num_experts, m.experts_per_token) == (True, 4, 2)
    assert (m.family, m.architecture, m.context_length) == ("mistral", "MixtralForCausalLM", 8192)


def test_001_flattened_front_matter_recovered_with_a_warning() -> None:
    doc = parse("001")
    assert any("re-indented" in w and "front matter" in w for w in doc.warnings)
    assert not any("could be read" in w for w in doc.warnings)  # all six results recovered
    results = doc.front_matter["model-index"][0]["results"]
    assert len(results) == 6 and results[0]["dataset"]["args"] == {"num_few_shot": 25}
    v1 = next(r for r in doc.runs if r.leaderboard == "open_llm_v1")
    assert (v1.source, v1.self_reported) == ("front_matter", False)
    assert values(v1) == {("arc", "acc_norm", 25): 68.77, ("hellaswag", "acc_norm", 10): 86.8,
                          ("mmlu", "acc", 5): 65.1, ("truthfulqa", "mc2", 0): 60.68,
                          ("winogrande", "acc", 5): 80.9, ("gsm8k", "acc", 5): 71.72}
    assert round(mean(list(by_key(v1).values())), 2) == 72.33
    assert v1.stated_averages == {}  # the card states no v1 average


def test_001_moe_recipe_recovered_and_lineage() -> None:
    doc = parse("001")
    [recipe] = doc.merge_recipes
    assert any("merge config" in w and "re-indented" in w for w in doc.warnings)
    assert (recipe.tool, recipe.method, recipe.base_model) == ("mergekit-moe", "moe", "mlabonne/Marcoro14-7B-slerp")
    experts = ["openchat/openchat-3.5-1210", "beowolx/CodeNinja-1.0-OpenChat-7B",
               "maywell/PiVoT-0.1-Starling-LM-RP", "WizardLM/WizardMath-7B-V1.1"]
    assert [x.repo_id for x in recipe.models] == experts
    assert [x.positive_prompts for x in recipe.models] == [
        ["chat", "assistant", "tell me", "explain"], ["code", "python", "javascript", "programming", "algorithm"],
        ["storywriting", "write", "scene", "story", "character"], ["reason", "math", "mathematics", "solve", "count"]]
    assert all(x.negative_prompts == [] for x in recipe.models)
    assert [(e.parent, e.kind) for e in doc.lineage] == [*[(x, "moe_expert") for x in experts],
                                                         ("mlabonne/Marcoro14-7B-slerp", "merge")]
    assert doc.lineage[1].params["positive_prompts"][0] == "code"
    assert doc.lineage[-1].params == {"role": "base", "method": "moe"}


def test_001_quantized_links() -> None:
    doc = parse("001")
    assert [(q.repo_id, q.format, q.quantizer) for q in doc.quantized_links] == [
        ("TheBloke/Beyonder-4x7B-v2-GGUF", "GGUF", "TheBloke"), ("TheBloke/Beyonder-4x7B-v2-AWQ", "AWQ", "TheBloke"),
        ("TheBloke/Beyonder-4x7B-v2-GPTQ", "GPTQ", "TheBloke"),
        ("bartowski/Beyonder-4x7B-v2-exl2", "EXL2", "bartowski")]


def test_001_nous_suite_is_a_separate_run() -> None:
    doc = parse("001")
    nous = next(r for r in doc.runs if r.leaderboard == "nous" and r.subject is None)
    assert nous.source == "card_table" and nous.self_reported
    got = values(nous)
    assert got[("agieval", "average", 0)] == 45.29 and got[("gpt4all", "average", 0)] == 75.95
    assert got[("truthfulqa", "mc2", 0)] == 60.86 and got[("bigbench", "average", 0)] == 46.4
    assert nous.stated_averages == {"": 57.13}
    # per-subtask tables are in percent
    assert got[("agieval_aqua_rat", "acc", 0)] == 23.62 and got[("agieval_logiqa_en", "acc_norm", 0)] == 43.01
    assert got[("arc", "acc_norm", 0)] == 64.51 and got[("boolq", "acc", 0)] == 88.35
    assert got[("truthfulqa", "mc1", 0)] == 44.55
    assert got[("bigbench_snarks", "multiple_choice_grade", 0)] == 77.35
    snarks = next(r for r in nous.results if r.benchmark == "bigbench_snarks")
    assert (snarks.raw_scale, snarks.stderr) == (100.0, 3.12)
    # TruthfulQA: 60.68 (v1 front matter) and 60.86 (Nous table) are different runs, each with its source.
    v1 = next(r for r in doc.runs if r.leaderboard == "open_llm_v1")
    assert by_key(v1)["truthfulqa"] == 60.68 and v1.sources == ["front matter model-index"]
    assert all(s.startswith("table") for s in nous.sources)


def test_001_comparison_rows_are_claims_about_other_models() -> None:
    doc = parse("001")
    claims = {r.subject: r.stated_averages[""] for r in doc.runs if r.subject}
    assert claims == {"mlabonne/NeuralHermes-2.5-Mistral-7B": 53.51, "teknium/OpenHermes-2.5-Mistral-7B": 52.42,
                      "NousResearch/Nous-Hermes-2-SOLAR-10.7B": 55.81, "NousResearch/Nous-Hermes-2-Yi-34B": 58.33}
    assert any("links to NousResearch/Nous-Hermes-2-SOLAR-10.7B" in w for w in doc.warnings)


# --- 002: scraped catalog page ---------------------------------------------------------------


def test_002_catalog_page_model_facts() -> None:
    doc = parse("002")
    m = doc.model
    assert doc.kind == "catalog_page"
    assert m.repo_id == "NousResearch/Nous-Hermes-2-Mixtral-8x7B-DPO"
    assert (m.total_params_b, m.active_params_b, m.context_length, m.is_moe) == (46.7, 13.0, 32768, True)
    assert (str(m.release_date), m.layers, m.kv_heads, m.head_dim, m.family) == ("2024-01-11", 32, 8, 128, "mistral")
    assert m.prompt_format == "chatml" and m.prompt_template.startswith("<|im_start|>system")
    assert m.siblings == ["NousResearch/Nous-Hermes-2-Mixtral-8x7B-SFT"]
    assert [(e.parent, e.kind) for e in doc.lineage] == [("mistralai/Mixtral-8x7B-v0.1", "finetune")]


def test_002_nous_suite_fractions_and_averages() -> None:
    doc = parse("002")
    nous = next(r for r in doc.runs if r.leaderboard == "nous")
    assert nous.stated_averages == {"gpt4all": 75.70, "agieval": 46.05, "bigbench": 49.70}
    arc = next(r for r in nous.results if (r.benchmark, r.metric) == ("arc", "acc_norm"))
    assert (arc.value, arc.raw_value, arc.raw_scale, arc.stderr) == (64.25, 0.6425, 1.0, 1.4)

    def pick(keys: list[str], prefer: str) -> list[float]:
        out = []
        for key in keys:
            rows = {r.metric: r.value for r in nous.results if r.benchmark == key}
            out.append(rows.get(prefer, rows.get("acc")))
        return out

    gpt4all = ["arc", "arc_easy", "boolq", "hellaswag", "openbookqa", "piqa", "winogrande"]
    assert round(mean(pick(gpt4all, "acc_norm")), 2) == 75.70
    agieval = sorted({r.benchmark for r in nous.results if r.benchmark.startswith("agieval_")})
    assert len(agieval) == 8 and round(mean(pick(agieval, "acc_norm")), 2) == 46.05
    bigbench = [r.value for r in nous.results if r.benchmark.startswith("bigbench_")
                and r.metric == "multiple_choice_grade"]
    assert len(bigbench) == 18 and round(mean(bigbench), 2) == 49.70


def test_002_quantizations_benchmarks_and_gpus() -> None:
    doc = parse("002")
    assert [(q.level, q.bits_per_weight, q.vram_gb, q.quality_pct) for q in doc.quant_table] == [
        ("Q4_K_M", 4.5, 26.8, 94), ("Q6_K", 6.5, 38.4, 97), ("Q8_0", 8, 47.2, 100), ("FP16", 16, 93.9, 100)]
    boards = {r.leaderboard: r for r in doc.runs if r.leaderboard in ("arena_elo", "open_llm_v2")}
    assert values(boards["arena_elo"]) == {("arena_elo", "elo", None): 1099}
    assert boards["arena_elo"].results[0].raw_scale is None
    assert by_key(boards["open_llm_v2"]) == {"ifeval": 59.0, "bbh": 37.1, "mmlu_pro": 29.6, "musr": 16.7,
                                             "math_lvl5": 12.2, "gpqa": 9.5}
    assert len(doc.gpus) == 30
    first = doc.gpus[0]
    assert (first.name, first.vendor, first.memory_gb, first.bandwidth_gbs) == ("AMD Radeon PRO V710", "amd", 28, 504)
    assert (doc.gpus[1].name, doc.gpus[1].memory_gb, doc.gpus[1].bandwidth_gbs, doc.gpus[1].price_usd) == (
        "NVIDIA RTX 5090", 32, 1792, 1999)


# --- 003: empty model-index, results only in a table ---------------------------------------


def test_003_model_facts() -> None:
    doc = parse("003")
    m = doc.model
    assert (m.repo_id, m.name, m.license, m.languages) == (
        "orangetin/OpenHermes-Mixtral-8x7B", "OpenHermes-Mixtral-8x7B", "apache-2.0", ["en"])
    assert m.base_models == ["mistralai/Mixtral-8x7B-Instruct-v0.1"]
    assert [(e.parent, e.kind, e.evidence) for e in doc.lineage] == [
        ("mistralai/Mixtral-8x7B-Instruct-v0.1", "finetune", "base_model front matter")]
    assert m.training_notes == "This model was trained on the OpenHermes dataset for 3 epochs"
    assert m.prompt_format == "llama2" and "[INST] <<SYS>>" in m.prompt_template
    assert (m.is_moe, m.num_experts, m.family, m.architecture) == (True, 8, "mistral", "MixtralForCausalLM")
    assert doc.front_matter["model-index"] == [{"name": "OpenHermes-Mixtral-8x7B", "results": []}]


def test_003_table_run() -> None:
    doc = parse("003")
    [run] = doc.runs  # the empty model-index adds nothing
    assert (run.source, run.leaderboard, run.subject) == ("card_table", "open_llm_v1", None)
    assert run.stated_averages == {"": 65.27}
    assert by_key(run) == {"arc": 63.91, "hellaswag": 84.14, "mmlu": 64.29, "truthfulqa": 59.53,
                           "winogrande": 74.03, "gsm8k": 45.72}
    assert {r.benchmark: r.shots for r in run.results} == {"arc": 25, "hellaswag": 10, "mmlu": 5, "truthfulqa": 0,
                                                           "winogrande": 5, "gsm8k": 5}


# --- 004: scraped file view with blame hashes and line numbers -------------------------------


def test_004_model_facts() -> None:
    doc = parse("004")
    m = doc.model
    assert (m.repo_id, m.name, m.license, m.tags) == (
        "abacusai/Smaug-Mixtral-v0.1", "Smaug-Mixtral-v0.1", "apache-2.0", ["mixtral", "finetune"])
    assert [(e.parent, e.kind) for e in doc.lineage] == [("mistralai/Mixtral-8x7B-v0.1", "finetune")]
    assert "DPO-Positive (DPOP)" in doc.body_markdown
    assert any("scraped page noise" in w for w in doc.warnings)
    assert doc.body_markdown.lstrip().startswith("## Overview")  # noise and front matter removed


def test_004_v2_front_matter_and_table_are_one_run() -> None:
    doc = parse("004")
    v2 = next(r for r in doc.runs if r.leaderboard == "open_llm_v2")
    assert (v2.source, v2.self_reported) == ("front_matter", False)
    assert v2.stated_averages == {"": 22.24} and all(r.normalized for r in v2.results)
    assert values(v2) == {("ifeval", "strict_acc", 0): 55.54, ("bbh", "acc_norm", 3): 31.92,
                          ("math_lvl5", "exact_match", 4): 0.0, ("gpqa", "acc_norm", 0): 6.82,
                          ("musr", "acc_norm", 0): 12.99, ("mmlu_pro", "acc", 5): 26.13}
    assert abs(mean(list(by_key(v2).values())) - 22.24) < 0.01  # 22.233, the card rounds
    assert len([r for r in doc.runs if r.leaderboard == "open_llm_v2"]) == 1
    assert any(s.startswith("table") for s in v2.sources)


def test_004_self_reported_v1_table() -> None:
    doc = parse("004")
    v1 = next(r for r in doc.runs if r.leaderboard == "open_llm_v1")
    assert (v1.source, v1.self_reported) == ("card_table", True)
    assert v1.stated_averages == {"": 75.12}
    assert by_key(v1) == {"arc": 74.91, "hellaswag": 87.70, "mmlu": 70.16, "truthfulqa": 65.96,
                          "winogrande": 81.61, "gsm8k": 70.36}


# --- repo id precedence ------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["000", "001", "003", "004"])
def test_repo_id_hint_wins_and_a_conflict_is_reported(prefix: str) -> None:
    doc = parse(prefix, repo_id_hint="someone/else")
    assert (doc.model.repo_id, doc.model.organization) == ("someone/else", "someone")
    assert any("imported as someone/else" in w for w in doc.warnings)


def test_seeds_parse_quickly() -> None:
    import time

    started = time.perf_counter()
    for prefix in ("000", "001", "002", "003", "004"):
        parse(prefix)
