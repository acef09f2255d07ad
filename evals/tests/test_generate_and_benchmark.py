"""The scale tooling of issue 8: the synthetic catalog generator and the benchmark command, at a
size a test can afford. The figures themselves are not asserted (speed belongs in the benchmark's
output, not in a timed test); what is asserted is that the catalog is real and consistent and that
every throughput row is measured and printed."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.db import connection

from catalog.models import LineageEdge, LLMModel, MergeRecipe, Organization, QuantizedVariant
from evals.models import EvalRun, Result, Score
from evals.services.scoring import score_models

pytestmark = pytest.mark.django_db


def generate(models: int, **options: object) -> str:
    out = io.StringIO()
    call_command("generate_catalog", models=models, stdout=out, **options)
    return out.getvalue()


def test_generated_catalog_is_consistent_and_scores() -> None:
    output = generate(400, seed=11)

    synth = LLMModel.objects.filter(repo_id__startswith="synth-")
    assert synth.count() == 400
    assert Organization.objects.filter(slug__startswith="synth-").exists()
    edges = LineageEdge.objects.filter(child__in=synth)
    assert edges.filter(kind="finetune").exists() and edges.filter(kind="merge").exists()
    assert MergeRecipe.objects.filter(model__in=synth).exists()
    assert QuantizedVariant.objects.filter(model__in=synth).exists()
    assert not LineageEdge.objects.filter(child_id=models_f("parent_id")).exists()  # no self-loops
    runs = EvalRun.objects.filter(model__in=synth)
    results = Result.objects.filter(run__in=runs)
    assert results.count() > runs.count() > 0
    # The summary line states what was loaded.
    assert f"400 models, {edges.count():,} edges" in output and f"{results.count():,} results" in output
    # The denormalised count matches the rows, model by model.
    with connection.cursor() as cursor:
        cursor.execute("""SELECT count(*) FROM catalog_llmmodel m WHERE m.repo_id LIKE 'synth-%%' AND m.result_count
                          <> (SELECT count(*) FROM evals_result x JOIN evals_evalrun r ON r.id = x.run_id
                              WHERE r.model_id = m.id)""")
        assert cursor.fetchone()[0] == 0
    # Sequences were moved past the COPYed ids: an ordinary insert still works.
    Organization.objects.create(slug="after-copy", name="after copy")

    stats = score_models(list(synth.values_list("pk", flat=True)))
    assert stats.scores > 0
    assert Score.objects.filter(model__in=synth, average__isnull=False).exists()


def models_f(name: str):  # an F() spelled once, for the self-loop check above
    from django.db.models import F

    return F(name)


def test_same_seed_gives_the_same_catalog_and_delete_removes_it() -> None:
    generate(150, seed=5)
    first = sorted(LLMModel.objects.filter(repo_id__startswith="synth-").values_list("repo_id", "total_params_b"))
    output = generate(150, seed=5, delete=True)
    assert "Deleted 150 synthetic models." in output
    again = sorted(LLMModel.objects.filter(repo_id__startswith="synth-").values_list("repo_id", "total_params_b"))
    assert again == first

    call_command("generate_catalog", models=0, delete=True, stdout=io.StringIO())
    assert not LLMModel.objects.filter(repo_id__startswith="synth-").exists()
    assert not Organization.objects.filter(slug__startswith="synth-").exists()


def test_benchmark_measures_every_throughput_row_and_leaves_the_catalog_as_it_was() -> None:
    generate(200, seed=3)
    before = (LLMModel.objects.count(), EvalRun.objects.count())
    out = io.StringIO()
    call_command("benchmark", skip=["http"], import_cards=20, cold_scoring=True, stdout=out)
    text = out.getvalue()

    assert re.search(r"catalog size\s+2\d\d models", text)
    assert re.search(r"parse only\s+[\d,]+ documents/s", text)
    match = re.search(r"import \(parse \+ store\)\s+[\d,]+ cards/s, one worker, 20 cards .*?([\d.]+) SQL statements "
                      r"per card", text)
    assert match and float(match.group(1)) > 0
    assert "import failures" not in text
    assert re.search(r"full scoring job, cold\s+[\d,]+ scores \([\d,]+ written\)", text)
    assert re.search(r"rescore, unchanged catalog\s+[\d,]+ scores \(0 written\)", text)
    assert re.search(r"fit matrix \(pure\)\s+1,000 models x 50 GPUs x 8 quants x 3 contexts: [\d.]+s", text)
    # The imported benchmark cards and their follow-up jobs were removed again.
    assert (LLMModel.objects.count(), EvalRun.objects.count()) == before
