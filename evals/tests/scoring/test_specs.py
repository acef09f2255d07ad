"""The reference definitions: every canonical key, every board, the v2 baselines."""

from __future__ import annotations

import dataclasses

import pytest

from evals.scoring.specs import (
    AGIEVAL_TASKS,
    AVERAGING_KINDS,
    BBH_BASELINE,
    BBH_CHOICES,
    BENCHMARKS,
    BIGBENCH_TASKS,
    BY_KEY,
    BY_SLUG,
    GPT4ALL_TASKS,
    LEADERBOARDS,
    MUSR_BASELINE,
    BenchmarkSpec,
    LeaderboardSpec,
    MemberSpec,
)

CANONICAL = {
    # key: (metric, default shots, suite, parent)
    "arc": ("acc_norm", 25, "open-llm-v1", ""), "hellaswag": ("acc_norm", 10, "open-llm-v1", ""),
    "mmlu": ("acc", 5, "open-llm-v1", ""), "truthfulqa": ("mc2", 0, "open-llm-v1", ""),
    "winogrande": ("acc", 5, "open-llm-v1", ""), "gsm8k": ("acc", 5, "open-llm-v1", ""),
    "ifeval": ("strict_acc", 0, "open-llm-v2", ""), "bbh": ("acc_norm", 3, "open-llm-v2", ""),
    "math_lvl5": ("exact_match", 4, "open-llm-v2", ""), "gpqa": ("acc_norm", 0, "open-llm-v2", ""),
    "musr": ("acc_norm", 0, "open-llm-v2", ""), "mmlu_pro": ("acc", 5, "open-llm-v2", ""),
    "arena_elo": ("elo", None, "arena", ""),
    "gpt4all": ("average", 0, "nous", ""), "agieval": ("average", 0, "nous", ""),
    "bigbench": ("average", 0, "nous", ""),
    "arc_easy": ("acc_norm", 0, "nous", "gpt4all"), "boolq": ("acc", 0, "nous", "gpt4all"),
    "openbookqa": ("acc_norm", 0, "nous", "gpt4all"), "piqa": ("acc_norm", 0, "nous", "gpt4all"),
}


def test_field_layout_matches_the_contract() -> None:
    assert [f.name for f in dataclasses.fields(BenchmarkSpec)] == [
        "key", "name", "suite", "metric", "default_shots", "higher_is_better", "random_baseline", "scale",
        "parent", "description", "url"]
    assert [f.name for f in dataclasses.fields(MemberSpec)][:5] == [
        "benchmark", "metric", "shots", "alt_metrics", "weight"]
    assert [f.name for f in dataclasses.fields(LeaderboardSpec)][:6] == [
        "slug", "name", "version", "description", "members", "averaging"]


@pytest.mark.parametrize("key, expected", sorted(CANONICAL.items()))
def test_canonical_keys(key: str, expected: tuple) -> None:
    spec = BY_KEY[key]
    assert (spec.metric, spec.default_shots, spec.suite, spec.parent) == expected
    assert spec.higher_is_better and spec.name and spec.description


def test_every_subtask_key_is_defined() -> None:
    assert len(AGIEVAL_TASKS) == 8 and len(BIGBENCH_TASKS) == 18 and len(GPT4ALL_TASKS) == 7
    for key in AGIEVAL_TASKS:
        assert (BY_KEY[key].parent, BY_KEY[key].metric, BY_KEY[key].default_shots) == ("agieval", "acc_norm", 0)
    for key in BIGBENCH_TASKS:
        assert (BY_KEY[key].parent, BY_KEY[key].metric) == ("bigbench", "multiple_choice_grade")
    assert "bigbench_tracking_shuffled_objects_three_objects" in BY_KEY
    assert "agieval_sat_en_without_passage" in BY_KEY
    assert len(BENCHMARKS) == len(BY_KEY) == 20 + 8 + 18  # keys are unique


