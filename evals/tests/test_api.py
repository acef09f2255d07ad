"""Evals API: leaderboard rows (the HTML board's selector and FilterSet), exports, scores,
benchmarks, runs and results with their writes, merge uplift and scoring jobs."""

from __future__ import annotations

import csv
import io
import json

import pytest
from rest_framework.test import APIClient

from catalog.tests.factories import LLMModelFactory, MoEModelFactory
from catalog.tests.test_api import queries, walk, walk_back
from config.tests.api_factories import (
    EvalRunFactory,
    MergeUpliftFactory,
    ResultFactory,
    ScoreFactory,
    make_user,
    token_client,
)
from evals import selectors
from evals.filters import ScoreFilter
from evals.models import Benchmark, Leaderboard, Result, RunSource, ScoringJob, VerificationStatus

pytestmark = pytest.mark.django_db


def html_board(slug: str, query: dict) -> list[str]:
    """The repo ids of the HTML board's rows for ``query``, in its order."""
    board = selectors.leaderboards().get(slug=slug)
    filterset = ScoreFilter(query, queryset=selectors.leaderboard_scores(board))
    assert filterset.is_valid()
    return [s.model.repo_id for s in filterset.qs]


def streamed(response) -> str:
    return b"".join(response.streaming_content).decode()


# ---------------------------------------------------------------------------
# Leaderboards


def test_leaderboard_list() -> None:
    boards = {b["slug"]: b for b in APIClient().get("/api/leaderboards/").json()}
    assert {"open-llm-v1", "open-llm-v2", "nous"} <= set(boards)
    v1 = boards["open-llm-v1"]
    assert [m["benchmark"] for m in v1["members"]] == ["arc", "hellaswag", "mmlu", "truthfulqa", "winogrande",
                                                        "gsm8k"]
    assert v1["rows_url"] == "/api/leaderboards/open-llm-v1/"
    assert v1["csv_url"] == "/api/leaderboards/open-llm-v1/export.csv"


BOARD_QUERIES = [
    ("open-llm-v1", {}), ("open-llm-v1", {"verified_only": "true"}), ("open-llm-v1", {"hide_flagged": "true"}),
    ("open-llm-v1", {"is_moe": "true", "merged": "true"}), ("open-llm-v1", {"sort": "-params"}),
    ("open-llm-v1", {"sort": "average"}), ("open-llm-v1", {"q": "mix"}), ("open-llm-v1", {"params_max": "30"}),
    ("nous", {"include_incomplete": "true"}), ("nous", {"include_incomplete": "true", "sort": "-active"}),
    ("open-llm-v2", {"include_incomplete": "true", "sort": "-release"}), ("open-llm-v2", {"license": "apache-2.0"}),
]


def test_rows_are_the_html_boards_rows_in_its_order(seeded) -> None:
    for slug, query in BOARD_QUERIES:
        rows = walk(APIClient(), f"/api/leaderboards/{slug}/", {**query, "page_size": 2})
        assert [r["model"] for r in rows] == html_board(slug, query), (slug, query)


def test_row_content(seeded) -> None:
    rows = {r["model"]: r for r in APIClient().get("/api/leaderboards/open-llm-v1/").json()["results"]}
    row = rows["rombodawg/Open_Gpt4_8x7B_v0.2"]
    assert row["verification"] == VerificationStatus.VERIFIED and row["reported_average"] == pytest.approx(73.59)
    assert row["components"]["arc"] == pytest.approx(68.69) and row["complete"] is True
    assert row["average"] == pytest.approx(73.593, abs=0.001) and row["rank"] >= 1
    assert row["model_url"] == "/api/models/rombodawg/Open_Gpt4_8x7B_v0.2/" and row["is_moe"] is True
    assert row["flagged"] is (row["flag_count"] > 0)
    ranks = [r["rank"] for r in rows.values()]
    assert ranks == sorted(ranks)


