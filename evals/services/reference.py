"""Loading benchmark and leaderboard definitions (evals.scoring.specs) into the database."""

from __future__ import annotations

from typing import Any

from evals.scoring import specs
from config.sitecache.version import catalog_changed


def sync_reference_data(benchmark_model: Any = None, leaderboard_model: Any = None,
                        member_model: Any = None) -> tuple[int, int]:
    """Upsert benchmarks by key and leaderboards by slug from the pure specs; returns the counts.

    The specs module is the single definition used by both the scoring rules and the
    database, so a board shown in the UI is exactly the board that was computed.
    """
    if benchmark_model is None:
        from evals.models import Benchmark, Leaderboard, LeaderboardMember

        benchmark_model, leaderboard_model, member_model = Benchmark, Leaderboard, LeaderboardMember
        # .update() and queryset deletes below send no model signal. (Migrations pass their historical
        # models and run before anything is cached.)
        catalog_changed()
    rows = {}
    for spec in specs.BENCHMARKS:
        rows[spec.key], _ = benchmark_model.objects.update_or_create(
            key=spec.key,
            defaults={
                "name": spec.name, "suite": spec.suite, "metric": spec.metric, "default_shots": spec.default_shots,
                "higher_is_better": spec.higher_is_better, "random_baseline": spec.random_baseline,
                "scale": spec.scale, "description": spec.description, "url": spec.url,
            },
        )
    for spec in specs.BENCHMARKS:
        if spec.parent and spec.parent in rows:
            benchmark_model.objects.filter(pk=rows[spec.key].pk).update(parent=rows[spec.parent])
    for position, board in enumerate(specs.LEADERBOARDS):
        row, _ = leaderboard_model.objects.update_or_create(
            slug=board.slug,
            defaults={"name": board.name, "version": board.version, "description": board.description,
                      "averaging": board.averaging, "position": position},
        )
        member_model.objects.filter(leaderboard=row).exclude(
            benchmark__key__in=[m.benchmark for m in board.members]
        ).delete()
        for index, member in enumerate(board.members):
            member_model.objects.update_or_create(
                leaderboard=row, benchmark=rows[member.benchmark],
                defaults={"metric": member.metric, "shots": member.shots, "alt_metrics": list(member.alt_metrics),
                          "weight": member.weight, "position": index},
            )
    return len(specs.BENCHMARKS), len(specs.LEADERBOARDS)
