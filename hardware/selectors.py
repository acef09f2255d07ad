"""Read queries and per-model fit tables for hardware pages."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from catalog.models import LLMModel
from hardware import charts
from hardware.fit import formulas
from hardware.models import GPU, FitRequirement, QuantizationFormat
from hardware.services.fit import DEFAULT_CONTEXT, contexts_for, gpu_spec, quant_spec, tokens_per_s


@dataclass
class QuantRow:
    quant: QuantizationFormat
    weights_gb: float
    totals: list[tuple[int, float]]  # (context, total GB)


def standard_quants() -> list[QuantizationFormat]:
    return list(QuantizationFormat.objects.filter(standard=True).order_by("bits_per_weight"))


def model_fit_context(model: LLMModel) -> dict | None:
    """The model page's hardware section: quant table, GPUs that run it, charts. ~3 queries."""
    if not model.total_params_b:
        return None
    from hardware.services.fit import model_spec

    spec = formulas.complete_spec(model_spec(model))
    quants = standard_quants()
    contexts = contexts_for(model.context_length)
    rows = []
    for quant in quants:
        reqs = formulas.requirements(spec, [quant_spec(quant)], contexts)
        rows.append(QuantRow(quant, reqs[0].weights_gb, [(r.context, r.total_gb) for r in reqs]))
    gpus = list(GPU.objects.order_by("memory_gb", "name"))
    default_quant = next((q for q in quants if q.name == "Q4_K_M"), quants[0] if quants else None)
    context = min(model.context_length or DEFAULT_CONTEXT, 32768)
    runs_it = []
    assumptions: list[str] = []
    if default_quant:
        default_spec = quant_spec(default_quant)
        for gpu in gpus:
            result = formulas.fit(spec, default_spec, gpu_spec(gpu), context, explain=False)
            if result.verdict in ("fits", "fits_reduced_context"):
                runs_it.append((gpu, result))
        if runs_it:  # the page explains the numbers of the smallest card that runs it
            assumptions = formulas.fit(spec, default_spec, gpu_spec(runs_it[0][0]), context).assumptions
    figures = {}
    shown = [g for g in gpus if g.form_factor != "embedded"][::max(1, len(gpus) // 30)]
    if quants and shown:
        ratio, text = [], []
        for gpu in shown:
            row_ratio, row_text = [], []
            for row in rows:
                need = row.totals[min(1, len(row.totals) - 1)][1]
                row_ratio.append(round(need / gpu.usable_memory_gb, 3) if gpu.usable_memory_gb else 9)
                row_text.append(f"{need:.1f} GB needed of {gpu.usable_memory_gb:.0f} GB")
            ratio.append(row_ratio)
            text.append(row_text)
        ctx_label = rows[0].totals[min(1, len(rows[0].totals) - 1)][0]
        figures["heatmap"] = charts.fit_heatmap([g.name for g in shown], [q.name for q in quants], ratio, text,
                                                title=f"Memory needed vs available at {ctx_label:,} tokens")
    if runs_it:
        fastest = sorted(runs_it, key=lambda item: item[1].tokens_per_s, reverse=True)[:25]
        figures["speed"] = charts.speed_bars([g.name for g, _ in fastest], [r.tokens_per_s for _, r in fastest],
                                             title=f"Estimated speed at {default_quant.name}")
        priced = [(g, r) for g, r in runs_it if g.launch_price_usd]
        if priced:
            figures["price"] = charts.price_vs_speed([g.name for g, _ in priced], [g.launch_price_usd for g, _ in priced],
                                                     [r.tokens_per_s for _, r in priced], title="Price vs speed")
    return {"model": model, "quant_rows": rows, "contexts": contexts, "runs_it": runs_it,
            "default_quant": default_quant, "context": context, "figures": figures,
            "estimated": spec.estimated_fields, "assumptions": assumptions}


def gpu_models(gpu: GPU, *, context: int = DEFAULT_CONTEXT, n_gpus: int = 1) -> QuerySet[FitRequirement]:
    """Each model this GPU runs at ``context``, with its best-quality fitting quantization."""
    budget = gpu.usable_memory_gb * n_gpus
    best = (FitRequirement.objects.filter(context=context, total_gb__lte=budget, model__is_stub=False)
            .order_by("model_id", "-quant__bits_per_weight").distinct("model_id").values("pk"))
    return (FitRequirement.objects.filter(pk__in=best).select_related("model", "quant")
            .order_by("-model__downloads", "model__repo_id"))


def speed_for(gpu: GPU, requirement: FitRequirement, n_gpus: int = 1) -> float:
    # With the layers split over identical cards a single stream is no faster than on one card.
    return tokens_per_s(gpu.bandwidth_gbs, requirement.gb_read_per_token)