def test_scales_and_baselines() -> None:
    assert BY_KEY["arena_elo"].scale is None and BY_KEY["arena_elo"].random_baseline is None
    assert all(b.scale == 100.0 for b in BENCHMARKS if b.key != "arena_elo")
    assert all(b.random_baseline is None or 0.0 <= b.random_baseline < 1.0 for b in BENCHMARKS)
    assert all(b.url == "" or b.url.startswith("https://") for b in BENCHMARKS)
    # v2 normalization baselines (documented in the module docstring)
    v2 = {k: BY_KEY[k].random_baseline for k in ("ifeval", "bbh", "math_lvl5", "gpqa", "musr", "mmlu_pro")}
    assert v2 == {"ifeval": 0.0, "bbh": 0.2917, "math_lvl5": 0.0, "gpqa": 0.25, "musr": 0.3444, "mmlu_pro": 0.1}
    assert len(BBH_CHOICES) == 24 and BBH_BASELINE == 0.2917 and MUSR_BASELINE == 0.3444
    # v1's baseline row: 25 / 25 / 25 / 25 / 50 / 0
    assert [BY_KEY[k].random_baseline for k in ("arc", "hellaswag", "mmlu", "truthfulqa", "winogrande", "gsm8k")] \
        == [0.25, 0.25, 0.25, 0.25, 0.5, 0.0]
    assert BY_KEY["agieval_aqua_rat"].random_baseline == 0.2 and BY_KEY["agieval_sat_math"].random_baseline == 0.25
    assert BY_KEY["bigbench_geometric_shapes"].random_baseline == 0.0909


def test_boards() -> None:
    assert [b.slug for b in LEADERBOARDS] == ["open-llm-v1", "open-llm-v2", "nous", "arena-elo"]
    members = {b.slug: [(m.benchmark, m.metric, m.shots, m.alt_metrics) for m in b.members] for b in LEADERBOARDS}
    assert members["open-llm-v1"] == [
        ("arc", "acc_norm", 25, ()), ("hellaswag", "acc_norm", 10, ()), ("mmlu", "acc", 5, ()),
        ("truthfulqa", "mc2", 0, ()), ("winogrande", "acc", 5, ()), ("gsm8k", "acc", 5, ("exact_match",))]
    assert members["open-llm-v2"] == [
        ("ifeval", "strict_acc", 0, ("inst_level_strict_acc", "prompt_level_strict_acc")),
        ("bbh", "acc_norm", 3, ()), ("math_lvl5", "exact_match", 4, ()), ("gpqa", "acc_norm", 0, ()),
        ("musr", "acc_norm", 0, ()), ("mmlu_pro", "acc", 5, ())]
    assert BY_SLUG["open-llm-v2"].members[0].mean_of == ("inst_level_strict_acc", "prompt_level_strict_acc")
    assert members["nous"] == [("gpt4all", "average", 0, ()), ("agieval", "average", 0, ()),
                               ("truthfulqa", "mc2", 0, ()), ("bigbench", "average", 0, ())]
    assert members["arena-elo"] == [("arena_elo", "elo", None, ())]
    assert {b.slug: b.averaging for b in LEADERBOARDS} == {
        "open-llm-v1": "mean", "open-llm-v2": "mean_normalized", "nous": "nous", "arena-elo": "elo"}
    assert all(b.averaging in AVERAGING_KINDS for b in LEADERBOARDS)
    assert all(m.weight == 1.0 for b in LEADERBOARDS for m in b.members)


def test_nous_subsets() -> None:
    nous = BY_SLUG["nous"]
    assert dict(nous.subsets) == {"gpt4all": GPT4ALL_TASKS, "agieval": AGIEVAL_TASKS, "bigbench": BIGBENCH_TASKS}
    assert GPT4ALL_TASKS == ("arc", "arc_easy", "boolq", "hellaswag", "openbookqa", "piqa", "winogrande")
    assert dict(nous.subset_metrics) == {"gpt4all": ("acc_norm", "acc"), "agieval": ("acc_norm", "acc"),
                                         "bigbench": ("multiple_choice_grade",)}
    for board in LEADERBOARDS:
        assert all(m.benchmark in BY_KEY for m in board.members)
        assert all(t in BY_KEY for tasks in board.subsets.values() for t in tasks)


def test_specs_are_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        BY_KEY["arc"].default_shots = 0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        BY_SLUG["nous"].averaging = "mean"  # type: ignore[misc]
    with pytest.raises(TypeError):
        BY_SLUG["nous"].subsets["gpt4all"] = ()  # type: ignore[index]
    with pytest.raises(TypeError):
        BY_KEY["zzz"] = BY_KEY["arc"]  # type: ignore[index]
