"""Load the demo catalog: the seed documents and the fixture corpus shipped in the repo."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from catalog.models import ImportJob
from catalog.services.imports import DocumentInput, create_import_job, run_import_job

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "cards"
# Corpus cards that, like a downloaded README.md, do not name their repository.
REPO_IDS = FIXTURES / "corpus_repo_ids.json"


class Command(BaseCommand):
    help = "Import the demo documents (idempotent: unchanged documents are skipped)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seeds-only", action="store_true", help="Only the five seed documents.")

    def handle(self, *args, **options) -> None:
        folders = [FIXTURES / "seeds"] if options["seeds_only"] else [FIXTURES / "seeds", FIXTURES / "corpus"]
        files = sorted(p for folder in folders if folder.exists() for p in folder.iterdir()
                       if p.suffix in {".txt", ".md", ".json"} and p.name != "SEEDS_EXPECTED.md")
        hints = {name: repo for name, repo in json.loads(REPO_IDS.read_text()).items() if not name.startswith("_")}
        docs = [DocumentInput(name=f"{p.parent.name}/{p.name}", content=p.read_bytes(),
                              repo_id_hint=hints.get(p.name, "") if p.parent.name == "corpus" else "")
                for p in files]
        job = create_import_job(docs, via=ImportJob.Via.COMMAND, label="demo catalog", enqueue=False)
        job = run_import_job(job.pk)
        self.stdout.write(
            f"Demo catalog: {job.succeeded} imported, {job.unchanged} unchanged, {job.failed_count} failed "
            f"of {job.total} documents."
        )
        for item in job.items.exclude(error=""):
            self.stdout.write(self.style.WARNING(f"  {item.name}: {item.error}"))
