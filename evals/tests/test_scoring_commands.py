"""The entry points that run scoring jobs print the job's figures."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from evals.models import Score, ScoringJob

pytestmark = pytest.mark.django_db


def test_rescore_sync_prints_scores_per_second(seeded) -> None:
    out = io.StringIO()
    call_command("rescore", "--sync", stdout=out)
    text = out.getvalue()
    n = Score.objects.count()
    assert f"0 scores written, {n} unchanged" in text and "scores/s" in text
    assert ScoringJob.objects.latest("created_at").status == "done"


def test_benchmark_measures_a_cold_and_an_unchanged_scoring_job(seeded) -> None:
    n = Score.objects.count()
    out = io.StringIO()
    call_command("benchmark", "--skip", "parse", "import", "fit", "http", "--cold-scoring", stdout=out)
    text = out.getvalue()
    lines = {line.split("  ")[1].strip(): line for line in text.splitlines() if line.startswith("  ")}
    assert f"{n:,} scores ({n:,} written)" in lines["full scoring job, cold"]
    assert f"{n:,} scores (0 written)" in lines["rescore, unchanged catalog"]
    assert text.count("scores/s (done)") == 2 and Score.objects.count() == n