def test_rows_page_exactly_through_tied_and_missing_ranks() -> None:
    board = Leaderboard.objects.get(slug="open-llm-v1")
    for i in range(23):
        ScoreFactory(model=LLMModelFactory(repo_id=f"acme/m{i:02}"), leaderboard=board,
                     average=None if i % 4 == 0 else 50.0 + i % 3, rank=None if i % 4 == 0 else 3 - i % 3,
                     complete=i % 4 != 0)
    query = {"include_incomplete": "true", "page_size": 3}
    expected = html_board("open-llm-v1", {"include_incomplete": "true"})
    assert [r["model"] for r in walk(APIClient(), "/api/leaderboards/open-llm-v1/", query)] == expected
    assert [r["model"] for r in walk_back(APIClient(), "/api/leaderboards/open-llm-v1/", query)] == expected
    assert expected[-1] == "acme/m20" and len(expected) == 23  # unranked rows last


def test_rows_refuse_bad_filters_and_unknown_boards(seeded) -> None:
    bad = APIClient().get("/api/leaderboards/open-llm-v1/", {"params_min": "lots"})
    assert bad.status_code == 400 and bad.json()["error"]["fields"][0]["field"] == "params_min"
    bad_sort = APIClient().get("/api/leaderboards/open-llm-v1/", {"sort": "luck"})
    assert bad_sort.status_code == 400 and bad_sort.json()["error"]["fields"][0]["field"] == "sort"
    for url in ("/api/leaderboards/nope/", "/api/leaderboards/nope/export.csv"):
        response = APIClient().get(url)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    csv_error = APIClient().get("/api/leaderboards/open-llm-v1/", {"format": "csv", "params_min": "x"})
    assert csv_error.status_code == 400 and csv_error["Content-Type"] == "application/json"


def test_csv_export_holds_the_filtered_board(seeded) -> None:
    client = APIClient()
    exported = client.get("/api/leaderboards/open-llm-v1/export.csv")
    assert exported.status_code == 200 and exported["Content-Type"] == "text/csv; charset=utf-8"
    assert exported["Content-Disposition"] == 'attachment; filename="open-llm-v1.csv"'
    table = list(csv.DictReader(io.StringIO(streamed(exported))))
    assert list(table[0])[:9] == ["rank", "model", "average", "arc", "hellaswag", "mmlu", "truthfulqa",
                                  "winogrande", "gsm8k"]
    assert [r["model"] for r in table] == html_board("open-llm-v1", {})
    row = next(r for r in table if r["model"] == "rombodawg/Open_Gpt4_8x7B_v0.2")
    assert row["average"] == "73.5933" and row["arc"] == "68.6900" and row["verification"] == "verified"
    assert row["reported_average"] == "73.59" and row["completeness"] == "1.000" and row["license"] == "cc-by-4.0"
    # ?format=csv on the rows endpoint is the same export; filters apply to both.
    via_format = client.get("/api/leaderboards/open-llm-v1/", {"format": "csv"})
    assert streamed(via_format) == streamed(client.get("/api/leaderboards/open-llm-v1/export.csv"))
    verified = list(csv.DictReader(io.StringIO(streamed(
        client.get("/api/leaderboards/open-llm-v1/export.csv", {"verified_only": "true"})))))
    assert [r["model"] for r in verified] == html_board("open-llm-v1", {"verified_only": "true"})
    assert len(verified) < len(table)


def test_json_export_is_every_row_unpaged(seeded) -> None:
    exported = APIClient().get("/api/leaderboards/nous/export.json", {"include_incomplete": "true"})
    assert exported.status_code == 200 and exported["Content-Type"] == "application/json"
    rows = json.loads(streamed(exported))
    assert rows == walk(APIClient(), "/api/leaderboards/nous/", {"include_incomplete": "true", "page_size": 1})


def test_scores_list_filters(seeded) -> None:
    rows = APIClient().get("/api/scores/", {"model": "rombodawg/Open_Gpt4_8x7B_v0.2"}).json()["results"]
    assert {r["leaderboard"] for r in rows} >= {"open-llm-v1"}
    assert all(r["model"] == "rombodawg/Open_Gpt4_8x7B_v0.2" for r in rows)
    verified = walk(APIClient(), "/api/scores/", {"verification": "verified", "leaderboard": "open-llm-v1"})
    assert verified and all(r["verification"] == "verified" for r in verified)
    assert APIClient().get("/api/scores/", {"verification": "maybe"}).status_code == 400


# ---------------------------------------------------------------------------
# Benchmarks


