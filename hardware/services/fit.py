"""Hardware fit: per-request estimates, the stored fit matrix, and the "what can I run?" finder.

The formulas live in the pure ``hardware.fit.formulas`` module; this module adapts database
rows to its inputs, stores the GPU-independent requirement rows in bulk, and answers finder
queries with one SQL join over indexed columns.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Iterable

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from catalog.models import LLMModel
from config.sitecache.version import catalog_changed
from hardware.fit import formulas
from hardware.models import GPU, FitJob, FitRequirement, QuantizationFormat

logger = logging.getLogger(__name__)

STANDARD_CONTEXTS = (4096, 8192, 32768)
DEFAULT_CONTEXT = 4096
MODEL_FIELDS = ("id", "repo_id", "total_params_b", "active_params_b", "layers", "kv_heads", "head_dim",
                "hidden_size", "attention_heads", "context_length", "is_moe")


class FitInputError(ValueError):
    """A request that cannot be estimated, with the field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def model_spec(model: LLMModel) -> formulas.ModelSpec:
    if not model.total_params_b:
        raise FitInputError("model", f"{model.repo_id} has no known parameter count, so its size cannot be estimated.")
    return formulas.ModelSpec(
        total_params_b=model.total_params_b,
        active_params_b=model.active_params_b or model.total_params_b,
        layers=model.layers,
        kv_heads=model.kv_heads,
        head_dim=model.head_dim,
        hidden_size=model.hidden_size,
        attention_heads=model.attention_heads,
        max_context=model.context_length,
        is_moe=model.is_moe,
    )


def gpu_spec(gpu: GPU) -> formulas.GpuSpec:
    return formulas.GpuSpec(name=gpu.name, memory_gb=gpu.memory_gb, bandwidth_gbs=gpu.bandwidth_gbs,
                            fp16_tflops=gpu.fp16_tflops, memory_kind=gpu.memory_kind, price_usd=gpu.launch_price_usd)


def quant_spec(quant: QuantizationFormat) -> formulas.QuantSpec:
    return formulas.QuantSpec(name=quant.name, bits_per_weight=quant.bits_per_weight,
                              quality_retention=quant.quality_retention)


def estimate(model: LLMModel, *, quant: QuantizationFormat, gpu: GPU | None = None, memory_gb: float | None = None,
             bandwidth_gbs: float | None = None, context: int | None = None, n_gpus: int = 1,
             kv_dtype: str = "fp16") -> dict:
    """One fit estimate as a JSON-ready dict with every assumption spelled out."""
    if gpu is None:
        if not memory_gb or not bandwidth_gbs:
            raise FitInputError("gpu", "Choose a GPU, or give both memory_gb and bandwidth_gbs.")
        card = formulas.GpuSpec(name=f"Custom {memory_gb:g} GB", memory_gb=memory_gb, bandwidth_gbs=bandwidth_gbs,
                                fp16_tflops=None, memory_kind="dedicated", price_usd=None)
    else:
        card = gpu_spec(gpu)
    if not 1 <= n_gpus <= 8:
        raise FitInputError("n_gpus", "n_gpus must be between 1 and 8.")
    if kv_dtype not in ("fp16", "q8_0", "q4_0"):
        raise FitInputError("kv_dtype", "kv_dtype must be one of fp16, q8_0, q4_0.")
    spec = model_spec(model)
    context = context or model.context_length or DEFAULT_CONTEXT
    if not 1 <= context <= 2_000_000:
        raise FitInputError("context", "context must be between 1 and 2,000,000 tokens.")
    result = formulas.fit(spec, quant_spec(quant), card, context, n_gpus=n_gpus, kv_dtype=kv_dtype)
    body = asdict(result)
    body.update(model=model.repo_id, quant=quant.name, gpu=card.name, context=context, n_gpus=n_gpus,
                kv_dtype=kv_dtype)
    return body


# ---------------------------------------------------------------------------
# The stored matrix


def request_fit(model_ids: Iterable[int] | None = None, *, user=None, enqueue: bool = True) -> FitJob:
    from hardware.tasks import run_fit_job_task

    job = FitJob.objects.create(model_ids=sorted(set(model_ids or [])),
                                created_by=user if getattr(user, "is_authenticated", False) else None)
    if enqueue:
        transaction.on_commit(lambda: run_fit_job_task.delay(job.pk))
    return job


def run_fit_job(job_id: int) -> FitJob | None:
    job = FitJob.objects.filter(pk=job_id).first()
    if job is None or job.is_finished:
        return job
    job.mark_running()
    try:
        written, models = compute_requirements(job.model_ids or None)
    except Exception as exc:  # noqa: BLE001 - recorded on the row
        logger.exception("fit job %s failed", job_id)
        job.mark_finished(failed=True, error=f"{type(exc).__name__}: {exc}"[:1000])
        return job
    job.rows_written, job.total, job.processed, job.succeeded = written, models, models, models
    job.save(update_fields=["rows_written", "total", "processed", "succeeded"])
    job.mark_finished()
    return job


def contexts_for(max_context: int | None) -> list[int]:
    """4K, 8K and 32K, capped at the model's maximum (a model with 8K context gets 4K and 8K)."""
    limit = max_context or STANDARD_CONTEXTS[-1]
    out = [c for c in STANDARD_CONTEXTS if c <= limit]
    return out or [limit]


