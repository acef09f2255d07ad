"""The HTML leaderboard page's table cells and chart rows."""

from __future__ import annotations

import json
from unittest import mock

import pytest
from django.test import Client

from catalog.figures import for_page, to_json
from catalog.tests.factories import LLMModelFactory
from config.tests.api_factories import ScoreFactory
from evals import selectors, tables

pytestmark = pytest.mark.django_db


@pytest.fixture
def board_rows():
    board = selectors.leaderboards().get(slug="open-llm-v1")
    members = list(board.members.all())
    keys = [m.benchmark.key for m in members]
    ScoreFactory(model=LLMModelFactory(repo_id="org/full", total_params_b=7, active_params_b=None), average=70.0,
                 rank=1, components={k: 60.0 + i for i, k in enumerate(keys)})
    # "hellaswag" missing, "mmlu" null: one renders as an empty cell, the other as a dash.
    ScoreFactory(model=LLMModelFactory(repo_id="org/gappy", total_params_b=None), average=50.25, rank=2,
                 components={"arc": 41.5, "mmlu": None})
    ScoreFactory(model=LLMModelFactory(repo_id="org/partial"), average=None, rank=None, complete=False,
                 completeness=0.5, components={"arc": 10.0})
    return board, members, keys


def test_chart_rows_carry_each_members_value_as_a_float(board_rows) -> None:
    board, members, keys = board_rows
    rows = selectors.board_chart_rows(selectors.leaderboard_scores(board), members, 10)
    assert keys[:3] == ["arc", "hellaswag", "mmlu"]
    assert rows[0] == ("org/full", 70.0, 7.0, None, *[60.0 + i for i in range(len(keys))])
    assert rows[1] == ("org/gappy", 50.25, None, None, 41.5, *[None] * (len(keys) - 1))
    assert len(rows) == 2  # the partial row has no average, so no point on the charts
    figures = selectors.board_figures(board, members, rows)
    arc = next(t for t in figures["distribution"]["data"] if t["name"] == members[0].benchmark.name)
    assert arc["y"] == [60.0, 41.5]
    assert figures["params"]["data"][0]["text"] == ["org/full"]


def test_table_cells_follow_the_member_columns(board_rows) -> None:
    board, members, keys = board_rows
    scored = {r["repo_id"]: r for r in tables.board_rows(selectors.leaderboard_scores(board), members)}
    assert scored["org/full"]["cells"] == [f"{60 + i}.00" for i in range(len(keys))]
    assert scored["org/gappy"]["cells"][:3] == ["41.50", "", None]
    html = Client().get("/leaderboards/open-llm-v1/").content.decode()
    assert '<td class="num">41.50</td><td class="num"></td><td class="num"><span class="muted">–</span></td>' in html
    assert html.count('<span class="badge badge-ok"') == 0  # unverified rows carry no badge


def test_page_lays_out_the_charts_and_the_endpoint_fills_them_for_the_same_filters(
        board_rows, django_assert_max_num_queries) -> None:
    board, members, keys = board_rows
    with django_assert_max_num_queries(4):  # board + members, count, the page of rows: no chart rows
        html = Client().get("/leaderboards/open-llm-v1/?params_min=5").content.decode()
    assert 'data-figures-url="/leaderboards/open-llm-v1/charts.json?params_min=5"' in html
    for key in ("top", "params", "active", "distribution"):
        assert f'data-figure="chart-{key}"' in html
    assert 'type="application/json"' not in html  # no figure is inlined any more
    with django_assert_max_num_queries(3):  # board + members, the chart rows
        response = Client().get("/leaderboards/open-llm-v1/charts.json?params_min=5")
    assert response["Content-Type"] == "application/json"
    figures = response.json()
    assert list(figures) == ["top", "params", "active", "distribution"]
    assert figures["top"]["data"][0]["y"] == ["org/full"]  # org/gappy has no size, so the filter drops it
    rows = selectors.board_chart_rows(selectors.leaderboard_scores(board).filter(model__total_params_b__gte=5),
                                      members, 10)
    expected = selectors.board_figures(board, members, rows)
    assert figures == json.loads(to_json({key: for_page(figure) for key, figure in expected.items()}))
    assert "template" not in figures["top"]["layout"]  # charts.js themes the charts itself


def test_charts_endpoint_answers_bad_filters_with_400_and_an_empty_board_with_no_figures(board_rows) -> None:
    response = Client().get("/leaderboards/open-llm-v1/charts.json?params_min=lots")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == [
        {"field": "params_min", "message": "Enter a number.", "code": "invalid"}]
    assert Client().get("/leaderboards/open-llm-v1/charts.json?q=no-such-model").json() == {}
    html = Client().get("/leaderboards/open-llm-v1/?q=no-such-model").content.decode()
    assert "data-figures-url" not in html and "No model matches these filters." in html
    assert Client().get("/leaderboards/no-such-board/charts.json").status_code == 404


def test_table_rows_show_partial_entries_moe_active_params_and_flags(board_rows) -> None:
    ScoreFactory(model=LLMModelFactory(repo_id="org/moe", is_moe=True, total_params_b=46.7, active_params_b=12.9),
                 average=61.005, rank=3, flag_count=2, verification="mismatch", reported_average=64.0,
                 components={"arc": 0.125})
    html = Client().get("/leaderboards/open-llm-v1/?include_incomplete=true").content.decode()
    moe_row = html[html.index('<a href="/models/org/moe/">'):]
    moe_row = moe_row[:moe_row.index("</tr>")]
    assert '<span class="badge badge-muted">MoE</span>' in moe_row
    assert '<td class="num">61.01</td>' in moe_row  # half up on the decimal text, as ``fixed`` rounds
    assert '<td class="num">0.13</td>' in moe_row
    assert '46.7B <span class="muted">(12.9B active)</span>' in moe_row
    assert 'title="Stated 64.0 but the components give 61.005"' in moe_row
    assert "2 flags</span>" in moe_row
    partial_row = html[html.index('<a href="/models/org/partial/">'):]
    partial_row = partial_row[:partial_row.index("</tr>")]
    assert '<span class="muted" title="missing benchmarks">partial 0.50</span>' in partial_row
    assert "<td>–</td>" in html  # its rank


def test_pareto_front_keeps_each_point_no_smaller_model_beats() -> None:
    from evals.charts import pareto_front

    points = [(7.0, 60.0), (13.0, 58.0), (3.0, 50.0), (7.0, 65.0), (70.0, 80.0), (7.0, 65.0), (34.0, 70.0)]
    # Smallest first; at equal size the higher score; a tie in both keeps the first of them.
    assert pareto_front(points) == [2, 3, 6, 4]
    assert pareto_front([]) == []


def test_model_count_is_grouped_like_every_other_count(board_rows) -> None:
    html = Client().get("/leaderboards/open-llm-v1/").content.decode()
    assert '<p class="muted">2 models</p>' in html  # the partial entry is hidden by default
    with mock.patch("django.core.paginator.Paginator.count", new_callable=mock.PropertyMock, return_value=45395):
        html = Client().get("/leaderboards/open-llm-v1/").content.decode()
    assert '<p class="muted">45,395 models</p>' in html
