"""The merge-uplift page: every method shows, including one whose merges have no scored parent."""

import pytest
from django.test import Client

from catalog.tests.factories import LLMModelFactory
from config.tests.api_factories import MergeUpliftFactory
from evals import charts

pytestmark = pytest.mark.django_db


def test_a_method_without_any_uplift_value_is_listed_and_drawn_grey() -> None:
    MergeUpliftFactory(model=LLMModelFactory(repo_id="acme/slerp-a"), method="slerp", vs_best_parent=1.25,
                       vs_mean_parents=2.5, beats_all_parents=True)
    MergeUpliftFactory(model=LLMModelFactory(repo_id="acme/ties-a"), method="ties", vs_best_parent=None,
                       vs_mean_parents=None)

    response = Client().get("/merges/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "<td>slerp</td><td class=\"num\">1</td><td class=\"num\">1.25</td>" in page
    # No value is a dash, not an empty cell, in the method table and in the list of all merges.
    assert "<td>ties</td><td class=\"num\">1</td><td class=\"num\">–</td><td class=\"num\">–</td>" in page
    assert ">acme/ties-a</a></td><td>ties</td><td></td><td class=\"num\">–</td>" in page


def test_uplift_chart_colours_gain_loss_and_unknown() -> None:
    figure = charts.uplift_by_method(["slerp", "ties", "dare"], [1.0, -0.5, None], [1.0, 0.0, 0.0], title="t")
    bars = figure["data"][0]
    assert bars["y"] == [1.0, -0.5, None]
    assert bars["marker"]["color"] == ["#2f9e44", "#e03131", charts.UNKNOWN_COLOUR]
