"""Memory, context and speed of running an open LLM on GPUs (pure: stdlib only, no Django).

Every figure this module returns is an *estimate*; ``fit()`` lists, next to the numbers, the
assumptions it made (``FitResult.assumptions``) so the UI can show them.

Sources and reasoning
---------------------
Weights
    parameters x bits per weight / 8. The effective bits per weight of a format include its
    block scales: llama.cpp's Q8_0 stores 32 int8 values plus one fp16 scale per block
    (34 bytes / 32 weights = 8.5 bpw), Q4_0 16 + 2 bytes per 32 weights (4.5 bpw); the K-quant
    mixes (Q4_K_M ~4.85 bpw on a 7B LLaMA) come from the table of llama.cpp's k-quants pull
    request (#1684) and its ``quantize`` tool. ``hardware/data/quant_formats.json`` holds them.
    For a mixture of experts every expert stays resident, so memory uses the TOTAL parameter
    count; a measured file size (GGUF/safetensors on disk) is better than any estimate and wins.
KV cache
    2 (K and V) x layers x KV heads x head dim x context x bytes per element x batch. Grouped-
    query attention makes ``kv_heads`` smaller than the query heads. Bytes per element: fp16 2;
    llama.cpp cache types q8_0 and q4_0 use the block formats above (8.5 and 4.5 bits).
    Mixtral 8x7B (32 layers, 8 KV heads, head dim 128): 131,072 bytes per token in fp16,
    4.29e9 bytes at 32,768 tokens. Not modelled: sliding-window caches (Mistral 7B v0.1,
    Gemma 2 local layers) and DeepSeek's compressed MLA cache, both of which need less.
Runtime overhead
    A flat 0.5 GB per card: CUDA/ROCm/Metal context, cuBLAS workspace and llama.cpp compute
    buffers at batch 1 with flash attention (which keeps them independent of the context). It
    is also the constant of the scraped catalog page (seed 002). Without flash attention
    llama.cpp materialises the attention scores of one layer in f32, a buffer of
    ``n_ubatch (512) x context x query heads x 4`` bytes per card; ``flash_attention=False``
    adds that term (about 2.1 GB for Mixtral at 32K), i.e. the "fraction scaling with context".
Usable memory
    Memory is counted as ``memory_gb x 1e9`` bytes although vendors' "24 GB" are GiB (2^30): the
    ~7% difference is deliberately left as headroom for display/driver reservations and
    allocator fragmentation. Apple unified memory: macOS lets the GPU wire about 75% of RAM by
    default (Metal's ``recommendedMaxWorkingSetSize``; about two thirds on machines with 36 GB
    or less, raisable with ``sysctl iogpu.wired_limit_mb``) - we use 75% for every unified-memory
    device (Apple, Jetson, Strix Halo, GB10). Several cards: weights and cache are split evenly
    by layers (llama.cpp ``--tensor-split``) and every card carries its own overhead.
Decode speed
    At batch 1, generating a token reads every active weight and the whole KV cache once, so it
    is memory-bandwidth bound: tokens/s <= bandwidth / (active params x bpw / 8 + KV bytes at
    that context). At context 0 no KV is read: Mixtral Q4_K_M (12.9B active x 4.5 / 8 =
    7.26 GB per token) on 1,792 GB/s -> 247 tokens/s. llama.cpp, ExLlamaV2 and vLLM at batch 1
    reach about 60-75% of that bound on GPUs; ``EFFICIENCY = 0.65`` gives the estimate. With
    llama.cpp's default layer split the cards work one after the other, so one stream is no
    faster on N cards; with tensor parallelism (vLLM, ExLlamaV2 TP: ``split="tensor"``) the
    bandwidths add up (interconnect costs are not modelled).
Prefill
    About 2 x active params FLOPs per prompt token (one multiply-add per weight) plus causal
    attention, 2 x layers x query heads x head dim x prompt^2 in total; at ``PREFILL_EFFICIENCY``
    (40%) of the card's dense FP16 tensor TFLOPS - llama.cpp's prompt-processing results sit at
    roughly 40-60% of that peak on CUDA cards, less with dequantisation of K-quants.

Bad input never escapes as an arbitrary exception: public functions raise ``FitInputError``
(a ``ValueError`` naming the field at fault) for values no estimate can be made from, and turn
recoverable oddities (an active count above the total, a zero layer count) into notes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Iterator, Sequence

GB = 1e9
EFFICIENCY = 0.65
PREFILL_EFFICIENCY = 0.4
OVERHEAD_BASE_GB = 0.5
NO_FLASH_UBATCH = 512  # llama.cpp's default n_ubatch
UNIFIED_SHARE = 0.75
MAX_GPUS = 8
CONTEXT_STEP = 256
MIN_USEFUL_CONTEXT = 512
# MoE shape estimate: attention and embeddings are shared, so a MoE with A active parameters
# looks like a dense model of roughly 0.7 A (Mixtral 8x7B: 12.9B active -> a 7-9B shape).
MOE_SHAPE_FACTOR = 0.7

KV_BYTES: dict[str, float] = {
    "fp16": 2.0, "f16": 2.0, "bf16": 2.0, "fp8": 1.0,
    "q8_0": 34 / 32,  # 32 int8 + one fp16 scale = 8.5 bits per element
    "q4_0": 18 / 32,  # 32 nibbles + one fp16 scale = 4.5 bits per element
}
VERDICTS = ("fits", "fits_reduced_context", "needs_more_gpus", "does_not_fit")
VERDICT_CODES = {name: code for code, name in enumerate(VERDICTS)}
SPLITS = ("layer", "tensor")
MEMORY_KINDS = ("dedicated", "unified")
ARCH_FIELDS = ("layers", "kv_heads", "head_dim", "hidden_size", "attention_heads")
KV_FIELDS = ("layers", "kv_heads", "head_dim")  # the ones memory depends on

# Input bounds: far beyond any real model or card, they keep arithmetic finite on hostile input.
_MAX_PARAMS_B = 100_000.0
_MAX_ARCH = 1_000_000
_MAX_CONTEXT = 100_000_000
_MAX_GPU_FIGURE = 1e7


class FitInputError(ValueError):
    """An input no estimate can be made from; ``field`` names it."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


