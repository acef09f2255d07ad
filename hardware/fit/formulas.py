"""Memory and speed of running an LLM on a GPU (pure, no Django).

Sources and reasoning:
* Weights: parameters x bits-per-weight / 8. For MoE models every expert stays resident, so the
  TOTAL parameter count is used for memory, the ACTIVE count for per-token compute and reads.
  GGUF effective bits per weight include block scales (llama.cpp quantize table: Q4_K_M ~4.85,
  Q8_0 8.5); a measured file size beats the estimate.
* KV cache: 2 (K and V) x layers x KV heads x head dim x context x bytes per element x batch
  (grouped-query attention shrinks it by heads/kv_heads). fp16 = 2 bytes; llama.cpp's q8_0 and
  q4_0 cache types store 8.5 and 4.5 bits per element. Mixtral 8x7B: 2 x 32 x 8 x 128 x 2 =
  131,072 bytes per token, 4.29e9 bytes (4.3 GB) at 32,768 tokens.
* Runtime overhead: CUDA/Metal context and scratch buffers, a flat 0.5 GB per card (the same
  constant the scraped catalog pages use; compute buffers at batch 1 stay within it).
* Usable memory: dedicated VRAM minus nothing more (the overhead above covers it); Apple
  unified memory lets the GPU wire about 75% of RAM by default (``recommendedMaxWorkingSetSize``).
* Decode speed: generating one token reads every active weight and the KV cache once, so it is
  bounded by memory bandwidth: tokens/s <= bandwidth / (active params x bpw / 8 + KV bytes). Real
  runtimes (llama.cpp, exllamav2, vLLM at batch 1) reach 60-75% of it: EFFICIENCY = 0.65.
* Prefill: ~2 x active params FLOPs per prompt token at ~40% of the card's dense FP16 TFLOPS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

GB = 1e9
EFFICIENCY = 0.65
PREFILL_EFFICIENCY = 0.4
OVERHEAD_BASE_GB = 0.5
OVERHEAD_WEIGHT_SHARE = 0.0
UNIFIED_SHARE = 0.75
KV_BYTES = {"fp16": 2.0, "q8_0": 8.5 / 8, "q4_0": 4.5 / 8}
MAX_GPUS = 8


@dataclass(frozen=True)
class ModelSpec:
    total_params_b: float
    active_params_b: float | None = None
    layers: int | None = None
    kv_heads: int | None = None
    head_dim: int | None = None
    hidden_size: int | None = None
    attention_heads: int | None = None
    max_context: int | None = None
    is_moe: bool = False
    estimated_fields: tuple[str, ...] = ()

    @property
    def active_b(self) -> float:
        return self.active_params_b or self.total_params_b


@dataclass(frozen=True)
class QuantSpec:
    name: str
    bits_per_weight: float
    quality_retention: float = 1.0


@dataclass(frozen=True)
class GpuSpec:
    name: str
    memory_gb: float
    bandwidth_gbs: float
    fp16_tflops: float | None = None
    memory_kind: str = "dedicated"
    price_usd: float | None = None


# Typical dense decoder shapes by size (llama/mistral/qwen family sizes), for models whose
# config is unknown: (max params B, layers, kv heads, head dim, hidden size).
_SHAPES = ((2.0, 24, 4, 64, 2048), (4.5, 28, 8, 128, 3072), (9.5, 32, 8, 128, 4096), (16.0, 40, 8, 128, 5120),
           (40.0, 60, 8, 128, 7168), (80.0, 80, 8, 128, 8192), (1e9, 126, 8, 128, 16384))


def complete_spec(model: ModelSpec) -> ModelSpec:
    """Fill missing architecture fields with the typical shape for the size; record which were guessed."""
    missing = [f for f in ("layers", "kv_heads", "head_dim") if getattr(model, f) is None]
    if not missing:
        return model
    size = model.active_b if model.is_moe else model.total_params_b
    _limit, layers, kv_heads, head_dim, hidden = next(s for s in _SHAPES if size <= s[0])
    guessed = {"layers": layers, "kv_heads": kv_heads, "head_dim": head_dim}
    if model.head_dim is None and model.hidden_size and model.attention_heads:
        guessed["head_dim"] = model.hidden_size // model.attention_heads
    values = {f: guessed[f] for f in missing}
    return replace(model, **values, estimated_fields=tuple(sorted(set(model.estimated_fields) | set(missing))))


def weights_bytes(model: ModelSpec, quant: QuantSpec, file_size_bytes: int | None = None) -> float:
    if file_size_bytes:
        return float(file_size_bytes)
    return model.total_params_b * 1e9 * quant.bits_per_weight / 8


def kv_bytes_per_token(model: ModelSpec, kv_dtype: str = "fp16") -> float:
    spec = complete_spec(model)
    return 2 * spec.layers * spec.kv_heads * spec.head_dim * KV_BYTES[kv_dtype]


def kv_cache_bytes(model: ModelSpec, context: int, kv_dtype: str = "fp16", batch: int = 1) -> float:
    return kv_bytes_per_token(model, kv_dtype) * context * batch


def overhead_bytes(weights: float) -> float:
    return OVERHEAD_BASE_GB * GB + OVERHEAD_WEIGHT_SHARE * weights


def usable_memory_bytes(gpu: GpuSpec, n_gpus: int = 1) -> float:
    share = UNIFIED_SHARE if gpu.memory_kind == "unified" else 1.0
    return gpu.memory_gb * GB * share * n_gpus


def catalog_page_vram_gb(params_b: float, bits_per_weight: float) -> float:
    """The scraped catalog page's rule: params x bpw / 8 + 0.5 GB (no KV cache, no context)."""
    return params_b * bits_per_weight / 8 + 0.5


