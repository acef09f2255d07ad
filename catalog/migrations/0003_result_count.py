from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_search_vector_trigger")]

    operations = [
        migrations.AddField(
            model_name="llmmodel",
            name="result_count",
            field=models.PositiveIntegerField(
                db_index=True, default=0, help_text="Benchmark results on record (kept current by the scoring job)."
            ),
        ),
        migrations.AddField(
            model_name="historicalllmmodel",
            name="result_count",
            field=models.PositiveIntegerField(
                db_index=True, default=0, help_text="Benchmark results on record (kept current by the scoring job)."
            ),
        ),
    ]