def compute_requirements(model_ids: list[int] | None = None, *, chunk: int = 5000) -> tuple[int, int]:
    """Recompute FitRequirement rows for the given models (None = all with a parameter count)."""
    quants = list(QuantizationFormat.objects.filter(standard=True))
    qs = LLMModel.objects.filter(total_params_b__gt=0)
    if model_ids is not None:
        qs = qs.filter(pk__in=model_ids)
    ids = list(qs.order_by("pk").values_list("pk", flat=True))
    written = 0
    now = timezone.now()
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        rows = []
        for values in LLMModel.objects.filter(pk__in=part).values_list(*MODEL_FIELDS):
            m = dict(zip(MODEL_FIELDS, values))
            spec = formulas.ModelSpec(
                total_params_b=m["total_params_b"], active_params_b=m["active_params_b"] or m["total_params_b"],
                layers=m["layers"], kv_heads=m["kv_heads"], head_dim=m["head_dim"], hidden_size=m["hidden_size"],
                attention_heads=m["attention_heads"], max_context=m["context_length"], is_moe=m["is_moe"],
            )
            for req in formulas.requirements(spec, [quant_spec(q) for q in quants], contexts_for(m["context_length"])):
                rows.append((m["id"], quants[req.quant_index].pk, req.context, req.weights_gb, req.kv_gb,
                             req.overhead_gb, req.total_gb, req.gb_read_per_token, req.estimated, now))
        with transaction.atomic(), connection.cursor() as cursor:
            FitRequirement.objects.filter(model_id__in=part).delete()
            with cursor.cursor.copy(
                "COPY hardware_fitrequirement (model_id, quant_id, context, weights_gb, kv_gb, overhead_gb, total_gb,"
                " gb_read_per_token, estimated_architecture, computed_at) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(row)
            catalog_changed()  # COPY sends no model signal
        written += len(rows)
    return written, len(ids)


# ---------------------------------------------------------------------------
# Reads over the matrix


def runnable_on(gpu: GPU, *, context: int = DEFAULT_CONTEXT, n_gpus: int = 1) -> QuerySet[FitRequirement]:
    """Requirement rows that fit ``n_gpus`` of ``gpu`` at ``context``, best quantization first."""
    budget = gpu.usable_memory_gb * n_gpus
    return (
        FitRequirement.objects.filter(context=context, total_gb__lte=budget)
        .select_related("model", "quant")
        .order_by("model_id", "-quant__bits_per_weight")
        .distinct("model_id")
    )


def tokens_per_s(gpu_bandwidth_gbs: float, gb_read_per_token: float) -> float:
    return formulas.EFFICIENCY * gpu_bandwidth_gbs / gb_read_per_token if gb_read_per_token else 0.0


@dataclass
class Recommendation:
    model: LLMModel
    quant: QuantizationFormat
    total_gb: float
    tokens_per_s: float
    score: float | None
    leaderboard: str
    gpus: int


def recommend(*, memory_gb: float, bandwidth_gbs: float, context: int = DEFAULT_CONTEXT, n_gpus: int = 1,
              min_tokens_per_s: float | None = None, license: str = "", leaderboard: str = "open-llm-v1",
              limit: int = 25) -> list[Recommendation]:
    """Best-scoring models that fit the given memory at the context, with the highest-quality quantization.

    One SQL statement: requirements at the nearest stored context >= the asked one, joined to
    scores of the chosen leaderboard, ranked by score.
    """
    stored = [c for c in STANDARD_CONTEXTS if c >= context]
    lookup_context = stored[0] if stored else STANDARD_CONTEXTS[-1]
    budget = memory_gb * n_gpus
    params: list = [lookup_context, budget]
    where = ["r.context = %s", "r.total_gb <= %s"]
    if min_tokens_per_s:
        where.append("%s * %s / r.gb_read_per_token >= %s")
        params += [formulas.EFFICIENCY, bandwidth_gbs, min_tokens_per_s]
    if license:
        where.append("lower(m.license) = lower(%s)")
        params.append(license)
    sql = f"""
        SELECT DISTINCT ON (s.average, r.model_id) r.model_id, r.quant_id, r.total_gb, r.gb_read_per_token,
               s.average
        FROM hardware_fitrequirement r
        JOIN catalog_llmmodel m ON m.id = r.model_id
        JOIN hardware_quantizationformat q ON q.id = r.quant_id
        JOIN evals_score s ON s.model_id = r.model_id AND s.average IS NOT NULL
        JOIN evals_leaderboard b ON b.id = s.leaderboard_id AND b.slug = %s
        WHERE {' AND '.join(where)}
        ORDER BY s.average DESC, r.model_id, q.bits_per_weight DESC
        LIMIT %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [leaderboard, *params, limit])
        rows = cursor.fetchall()
    models = LLMModel.objects.in_bulk([r[0] for r in rows])
    quants = QuantizationFormat.objects.in_bulk([r[1] for r in rows])
    return [
        Recommendation(model=models[m], quant=quants[q], total_gb=total, score=avg, leaderboard=leaderboard,
                       tokens_per_s=tokens_per_s(bandwidth_gbs, per_token), gpus=n_gpus)
        for m, q, total, per_token, avg in rows
    ]

