"""Time the full fit matrix on synthetic inputs (pure): ``python -m hardware.fit.bench``."""

from __future__ import annotations

import random
import time

from hardware.fit.formulas import GpuSpec, ModelSpec, QuantSpec, fit_matrix

CONTEXTS = [4096, 8192, 32768]


def time_matrix(n_models: int = 1000, n_gpus: int = 50, n_quants: int = 8, seed: int = 3) -> dict[str, float]:
    rng = random.Random(seed)
    models = []
    for _ in range(n_models):
        total = rng.choice([1.5, 3.8, 7.2, 8.0, 13.0, 34.0, 46.7, 70.0, 141.0])
        models.append(ModelSpec(total_params_b=total, active_params_b=total / 3.6 if total in (46.7, 141.0) else None,
                                is_moe=total in (46.7, 141.0), layers=rng.choice([None, 32, 40, 80]),
                                kv_heads=8, head_dim=128))
    gpus = [GpuSpec(f"gpu{i}", rng.choice([8, 12, 16, 24, 32, 48, 80, 192]), rng.uniform(200, 5000),
                    memory_kind=rng.choice(["dedicated", "unified"])) for i in range(n_gpus)]
    quants = [QuantSpec(f"q{i}", bpw) for i, bpw in enumerate([3.91, 4.85, 5.69, 6.56, 8.5, 4.15, 4.0, 16.0][:n_quants])]
    started = time.perf_counter()
    cells = fit_matrix(models, quants, gpus, CONTEXTS)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "cells": float(len(cells))}


def main() -> None:
    figures = time_matrix()
    print(f"fit matrix 1,000 models x 50 GPUs x 8 quants x {len(CONTEXTS)} contexts: {figures['cells']:,.0f} cells in "
          f"{figures['seconds']:.2f}s ({figures['cells'] / figures['seconds']:,.0f} cells/s)")


if __name__ == "__main__":
    main()