def _number(value: object) -> float | None:
    """A finite real number, or None (bools and strings are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _positive_int(value: object, limit: int = _MAX_ARCH) -> int | None:
    number = _number(value)
    if number is None or number <= 0 or number > limit or number != int(number):
        return None
    return int(number)


# ---------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True)
class ModelSpec:
    """What the formulas need to know about a model.

    ``active_params_b`` equals the total for dense models (it is filled in when omitted).
    Missing architecture fields may be estimated with ``complete_spec``; the names of the
    estimated fields end up in ``estimated_fields`` and the UI must say so. ``notes`` records
    inputs that were ignored or corrected.
    """

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
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        total = _number(self.total_params_b)
        if total is None or not 0 < total <= _MAX_PARAMS_B:
            raise FitInputError("total_params_b", "The parameter count must be a positive number of billions.")
        notes = list(self.notes)
        active = _number(self.active_params_b)
        if self.active_params_b is not None and (active is None or active <= 0):
            notes.append("The active parameter count was not a positive number and was ignored.")
            active = None
        if active is not None and active > total:
            notes.append(f"The active parameter count ({active:g}B) exceeded the total and was capped at {total:g}B.")
            active = total
        object.__setattr__(self, "total_params_b", total)
        object.__setattr__(self, "active_params_b", active if active is not None else total)
        for name in (*ARCH_FIELDS, "max_context"):
            raw = getattr(self, name)
            value = _positive_int(raw, _MAX_CONTEXT if name == "max_context" else _MAX_ARCH)
            if raw is not None and value is None:
                notes.append(f"{name} = {raw!r} is not a plausible positive whole number and was ignored.")
            object.__setattr__(self, name, value)
        object.__setattr__(self, "is_moe", bool(self.is_moe) or self.active_params_b < total)
        object.__setattr__(self, "estimated_fields", tuple(sorted(set(self.estimated_fields) & set(ARCH_FIELDS))))
        object.__setattr__(self, "notes", tuple(dict.fromkeys(notes)))

    @property
    def active_b(self) -> float:
        return self.active_params_b  # type: ignore[return-value]  # always filled by __post_init__

    @property
    def kv_estimated(self) -> bool:
        """True when the KV-cache size rests on an estimated field."""
        return any(f in KV_FIELDS for f in self.estimated_fields)


@dataclass(frozen=True)
class QuantSpec:
    """A weight format: effective bits per weight (scales included) and approximate quality kept."""

    name: str
    bits_per_weight: float
    quality_retention: float = 1.0

    def __post_init__(self) -> None:
        bpw = _number(self.bits_per_weight)
        if bpw is None or not 0 < bpw <= 64:
            raise FitInputError("quant", f"Bits per weight of {self.name!r} must be between 0 and 64.")
        quality = _number(self.quality_retention)
        if quality is None or not 0 <= quality <= 1:
            raise FitInputError("quant", f"Quality retention of {self.name!r} must be between 0 and 1.")
        object.__setattr__(self, "name", str(self.name))
        object.__setattr__(self, "bits_per_weight", bpw)
        object.__setattr__(self, "quality_retention", quality)


@dataclass(frozen=True)
class GpuSpec:
    """One card (or one unified-memory machine) as the vendor's spec sheet gives it."""

    name: str
    memory_gb: float
    bandwidth_gbs: float
    fp16_tflops: float | None = None
    memory_kind: str = "dedicated"
    price_usd: float | None = None

    def __post_init__(self) -> None:
        memory, bandwidth = _number(self.memory_gb), _number(self.bandwidth_gbs)
        if memory is None or not 0 < memory <= _MAX_GPU_FIGURE:
            raise FitInputError("gpu", f"Memory of {self.name!r} must be a positive number of GB.")
        if bandwidth is None or not 0 < bandwidth <= _MAX_GPU_FIGURE:
            raise FitInputError("gpu", f"Bandwidth of {self.name!r} must be a positive number of GB/s.")
        if self.memory_kind not in MEMORY_KINDS:
            raise FitInputError("gpu", f"memory_kind of {self.name!r} must be 'dedicated' or 'unified'.")
        tflops, price = _number(self.fp16_tflops), _number(self.price_usd)
        object.__setattr__(self, "name", str(self.name))
        object.__setattr__(self, "memory_gb", memory)
        object.__setattr__(self, "bandwidth_gbs", bandwidth)
        # An unknown or zero throughput simply means "no prefill estimate".
        object.__setattr__(self, "fp16_tflops", tflops if tflops and 0 < tflops <= _MAX_GPU_FIGURE else None)
        object.__setattr__(self, "price_usd", price if price and price > 0 else None)


