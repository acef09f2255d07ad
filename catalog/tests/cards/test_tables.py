"""Benchmark tables in card bodies: every seed's tables and the corpus' table shapes."""

from __future__ import annotations

import time
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.cards.facts import EvalRunFact
from catalog.cards.tables import extract_table_runs, find_tables, parse_value, plain, split_cells

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "cards"


def seed_body(prefix: str) -> str:
    text = next((FIXTURES / "seeds").glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")
    if "\n---\n" in text and "---\n" in text[:600]:  # drop the front matter (tables live in the body)
        start = text.index("---\n")
        text = text[text.index("\n---\n", start + 3) + 5:]
    return text


def corpus(name: str) -> str:
    return (FIXTURES / "corpus" / name).read_text(encoding="utf-8")


def values(run: EvalRunFact) -> dict[tuple[str, str, int | None], float]:
    return {(r.benchmark, r.metric, r.shots): r.value for r in run.results}


# --- seeds ---------------------------------------------------------------------------------


def test_seed_000_leaderboard_summary_table() -> None:
    runs, warnings = extract_table_runs(seed_body("000"), model_name="Open_Gpt4_8x7B_v0.2",
                                        repo_id="rombodawg/Open_Gpt4_8x7B_v0.2")
    assert warnings == []
    [run] = runs
    assert (run.source, run.leaderboard, run.subject, run.self_reported) == ("card_table", "open_llm_v1", None, False)
    assert run.stated_averages == {"": 73.59}
    assert values(run) == {("arc", "acc_norm", 25): 68.69, ("hellaswag", "acc_norm", 10): 86.16,
                           ("mmlu", "acc", 5): 72.07, ("truthfulqa", "mc2", 0): 71.92,
                           ("winogrande", "acc", 5): 83.58, ("gsm8k", "acc", 5): 59.14}
    assert all((r.raw_scale, r.raw_value) == (100.0, r.value) and not r.normalized for r in run.results)
    assert run.results[0].raw_name == "AI2 Reasoning Challenge (25-Shot)"
    assert run.details_url == ("https://huggingface.co/datasets/open-llm-leaderboard/"
                               "details_rombodawg__Open_Gpt4_8x7B_v0.2")
    assert run.label == "Open LLM Leaderboard Evaluation Results"


def test_seed_001_nous_tables_comparison_and_wrong_link() -> None:
    runs, warnings = extract_table_runs(seed_body("001"), model_name="Beyonder-4x7B-v2",
                                        repo_id="mlabonne/Beyonder-4x7B-v2")
    nous = runs[0]
    assert (nous.leaderboard, nous.subject, nous.self_reported, nous.source) == ("nous", None, True, "card_table")
    got = values(nous)
    # The comparison table's own row (bold, links to shadowml/...) is this card's model.
    assert got[("agieval", "average", 0)] == 45.29 and got[("gpt4all", "average", 0)] == 75.95
    assert got[("bigbench", "average", 0)] == 46.4 and got[("truthfulqa", "mc2", 0)] == 60.86
    assert nous.stated_averages == {"": 57.13}
    # Per-subtask tables, all zero-shot, in percent, with their standard errors.
    assert all(r.shots == 0 for r in nous.results)
    by = {(r.benchmark, r.metric): r for r in nous.results}
    assert (by[("agieval_aqua_rat", "acc")].value, by[("agieval_aqua_rat", "acc")].stderr) == (23.62, 2.67)
    assert (by[("agieval_sat_math", "acc_norm")].value, by[("agieval_sat_math", "acc_norm")].stderr) == (32.27, 3.16)
    assert (by[("arc", "acc_norm")].value, by[("arc", "acc_norm")].raw_scale) == (64.51, 100.0)
    assert by[("boolq", "acc")].value == 88.35 and ("boolq", "acc_norm") not in by
    assert (by[("truthfulqa", "mc1")].value, by[("truthfulqa", "mc2")].stderr) == (44.55, 1.57)
    assert by[("bigbench_snarks", "multiple_choice_grade")].value == 77.35
    assert by[("bigbench_geometric_shapes", "exact_str_match")].value == 13.37
    assert sum(1 for r in nous.results if r.benchmark.startswith("agieval_")) == 16
    assert sum(1 for r in nous.results if r.benchmark.startswith("bigbench_")) == 19
    assert len(nous.results) == 4 + 16 + 12 + 1 + 19  # aggregates, AGIEval, GPT4All, mc1 (mc2 shared), BigBench
    assert len(nous.sources) == 5
    # Claims about four other models, each its own run.
    claims = {r.subject: r for r in runs[1:]}
    assert {s: r.stated_averages for s, r in claims.items()} == {
        "mlabonne/NeuralHermes-2.5-Mistral-7B": {"": 53.51}, "teknium/OpenHermes-2.5-Mistral-7B": {"": 52.42},
        "NousResearch/Nous-Hermes-2-SOLAR-10.7B": {"": 55.81}, "NousResearch/Nous-Hermes-2-Yi-34B": {"": 58.33}}
    yi = claims["NousResearch/Nous-Hermes-2-Yi-34B"]
    assert (yi.leaderboard, yi.self_reported) == ("nous", True)
    assert values(yi) == {("agieval", "average", 0): 50.27, ("gpt4all", "average", 0): 76.0,
                          ("truthfulqa", "mc2", 0): 60.34, ("bigbench", "average", 0): 46.69}
    [warning] = warnings
    assert "row 'Nous-Hermes-2-Yi-34B' links to NousResearch/Nous-Hermes-2-SOLAR-10.7B" in warning


def test_seed_002_fraction_tables_and_sub_averages() -> None:
    text = (next((FIXTURES / "seeds").glob("002_*.txt"))).read_text(encoding="utf-8")
    runs, warnings = extract_table_runs(text, model_name="Nous-Hermes-2-Mixtral-8x7B-DPO",
                                        repo_id="NousResearch/Nous-Hermes-2-Mixtral-8x7B-DPO")
    assert warnings == []
    [nous] = runs
    assert nous.leaderboard == "nous"
    # The subtask tables are 0-1 fractions; the "Average:" lines under them are percents.
    assert nous.stated_averages == {"gpt4all": 75.70, "agieval": 46.05, "bigbench": 49.70}
    by = {(r.benchmark, r.metric): r for r in nous.results}
    arc = by[("arc", "acc_norm")]
    assert (arc.value, arc.raw_value, arc.raw_scale, arc.stderr, arc.shots) == (64.25, 0.6425, 1.0, 1.4, 0)
    assert (by[("arc", "acc")].value, by[("arc", "acc")].stderr) == (59.9, 1.43)
    assert by[("winogrande", "acc")].value == 76.16
    assert by[("agieval_sat_math", "acc_norm")].value == 40.0
    assert (by[("bigbench_geometric_shapes", "exact_str_match")].value,
            by[("bigbench_geometric_shapes", "exact_str_match")].raw_scale) == (0.0, 1.0)
    assert by[("bigbench_tracking_shuffled_objects_seven_objects", "multiple_choice_grade")].value == 15.43
    assert len(nous.results) == 12 + 16 + 19
    assert [s.split(" (")[1] for s in nous.sources] == ["GPT4All:)", "AGIEval:)", "BigBench:)"]


def test_seed_003_leaderboard_table_with_leading_space() -> None:
    runs, warnings = extract_table_runs(seed_body("003"), model_name="OpenHermes-Mixtral-8x7B", repo_id=None)
    [run] = runs
    assert warnings == [] and run.stated_averages == {"": 65.27}
    assert (run.leaderboard, run.self_reported) == ("open_llm_v1", False)
    assert values(run) == {("arc", "acc_norm", 25): 63.91, ("hellaswag", "acc_norm", 10): 84.14,
                           ("mmlu", "acc", 5): 64.29, ("truthfulqa", "mc2", 0): 59.53,
                           ("winogrande", "acc", 5): 74.03, ("gsm8k", "acc", 5): 45.72}
    assert run.details_url.endswith("details_orangetin__OpenHermes-Mixtral-8x7B")


def test_seed_004_self_reported_row_and_v2_leaderboard_table() -> None:
    runs, warnings = extract_table_runs(seed_body("004"), model_name="Smaug-Mixtral-v0.1",
                                        repo_id="abacusai/Smaug-Mixtral-v0.1")
    assert warnings == []
    v1, v2 = runs
    assert (v1.leaderboard, v1.self_reported, v1.label) == ("open_llm_v1", True, "Evaluation Results")
    assert v1.stated_averages == {"": 75.12}
    assert values(v1) == {("arc", "acc_norm", None): 74.91, ("hellaswag", "acc_norm", None): 87.7,
                          ("mmlu", "acc", None): 70.16, ("truthfulqa", "mc2", None): 65.96,
                          ("winogrande", "acc", None): 81.61, ("gsm8k", "acc", None): 70.36}
    assert (v2.leaderboard, v2.self_reported, v2.stated_averages) == ("open_llm_v2", False, {"": 22.24})
    assert values(v2) == {("ifeval", "strict_acc", 0): 55.54, ("bbh", "acc_norm", 3): 31.92,
                          ("math_lvl5", "exact_match", 4): 0.0, ("gpqa", "acc_norm", 0): 6.82,
                          ("musr", "acc_norm", 0): 12.99, ("mmlu_pro", "acc", 5): 26.13}
    assert all(r.normalized for r in v2.results) and not any(r.normalized for r in v1.results)


# --- corpus --------------------------------------------------------------------------------


def test_fraction_table_with_placeholders_and_a_file_table() -> None:
    runs, warnings = extract_table_runs(corpus("table_percent_and_fraction.md"), model_name="Tiny-Hermes-1.1B",
                                        repo_id=None)
    [run] = runs  # the GGUF file table is not a benchmark table
    assert run.stated_averages == {}  # "?" average
    by = {r.benchmark: r for r in run.results}
    assert set(by) == {"arc", "hellaswag", "truthfulqa", "winogrande", "gsm8k"}  # MMLU "N/A"
    assert (by["gsm8k"].value, by["gsm8k"].raw_value, by["gsm8k"].raw_scale) == (2.12, 0.0212, 1.0)
    assert warnings == ["table at line 10 (Evaluation (self-reported)): no value for MMLU; skipped."]


def test_comparison_table_with_wrong_link_unlinked_rows_and_elo() -> None:
    runs, warnings = extract_table_runs(corpus("comparison_table.md"), model_name="Zephyr-Orca-7B", repo_id=None)
    own = [r for r in runs if r.subject is None]
    others = [r for r in runs if r.subject is not None]
    v1, arena = own
    assert (v1.leaderboard, v1.self_reported, v1.stated_averages) == ("open_llm_v1", True, {"": 66.12})
    assert {r.benchmark: r.value for r in v1.results} == {
        "arc": 64.25, "hellaswag": 84.9, "mmlu": 63.1, "truthfulqa": 58.72, "winogrande": 79.4, "gsm8k": 46.32}
    [elo] = arena.results
    assert (arena.leaderboard, elo.benchmark, elo.metric, elo.value, elo.raw_scale) == (
        "arena_elo", "arena_elo", "elo", 1071.0, None)  # "1,071"; MT-Bench is not a known benchmark
    subjects = [(r.subject, r.leaderboard) for r in others]
    assert subjects == [("HuggingFaceH4/zephyr-7b-beta", "open_llm_v1"),
                        ("teknium/OpenHermes-2.5-Mistral-7B", "open_llm_v1"),
                        ("mistralai/Mistral-7B-Instruct-v0.2", "open_llm_v1"),
                        ("mistralai/Mistral-7B-v0.1", "open_llm_v1"),
                        ("HuggingFaceH4/zephyr-7b-beta", "arena_elo")]
    base = others[3]
    assert "gsm8k" not in {r.benchmark for r in base.results} and base.stated_averages == {"": 60.97}  # "?"
    assert others[4].results[0].value == 1053.0
    assert warnings == [
        "table at line 24 (Comparison with other 7B models): row 'Mistral-7B-Instruct-v0.2' links to "
        "mistralai/Mistral-7B-v0.1; attributed to mistralai/Mistral-7B-Instruct-v0.2.",
        "table at line 24 (Comparison with other 7B models): row 'Llama-2-7b-chat' names no repository; "
        "its values were not attributed.",
    ]


def test_mixed_scales_and_fraction_with_stderr() -> None:
    runs, warnings = extract_table_runs(corpus("table_mixed_scales.md"), model_name="Mixed-Scale-7B", repo_id=None)
    mixed, fractions = runs
    assert warnings == [
        "table at line 10 (Scores): mixes values <= 1 (0.612, 0.64) with percentages; all were read as percentages.",
        "table at line 10 (Scores): GSM8K (5-shot) = 135 is not a percentage; skipped.",
        "table at line 20 (Fractions only, with a standard error): no value for BoolQ; skipped.",
    ]
    assert {(r.benchmark, r.value, r.raw_scale, r.shots) for r in mixed.results} == {
        ("arc", 0.612, 100.0, 25), ("hellaswag", 83.1, 100.0, 10), ("mmlu", 0.64, 100.0, 5),
        ("winogrande", 78.2, 100.0, 5)}
    # GPT4All component tasks alone are not the (zero-shot) Nous suite.
    assert fractions.leaderboard is None
    assert {(r.benchmark, r.value, r.raw_value, r.stderr, r.shots) for r in fractions.results} == {
        ("arc_easy", 81.23, 0.8123, 0.8, None), ("piqa", 79.5, 0.795, 0.94, None)}


# --- table syntax --------------------------------------------------------------------------


def test_cells_and_values() -> None:
    assert split_cells("| a | b \\| c |   ") == ["a", "b | c"]
    assert split_cells("a|b|c") == ["a", "b", "c"]
    assert plain("[**Beyonder-4x7B-v2**](https://huggingface.co/shadowml/Beyonder-4x7B-v2)") == "Beyonder-4x7B-v2"
    assert plain("<b>ARC</b> ![x](y.png)") == "ARC"
    assert parse_value("**45.29**") == (45.29, None, False)
    assert parse_value("61.9 ± 1.4") == (61.9, 1.4, False)
    assert parse_value("0.5990 (±0.0143)") == (0.599, 0.0143, False)
    assert parse_value("1,099") == (1099.0, None, False)
    assert parse_value("73.5%") == (73.5, None, False)
    assert parse_value("68.7*") == (68.7, None, False)
    for placeholder in ("?", "N/A", "-", "", "—", "tbd"):
        assert parse_value(placeholder) == (None, None, True)
    assert parse_value("about 70") == (None, None, False)


def test_table_syntax_variants() -> None:
    body = "\n".join([
        "Metric | Value",  # no outer pipes
        ":--- | ---:",
        "ARC (25-shot) | 61.0   ",
        "HellaSwag (10-shot) | [83.2](https://example.org) | extra cell",  # ragged row, link
        "MMLU (5-shot)",  # a pipe-less line ends the table
        "",
        "```",
        "| Average | ARC | HellaSwag |",  # inside a code block: not a table
        "|---|---|---|",
        "| 1 | 2 | 3 |",
        "```",
        "    | Benchmark | Score |",
        "    |----:|:----:|",
        "    | GSM8K | 41.5 |",
        "    | Winogrande | |",  # empty cell
    ])
    tables = find_tables(body)
    assert [t.line for t in tables] == [1, 12]
    runs, warnings = extract_table_runs(body, model_name="x", repo_id=None)
    assert [values(r) for r in runs] == [
        {("arc", "acc_norm", 25): 61.0, ("hellaswag", "acc_norm", 10): 83.2},
        {("gsm8k", "acc", None): 41.5},
    ]
    assert warnings == ["table at line 12: no value for Winogrande; skipped."]


def test_lmeval_04_markdown_table_with_filters() -> None:
    body = "\n".join([
        "|    Tasks    |Version|     Filter     |n-shot|  Metric   |   |Value |   |Stderr|",
        "|-------------|------:|----------------|-----:|-----------|---|-----:|---|-----:|",
        "|arc_challenge|      1|none            |    25|acc        |↑  |0.6203|±  |0.0142|",
        "|             |       |none            |    25|acc_norm   |↑  |0.6604|±  |0.0138|",
        "|gsm8k        |      3|strict-match    |     5|exact_match|↑  |0.6513|±  |0.0131|",
        "|             |       |flexible-extract|     5|exact_match|↑  |0.6611|±  |0.0130|",
        "|truthfulqa_mc2|     2|none            |     0|acc        |↑  |0.5921|±  |0.0153|",
        "| - mmlu_anatomy|     0|none            |     5|acc        |↑  |0.5926|±  |   N/A|",
        "",
        "Average: 59.9",
    ])
    [run] = extract_table_runs(body, model_name="x", repo_id=None)[0]
    assert run.harness == "lm-evaluation-harness" and run.leaderboard is None
    assert {(r.benchmark, r.metric, r.shots): (r.value, r.stderr) for r in run.results} == {
        ("arc", "acc", 25): (62.03, 1.42), ("arc", "acc_norm", 25): (66.04, 1.38),
        ("gsm8k", "exact_match", 5): (65.13, 1.31),  # the strict-match filter, listed first
        ("truthfulqa", "mc2", 0): (59.21, 1.53), ("mmlu_anatomy", "acc", 5): (59.26, None)}
    assert run.stated_averages == {"": 59.9}


def test_non_benchmark_tables_make_no_noise() -> None:
    body = "\n".join([
        "| Name | Quant method | Bits | Size | Max RAM required | Use case |",
        "| ---- | ---- | ---- | ---- | ---- | ----- |",
        "| model.Q4_K_M.gguf | Q4_K_M | 4 | 4.37 GB | 6.87 GB | medium, balanced quality |",
        "",
        "| Parameter | Value |",
        "|---|---|",
        "| Layers | 32 |",
        "| Context | 32768 |",
        "",
        "| Role | Template |",
        "|---|---|",
        "| user | `<|im_start|>user` |",
    ])
    assert extract_table_runs(body, model_name="x", repo_id=None) == ([], [])


def test_bold_row_is_the_cards_own_when_no_name_matches() -> None:
    body = "\n".join([
        "| Model | ARC | MMLU |",
        "|---|---|---|",
        "| **My Fine Tune** | 60.1 | 55.0 |",
        "| [base](https://huggingface.co/org/base-7b) | 58.0 | 54.2 |",
    ])
    own, other = extract_table_runs(body, model_name="something-else", repo_id="me/something-else")[0]
    assert own.subject is None and values(own) == {("arc", "acc_norm", None): 60.1, ("mmlu", "acc", None): 55.0}
    assert other.subject == "org/base-7b"


# --- robustness ------------------------------------------------------------------------------


def test_hostile_tables_are_bounded() -> None:
    cell = "[" * 500 + "](" + "(" * 90
    hostile = [
        "| a | b |\n|---|---|\n" + ("| " + cell + " | " + cell + " |\n") * 1500,
        ("| x |\n" * 50_000),
        "| ARC | MMLU |\n|---|---|\n" + "| 1 | 2 |\n" * 20_000,
        "|" * 500_000 + "\n" + "|-" * 200_000,
        "| Task | Metric | Value |\n|---|---|---|\n" + "|  | acc | 0.5 |\n" * 20_000,
    ]
    for body in hostile:
        start = time.perf_counter()
        runs, warnings = extract_table_runs(body, model_name="m", repo_id=None)
        assert isinstance(runs, list) and isinstance(warnings, list)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["| ARC | MMLU | Average |", "|---|---:|", "| 0.5 | ? | 61 |", "| **x** |",
                                 "| Task | Metric | Value |", "| | acc | 1e9 |", "Average: 7", "### GPT4All",
                                 "| [a](https://huggingface.co/a/b) | 1 | 2 |", "```", "", "| - | N/A |", "|"]),
                max_size=30),
       st.text(max_size=40))
