"""Build a realistic synthetic catalog of a given size with COPY (minutes for 100,000 models)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from catalog.models import LineageEdge, LLMModel, MergeRecipe, Organization, QuantizedVariant
from evals.models import Benchmark, EvalRun, Result
from evals.synthetic import generate
from config.sitecache.version import catalog_changed


def _copy(cursor, table: str, columns: list[str], rows: list[tuple]) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _next_id(model) -> int:
    return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


class Command(BaseCommand):
    help = "Generate N synthetic models with lineage, merges, quantized variants and benchmark results."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--models", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--prefix", default="synth", help="Org slug prefix; also used by --delete.")
        parser.add_argument("--delete", action="store_true", help="Delete a previous synthetic catalog first.")

    def handle(self, *args, **options) -> None:
        prefix = options["prefix"]
        if options["delete"]:
            self.delete(prefix)
        started = time.perf_counter()
        cat = generate(options["models"], seed=options["seed"], prefix=prefix,
                       first_model_id=_next_id(LLMModel), first_org_id=_next_id(Organization),
                       first_run_id=_next_id(EvalRun))
        generated = time.perf_counter() - started
        benchmarks = dict(Benchmark.objects.values_list("key", "pk"))
        now = timezone.now()
        with transaction.atomic(), connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg 3 cursor: COPY support
            _copy(raw, "catalog_organization", ["id", "slug", "name", "url", "description", "created_at"],
                  [(i, slug, name, "", "", now) for i, slug, name in cat.orgs])
            _copy(raw, "catalog_llmmodel",
                  ["id", "repo_id", "name", "organization_id", "family", "architecture", "is_moe", "num_experts",
                   "experts_per_token", "total_params_b", "active_params_b", "layers", "kv_heads", "head_dim",
                   "hidden_size", "context_length", "license", "release_date", "prompt_format", "tags", "downloads",
                   "summary", "params_estimated", "license_name", "prompt_template", "languages", "datasets",
                   "card_html", "is_stub", "result_count", "created_at", "updated_at", "attention_heads"],
                  [(*m, False, "", "", [], [], "", False, 0, now, now, None) for m in cat.models])
            _copy(raw, "catalog_lineageedge",
                  ["child_id", "parent_id", "kind", "params", "confidence", "evidence", "created_at"],
                  [(*e, now) for e in cat.edges])
            _copy(raw, "catalog_mergerecipe",
                  ["model_id", "step", "tool", "method", "base_model_id", "dtype", "raw_config", "parsed_config",
                   "gate_mode", "parameters", "created_at"],
                  [(*r, "", "{}", now) for r in cat.recipes])
            _copy(raw, "catalog_quantizedvariant",
                  ["model_id", "format", "level", "bits_per_weight", "file_size_bytes", "repo_id", "quantizer",
                   "created_at"],
                  [(*v, now) for v in cat.variants])
            _copy(raw, "evals_evalrun",
                  ["id", "model_id", "source", "label", "leaderboard_hint", "self_reported", "stated_averages",
                   "harness", "harness_version", "third_party_claim", "details_url", "created_at"],
                  [(*r, "synthetic", "", False, "", now) for r in cat.runs])
            _copy(raw, "evals_result",
                  ["run_id", "benchmark_id", "raw_name", "metric", "shots", "value", "raw_value", "raw_scale",
                   "normalized"],
                  [(r[0], benchmarks.get(r[1]), *r[2:]) for r in cat.results])
            for model in (Organization, LLMModel, EvalRun, LineageEdge, MergeRecipe, QuantizedVariant, Result):
                table = model._meta.db_table
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"(SELECT coalesce(max(id), 1) FROM {table}))")
            # Statistics of the rows just copied first: planned with the empty tables' statistics
            # (a test database after a flush), the counting join below ran as nested loops,
            # re-aggregating every result once per model: minutes for a few thousand models.
            cursor.execute("ANALYZE catalog_llmmodel, evals_evalrun, evals_result")
            first = cat.models[0][0] if cat.models else 0
            cursor.execute(
                "UPDATE catalog_llmmodel m SET result_count = c.n FROM ("
                " SELECT r.model_id, count(*) AS n FROM evals_result x JOIN evals_evalrun r ON r.id = x.run_id"
                " WHERE r.model_id >= %s GROUP BY r.model_id) c WHERE c.model_id = m.id AND m.id >= %s",
                [first, first],
            )
            catalog_changed()  # COPY sends no model signal
        with connection.cursor() as cursor:
            # Statistics and visibility maps now, not whenever autovacuum gets there (if it is on at
            # all): the first pages after a bulk load would otherwise be planned for empty tables.
            # VACUUM cannot run in a transaction (a caller's, or a test's): ANALYZE then.
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(
            f"{len(cat.models):,} models, {len(cat.edges):,} edges, {len(cat.recipes):,} merge recipes, "
            f"{len(cat.variants):,} variants, {len(cat.runs):,} runs, {len(cat.results):,} results "
            f"in {elapsed:.1f}s (generation {generated:.1f}s, COPY {elapsed - generated:.1f}s). "
            "Run `manage.py rescore --sync` and `manage.py refit --sync` to compute scores and fits."
        ))

    def delete(self, prefix: str) -> None:
        with transaction.atomic():
            ids = list(LLMModel.objects.filter(repo_id__startswith=f"{prefix}-").values_list("pk", flat=True))
            LLMModel.objects.filter(pk__in=ids).delete()
            Organization.objects.filter(slug__startswith=f"{prefix}-").delete()
            catalog_changed()
        self.stdout.write(f"Deleted {len(ids):,} synthetic models.")
