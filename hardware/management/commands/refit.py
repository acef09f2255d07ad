"""Recompute the stored fit matrix (memory needs per model x quantization x context)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from hardware.services.fit import request_fit, run_fit_job


class Command(BaseCommand):
    help = "Recompute fit rows for the whole catalog. Runs here with --sync, else queues a job."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sync", action="store_true")

    def handle(self, *args, **options) -> None:
        job = request_fit(None, enqueue=not options["sync"])
        if not options["sync"]:
            self.stdout.write(f"Fit job #{job.pk} queued.")
            return
        job = run_fit_job(job.pk)
        self.stdout.write(f"Fit #{job.pk} {job.status}: {job.rows_written:,} rows for {job.total:,} models in "
                          f"{job.duration_seconds:.2f}s. {' '.join(job.errors)}")