@pytest.fixture
def curator() -> APIClient:
    return token_client(make_user("curator", "evals.add_benchmark", "evals.change_benchmark", "evals.add_evalrun",
                                  "evals.delete_evalrun", "evals.add_result", "evals.change_result",
                                  "evals.delete_result"))


def test_benchmarks_read_and_filter() -> None:
    arc = APIClient().get("/api/benchmarks/arc/").json()
    assert arc["key"] == "arc" and arc["scale"] == 100
    v2 = walk(APIClient(), "/api/benchmarks/", {"leaderboard": "open-llm-v2", "page_size": 2})
    assert sorted(b["key"] for b in v2) == ["bbh", "gpqa", "ifeval", "math_lvl5", "mmlu_pro", "musr"]


def test_benchmark_writes_validate(curator) -> None:
    for body, field in [({"key": "arc", "name": "Again", "metric": "acc"}, "key"),
                        ({"key": "b1", "name": "B", "metric": "acc", "random_baseline": 1.0}, "random_baseline"),
                        ({"key": "b1", "name": "B", "metric": "acc", "parent": "nope"}, "parent"),
                        ({"key": "b 1", "name": "B", "metric": "acc"}, "key"),
                        ({"key": "b1", "name": "B", "metric": "acc", "scale": 0}, "scale"),
                        ({"key": "b1", "name": "B"}, "metric")]:
        response = curator.post("/api/benchmarks/", body, format="json")
        assert response.status_code == 400, body
        assert [f["field"] for f in response.json()["error"]["fields"]] == [field], body
    created = curator.post("/api/benchmarks/", {"key": "arc_challenge_hard", "name": "ARC hard", "metric": "acc",
                                                "parent": "arc", "random_baseline": 0.25}, format="json")
    assert created.status_code == 201 and created.json()["parent"] == "arc"
    renamed = curator.patch("/api/benchmarks/arc/", {"key": "arc2"}, format="json")
    assert renamed.status_code == 400 and renamed.json()["error"]["fields"][0]["field"] == "key"


# ---------------------------------------------------------------------------
# Runs and results


def test_runs_filter_by_model_source_and_benchmark() -> None:
    model = LLMModelFactory(repo_id="acme/evaluated")
    table = EvalRunFactory(model=model, source=RunSource.CARD_TABLE)
    ResultFactory(run=table, benchmark=Benchmark.objects.get(key="arc"))
    ResultFactory(run=table, benchmark=Benchmark.objects.get(key="mmlu"))
    lmeval = EvalRunFactory(model=model, source=RunSource.LMEVAL_FILE)
    ResultFactory(run=lmeval, benchmark=Benchmark.objects.get(key="gsm8k"))
    EvalRunFactory()  # another model's run
    client = APIClient()
    assert {r["id"] for r in walk(client, "/api/runs/", {"model": "acme/evaluated"})} == {table.pk, lmeval.pk}
    assert [r["id"] for r in walk(client, "/api/runs/", {"model": "acme/evaluated", "source": "lmeval_file"})] == [
        lmeval.pk]
    by_benchmark = walk(client, "/api/runs/", {"benchmark": "arc"})
    assert [r["id"] for r in by_benchmark] == [table.pk]  # once, though it has two results
    assert sorted(r["benchmark"] for r in by_benchmark[0]["results"]) == ["arc", "mmlu"]
    assert client.get("/api/runs/", {"source": "rumour"}).status_code == 400
    results = walk(client, "/api/results/", {"model": "acme/evaluated", "benchmark": "arc"})
    assert [(r["run"], r["model"], r["benchmark"]) for r in results] == [(table.pk, "acme/evaluated", "arc")]


def test_run_writes_validate(curator) -> None:
    LLMModelFactory(repo_id="acme/x")
    for body, field in [({"model": "acme/nobody"}, "model"), ({"model": "acme/x", "source": "card_table"}, "source"),
                        ({"model": "acme/x", "stated_averages": {"": "high"}}, "stated_averages."),
                        ({"model": "acme/x", "details_url": "not a url"}, "details_url")]:
        response = curator.post("/api/runs/", body, format="json")
        assert response.status_code == 400, body
        assert response.json()["error"]["fields"][0]["field"] == field, (body, response.json())
    created = curator.post("/api/runs/", {"model": "acme/x", "label": "paper", "stated_averages": {"": 70.1}},
                           format="json")
    assert created.status_code == 201 and created.json()["source"] == "api"


