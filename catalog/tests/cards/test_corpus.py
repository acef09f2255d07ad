"""Every fixture in the corpus parses to its key facts (shapes beyond the seeds)."""

from __future__ import annotations

from pathlib import Path

from catalog.cards import parse_document
from catalog.cards.benchmarks import resolve_benchmark, shots_from_name

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "cards" / "corpus"


def parse(name: str):
    path = CORPUS / name
    return parse_document(path.read_bytes(), filename=name)


def test_slerp_merge_with_slices_and_gradients() -> None:
    doc = parse("slerp_merge.md")
    assert doc.model.repo_id == "mlabonne/NeuralPipe-7B-slerp"
    assert doc.model.prompt_format == "chatml" and doc.model.context_length == 8192
    [recipe] = doc.merge_recipes
    assert recipe.method == "slerp" and recipe.dtype == "bfloat16"
    assert [m.layer_range for m in recipe.models] == [[0, 32], [0, 32]]
    assert recipe.parameters["t"][0] == {"filter": "self_attn", "value": [0, 0.5, 0.3, 0.7, 1]}
    assert {e.parent for e in doc.lineage} == {"OpenPipe/mistral-ft-optimized-1218",
                                               "mlabonne/NeuralHermes-2.5-Mistral-7B"}
    assert doc.warnings == []  # well-indented YAML is not mistaken for flattened
    [run] = doc.runs
    assert run.stated_averages == {"": 71.01} and len(run.results) == 6


def test_quantized_repo_card() -> None:
    doc = parse("gguf_repo_card.md")
    assert doc.model.repo_id == "TheBloke/Mistral-7B-Instruct-v0.2-GGUF"
    assert [(e.parent, e.kind) for e in doc.lineage] == [("mistralai/Mistral-7B-Instruct-v0.2", "quantized")]
    assert doc.runs == []  # a file table is not a benchmark table


def test_fraction_table_with_unknown_cells() -> None:
    doc = parse("table_percent_and_fraction.md")
    [run] = doc.runs
    by_key = {r.benchmark: r for r in run.results}
    assert set(by_key) == {"arc", "hellaswag", "truthfulqa", "winogrande", "gsm8k"}  # MMLU "N/A" skipped
    assert (by_key["arc"].value, by_key["arc"].raw_value, by_key["arc"].raw_scale) == (36.01, 0.3601, 1.0)
    assert run.stated_averages == {}  # "?" is not a number
    assert str(doc.model.release_date) == "2024-03-02"


def test_lmeval_old_format() -> None:
    doc = parse("lmeval_old_format.json")
    assert doc.kind == "lmeval_results" and doc.model.repo_id == "teknium/OpenHermes-2.5-Mistral-7B"
    [run] = doc.runs
    got = {(r.benchmark, r.metric): (r.value, r.stderr) for r in run.results}
    assert got[("arc", "acc_norm")] == (60.92, 1.43)
    assert got[("truthfulqa", "mc2")] == (53.86, 1.54)
    assert got[("mmlu_abstract_algebra", "acc")] == (31.0, 4.65)


def test_lmeval_v04_format() -> None:
    doc = parse("lmeval_v04_format.json")
    assert doc.model.repo_id == "NousResearch/Hermes-2-Pro-Mistral-7B"
    [run] = doc.runs
    assert run.harness_version == "0.4.3" and str(run.run_date) == "2024-06-10"
    got = {(r.benchmark, r.metric, r.shots): (r.value, r.stderr) for r in run.results}
    assert got[("arc", "acc_norm", 25)] == (66.04, 1.38)
    assert got[("hellaswag", "acc_norm", 10)] == (85.12, None)  # "N/A" stderr
    assert got[("gsm8k", "exact_match", 5)][0] in (65.13, 66.11)


def test_benchmark_names() -> None:
    assert resolve_benchmark("AI2 Reasoning Challenge (25-Shot)") == "arc"
    assert resolve_benchmark("MMLU-PRO (5-shot)") == "mmlu_pro"
    assert resolve_benchmark("MMLU (5-Shot)") == "mmlu"
    assert resolve_benchmark("arc_easy") == "arc_easy"
    assert resolve_benchmark("", dataset_type="ai2_arc", config="ARC-Easy") == "arc_easy"
    assert resolve_benchmark("harness|arc:challenge|25") == "arc"
    assert resolve_benchmark("leaderboard_math_hard") == "math_lvl5"
    assert resolve_benchmark("hendrycksTest-anatomy") == "mmlu_anatomy"
    assert resolve_benchmark("Some new benchmark") == ""
    assert shots_from_name("HellaSwag (10-Shot)") == 10 and shots_from_name("ARC") is None
