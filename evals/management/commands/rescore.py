"""Recompute scores, claim checks, flags and merge uplift."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from catalog.models import LLMModel
from evals.models import ScoringJob
from evals.services.scoring import request_scoring, run_scoring_job


class Command(BaseCommand):
    help = "Rescore the catalog (or some models). Runs here with --sync, else queues a job for the workers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("repo_ids", nargs="*", help="Only these models (default: the whole catalog).")
        parser.add_argument("--sync", action="store_true", help="Run in this process and print the figures.")

    def handle(self, *args, **options) -> None:
        ids = None
        if options["repo_ids"]:
            ids = list(LLMModel.objects.filter(repo_id__in=options["repo_ids"]).values_list("pk", flat=True))
        job = request_scoring(ids, trigger=ScoringJob.Trigger.MANUAL, enqueue=not options["sync"])
        if options["sync"]:
            job = run_scoring_job(job.pk)
            seconds = job.duration_seconds or 0
            scores = job.scores_written + job.scores_unchanged
            models_rate, scores_rate = (job.total / seconds, scores / seconds) if seconds else (0, 0)
            self.stdout.write(f"Scoring #{job.pk} {job.status}: {job.total} models, {job.scores_written} scores "
                              f"written, {job.scores_unchanged} unchanged in {seconds:.2f}s "
                              f"({scores_rate:,.0f} scores/s, {models_rate:,.0f} models/s). {' '.join(job.errors)}")
        else:
            self.stdout.write(f"Scoring job #{job.pk} queued.")
