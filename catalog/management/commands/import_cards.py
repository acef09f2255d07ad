"""Import model cards, catalog pages and lm-eval result files from files or folders."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.models import ImportJob, ItemStatus
from catalog.services.imports import DocumentInput, ImportFailed, create_import_job, run_import_job

SUFFIXES = {".md", ".txt", ".json", ".markdown", ".yaml", ".yml"}


def collect(paths: list[str]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES))
        elif path.is_file():
            files.append(path)
        else:
            raise CommandError(f"{raw}: no such file or directory")
    return files


class Command(BaseCommand):
    help = "Import documents (files or directories). Runs in this process unless --queue is given."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+")
        parser.add_argument("--repo-id", default="", help="Repo id for a single document that does not name one.")
        parser.add_argument("--queue", action="store_true", help="Hand the job to the Celery workers and watch it.")

    def handle(self, *args, **options) -> None:
        files = collect(options["paths"])
        if not files:
            raise CommandError("No importable files found.")
        if options["repo_id"] and len(files) > 1:
            raise CommandError("--repo-id applies to a single file only.")
        docs = [DocumentInput(name=str(f), content=f.read_bytes(), repo_id_hint=options["repo_id"]) for f in files]
        try:
            job = create_import_job(docs, via=ImportJob.Via.COMMAND, label=f"import_cards {len(docs)} files",
                                    enqueue=options["queue"])
        except ImportFailed as exc:
            raise CommandError(exc.reason) from exc
        if not options["queue"]:
            run_import_job(job.pk)
        self.watch(job)

    def watch(self, job: ImportJob) -> None:
        started = time.monotonic()
        while True:
            job.refresh_from_db()
            self.progress(job, started)
            if job.is_finished:
                break
            time.sleep(0.5)
        self.stdout.write("")
        for item in job.items.filter(status__in=[ItemStatus.FAILED, ItemStatus.QUARANTINED]):
            self.stdout.write(self.style.ERROR(f"  {item.name}: {item.error}"))
        summary = (f"Import #{job.pk} {job.status}: {job.succeeded} imported, {job.unchanged} unchanged, "
                   f"{job.failed_count} failed, {job.warnings_count} warnings in {time.monotonic() - started:.1f}s")
        self.stdout.write(self.style.SUCCESS(summary) if job.failed_count == 0 else self.style.WARNING(summary))

    def progress(self, job: ImportJob, started: float) -> None:
        width = 30
        done = int(width * job.progress_percent / 100)
        rate = job.processed / max(1e-6, time.monotonic() - started)
        line = f"\r[{'#' * done}{'.' * (width - done)}] {job.processed}/{job.total} ({rate:.0f}/s)"
        if sys.stdout.isatty():
            self.stdout.write(line, ending="")
        self.stdout.flush()
