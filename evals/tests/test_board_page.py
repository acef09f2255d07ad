"""The HTML leaderboard page's table cells and chart rows."""

from __future__ import annotations

import pytest
from django.test import Client

from catalog.tests.factories import LLMModelFactory
from config.tests.api_factories import ScoreFactory
from evals import selectors

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
    scored = {s.model.repo_id: s for s in selectors.with_member_values(selectors.leaderboard_scores(board), members)}
    assert scored["org/full"].member_values == [60.0 + i for i in range(len(keys))]
    assert scored["org/gappy"].member_values[:3] == [41.5, "", None]
    html = Client().get("/leaderboards/open-llm-v1/").content.decode()
    assert '<td class="num">41.50</td><td class="num"></td><td class="num"><span class="muted">–</span></td>' in html
    assert html.count('<span class="badge badge-ok"') == 0  # unverified rows carry no badge
