"""Ship the benchmark and leaderboard definitions (evals/scoring/specs.py)."""

from django.db import migrations


def load(apps, schema_editor) -> None:
    from evals.services.reference import sync_reference_data

    sync_reference_data(
        apps.get_model("evals", "Benchmark"),
        apps.get_model("evals", "Leaderboard"),
        apps.get_model("evals", "LeaderboardMember"),
    )


class Migration(migrations.Migration):
    dependencies = [("evals", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