# ---------------------------------------------------------------------------
# Architecture estimates

# Typical llama-like dense decoder shapes by parameter count (upper bound in B):
# (max B, layers, kv heads, head dim, hidden size, query heads). Anchors: Llama 3.2 1B/3B,
# Llama 3 8B / Mistral 7B, Mistral NeMo 12B, Yi 34B, Llama 3 70B, Mistral Large 123B,
# Llama 3.1 405B (their config.json files).
_SHAPES: tuple[tuple[float, int, int, int, int, int], ...] = (
    (1.3, 22, 4, 64, 2048, 32),
    (2.5, 28, 4, 128, 2048, 16),
    (4.5, 28, 8, 128, 3072, 24),
    (9.5, 32, 8, 128, 4096, 32),
    (16.0, 40, 8, 128, 5120, 40),
    (40.0, 60, 8, 128, 7168, 56),
    (80.0, 80, 8, 128, 8192, 64),
    (150.0, 88, 8, 128, 12288, 96),
    (math.inf, 126, 8, 128, 16384, 128),
)


def typical_shape(params_b: float, is_moe: bool = False) -> dict[str, int]:
    """The usual architecture of a dense model of ``params_b`` billion parameters.

    For a MoE pass the ACTIVE count: its attention shape resembles a dense model of about
    0.7 x the active parameters (Mixtral 8x7B, 12.9B active -> 32 layers, 8 KV heads, 128).
    """
    size = params_b * MOE_SHAPE_FACTOR if is_moe else params_b
    row = next(s for s in _SHAPES if size <= s[0])
    return dict(zip(ARCH_FIELDS, row[1:]))


def complete_spec(model: ModelSpec) -> ModelSpec:
    """Fill missing architecture fields; record which ones were estimated.

    Fields that follow from stated ones (head dim = hidden size / heads and the like) are
    derived, not estimated; the rest come from ``typical_shape`` and are listed in
    ``estimated_fields``.
    """
    # Every formula completes its spec again (fit() alone does it five times), so the common case, a
    # spec with all five fields, is answered without building the dictionaries below.
    if not (model.layers is None or model.kv_heads is None or model.head_dim is None or model.hidden_size is None
            or model.attention_heads is None):
        return model
    values = {name: getattr(model, name) for name in ARCH_FIELDS}
    hidden, heads, head_dim = values["hidden_size"], values["attention_heads"], values["head_dim"]
    if head_dim is None and hidden and heads and hidden % heads == 0:
        values["head_dim"] = hidden // heads
    if heads is None and hidden and head_dim and hidden % head_dim == 0:
        values["attention_heads"] = hidden // head_dim
    if hidden is None and values["attention_heads"] and values["head_dim"]:
        values["hidden_size"] = values["attention_heads"] * values["head_dim"]
    missing = [name for name in ARCH_FIELDS if values[name] is None]
    if not missing and values == {name: getattr(model, name) for name in ARCH_FIELDS}:
        return model
    shape = typical_shape(model.active_b, model.is_moe)
    for name in missing:
        values[name] = shape[name]
    # Keep estimates consistent with what is stated: GQA groups must divide the query heads.
    if "kv_heads" in missing and values["attention_heads"] % values["kv_heads"]:
        values["kv_heads"] = math.gcd(values["attention_heads"], values["kv_heads"])
    stated_hidden = "hidden_size" not in missing
    if "attention_heads" in missing and stated_hidden and values["hidden_size"] % values["head_dim"] == 0:
        values["attention_heads"] = values["hidden_size"] // values["head_dim"]
    estimated = tuple(sorted(set(model.estimated_fields) | set(missing)))
    return replace(model, **values, estimated_fields=estimated)


# ---------------------------------------------------------------------------
# Memory


def _weights(params_b: float, bits_per_weight: float) -> float:
    # One expression shared by fit() and fit_matrix() so both give bit-identical numbers.
    return params_b * 1e9 * bits_per_weight / 8


def _check_file_size(file_size_bytes: object) -> float | None:
    if file_size_bytes is None:
        return None
    size = _number(file_size_bytes)
    if size is None or size < 0:
        raise FitInputError("file_size_bytes", "The file size must be a non-negative number of bytes.")
    return size or None  # 0 = unknown


