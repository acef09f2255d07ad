"""Storing parsed benchmark results with their provenance."""

from __future__ import annotations

import math

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
    results: list[Result] = []
    for document, parsed, model in documents:
        _collect(document, parsed, model, cache, benchmarks, runs, results, touched)
    if runs:
        bulk_create_with_history(runs, EvalRun)
    Result.objects.bulk_create(results, batch_size=1000)
    return touched


def _collect(
    document: SourceDocument, parsed: ParsedDocument, model: LLMModel, cache: LookupCache | None,
    benchmarks: dict[str, int], runs: list[EvalRun], results: list[Result], touched: set[int],
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
            results.append(
                Result(
                    run=run,  # saved below, before the results: bulk_create takes the run's new id
                    benchmark_id=benchmarks.get(r.benchmark),
                    raw_name=r.raw_name[:200],
                    metric=r.metric[:60],
                    shots=r.shots if r.shots is None or 0 <= r.shots < 32767 else None,
                    value=value,
                    raw_value=raw,
                    raw_scale=r.raw_scale,
                    stderr=abs(stderr) if stderr is not None else None,
                    normalized=r.normalized,
                )
            )


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
