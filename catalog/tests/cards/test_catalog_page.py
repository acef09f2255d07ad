"""Scraped catalog pages: every seed 002 fact in SEEDS_EXPECTED.md, and a dense model's page."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest

from catalog.cards.catalog_page import looks_like_catalog_page, parse_catalog_page
from catalog.cards.facts import ParsedDocument

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "cards"
SEED_002 = next((FIXTURES / "seeds").glob("002_*.txt")).read_text(encoding="utf-8")
LLAMA_PAGE = (FIXTURES / "corpus" / "catalog_page_llama.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed() -> ParsedDocument:
    return parse_catalog_page(SEED_002)


@pytest.fixture(scope="module")
def llama() -> ParsedDocument:
    return parse_catalog_page(LLAMA_PAGE)


def test_detection() -> None:
    assert looks_like_catalog_page(SEED_002) and looks_like_catalog_page(LLAMA_PAGE)
    for prefix in ("000", "001", "003", "004"):
        card = next((FIXTURES / "seeds").glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")
        assert not looks_like_catalog_page(card)
    assert not looks_like_catalog_page("")
    assert not looks_like_catalog_page("# A card\n\nParameters are described below.\n")


def test_seed_002_identity_and_header(seed: ParsedDocument) -> None:
    m = seed.model
    assert seed.kind == "catalog_page" and seed.warnings == []
    assert (m.repo_id, m.name, m.organization) == ("NousResearch/Nous-Hermes-2-Mixtral-8x7B-DPO",
                                                   "Nous-Hermes-2-Mixtral-8x7B-DPO", "NousResearch")
    assert (m.total_params_b, m.active_params_b, m.params_estimated) == (46.7, 13.0, False)
    assert (m.context_length, m.is_moe, m.release_date) == (32768, True, date(2024, 1, 11))
    assert (m.layers, m.kv_heads, m.head_dim, m.family) == (32, 8, 128, "mistral")
    assert (m.num_experts, m.experts_per_token, m.architecture) == (8, 2, "MixtralForCausalLM")
    assert m.downloads == 9000 and m.tags == ["chat", "distilled"]
    assert m.ollama_tag == "mixtral:8x7b"
    assert m.summary.startswith("Nous Hermes 2 Mixtral 8x7B DPO is the new flagship")


def test_seed_002_lineage_sibling_and_prompt(seed: ParsedDocument) -> None:
    [edge] = seed.lineage
    assert (edge.parent, edge.kind) == ("mistralai/Mixtral-8x7B-v0.1", "finetune")
    assert edge.confidence < 1.0 and edge.evidence.startswith("prose: 'trained over the Mixtral 8x7B")
    assert seed.model.siblings == ["NousResearch/Nous-Hermes-2-Mixtral-8x7B-SFT"]
    m = seed.model
    assert m.prompt_format == "chatml"
    assert m.prompt_template.startswith("<|im_start|>system\nYou are \"Hermes 2\"")
    assert m.prompt_template.endswith("with their needs and requests.<|im_end|>")
    assert m.prompt_template.count("<|im_start|>") == 3


def test_seed_002_nous_tables(seed: ParsedDocument) -> None:
    [nous] = [r for r in seed.runs if r.leaderboard == "nous"]
    assert (nous.source, nous.subject, nous.self_reported) == ("catalog_page", None, True)
    assert nous.stated_averages == {"gpt4all": 75.70, "agieval": 46.05, "bigbench": 49.70}
    by = {(r.benchmark, r.metric): r for r in nous.results}
    arc = by[("arc", "acc_norm")]
    assert (arc.value, arc.raw_value, arc.raw_scale, arc.stderr, arc.shots) == (64.25, 0.6425, 1.0, 1.4, 0)
    assert by[("agieval_lsat_lr", "acc")].value == 55.49
    assert by[("bigbench_causal_judgement", "multiple_choice_grade")].value == 61.05
    assert len(nous.results) == 47


def test_seed_002_quantization_table(seed: ParsedDocument) -> None:
    assert [(q.level, q.bits_per_weight, q.vram_gb, q.quality_pct, q.file_size_gb) for q in seed.quant_table] == [
        ("Q4_K_M", 4.5, 26.8, 94.0, None), ("Q6_K", 6.5, 38.4, 97.0, None), ("Q8_0", 8.0, 47.2, 100.0, None),
        ("FP16", 16.0, 93.9, 100.0, None)]


def test_seed_002_benchmark_list(seed: ParsedDocument) -> None:
    boards = {r.leaderboard: r for r in seed.runs if r.leaderboard in ("arena_elo", "open_llm_v2")}
    arena, v2 = boards["arena_elo"], boards["open_llm_v2"]
    for run in (arena, v2):
        assert (run.source, run.self_reported, run.subject) == ("catalog_page", False, None)
    [elo] = arena.results
    assert (elo.benchmark, elo.metric, elo.value, elo.raw_value, elo.raw_scale) == (
        "arena_elo", "elo", 1099, 1099, None)
    assert {(r.benchmark, r.metric, r.shots): r.value for r in v2.results} == {
        ("ifeval", "strict_acc", 0): 59.0, ("bbh", "acc_norm", 3): 37.1, ("mmlu_pro", "acc", 5): 29.6,
        ("musr", "acc_norm", 0): 16.7, ("math_lvl5", "exact_match", 4): 12.2, ("gpqa", "acc_norm", 0): 9.5}
    assert all(r.normalized and r.raw_scale == 100.0 for r in v2.results)
    assert [r.raw_name for r in v2.results] == ["IFEval", "BBH", "MMLU-PRO", "MUSR", "MATH", "GPQA"]
    assert len(seed.runs) == 3


def test_seed_002_gpus(seed: ParsedDocument) -> None:
    gpus = seed.gpus
    assert len(gpus) == 30
    first, rtx = gpus[0], gpus[1]
    assert (first.name, first.vendor, first.memory_gb, first.bandwidth_gbs, first.price_usd) == (
        "AMD Radeon PRO V710", "amd", 28.0, 504.0, None)
    assert (rtx.name, rtx.vendor, rtx.memory_gb, rtx.bandwidth_gbs, rtx.price_usd) == (
        "NVIDIA RTX 5090", "nvidia", 32.0, 1792.0, 1999.0)
    assert (gpus[2].name, gpus[2].vendor, gpus[2].price_usd) == ("Apple M1 Max (32GB)", "apple", 1499.0)
    assert gpus[-1].name == "AMD Radeon PRO W7800" and gpus[-1].bandwidth_gbs == 576.0
    assert {g.vendor for g in gpus} == {"amd", "nvidia", "apple"}
    assert sum(1 for g in gpus if g.price_usd is not None) == 7
    assert all(g.memory_gb == 32.0 for g in gpus[1:])


def test_seed_002_body_is_the_card_text_only(seed: ParsedDocument) -> None:
    body = seed.body_markdown
    assert body.startswith("Nous Hermes 2 - Mixtral 8x7B - DPO")
    assert "VRAM required" not in body and "GB/s" not in body and "Arena Elo" not in body
    assert body.rstrip().endswith("...")


def test_dense_llama_page(llama: ParsedDocument) -> None:
    m = llama.model
    assert llama.warnings == []
    assert (m.repo_id, m.organization, m.tags) == ("lumen-ai/Lumen-Llama-3-8B-Instruct", "lumen-ai",
                                                   ["chat", "instruct", "multilingual"])
    assert (m.total_params_b, m.active_params_b, m.is_moe, m.num_experts, m.experts_per_token) == (
        8.03, None, False, None, None)
    assert (m.context_length, m.release_date, m.layers, m.kv_heads, m.head_dim) == (
        8192, date(2024, 5, 14), 32, 8, 128)
    assert (m.family, m.architecture, m.downloads, m.ollama_tag) == ("llama", "LlamaForCausalLM", 1_200_000,
                                                                     "lumen-llama3:8b")
    assert [(e.parent, e.kind, e.confidence) for e in llama.lineage] == [
        ("meta-llama/Meta-Llama-3-8B", "finetune", 0.6)]
    assert m.siblings == ["lumen-ai/Lumen-Llama-3-70B-Instruct"]
    assert m.prompt_format == "llama3"
    assert m.prompt_template.startswith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>")
    assert m.prompt_template.endswith("<|start_header_id|>assistant<|end_header_id|>")


def test_dense_llama_page_runs_quants_and_gpus(llama: ParsedDocument) -> None:
    harness, arena, v2 = llama.runs
    assert (harness.source, harness.leaderboard, harness.self_reported) == ("catalog_page", "open_llm_v1", True)
    assert {(r.benchmark, r.metric, r.shots): (r.value, r.stderr) for r in harness.results} == {
        ("arc", "acc", 25): (59.47, 1.43), ("arc", "acc_norm", 25): (62.46, 1.41),
        ("hellaswag", "acc", 10): (60.31, 0.49), ("hellaswag", "acc_norm", 10): (79.58, 0.4),
        ("gsm8k", "exact_match", 5): (74.53, 1.2), ("winogrande", "acc", 5): (76.32, 1.19)}
    assert arena.results[0].value == 1152
    # "MATH Lvl 58.5": the name ends in a digit; the longest known name wins.
    assert {r.raw_name: r.value for r in v2.results} == {
        "IFEval": 74.1, "BBH": 28.2, "MMLU-PRO": 29.9, "MATH Lvl 5": 8.5, "GPQA": 5.3}
    assert [(q.level, q.bits_per_weight, q.vram_gb, q.quality_pct) for q in llama.quant_table] == [
        ("Q4_K_M", 4.5, 5.0, 93.0), ("Q8_0", 8.0, 8.5, 100.0), ("FP16", 16.0, 16.6, 100.0)]
    assert [(g.name, g.vendor, g.memory_gb, g.bandwidth_gbs, g.price_usd) for g in llama.gpus] == [
        ("NVIDIA GeForce RTX 3060 8 GB", "nvidia", 8.0, 240.0, 299.0),
        ("Intel Arc A770", "intel", 16.0, 560.0, 329.0),
        ("Apple M3 Pro (18GB)", "apple", 18.0, 150.0, 1999.0),
        ("AMD Radeon RX 7900 XTX", "amd", 24.0, 960.0, 999.0),
        ("NVIDIA H100 SXM5 80 GB", "nvidia", 80.0, 3350.0, 30000.0),  # TB/s, "$30,000"
        ("Qualcomm Snapdragon X Elite", "qualcomm", 32.0, None, None),  # unknown vendor kept as written
    ]


def test_truncated_and_odd_pages_do_not_raise() -> None:
    header_only = SEED_002.split("Nous Hermes 2 - Mixtral 8x7B - DPO")[0]
    doc = parse_catalog_page(header_only)
    assert doc.model.repo_id == "NousResearch/Nous-Hermes-2-Mixtral-8x7B-DPO" and doc.runs == []
    assert doc.model.total_params_b == 46.7 and doc.gpus == [] and doc.quant_table == []

    doc = parse_catalog_page("Just some text\nwith no breadcrumb\nVRAM required\n")
    assert doc.model.repo_id is None and any("breadcrumb" in w for w in doc.warnings)

    doc = parse_catalog_page("Org/Category\n\nName\n\nReleased\nsoon\n")
    assert doc.model.repo_id == "Org/Name" and doc.model.release_date is None
    assert doc.warnings == ["Release date 'soon' is not a date."]

    assert parse_catalog_page("").warnings == ["The catalog page is empty."]

    tail = SEED_002[SEED_002.index("Quantizations & VRAM"):]
    doc = parse_catalog_page("A/B\n\nC\n\n" + tail.replace("94%", "94 %").replace("26.8 GB", "26,8 GB"))
    assert doc.quant_table[0].vram_gb is None and doc.quant_table[0].quality_pct == 94.0
    assert "Quantization Q4_K_M: no VRAM figure found." in doc.warnings


def test_hostile_pages_are_bounded() -> None:
    pages = [
        SEED_002 + "\n" + ("Arena Elo1099\n" * 20_000),
        "A/B\n\nC\n\nGPUs that can run this model\n" + "X\n32 GB VRAM • 1 GB/s\nNVIDIA\n$1\n" * 20_000,
        "A/B\n\nC\n\nQuantizations & VRAM\n" + "Q4_K_M4.5 bpw\n1 GB\nVRAM required\n" * 20_000,
        "A/B\n\nC\n" + "trained over the " * 50_000,
        "A/B\n\nC\n\nBenchmarks (7)\n" + "9" * 100_000 + "\n" + ("MATH Lvl 5" * 1000) + "1.0\n",
    ]
    for page in pages:
        start = time.perf_counter()
        doc = parse_catalog_page(page)
        assert len(doc.gpus) <= 500 and len(doc.quant_table) <= 100