def weights_bytes(model: ModelSpec, quant: QuantSpec, file_size_bytes: int | None = None) -> float:
    """Resident weight bytes: TOTAL params x bpw / 8 (every MoE expert is loaded).

    A measured file size, when given, wins over the estimate.
    """
    measured = _check_file_size(file_size_bytes)
    return measured if measured is not None else _weights(model.total_params_b, quant.bits_per_weight)


def kv_element_bytes(kv_dtype: str) -> float:
    try:
        return KV_BYTES[kv_dtype]
    except (KeyError, TypeError):
        raise FitInputError("kv_dtype", f"kv_dtype must be one of {', '.join(KV_BYTES)}.") from None


def _check_context(context: object, name: str = "context") -> int:
    value = _number(context)
    if value is None or value < 0 or value > _MAX_CONTEXT or value != int(value):
        raise FitInputError(name, f"{name} must be a whole number of tokens between 0 and {_MAX_CONTEXT:,}.")
    return int(value)


def _check_gpus(n_gpus: object) -> int:
    value = _positive_int(n_gpus, MAX_GPUS)
    if value is None:
        raise FitInputError("n_gpus", f"n_gpus must be between 1 and {MAX_GPUS}.")
    return value


def kv_bytes_per_token(model: ModelSpec, kv_dtype: str = "fp16") -> float:
    """2 x layers x KV heads x head dim x bytes per element (estimated fields filled in)."""
    spec = complete_spec(model)
    return 2 * spec.layers * spec.kv_heads * spec.head_dim * kv_element_bytes(kv_dtype)  # type: ignore[operator]


def kv_cache_bytes(model: ModelSpec, context: int, kv_dtype: str = "fp16", batch: int = 1) -> float:
    """KV cache for ``batch`` sequences of ``context`` tokens."""
    context = _check_context(context)
    batch_size = _positive_int(batch, 100_000)
    if batch_size is None:
        raise FitInputError("batch", "batch must be a positive whole number.")
    return kv_bytes_per_token(model, kv_dtype) * context * batch_size


def overhead_bytes(model: ModelSpec | None = None, context: int = 0, *, flash_attention: bool = True) -> float:
    """Runtime overhead of ONE card: 0.5 GB, plus the f32 attention-score buffer without flash attention."""
    extra = 0.0
    if not flash_attention and model is not None:
        heads = complete_spec(model).attention_heads or 0
        extra = min(context, NO_FLASH_UBATCH) * context * heads * 4.0
    return OVERHEAD_BASE_GB * GB + extra


def memory_share(memory_kind: str) -> float:
    """Share of a card's memory a model may use: all of dedicated VRAM, ~75% of unified memory."""
    return UNIFIED_SHARE if memory_kind == "unified" else 1.0


def usable_share(gpu: GpuSpec) -> float:
    return memory_share(gpu.memory_kind)


def usable_memory_bytes(gpu: GpuSpec, n_gpus: int = 1) -> float:
    """Bytes a model may occupy on ``n_gpus`` cards (unified memory: the GPU's ~75% share)."""
    n = _check_gpus(n_gpus)
    return gpu.memory_gb * GB * usable_share(gpu) * n


def catalog_page_vram_gb(params_b: float, bits_per_weight: float) -> float:
    """The scraped catalog page's rule (seed 002): params x bpw / 8 + 0.5 GB, no KV cache.

    46.7B: Q4_K_M at 4.5 bpw 26.8 GB, Q6_K 6.5 bpw 38.4, Q8_0 8 bpw 47.2, FP16 93.9.
    """
    params, bpw = _number(params_b), _number(bits_per_weight)
    if params is None or params <= 0 or bpw is None or bpw <= 0:
        raise FitInputError("params_b", "Parameters and bits per weight must be positive numbers.")
    return params * bpw / 8 + 0.5


def _max_context(free: float, per_token: float) -> int:
    """Tokens that fit in ``free`` bytes, rounded down to a multiple of 256."""
    if free <= 0 or per_token <= 0:
        return 0
    return int(free / per_token) // CONTEXT_STEP * CONTEXT_STEP


def _gpus_needed(need: float, usable_one: float, overhead_one: float, current: int) -> int | None:
    """Smallest N in (current, 8] with need + N x overhead <= N x usable (even split), else None.

    ``need`` is weights + KV. Shared by fit() and fit_matrix(); the candidate from the closed
    form is re-checked with the exact inequality so both agree to the last bit.
    """
    room = usable_one - overhead_one
    if room <= 0:
        return None
    start = max(current + 1, math.ceil(need / room) - 1)
    for n in range(start, MAX_GPUS + 1):
        if need + overhead_one * n <= usable_one * n:
            return n
    return None