def decode_bound_tokens_per_s(model: ModelSpec, quant: QuantSpec, bandwidth_gbs: float, context: int = 0,
                              kv_dtype: str = "fp16", n_gpus: int = 1) -> float:
    """Bandwidth bound at batch 1; with tensor parallelism bandwidth adds up across cards."""
    per_token = model.active_b * 1e9 * quant.bits_per_weight / 8 + kv_cache_bytes(model, context, kv_dtype)
    return bandwidth_gbs * GB * n_gpus / per_token


def prefill_seconds(model: ModelSpec, gpu: GpuSpec, prompt_tokens: int, n_gpus: int = 1) -> float | None:
    if not gpu.fp16_tflops:
        return None
    flops = 2 * model.active_b * 1e9 * prompt_tokens
    return flops / (gpu.fp16_tflops * 1e12 * PREFILL_EFFICIENCY * n_gpus)


@dataclass(frozen=True)
class FitResult:
    verdict: str  # fits | fits_reduced_context | needs_more_gpus | does_not_fit
    context: int
    n_gpus: int
    weights_gb: float
    kv_gb: float
    overhead_gb: float
    total_gb: float
    available_gb: float
    max_context: int | None
    gpus_needed: int | None
    tokens_per_s_bound: float
    tokens_per_s: float
    prefill_seconds_per_1k: float | None
    quality_retention: float
    assumptions: list[str] = field(default_factory=list)


def _total(weights: float, kv_per_token: float, context: int, n_gpus: int) -> float:
    """Bytes needed across ``n_gpus`` (each card carries its own runtime overhead)."""
    return weights + kv_per_token * context + overhead_bytes(weights / n_gpus) * n_gpus


def largest_context_that_fits(weights: float, kv_per_token: float, available: float, n_gpus: int = 1) -> int:
    free = available - weights - overhead_bytes(weights / n_gpus) * n_gpus
    if free <= 0:
        return 0
    return int(free / kv_per_token) // 256 * 256


