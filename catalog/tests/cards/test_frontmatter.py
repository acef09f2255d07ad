"""Locating front matter, re-indenting flattened YAML and recovering broken metadata."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog.cards import parse_document
from catalog.cards.frontmatter import split_front_matter
from catalog.cards.parser import find_repo_id, load_front_matter
from catalog.cards.reindent import CARD_SCHEMA, MERGE_SCHEMA, count_task_markers, looks_flattened, reindent
from catalog.cards.safe_yaml import YamlSyntaxError, load_yaml, load_yaml_documents

SEEDS = Path(__file__).resolve().parents[2] / "fixtures" / "cards" / "seeds"


# --- locating -----------------------------------------------------------------------------


def test_plain_front_matter() -> None:
    assert split_front_matter("---\nlicense: mit\n---\n# Title\n") == ("license: mit", "# Title\n", [])


def test_leading_blank_lines_are_fine() -> None:
    front, body, warnings = split_front_matter("\n\n  \n---\nlicense: mit\n---\nbody")
    assert (front, body, warnings) == ("license: mit", "body", [])


def test_scraped_file_view_of_seed_004() -> None:
    text = next(SEEDS.glob("004_*.txt")).read_text(encoding="utf-8")
    front, body, warnings = split_front_matter(text)
    assert front is not None and front.startswith("license: apache-2.0\ntags:")
    assert body.startswith("\n## Overview")
    assert warnings == ["Skipped 274 lines of scraped page noise before the front matter."]


def test_page_chrome_with_a_commit_message() -> None:
    text = "Raw\nHistory\nUpdate README.md\n3.1 kB\n---\nlicense: mit\ntags:\n- a\n---\n# Card\n"
    front, body, warnings = split_front_matter(text)
    assert front == "license: mit\ntags:\n- a" and body == "# Card\n" and "Skipped 4 lines" in warnings[0]


@pytest.mark.parametrize("text", [
    "# Title\n\n---\nlicense: mit\n---\n",  # a heading first: this is a body with rules
    "Some paragraph that is clearly card prose and longer than any page chrome label would ever be, really.\n---\n"
    "license: mit\n---\n",
    "---\n\nJust a horizontal rule, then prose.\n\n---\n",  # block is not metadata
    "Intro\n---\nfoo: bar\n---\n",  # short text, then a block without any Hub metadata key
])
def test_no_front_matter(text: str) -> None:
    front, body, _ = split_front_matter(text)
    assert front is None and body == text


def test_unclosed_front_matter_is_a_warning() -> None:
    front, body, warnings = split_front_matter("---\nlicense: mit\ntags:\n- a\n# Card\n")
    assert front is None and "no closing" in warnings[0]


def test_empty_front_matter() -> None:
    assert split_front_matter("---\n---\nbody") == ("", "body", [])
    assert parse_document("---\n---\n# Card\n").front_matter == {}


# --- re-indenting ---------------------------------------------------------------------------


FLAT = """license: other
tags:
- moe
model-index:
- name: M
results:
- task:
type: text-generation
dataset:
name: ARC (25-shot)
type: ai2_arc
args:
num_few_shot: 25
metrics:
- type: acc_norm
value: 68.77
name: normalized accuracy
source:
url: https://example.org/board
name: Board
- task:
type: text-generation
dataset:
name: "HellaSwag: 10 shot"
type: hellaswag
metrics:
- type: acc_norm
value: 86.8
library_name: transformers"""


def test_flattened_card_is_rebuilt_by_schema() -> None:
    assert looks_flattened(FLAT) and count_task_markers(FLAT) == 2
    data = load_yaml(reindent(FLAT))
    [entry] = data["model-index"]
    first, second = entry["results"]
    assert first == {"task": {"type": "text-generation"},
                     "dataset": {"name": "ARC (25-shot)", "type": "ai2_arc", "args": {"num_few_shot": 25}},
                     "metrics": [{"type": "acc_norm", "value": 68.77, "name": "normalized accuracy"}],
                     "source": {"url": "https://example.org/board", "name": "Board"}}
    assert second["dataset"]["name"] == "HellaSwag: 10 shot"
    assert second["metrics"] == [{"type": "acc_norm", "value": 86.8}]
    # a root key after the results closes them and goes back to the root
    assert data["library_name"] == "transformers" and data["tags"] == ["moe"]


def test_well_indented_yaml_is_not_flattened() -> None:
    text = "tags:\n- a\nmodel-index:\n- name: M\n  results:\n  - task:\n      type: x\n"
    assert not looks_flattened(text)
    assert not looks_flattened("models:\n- model: a/b\n  parameters:\n    weight: 1\n", MERGE_SCHEMA)


def test_values_that_need_quoting_survive() -> None:
    text = "license: other\nlicense_name: a: b\nthumbnail: @image.png\n"
    assert load_yaml(reindent(text)) == {"license": "other", "license_name": "a: b", "thumbnail": "@image.png"}


def test_reindent_keeps_document_separators() -> None:
    text = "models:\n- model: a/b\nparameters:\nweight: 1\n---\nmerge_method: linear\n"
    assert load_yaml_documents(reindent(text, MERGE_SCHEMA)) == [
        {"models": [{"model": "a/b", "parameters": {"weight": 1}}]}, {"merge_method": "linear"}]


def test_unknown_keys_stay_with_their_siblings() -> None:
    text = "model-index:\n- name: M\nresults:\n- task:\ntype: t\ndataset:\nname: D\nfoo_bar: 1\nmetrics:\n- type: acc\nvalue: 5\n"
    data = load_yaml(reindent(text))
    result = data["model-index"][0]["results"][0]
    assert result["dataset"] == {"name": "D", "foo_bar": 1}
    assert result["metrics"] == [{"type": "acc", "value": 5}]


# --- recovery in the parser ------------------------------------------------------------------


def test_flattened_front_matter_warns() -> None:
    data, warnings = load_front_matter(FLAT)
    assert len(data["model-index"][0]["results"]) == 2
    assert warnings == ["The front matter had lost its indentation; it was re-indented (schema-aware) to recover "
                        "its fields and results."]


def test_lost_results_are_reported() -> None:
    broken = FLAT.replace('name: "HellaSwag: 10 shot"', 'name: "HellaSwag: 10 shot')  # unbalanced quote
    data, warnings = load_front_matter(broken)
    assert data == {"license": "other", "tags": ["moe"], "library_name": "transformers"}  # simple fields only
    assert any("only its simple top-level fields" in w for w in warnings)
    assert any("lists 2 model-index results but only 0 could be read" in w for w in warnings)


def test_tabs_are_read_as_spaces() -> None:
    data, warnings = load_front_matter("license: mit\ntags:\n\t- a\n\t- b\n")
    assert data == {"license": "mit", "tags": ["a", "b"]} and "tabs" in warnings[0]


def test_front_matter_that_is_not_a_mapping() -> None:
    assert load_front_matter("- a\n- b\n") == ({}, ["The front matter is not a mapping of fields; it was ignored."])
    # A fenced block that does not start with "key:" is not front matter at all.
    doc = parse_document("---\njust a string\n---\n# Card\n")
    assert doc.front_matter == {} and doc.body_markdown.startswith("---\njust a string")


def test_invalid_front_matter_is_a_warning_not_a_crash() -> None:
    doc = parse_document("---\nlicense: [unclosed\n---\n# Card\n")
    assert doc.front_matter == {} and any("not valid YAML" in w for w in doc.warnings)


def test_dates_and_odd_keys_are_json_safe() -> None:
    doc = parse_document("---\nlicense: mit\ncreated: 2024-01-02\n1: one\nnull: x\nscore: .nan\n---\n# C\n")
    assert doc.front_matter == {"license": "mit", "created": "2024-01-02", "1": "one", "null": "x", "score": None}


def test_invalid_dates_do_not_escape() -> None:
    with pytest.raises(YamlSyntaxError):
        load_yaml("released: 2024-13-45\n")
    doc = parse_document("---\nlicense: mit\nreleased: 2024-13-45\n---\n# C\n")
    assert doc.front_matter.get("license") == "mit"  # salvaged


# --- repo id ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, name, expected", [
    ("spaces/HuggingFaceH4/open_llm_leaderboard?query=org/name-1", "", "org/name-1"),
    ("open_llm_leaderboard?query=org%2Fname-2", "", "org/name-2"),
    ("datasets/open-llm-leaderboard/details_a_b__c_d)", "", "a_b/c_d"),
    ("datasets/open-llm-leaderboard/abacusai__Smaug-72B-details", "", "abacusai/Smaug-72B"),
    ("see https://huggingface.co/org/Other and https://huggingface.co/me/My-Model.", "My-Model", "me/My-Model"),
    ("nothing", "My-Model", None),
])
def test_find_repo_id(text: str, name: str, expected: str | None) -> None:
    assert find_repo_id(text, name) == expected


def test_query_link_beats_details_link() -> None:
    text = ("open-llm-leaderboard/details_old__name\n"
            "https://huggingface.co/spaces/HuggingFaceH4/open_llm_leaderboard?query=new/name")
    assert find_repo_id(text) == "new/name"


def test_missing_repo_id_is_a_warning() -> None:
    doc = parse_document("---\nlicense: mit\n---\n# Some model\n\nText.\n")
    assert doc.model.repo_id is None and doc.model.name == "Some model"
    assert any("No repo id" in w for w in doc.warnings)


def test_repo_id_hint_replaces_the_missing_id_silently() -> None:
    doc = parse_document("---\nlicense: mit\n---\n# M\n", repo_id_hint="a/b")
    assert doc.model.repo_id == "a/b" and doc.warnings == []


# --- model-index results -> runs -----------------------------------------------------------------


def card(results: str, body: str = "") -> str:
    return f"---\nlicense: mit\nmodel-index:\n- name: M\n  results:\n{results}---\n# M\n{body}"


def result(name: str, dtype: str, metric: str, value: str, url: str = "", shots: str = "") -> str:
    args = f"      args:\n        num_few_shot: {shots}\n" if shots else ""
    source = f"    source:\n      url: {url}\n      name: Open LLM Leaderboard\n" if url else ""
    return (f"  - task:\n      type: text-generation\n    dataset:\n      name: {name}\n      type: {dtype}\n{args}"
            f"    metrics:\n    - type: {metric}\n      value: {value}\n{source}")


V1 = "https://huggingface.co/spaces/HuggingFaceH4/open_llm_leaderboard?query=o/M"
V2 = "https://huggingface.co/spaces/open-llm-leaderboard/open_llm_leaderboard?query=o/M"


def test_runs_are_grouped_per_leaderboard_url() -> None:
    doc = parse_document(card(result("ARC (25-Shot)", "ai2_arc", "acc_norm", "60.5", V1, "25")
                              + result("BBH", "BBH", "acc_norm", "30.1", V2, "3")
                              + result("Custom", "x/y", "f1", "0.5")))
    assert [(r.leaderboard, r.self_reported, r.label) for r in doc.runs] == [
        ("open_llm_v1", False, "Open LLM Leaderboard (v1)"), ("open_llm_v2", False, "Open LLM Leaderboard (v2)"),
        (None, True, "Card front matter")]
    assert [(r.benchmark, r.shots, r.value, r.normalized) for run in doc.runs for r in run.results] == [
        ("arc", 25, 60.5, False), ("bbh", 3, 30.1, True), ("", None, 50.0, False)]
    assert doc.model.repo_id == "o/M"


def test_missing_shots_and_metric_take_the_board_defaults() -> None:
    doc = parse_document(card(result("HellaSwag", "hellaswag", "''", "85.0", V1)))
    [r] = doc.runs[0].results
    assert (r.benchmark, r.metric, r.shots) == ("hellaswag", "acc_norm", 10)


def test_string_values_are_read_and_bad_shapes_warned() -> None:
    text = card(result("GSM8k (5-shot)", "gsm8k", "acc", "'59.14'", V1)
                + "  - just a string\n  - task: {}\n    dataset: {name: D}\n    metrics: []\n")
    doc = parse_document(text)
    assert doc.runs[0].results[0].value == 59.14
    assert any("not a mapping" in w for w in doc.warnings) and any("'D' has no metrics" in w for w in doc.warnings)


def test_table_with_equal_values_merges_and_adds_what_the_front_matter_lacks() -> None:
    body = ("\n|Metric|Value|\n|---|---:|\n|Avg.|70.00|\n|AI2 Reasoning Challenge (25-Shot)|60.50|\n"
            "|HellaSwag (10-Shot)|79.50|\n")
    doc = parse_document(card(result("ARC (25-Shot)", "ai2_arc", "acc_norm", "60.5", V1, "25"), body))
    [run] = doc.runs
    assert {r.benchmark: r.value for r in run.results} == {"arc": 60.5, "hellaswag": 79.5}
    assert run.stated_averages == {"": 70.0} and len(run.sources) == 2


def test_table_with_different_values_stays_a_separate_run() -> None:
    body = "\n|Metric|Value|\n|---|---:|\n|AI2 Reasoning Challenge (25-Shot)|60.60|\n|HellaSwag (10-Shot)|79.50|\n"
    doc = parse_document(card(result("ARC (25-Shot)", "ai2_arc", "acc_norm", "60.5", V1, "25"), body))
    assert [(r.source, {x.benchmark: x.value for x in r.results}["arc"]) for r in doc.runs] == [
        ("front_matter", 60.5), ("card_table", 60.6)]
