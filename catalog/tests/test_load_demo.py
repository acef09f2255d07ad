"""The demo catalog a new user sees after `dev.py up` must import every shipped document."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from catalog.management.commands.load_demo import FIXTURES, REPO_IDS
from catalog.models import ImportJob, LLMModel

pytestmark = pytest.mark.django_db


def test_demo_imports_every_document_and_names_the_readme_only_cards() -> None:
    out = io.StringIO()
    call_command("load_demo", stdout=out)

    job = ImportJob.objects.get(label="demo catalog")
    shipped = [p for folder in ("seeds", "corpus") for p in (FIXTURES / folder).iterdir()
               if p.suffix in {".txt", ".md", ".json"} and p.name != "SEEDS_EXPECTED.md"]
    assert job.total == len(shipped)
    assert job.failed_count == 0, out.getvalue()
    assert "0 failed" in out.getvalue()
    for name, repo_id in json.loads(REPO_IDS.read_text()).items():
        if not name.startswith("_"):
            assert LLMModel.objects.filter(repo_id=repo_id, is_stub=False).exists(), name


def test_second_run_skips_everything_as_unchanged() -> None:
    call_command("load_demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("load_demo", stdout=out)

    second = ImportJob.objects.filter(label="demo catalog").latest("pk")
    assert second.unchanged == second.total
    assert second.succeeded == 0