def largest_context_that_fits(model: ModelSpec, quant: QuantSpec, gpu: GpuSpec, n_gpus: int = 1,
                              kv_dtype: str = "fp16", file_size_bytes: int | None = None, *,
                              flash_attention: bool = True) -> int:
    """The longest context (multiple of 256) whose weights + cache + overhead fit; 0 if none.

    Not capped at the model's trained maximum (``fit`` reports the capped value).
    """
    n = _check_gpus(n_gpus)
    spec = complete_spec(model)
    weights = weights_bytes(spec, quant, file_size_bytes)
    per_token = kv_bytes_per_token(spec, kv_dtype)
    available = usable_memory_bytes(gpu, n)
    free = available - weights - overhead_bytes() * n
    if flash_attention:
        return _max_context(free, per_token)
    # Without flash attention each card also holds min(context, 512) x context x heads x 4 bytes:
    # linear in the context from 512 tokens on, so solve that line and check the one step below.
    score_per_token = NO_FLASH_UBATCH * (spec.attention_heads or 0) * 4.0
    best = _max_context(free, per_token + n * score_per_token)
    if best >= NO_FLASH_UBATCH:
        return best
    step = CONTEXT_STEP
    fits_step = weights + per_token * step + overhead_bytes(spec, step, flash_attention=False) * n <= available
    return step if fits_step else 0


# ---------------------------------------------------------------------------
# Speed


@dataclass(frozen=True)
class DecodeSpeed:
    """Batch-1 generation speed: the bandwidth bound and the realistic estimate."""

    bound_tokens_per_s: float
    tokens_per_s: float
    gb_read_per_token: float
    efficiency: float


def _check_efficiency(efficiency: object) -> float:
    value = _number(efficiency)
    if value is None or not 0 < value <= 1:
        raise FitInputError("efficiency", "efficiency must be in (0, 1].")
    return value


def _check_split(split: object) -> str:
    if split not in SPLITS:
        raise FitInputError("split", "split must be 'layer' or 'tensor'.")
    return split  # type: ignore[return-value]


def _read_bytes(spec: ModelSpec, quant: QuantSpec, file_size: float | None) -> float:
    """Weight bytes read per generated token: the active share of the resident weights."""
    if file_size is not None:
        return file_size * spec.active_b / spec.total_params_b
    return _weights(spec.active_b, quant.bits_per_weight)


def decode_tokens_per_s(model: ModelSpec, quant: QuantSpec, gpu: GpuSpec, context: int = 0, n_gpus: int = 1,
                        efficiency: float = EFFICIENCY, *, kv_dtype: str = "fp16", split: str = "layer",
                        file_size_bytes: int | None = None) -> DecodeSpeed:
    """Bound = bandwidth / (active params x bpw / 8 + KV bytes at ``context``); estimate = bound x efficiency.

    At context 0 no cache is read: Mixtral Q4_K_M (4.5 bpw) on 1,792 GB/s -> 247 tokens/s bound.
    """
    context, n = _check_context(context), _check_gpus(n_gpus)
    efficiency, split = _check_efficiency(efficiency), _check_split(split)
    spec = complete_spec(model)
    read = _read_bytes(spec, quant, _check_file_size(file_size_bytes)) + kv_bytes_per_token(spec, kv_dtype) * context
    bandwidth = gpu.bandwidth_gbs * GB * n if split == "tensor" else gpu.bandwidth_gbs * GB
    bound = bandwidth / read
    return DecodeSpeed(bound, bound * efficiency, read / GB, efficiency)


def decode_bound_tokens_per_s(model: ModelSpec, quant: QuantSpec, bandwidth_gbs: float, context: int = 0,
                              kv_dtype: str = "fp16", n_gpus: int = 1, split: str = "layer") -> float:
    """The bandwidth bound alone, for a bare bandwidth figure (custom hardware)."""
    gpu = GpuSpec("custom", 1.0, bandwidth_gbs)
    return decode_tokens_per_s(model, quant, gpu, context, n_gpus, kv_dtype=kv_dtype, split=split).bound_tokens_per_s


def prefill_seconds(model: ModelSpec, gpu: GpuSpec, prompt_tokens: int, n_gpus: int = 1,
                    efficiency: float = PREFILL_EFFICIENCY, *, split: str = "layer") -> float | None:
    """Seconds to process a prompt: (2 x active params x P + 2 x layers x heads x head dim x P^2) FLOPs
    at ``efficiency`` of the card's dense FP16 TFLOPS. None when the card has no TFLOPS figure."""
    tokens, n = _check_context(prompt_tokens, "prompt_tokens"), _check_gpus(n_gpus)
    efficiency, split = _check_efficiency(efficiency), _check_split(split)
    if not gpu.fp16_tflops:
        return None
    spec = complete_spec(model)
    attention = 2.0 * spec.layers * spec.attention_heads * spec.head_dim * tokens * tokens  # type: ignore[operator]
    flops = 2.0 * spec.active_b * 1e9 * tokens + attention
    return flops / (gpu.fp16_tflops * 1e12 * efficiency * (n if split == "tensor" else 1))


# ---------------------------------------------------------------------------
# Fit