def fit(model: ModelSpec, quant: QuantSpec, gpu: GpuSpec, context: int, n_gpus: int = 1, kv_dtype: str = "fp16",
        file_size_bytes: int | None = None) -> FitResult:
    spec = complete_spec(model)
    weights = weights_bytes(spec, quant, file_size_bytes)
    per_token = kv_bytes_per_token(spec, kv_dtype)
    kv = per_token * context
    overhead = overhead_bytes(weights / n_gpus) * n_gpus
    total = weights + kv + overhead
    available = usable_memory_bytes(gpu, n_gpus)
    max_ctx = gpus_needed = None
    if total <= available:
        verdict = "fits"
    else:
        max_ctx = largest_context_that_fits(weights, per_token, available, n_gpus)
        if max_ctx >= 512:
            verdict = "fits_reduced_context"
        else:
            max_ctx = None
            verdict = "does_not_fit"
        for n in range(n_gpus + 1, MAX_GPUS + 1):
            if _total(weights, per_token, context, n) <= usable_memory_bytes(gpu, n):
                gpus_needed = n
                if verdict == "does_not_fit":
                    verdict = "needs_more_gpus"
                break
    bound = decode_bound_tokens_per_s(spec, quant, gpu.bandwidth_gbs, context, kv_dtype, n_gpus)
    prefill = prefill_seconds(spec, gpu, 1000, n_gpus)
    assumptions = [
        f"{quant.name} at {quant.bits_per_weight:g} bits per weight"
        + (" (measured file size used)" if file_size_bytes else f" x {spec.total_params_b:g}B total parameters"),
        f"KV cache in {kv_dtype}: {per_token / 1024:,.0f} KiB per token ({spec.layers} layers x {spec.kv_heads} KV heads"
        f" x {spec.head_dim} head dim)",
        f"runtime overhead {OVERHEAD_BASE_GB} GB per card",
        f"decode speed = {EFFICIENCY:.0%} of the bandwidth bound (batch 1, {spec.active_b:g}B active parameters)",
    ]
    if gpu.memory_kind == "unified":
        assumptions.append(f"unified memory: about {UNIFIED_SHARE:.0%} of {gpu.memory_gb:g} GB is usable by the GPU")
    if n_gpus > 1:
        assumptions.append(f"{n_gpus} cards with the model split across them (tensor parallel)")
    if spec.estimated_fields:
        assumptions.append("estimated from the parameter count (not stated): " + ", ".join(spec.estimated_fields))
    if spec.is_moe:
        assumptions.append("MoE: all experts resident in memory; only active experts read per token")
    return FitResult(
        verdict=verdict, context=context, n_gpus=n_gpus, weights_gb=weights / GB, kv_gb=kv / GB,
        overhead_gb=overhead / GB, total_gb=total / GB, available_gb=available / GB, max_context=max_ctx,
        gpus_needed=gpus_needed, tokens_per_s_bound=bound, tokens_per_s=bound * EFFICIENCY,
        prefill_seconds_per_1k=prefill, quality_retention=quant.quality_retention, assumptions=assumptions,
    )


@dataclass(frozen=True, slots=True)
class Requirement:
    quant_index: int
    context: int
    weights_gb: float
    kv_gb: float
    overhead_gb: float
    total_gb: float
    gb_read_per_token: float
    estimated: bool


def requirements(model: ModelSpec, quants: list[QuantSpec], contexts: list[int]) -> list[Requirement]:
    """GPU-independent memory needs and per-token reads for each quant x context (one card)."""
    spec = complete_spec(model)
    per_token = kv_bytes_per_token(spec)
    estimated = bool(spec.estimated_fields)
    out = []
    for index, quant in enumerate(quants):
        weights = weights_bytes(spec, quant)
        overhead = overhead_bytes(weights)
        active_read = spec.active_b * 1e9 * quant.bits_per_weight / 8
        for context in contexts:
            kv = per_token * context
            out.append(Requirement(index, context, weights / GB, kv / GB, overhead / GB, (weights + kv + overhead) / GB,
                                   (active_read + kv) / GB, estimated))
    return out


def fit_matrix(models: list[ModelSpec], quants: list[QuantSpec], gpus: list[GpuSpec], contexts: list[int]
               ) -> list[tuple[int, int, int, int, int, float]]:
    """Every model x quant x GPU x context verdict as compact tuples
    (model index, quant index, gpu index, context, verdict code, tokens/s estimate).

    Verdict codes: 0 fits, 1 fits with reduced context, 2 needs more GPUs, 3 does not fit.
    Per-model and per-GPU numbers are computed once; the inner loop is arithmetic only.
    """
    usable = [usable_memory_bytes(g) for g in gpus]
    bandwidth = [g.bandwidth_gbs * GB for g in gpus]
    out: list[tuple[int, int, int, int, int, float]] = []
    append = out.append
    for mi, model in enumerate(models):
        spec = complete_spec(model)
        per_token = kv_bytes_per_token(spec)
        for qi, quant in enumerate(quants):
            weights = spec.total_params_b * 1e9 * quant.bits_per_weight / 8
            overhead = overhead_bytes(weights)
            base = weights + overhead
            active = spec.active_b * 1e9 * quant.bits_per_weight / 8
            for context in contexts:
                kv = per_token * context
                need = base + kv
                read = active + kv
                for gi in range(len(gpus)):
                    room = usable[gi]
                    if need <= room:
                        code = 0
                    elif room - base >= per_token * 512:
                        code = 1
                    elif weights + kv + overhead_bytes(weights / MAX_GPUS) * MAX_GPUS <= room * MAX_GPUS:
                        code = 2
                    else:
                        code = 3
                    append((mi, qi, gi, context, code, EFFICIENCY * bandwidth[gi] / read))
    return out


def gpus_needed(total_gb: float, usable_gb: float) -> int | None:
    if usable_gb <= 0:
        return None
    n = math.ceil(total_gb / usable_gb)
    return n if n <= MAX_GPUS else None