def test_result_writes_validate_and_name_the_field(curator) -> None:
    run = EvalRunFactory(source=RunSource.MANUAL)
    imported = EvalRunFactory(source=RunSource.CARD_TABLE)
    ResultFactory(run=run, benchmark=Benchmark.objects.get(key="arc"), value=60)
    cases = [
        ({"run": run.pk, "benchmark": "no_such_bench", "value": 50}, "benchmark", "does_not_exist"),
        ({"run": imported.pk, "benchmark": "mmlu", "value": 50}, "run", "imported_run"),
        ({"run": run.pk, "benchmark": "arc", "value": 61}, "metric", "duplicate"),
        ({"run": run.pk, "benchmark": "mmlu", "value": 150}, "value", "out_of_range"),
        ({"run": run.pk, "benchmark": "mmlu", "value": "nan"}, "value", "invalid"),
        ({"run": run.pk, "benchmark": "mmlu", "value": 50, "stderr": -1}, "stderr", "min_value"),
        ({"run": run.pk, "value": 50}, "benchmark", "required"),
        ({"run": 10 ** 9, "benchmark": "mmlu", "value": 50}, "run", "does_not_exist"),
        ({"run": run.pk, "benchmark": "mmlu"}, "value", "required"),
    ]
    for body, field, code in cases:
        response = curator.post("/api/results/", body, format="json")
        assert response.status_code == 400, body
        assert [(f["field"], f["code"]) for f in response.json()["error"]["fields"]] == [(field, code)], body
    unknown = curator.post("/api/results/", cases[0][0], format="json").json()["error"]["fields"][0]["message"]
    assert "no_such_bench" in unknown
    assert Result.objects.count() == 1