@dataclass(frozen=True)
class FitResult:
    """One model x quant x GPU(s) x context estimate. Sizes in GB (1e9 bytes).

    ``max_context``: the longest context that fits (multiple of 256, capped at the model's
    trained maximum when known), None below 256 tokens. ``gpus_needed``: the fewest cards
    (<= 8) that hold the REQUESTED context, when the given number does not.
    """

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
    quant_name: str = ""
    gpu_name: str = ""
    kv_dtype: str = "fp16"
    gb_read_per_token: float = 0.0
    prefill_seconds_full_context: float | None = None
    estimated_fields: tuple[str, ...] = ()
    warnings: list[str] = field(default_factory=list)

    @property
    def runs(self) -> bool:
        return self.verdict in ("fits", "fits_reduced_context")


def _classify(total: float, available: float, raw_max: int, need: float, usable_one: float, overhead_one: float,
              n: int) -> tuple[int, int | None]:
    """(verdict code, gpus needed) - shared by fit() and fit_matrix()."""
    if total <= available:
        return 0, None
    more = _gpus_needed(need, usable_one, overhead_one, n)
    if raw_max >= MIN_USEFUL_CONTEXT:
        return 1, more
    return (2, more) if more is not None else (3, None)


def _report_context(raw_max: int, cap: int | None) -> int | None:
    if raw_max < CONTEXT_STEP:
        return None
    return min(raw_max, cap) if cap else raw_max


def fit(model: ModelSpec, quant: QuantSpec, gpu: GpuSpec, context: int, n_gpus: int = 1, kv_dtype: str = "fp16",
        file_size_bytes: int | None = None, *, efficiency: float = EFFICIENCY, flash_attention: bool = True,
        split: str = "layer", explain: bool = True) -> FitResult:
    """Does ``model`` at ``quant`` and ``context`` tokens run on ``n_gpus`` x ``gpu``, and how fast?

    Verdicts: "fits"; "fits_reduced_context" (``max_context`` is the longest that fits, >= 512);
    "needs_more_gpus" (``gpus_needed`` = fewest cards <= 8 for the requested context);
    "does_not_fit" (not even on 8 cards).

    ``explain=False`` leaves ``assumptions`` empty: a caller that tries every GPU and shows the
    sentences for one of them skips writing a hundred it would throw away.
    """
    context, n = _check_context(context), _check_gpus(n_gpus)
    efficiency, split = _check_efficiency(efficiency), _check_split(split)
    element = kv_element_bytes(kv_dtype)
    measured = _check_file_size(file_size_bytes)
    spec = complete_spec(model)
    weights = measured if measured is not None else _weights(spec.total_params_b, quant.bits_per_weight)
    per_token = 2 * spec.layers * spec.kv_heads * spec.head_dim * element  # type: ignore[operator]
    kv = per_token * context
    overhead_one = overhead_bytes(spec, context, flash_attention=flash_attention)
    overhead = overhead_one * n
    total = weights + kv + overhead
    usable_one = gpu.memory_gb * GB * usable_share(gpu)
    available = usable_one * n
    if flash_attention:
        raw_max = _max_context(available - weights - overhead_bytes() * n, per_token)
    else:
        raw_max = largest_context_that_fits(spec, quant, gpu, n, kv_dtype, file_size_bytes, flash_attention=False)
    code, more = _classify(total, available, raw_max, weights + kv, usable_one, overhead_one, n)
    speed = decode_tokens_per_s(spec, quant, gpu, context, n, efficiency, kv_dtype=kv_dtype, split=split,
                                file_size_bytes=file_size_bytes)
    prefill = prefill_seconds(spec, gpu, 1000, n, split=split)
    prefill_full = prefill_seconds(spec, gpu, context, n, split=split)
    warnings = list(spec.notes)
    if spec.max_context and context > spec.max_context:
        warnings.append(f"The requested {context:,} tokens exceed the model's trained context of "
                        f"{spec.max_context:,}; quality beyond it is not guaranteed.")
    assumptions = _assumptions(spec, quant, gpu, n, context, kv_dtype, element, per_token, weights, kv, overhead_one,
                               available, speed, measured is not None, flash_attention, split, prefill) \
        if explain else []
    return FitResult(
        verdict=VERDICTS[code], context=context, n_gpus=n, weights_gb=weights / GB, kv_gb=kv / GB,
        overhead_gb=overhead / GB, total_gb=total / GB, available_gb=available / GB,
        max_context=_report_context(raw_max, spec.max_context), gpus_needed=more,
        tokens_per_s_bound=speed.bound_tokens_per_s, tokens_per_s=speed.tokens_per_s,
        prefill_seconds_per_1k=prefill, quality_retention=quant.quality_retention, assumptions=assumptions,
        quant_name=quant.name, gpu_name=gpu.name, kv_dtype=kv_dtype, gb_read_per_token=speed.gb_read_per_token,
        prefill_seconds_full_context=prefill_full, estimated_fields=spec.estimated_fields, warnings=warnings,
    )