def test_arbitrary_tables_never_raise(lines: list[str], noise: str) -> None:
    runs, warnings = extract_table_runs("\n".join(lines) + noise, model_name=noise, repo_id=None)
    for run in runs:
        for result in run.results:
            assert result.raw_scale in (1.0, 100.0, None)


def test_averages_and_perplexities_keep_their_own_scale() -> None:
    body = "\n".join([
        "| Benchmark | Score |",
        "|---|---|",
        "| Average | 61.2 |",  # already a percent under fractions
        "| ARC | 0.6012 |",
        "| MMLU | 0.6230 |",
        "",
        "| Task | Version | Metric | Value | | Stderr |",
        "|---|---|---|---|---|---|",
        "| wikitext | 2 | word_perplexity | 9.7812 | | |",
        "| | | bits_per_byte | 0.5123 | | |",
        "| piqa | 0 | acc | 0.8014 | ± | 0.0093 |",
        "",
        "Average: 0.8014",
    ])
    summary, harness = extract_table_runs(body, model_name="m", repo_id=None)[0]
    assert summary.stated_averages == {"": 61.2}
    assert {r.benchmark: (r.value, r.raw_scale) for r in summary.results} == {"arc": (60.12, 1.0), "mmlu": (62.3, 1.0)}
    assert {(r.raw_name, r.metric): (r.value, r.raw_scale) for r in harness.results} == {
        ("wikitext", "word_perplexity"): (9.7812, None), ("wikitext", "bits_per_byte"): (0.5123, None),
        ("piqa", "acc"): (80.14, 1.0)}
    assert harness.stated_averages == {"": 80.14}
