"""Re-load benchmark and leaderboard definitions after editing evals/scoring/specs.py."""

from django.core.management.base import BaseCommand

from evals.services.reference import sync_reference_data


class Command(BaseCommand):
    help = "Upsert the benchmark and leaderboard definitions (idempotent)."

    def handle(self, *args, **options) -> None:
        benchmarks, boards = sync_reference_data()
        self.stdout.write(self.style.SUCCESS(f"{benchmarks} benchmarks and {boards} leaderboards loaded."))
