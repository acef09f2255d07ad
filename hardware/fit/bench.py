"""Time the bulk fit matrix on synthetic models (pure): ``python -m hardware.fit.bench``.

1,000 synthetic models (dense and MoE, some with unknown architecture) x the first 50 shipped
GPUs x the 8 standard formats x 3 contexts = 1.2 million cells.
"""

from __future__ import annotations

import random
import time

from hardware.fit.formulas import GpuSpec, ModelSpec, QuantSpec, fit_matrix
from hardware.fit.reference import gpu_spec, load_gpus, standard_quant_specs

CONTEXTS = [4096, 8192, 32768]
# (total B, active B or None, layers, kv heads, head dim, max context): real shapes, some unknown.
_SHAPES = [
    (1.1, None, 22, 4, 64, 2048), (3.2, None, 28, 8, 128, 131072), (7.2, None, 32, 8, 128, 32768),
    (8.0, None, 32, 8, 128, 8192), (13.0, None, 40, 40, 128, 4096), (34.4, None, 60, 8, 128, 200000),
    (46.7, 12.9, 32, 8, 128, 32768), (70.6, None, 80, 8, 128, 131072), (141.0, 39.0, 56, 8, 128, 65536),
    (12.0, None, None, None, None, None), (24.2, 12.9, None, None, None, 8192),
]


def synthetic_models(n: int, seed: int = 3) -> list[ModelSpec]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        total, active, layers, kv, head, ctx = rng.choice(_SHAPES)
        scale = rng.uniform(0.9, 1.1)  # fine-tunes and merges of slightly different sizes
        out.append(ModelSpec(total_params_b=round(total * scale, 2),
                             active_params_b=round(active * scale, 2) if active else None,
                             layers=layers, kv_heads=kv, head_dim=head, max_context=ctx, is_moe=active is not None))
    return out


def _gpus(n: int, rng: random.Random) -> list[GpuSpec]:
    shipped = [gpu_spec(entry) for entry in load_gpus()]
    while len(shipped) < n:  # more than shipped: add synthetic cards
        shipped.append(GpuSpec(f"synthetic-{len(shipped)}", rng.choice([8, 16, 24, 48, 80]), rng.uniform(200, 4000)))
    return shipped[:n]


def _quants(n: int) -> list[QuantSpec]:
    quants = standard_quant_specs()
    while len(quants) < n:
        quants.append(QuantSpec(f"synthetic-{len(quants)}", 2.0 + len(quants) * 0.5))
    return quants[:n]


def time_matrix(n_models: int = 1000, n_gpus: int = 50, n_quants: int = 8, seed: int = 3) -> dict[str, float]:
    """Seconds for ``fit_matrix`` over the synthetic inputs, and the number of cells."""
    rng = random.Random(seed)
    models, gpus, quants = synthetic_models(n_models, seed), _gpus(n_gpus, rng), _quants(n_quants)
    started = time.perf_counter()
    cells = fit_matrix(models, quants, gpus, CONTEXTS)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "cells": float(len(cells))}


def main() -> None:
    figures = time_matrix()
    rate = figures["cells"] / figures["seconds"] if figures["seconds"] else float("inf")
    print(f"fit matrix, 1,000 models x 50 GPUs x 8 quants x {len(CONTEXTS)} contexts: {figures['cells']:,.0f} cells "
          f"in {figures['seconds']:.2f}s ({rate:,.0f} cells/s)")


if __name__ == "__main__":
    main()
