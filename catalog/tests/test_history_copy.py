"""``bulk_create_with_history`` writes the history rows simple_history would, copied on the server."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model

from catalog.models import LLMModel, Organization
from catalog.services.models import bulk_create_with_history

pytestmark = pytest.mark.django_db


def _history_values(model: LLMModel) -> dict:
    row = model.history.get()
    return {field.attname: getattr(row, field.attname) for field in type(row).tracked_fields}


def test_history_rows_hold_the_created_rows_values_in_order() -> None:
    org = Organization.objects.create(slug="acme", name="Acme", url="https://huggingface.co/acme")
    models = [
        LLMModel(repo_id="acme/one", name="one", organization=org, is_stub=False, license="mit",
                 context_length=8192, total_params_b=7.5, tags=["a", "b"], release_date=date(2024, 5, 1),
                 card_html="<p>one</p>"),
        LLMModel(repo_id="acme/two", name="two", organization=org, is_stub=True),
    ]
    created = bulk_create_with_history(models, LLMModel)
    for model in created:
        row = model.history.get()
        assert (row.history_type, row.history_change_reason, row.history_user_id) == ("+", None, None)
        stored = LLMModel.objects.get(pk=model.pk)
        assert _history_values(model) == {field.attname: getattr(stored, field.attname)
                                          for field in type(row).tracked_fields}
    one = created[0].history.get()
    assert (one.repo_id, one.license, one.context_length, one.total_params_b, one.tags, one.release_date) == (
        "acme/one", "mit", 8192, 7.5, ["a", "b"], date(2024, 5, 1))
    # History ids follow the order of the rows given, as simple_history's own bulk insert leaves them.
    assert created[0].history.get().history_id < created[1].history.get().history_id


def test_rows_with_a_reason_or_user_of_their_own_go_through_simple_history() -> None:
    org = Organization.objects.create(slug="acme", name="Acme", url="https://huggingface.co/acme")
    user = get_user_model().objects.create(username="curator")
    reasoned = LLMModel(repo_id="acme/r", name="r", organization=org)
    reasoned._change_reason = "bulk fix"
    attributed = LLMModel(repo_id="acme/u", name="u", organization=org)
    attributed._history_user = user
    bulk_create_with_history([reasoned, attributed], LLMModel)
    assert reasoned.history.get().history_change_reason == "bulk fix"
    assert attributed.history.get().history_user_id == user.pk


def test_no_history_when_simple_history_is_disabled(settings) -> None:
    settings.SIMPLE_HISTORY_ENABLED = False
    org = Organization.objects.create(slug="acme", name="Acme", url="https://huggingface.co/acme")
    created = bulk_create_with_history([LLMModel(repo_id="acme/x", name="x", organization=org)], LLMModel)
    assert created[0].history.count() == 0
