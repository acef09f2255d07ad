"""Storing parsed benchmark results with their provenance."""

from __future__ import annotations

import math
from typing import Any

from django.db import connection

from catalog.cards.facts import EvalRunFact, ParsedDocument
from catalog.models import LLMModel, SourceDocument
from catalog.services.models import LookupCache, bulk_create_with_history, get_or_create_model, normalize_repo_id
from evals.models import Benchmark, EvalRun, Result

_BENCHMARKS = "evals.benchmark_ids"


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _benchmark_ids(cache: LookupCache | None) -> dict[str, int]:
    """Benchmark key -> id, read once per import job (a batch names the same few dozen benchmarks)."""
    if cache is not None and _BENCHMARKS in cache.extra:
        return cache.extra[_BENCHMARKS]
    ids = dict(Benchmark.objects.values_list("key", "pk"))
    if cache is not None:
        cache.extra[_BENCHMARKS] = ids
    return ids


def store_document_results(
    *, document: SourceDocument, parsed: ParsedDocument, model: LLMModel, cache: LookupCache | None = None
) -> set[int]:
    """Create one EvalRun per parsed run and its Results. Returns the ids of models that got results.

    Runs (with their history rows) and results are inserted in bulk: three statements per document
    however many runs it holds.
    """
    return store_documents_results([(document, parsed, model)], cache=cache)


def store_documents_results(
    documents: list[tuple[SourceDocument, ParsedDocument, LLMModel]], *, cache: LookupCache | None = None
) -> set[int]:
    """``store_document_results`` for a group of documents: three statements for the whole group."""
    if not any(parsed.runs for _document, parsed, _model in documents):
        return set()
    benchmarks = _benchmark_ids(cache)
    touched: set[int] = set()
    runs: list[EvalRun] = []
    results: list[tuple[EvalRun, tuple[Any, ...]]] = []
    for document, parsed, model in documents:
        _collect(document, parsed, model, cache, benchmarks, runs, results, touched)
    if runs:
        bulk_create_with_history(runs, EvalRun)
    _copy_results(results)
    return touched


# The columns of a result row as ``_collect`` builds it, after the run's id.
_RESULT_COLUMNS = ("benchmark_id", "raw_name", "metric", "shots", "value", "raw_value", "raw_scale", "stderr",
                   "normalized")


def _copy_results(results: list[tuple[EvalRun, tuple[Any, ...]]]) -> None:
    """Insert result rows (no history rows, as ``bulk_create`` wrote none) with COPY.

    A card holds a few dozen results and a group of cards thousands: building a model instance per
    result and having ``bulk_create`` prepare every value of it cost more CPU than the rest of storing
    the results. The rows are plain values already cleaned by ``_collect`` (the same values the
    fields would have prepared), written in order, so they get the ids ``bulk_create`` gave them.
    """
    if not results:
        return
    columns = ", ".join(connection.ops.quote_name(Result._meta.get_field(name).column)
                        for name in ("run", *_RESULT_COLUMNS))
    table = connection.ops.quote_name(Result._meta.db_table)
    # Errors as Django's own (OperationalError, IntegrityError ...): the importer tells a lost
    # connection from a bad document by them.
    with connection.wrap_database_errors, connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for run, row in results:
                copy.write_row((run.pk, *row))


def _collect(
    document: SourceDocument, parsed: ParsedDocument, model: LLMModel, cache: LookupCache | None,
    benchmarks: dict[str, int], runs: list[EvalRun], results: list[tuple[EvalRun, tuple[Any, ...]]],
    touched: set[int],
) -> None:
    """The unsaved runs and results of one document, appended to ``runs`` and ``results``."""
    for fact in parsed.runs:
        subject = model
        if fact.subject:
            subject_id = normalize_repo_id(fact.subject)
            if not subject_id:
                document.warnings.append(f"Claim about '{fact.subject}' skipped: not a repo id.")
                continue
            subject = (model if subject_id.lower() == model.repo_id.lower()
                       else get_or_create_model(subject_id, cache=cache))
        run = _new_run(fact, document=document, model=subject, third_party=subject.pk != model.pk)
        runs.append(run)
        touched.add(subject.pk)
        seen: set[tuple[str, str, int | None]] = set()
        for r in fact.results:
            value, raw = _finite(r.value), _finite(r.raw_value)
            if value is None or raw is None:
                document.warnings.append(f"{r.raw_name} {r.metric}: value is not a finite number; skipped.")
                continue
            key = (r.raw_name[:200], r.metric[:60], r.shots)
            if key in seen:  # the same cell twice in one run is one result
                continue
            seen.add(key)
            stderr = _finite(r.stderr)
            # The run is saved below, before its results, which then take its new id.
            # Values as the Result fields would prepare them (``_RESULT_COLUMNS``, in that order).
            results.append((run, (
                benchmarks.get(r.benchmark),
                str(r.raw_name[:200]),
                str(r.metric[:60]),
                int(r.shots) if r.shots is not None and 0 <= r.shots < 32767 else None,
                float(value),
                float(raw),
                float(r.raw_scale) if r.raw_scale is not None else None,
                float(abs(stderr)) if stderr is not None else None,
                bool(r.normalized),
            )))


def _new_run(fact: EvalRunFact, *, document: SourceDocument, model: LLMModel, third_party: bool) -> EvalRun:
    averages = {str(k): float(v) for k, v in fact.stated_averages.items() if _finite(v) is not None}
    return EvalRun(
        model=model,
        source=fact.source,
        label=fact.label[:200],
        leaderboard_hint=fact.leaderboard or "",
        harness=fact.harness[:100],
        harness_version=fact.harness_version[:40],
        run_date=fact.run_date,
        source_document=document,
        self_reported=fact.self_reported,
        third_party_claim=third_party,
        stated_averages=averages,
        details_url=fact.details_url[:500] if fact.details_url.startswith(("http://", "https://")) else "",
    )


def delete_document_results(document: SourceDocument) -> None:
    EvalRun.objects.filter(source_document=document).delete()