def _assumptions(spec: ModelSpec, quant: QuantSpec, gpu: GpuSpec, n: int, context: int, kv_dtype: str,
                 element: float, per_token: float, weights: float, kv: float, overhead_one: float, available: float,
                 speed: DecodeSpeed, measured: bool, flash: bool, split: str, prefill: float | None) -> list[str]:
    """The human sentences shown next to the numbers."""
    out = []
    if measured:
        out.append(f"Weights: the measured file size, {weights / GB:.2f} GB.")
    else:
        out.append(f"Weights: {spec.total_params_b:g}B parameters x {quant.bits_per_weight:g} bits per weight "
                   f"({quant.name}) / 8 = {weights / GB:.2f} GB.")
    if spec.is_moe:
        out.append(f"Mixture of experts: all {spec.total_params_b:g}B parameters stay in memory; only "
                   f"{spec.active_b:g}B are read per generated token.")
    out.append(f"KV cache in {kv_dtype} ({element * 8:g} bits per value): 2 x {spec.layers} layers x {spec.kv_heads} "
               f"KV heads x {spec.head_dim} head dim = {per_token / 1024:,.0f} KiB per token, {kv / GB:.2f} GB at "
               f"{context:,} tokens.")
    memory_fields = [f.replace("_", " ") for f in spec.estimated_fields if f in KV_FIELDS]
    other_fields = [f.replace("_", " ") for f in spec.estimated_fields if f not in KV_FIELDS]
    if memory_fields:
        out.append("ESTIMATED from the parameter count (the model does not state them): " + ", ".join(memory_fields)
                   + " - a typical shape for its size, so the KV-cache figure is approximate.")
    if other_fields:
        out.append("Estimated from the parameter count, used only for the prompt-processing time: "
                   + ", ".join(other_fields) + ".")
    if flash:
        out.append(f"Runtime overhead: {OVERHEAD_BASE_GB:g} GB per card (driver context and compute buffers, "
                   f"flash attention on).")
    else:
        out.append(f"Runtime overhead: {OVERHEAD_BASE_GB:g} GB per card plus the attention-score buffer without "
                   f"flash attention, {overhead_one / GB:.2f} GB per card in all.")
    if gpu.memory_kind == "unified":
        out.append(f"Unified memory: about {UNIFIED_SHARE:.0%} of {gpu.memory_gb:g} GB is usable by the GPU "
                   f"(macOS default limit), {gpu.memory_gb * UNIFIED_SHARE:g} GB.")
    else:
        out.append(f"Memory: {gpu.memory_gb:g} GB per card counted as {gpu.memory_gb:g} x 10^9 bytes "
                   f"(the ~7% GiB difference is left as headroom).")
    if n > 1:
        out.append(f"{n} cards, {available / GB:g} GB in all: weights and cache split evenly across them, "
                   f"each card with its own overhead.")
        if split == "layer":
            out.append("Layer split (llama.cpp default): cards work in turn, so one stream is no faster than on one "
                       "card.")
        else:
            out.append("Tensor parallel: bandwidths add up; interconnect costs are not counted.")
    bandwidth = gpu.bandwidth_gbs * (n if split == "tensor" else 1)
    out.append(f"Speed: at most {bandwidth:,g} GB/s / {speed.gb_read_per_token:.2f} GB read per token (active "
               f"weights + KV cache at {context:,} tokens) = {speed.bound_tokens_per_s:,.0f} tokens/s; estimate "
               f"{speed.efficiency:.0%} of that = {speed.tokens_per_s:,.0f} tokens/s (batch 1, typical of "
               f"llama.cpp / ExLlamaV2).")
    if prefill is None:
        out.append("Prompt processing: not estimated (no FP16 throughput figure for this GPU).")
    else:
        out.append(f"Prompt processing: 2 FLOPs per active parameter per token plus attention, at "
                   f"{PREFILL_EFFICIENCY:.0%} of {gpu.fp16_tflops:g} dense FP16 TFLOPS: {prefill:.2f} s per 1,000 "
                   f"tokens.")
    out.append(f"Quality: {quant.name} keeps about {quant.quality_retention:.0%} of full-precision quality "
               f"(approximate).")
    return out


def best_quant_for(gpu: GpuSpec, model: ModelSpec, context: int, min_tokens_per_s: float | None = None,
                   quants: Sequence[QuantSpec] | None = None, n_gpus: int = 1, kv_dtype: str = "fp16",
                   ) -> tuple[QuantSpec, FitResult] | None:
    """The highest-quality format that fits at the full ``context`` and meets the speed floor.

    Ties in quality go to the smaller format (faster, same quality). ``quants`` defaults to the
    eight standard formats of ``hardware/data/quant_formats.json``. None when nothing qualifies.
    """
    if quants is None:
        from hardware.fit.reference import standard_quant_specs  # lazy: reference reads files

        quants = standard_quant_specs()
    floor = _number(min_tokens_per_s) if min_tokens_per_s is not None else None
    if min_tokens_per_s is not None and (floor is None or floor < 0):
        raise FitInputError("min_tokens_per_s", "min_tokens_per_s must be a non-negative number.")
    best: tuple[QuantSpec, FitResult] | None = None
    for quant in quants:
        result = fit(model, quant, gpu, context, n_gpus, kv_dtype)
        if result.verdict != "fits" or (floor is not None and result.tokens_per_s < floor):
            continue
        if best is None or (quant.quality_retention, -quant.bits_per_weight) > (
                best[0].quality_retention, -best[0].bits_per_weight):
            best = (quant, result)
    return best