def test_results_added_through_the_api_are_scored(curator, django_capture_on_commit_callbacks) -> None:
    model = MoEModelFactory(repo_id="acme/Newcomer")
    run = curator.post("/api/runs/", {"model": model.repo_id, "label": "own eval"}, format="json").json()
    values = {"arc": 70.0, "hellaswag": 85.0, "mmlu": 70.0, "truthfulqa": 60.0, "winogrande": 80.0, "gsm8k": 55.0}
    for key, value in values.items():
        with django_capture_on_commit_callbacks(execute=True):
            response = curator.post("/api/results/", {"run": run["id"], "benchmark": key, "value": value},
                                    format="json")
        assert response.status_code == 201, response.content
    created = response.json()
    assert created["raw_name"] == "gsm8k" and created["metric"] == "acc" and created["raw_value"] == 55.0
    assert ScoringJob.objects.filter(model_ids=[model.pk], status="done").count() == 6
    row = next(r for r in APIClient().get("/api/leaderboards/open-llm-v1/").json()["results"]
               if r["model"] == "acme/Newcomer")
    assert row["average"] == pytest.approx(sum(values.values()) / 6) and row["rank"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        fixed = curator.patch(f"/api/results/{created['id']}/", {"value": 61.0}, format="json")
    assert fixed.status_code == 200 and fixed.json()["value"] == 61.0
    row = APIClient().get("/api/scores/", {"model": "acme/Newcomer", "leaderboard": "open-llm-v1"}).json()
    assert row["results"][0]["average"] == pytest.approx((sum(values.values()) + 6) / 6)


# ---------------------------------------------------------------------------
# Merge uplift


def test_uplift_lists_best_first_with_missing_values_last() -> None:
    for name, uplift, beats in [("a", 1.5, True), ("b", -0.5, False), ("c", None, False), ("d", 3.0, True)]:
        MergeUpliftFactory(model=LLMModelFactory(repo_id=f"acme/{name}"), vs_best_parent=uplift,
                           beats_all_parents=beats)
    rows = walk(APIClient(), "/api/merges/uplift/", {"page_size": 1})
    assert [r["model"] for r in rows] == ["acme/d", "acme/a", "acme/b", "acme/c"]
    beating = walk(APIClient(), "/api/merges/beating-parents/")
    assert [r["model"] for r in beating] == ["acme/d", "acme/a"]


# ---------------------------------------------------------------------------
# Scoring jobs


def test_scoring_job_request(django_capture_on_commit_callbacks) -> None:
    staff = token_client(make_user("boss", superuser=True))
    model = LLMModelFactory()
    missing = staff.post("/api/scoring-jobs/", {"model_ids": [model.pk, 10 ** 9]}, format="json")
    assert missing.status_code == 400
    assert missing.json()["error"]["fields"][0] == {"field": "model_ids", "code": "unknown_model",
                                                    "message": f"Unknown model id(s): {10 ** 9}."}
    not_ints = staff.post("/api/scoring-jobs/", {"model_ids": ["x"]}, format="json")
    assert not_ints.status_code == 400 and not_ints.json()["error"]["fields"][0]["field"] == "model_ids[0]"
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post("/api/scoring-jobs/", {"model_ids": [model.pk]}, format="json")
    assert response.status_code == 202 and response["Location"] == f"/api/scoring-jobs/{response.json()['id']}/"
    job = APIClient().get(response["Location"]).json()
    assert job["status"] == "done" and job["model_ids"] == [model.pk] and job["trigger"] == "manual"


# ---------------------------------------------------------------------------
# Query counts


def test_evals_reads_take_a_constant_number_of_queries() -> None:
    board = Leaderboard.objects.get(slug="open-llm-v1")
    client = APIClient()

    def grow(n: int) -> None:
        for _ in range(n):
            model = LLMModelFactory()
            ScoreFactory(model=model, leaderboard=board)
            run = EvalRunFactory(model=model)
            for key in ("arc", "mmlu", "gsm8k"):
                ResultFactory(run=run, benchmark=Benchmark.objects.get(key=key))
            MergeUpliftFactory(model=model)

    counts: dict[str, list[int]] = {}
    for n in (2, 20):
        grow(n)
        for name, url in [("rows", "/api/leaderboards/open-llm-v1/"), ("scores", "/api/scores/"),
                          ("runs", "/api/runs/"), ("results", "/api/results/"), ("uplift", "/api/merges/uplift/"),
                          ("benchmarks", "/api/benchmarks/"), ("boards", "/api/leaderboards/")]:
            counts.setdefault(name, []).append(queries(client, url, {"page_size": 100}))
    for name, (few, many) in counts.items():
        assert few == many, (name, counts)
    assert counts["rows"][0] <= 4 and counts["runs"][0] <= 2 and counts["results"][0] <= 1
    assert counts["scores"][0] <= 1 and counts["uplift"][0] <= 1 and counts["boards"][0] <= 2


def test_board_tops_are_each_boards_best_averages_with_ties_by_name(django_assert_num_queries) -> None:
    v1, v2 = Leaderboard.objects.get(slug="open-llm-v1"), Leaderboard.objects.get(slug="open-llm-v2")
    for name, average in [("acme/b", 70.0), ("acme/a", 70.0), ("acme/c", 80.0), ("acme/d", 10.0), ("acme/e", None)]:
        ScoreFactory(model=LLMModelFactory(repo_id=name), leaderboard=v1, average=average)
    ScoreFactory(model=LLMModelFactory(repo_id="acme/v2-only"), leaderboard=v2, average=50.0)
    boards = list(selectors.leaderboards())
    with django_assert_num_queries(1):  # every board's top in one query, whatever the number of boards
        tops = selectors.board_tops(boards, n=3)
    assert [s.model.repo_id for s in tops[v1.pk]] == ["acme/c", "acme/a", "acme/b"]
    assert [s.model.repo_id for s in tops[v2.pk]] == ["acme/v2-only"]
    assert all(tops[b.pk] == [] for b in boards if b.pk not in (v1.pk, v2.pk))
    assert selectors.board_tops([]) == {}


def test_board_rows_api_sort_key_is_answered_by_its_index() -> None:
    """The cursor key (COALESCE(rank, sentinel)) must stay the exact expression the index holds."""
    from django.db import connection

    from config.api_support import _annotate_keys

    board = Leaderboard.objects.get(slug="open-llm-v1")
    queryset, keys = _annotate_keys(selectors.leaderboard_scores(board).filter(average__isnull=False),
                                    ("rank", "model__repo_id", "pk"))
    assert keys[0][0] == "_k0"
    sql, params = queryset.order_by("_k0", "_k1", "_k2")[:51].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "score_board_rank_key_idx" in plan, plan