# ---------------------------------------------------------------------------
# Bulk paths


@dataclass(frozen=True, slots=True)
class Requirement:
    """GPU-independent needs of one model x quant x context on one card (what the database stores)."""

    quant_index: int
    context: int
    weights_gb: float
    kv_gb: float
    overhead_gb: float
    total_gb: float
    gb_read_per_token: float
    estimated: bool


def requirements(model: ModelSpec, quants: Sequence[QuantSpec], contexts: Sequence[int]) -> list[Requirement]:
    """Memory needs and bytes read per token for each quant x context (fp16 KV, one card)."""
    checked = [_check_context(c) for c in contexts]
    spec = complete_spec(model)
    per_token = 2 * spec.layers * spec.kv_heads * spec.head_dim * KV_BYTES["fp16"]  # type: ignore[operator]
    overhead = overhead_bytes()
    out = []
    for index, quant in enumerate(quants):
        weights = _weights(spec.total_params_b, quant.bits_per_weight)
        read = _weights(spec.active_b, quant.bits_per_weight)
        for context in checked:
            kv = per_token * context
            out.append(Requirement(index, context, weights / GB, kv / GB, overhead / GB,
                                   (weights + kv + overhead) / GB, (read + kv) / GB, spec.kv_estimated))
    return out


MATRIX_FIELDS = ("model_index", "quant_index", "gpu_index", "context", "verdict_code", "total_gb", "max_context",
                 "gpus_needed", "tokens_per_s_bound", "tokens_per_s")


def iter_fit_matrix(models: Sequence[ModelSpec], quants: Sequence[QuantSpec], gpus: Sequence[GpuSpec],
                    contexts: Sequence[int], *, n_gpus: int = 1, kv_dtype: str = "fp16",
                    efficiency: float = EFFICIENCY) -> Iterator[list[tuple]]:
    """``fit_matrix`` one model at a time (a list of rows per model), for streaming inserts."""
    n = _check_gpus(n_gpus)
    efficiency = _check_efficiency(efficiency)
    element = kv_element_bytes(kv_dtype)
    checked = [_check_context(c) for c in contexts]
    # Per GPU: bytes usable on one card, on n cards, bandwidth (layer split: one card's).
    cards = [(index, g.memory_gb * GB * usable_share(g), g.memory_gb * GB * usable_share(g) * n,
              g.bandwidth_gbs * GB) for index, g in enumerate(gpus)]
    overhead_one = overhead_bytes()
    overhead = overhead_one * n
    quant_bits = [(index, q.bits_per_weight) for index, q in enumerate(quants)]
    for mi, model in enumerate(models):
        spec = complete_spec(model)
        per_token = 2 * spec.layers * spec.kv_heads * spec.head_dim * element  # type: ignore[operator]
        cap = spec.max_context
        rows: list[tuple] = []
        append = rows.append
        for qi, bits in quant_bits:
            weights = _weights(spec.total_params_b, bits)
            read_weights = _weights(spec.active_b, bits)
            for context in checked:
                kv = per_token * context
                need = weights + kv
                total = weights + kv + overhead
                total_gb = total / GB
                read = read_weights + kv
                for gi, usable_one, available, bandwidth in cards:
                    # Inlined _max_context (same expression, so the same bits as fit()).
                    free = available - weights - overhead
                    raw_max = int(free / per_token) // CONTEXT_STEP * CONTEXT_STEP if free > 0 else 0
                    if total <= available:
                        code, more = 0, None
                    else:
                        code, more = _classify(total, available, raw_max, need, usable_one, overhead_one, n)
                    bound = bandwidth / read
                    append((mi, qi, gi, context, code, total_gb,
                            (min(raw_max, cap) if cap else raw_max) if raw_max >= CONTEXT_STEP else None,
                            more, bound, bound * efficiency))
        yield rows


def fit_matrix(models: Sequence[ModelSpec], quants: Sequence[QuantSpec], gpus: Sequence[GpuSpec],
               contexts: Sequence[int], *, n_gpus: int = 1, kv_dtype: str = "fp16",
               efficiency: float = EFFICIENCY) -> list[tuple]:
    """Every model x quant x GPU x context at once, as flat tuples ready for a bulk insert.

    Row layout (``MATRIX_FIELDS``): model index, quant index, gpu index, context, verdict code
    (index into ``VERDICTS``), total GB, max context, GPUs needed, tokens/s bound, tokens/s
    estimate - the same numbers ``fit()`` gives (flash attention, layer split). Architecture is
    completed once per model and weights once per quant; the inner loop is plain arithmetic.
    """
    out: list[tuple] = []
    for rows in iter_fit_matrix(models, quants, gpus, contexts, n_gpus=n_gpus, kv_dtype=kv_dtype,
                                efficiency=efficiency):
        out.extend(rows)
    return out
