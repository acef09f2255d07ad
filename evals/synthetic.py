"""A realistic synthetic catalog, generated as plain tuples (no Django) for COPY loading.

Shapes follow the real Hub: a few big families, many small orgs, heavy-tailed downloads,
fine-tune chains, merges of 2-3 parents with mergekit recipes, MoE models, quantized variants,
and benchmark runs for the Open LLM Leaderboard v1/v2 and the Nous suite (with subtasks).
Deterministic for a given seed so benchmark figures are comparable between runs.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

FAMILIES = [  # family, architecture, (sizes in B), layers by size, kv heads, head dim
    ("llama", "LlamaForCausalLM", (1.2, 3.2, 7.0, 8.0, 13.0, 34.0, 70.0)),
    ("mistral", "MistralForCausalLM", (7.2, 12.2, 22.0)),
    ("qwen2", "Qwen2ForCausalLM", (0.5, 1.5, 7.6, 14.8, 32.5, 72.7)),
    ("gemma", "Gemma2ForCausalLM", (2.6, 9.2, 27.2)),
    ("phi3", "Phi3ForCausalLM", (3.8, 14.0)),
    ("yi", "LlamaForCausalLM", (6.1, 34.4)),
]
MOE_SHAPES = [("mixtral", "MixtralForCausalLM", 46.7, 12.9, 8), ("mixtral", "MixtralForCausalLM", 24.2, 12.9, 4),
              ("mixtral", "MixtralForCausalLM", 140.6, 39.1, 8), ("qwen2_moe", "Qwen2MoeForCausalLM", 14.3, 2.7, 60)]
LICENSES = ["apache-2.0", "mit", "llama3", "llama2", "cc-by-nc-4.0", "other", "gemma", "cc-by-4.0", "openrail"]
MERGE_METHODS = ["slerp", "ties", "dare_ties", "linear", "task_arithmetic", "model_stock", "della"]
QUANTS = [("GGUF", "Q4_K_M", 4.85), ("GGUF", "Q5_K_M", 5.69), ("GGUF", "Q8_0", 8.5), ("GPTQ", "4bit-128g", 4.15),
          ("AWQ", "4bit", 4.15), ("EXL2", "6.0bpw", 6.0)]
WORDS = ["hermes", "orca", "dolphin", "nous", "zephyr", "neural", "open", "wizard", "storm", "samantha", "tulu",
         "sauerkraut", "saul", "bagel", "capybara", "airoboros", "platypus", "marcoro", "beagle", "daredevil"]

V1 = [("arc", "acc_norm", 25, 0.25), ("hellaswag", "acc_norm", 10, 0.25), ("mmlu", "acc", 5, 0.25),
      ("truthfulqa", "mc2", 0, 0.25), ("winogrande", "acc", 5, 0.5), ("gsm8k", "acc", 5, 0.0)]
V2 = [("ifeval", "inst_level_strict_acc", 0), ("bbh", "acc_norm", 3), ("math_lvl5", "exact_match", 4),
      ("gpqa", "acc_norm", 0), ("musr", "acc_norm", 0), ("mmlu_pro", "acc", 5)]
GPT4ALL = ["arc", "arc_easy", "boolq", "hellaswag", "openbookqa", "piqa", "winogrande"]
AGIEVAL = ["agieval_aqua_rat", "agieval_logiqa_en", "agieval_lsat_ar", "agieval_lsat_lr", "agieval_lsat_rc",
           "agieval_sat_en", "agieval_sat_en_without_passage", "agieval_sat_math"]
BIGBENCH = ["bigbench_causal_judgement", "bigbench_date_understanding", "bigbench_disambiguation_qa",
            "bigbench_geometric_shapes", "bigbench_logical_deduction_five_objects",
            "bigbench_logical_deduction_seven_objects", "bigbench_logical_deduction_three_objects",
            "bigbench_movie_recommendation", "bigbench_navigate", "bigbench_reasoning_about_colored_objects",
            "bigbench_ruin_names", "bigbench_salient_translation_error_detection", "bigbench_snarks",
            "bigbench_sports_understanding", "bigbench_temporal_sequences",
            "bigbench_tracking_shuffled_objects_five_objects", "bigbench_tracking_shuffled_objects_seven_objects",
            "bigbench_tracking_shuffled_objects_three_objects"]


@dataclass
class SyntheticCatalog:
    orgs: list[tuple] = field(default_factory=list)  # (id, slug, name)
    models: list[tuple] = field(default_factory=list)
    edges: list[tuple] = field(default_factory=list)  # (child, parent, kind, params_json, confidence, evidence)
    recipes: list[tuple] = field(default_factory=list)
    variants: list[tuple] = field(default_factory=list)
    runs: list[tuple] = field(default_factory=list)  # (id, model, source, label, hint, self_reported, averages)
    results: list[tuple] = field(default_factory=list)  # (run, benchmark_key, raw_name, metric, shots, value, ...)


def _shape(size: float) -> tuple[int, int, int, int]:
    """Typical (layers, kv_heads, head_dim, hidden) for a dense decoder of ``size`` billions."""
    if size < 2:
        return 24, 4, 64, 2048
    if size < 5:
        return 28, 8, 128, 3072
    if size < 10:
        return 32, 8, 128, 4096
    if size < 20:
        return 40, 8, 128, 5120
    if size < 40:
        return 60, 8, 128, 7168
    return 80, 8, 128, 8192


def generate(n_models: int, *, seed: int = 7, first_model_id: int = 1, first_org_id: int = 1,
             first_run_id: int = 1, prefix: str = "synth") -> SyntheticCatalog:
    rng = random.Random(seed)
    cat = SyntheticCatalog()
    n_orgs = max(5, n_models // 50) if n_models > 0 else 0  # --models 0 --delete: just the delete
    for i in range(n_orgs):
        slug = f"{prefix}-{rng.choice(WORDS)}-{i}"
        cat.orgs.append((first_org_id + i, slug, slug.replace("-", " ").title()))
    quality: dict[int, float] = {}
    run_id = first_run_id
    start = date(2023, 3, 1)
    for i in range(n_models):
        model_id = first_model_id + i
        org_id, org_slug, _ = cat.orgs[min(int(rng.paretovariate(1.2)) - 1, n_orgs - 1) if rng.random() < 0.5
                                       else rng.randrange(n_orgs)]
        moe = rng.random() < 0.08
        if moe:
            family, arch, total, active, experts = rng.choice(MOE_SHAPES)
            layers, kv, hd, hidden = 32, 8, 128, 4096
        else:
            family, arch, sizes = rng.choice(FAMILIES)
            total = rng.choice(sizes)
            active, experts = total, None
            layers, kv, hd, hidden = _shape(total)
        name = f"{rng.choice(WORDS).title()}-{family}-{total:g}B-v{rng.randint(1, 9)}-{i}"
        repo_id = f"{org_slug}/{name}"
        released = start + timedelta(days=rng.randrange(900))
        downloads = int(rng.lognormvariate(6, 2.5))
        license_ = rng.choice(LICENSES)
        context = rng.choice([4096, 8192, 32768, 131072])
        tags = [family, "text-generation"] + (["moe"] if moe else [])
        # Model quality: size helps, with noise; children inherit and drift from parents.
        base_quality = 35 + 9 * (min(total, 120) ** 0.35) + rng.gauss(0, 4)
        parents: list[int] = []
        roll = rng.random()
        if i > 20 and roll < 0.35:
            parents = [first_model_id + rng.randrange(i)]
            kind = "finetune"
        elif i > 20 and roll < 0.47:
            parents = rng.sample(range(first_model_id, model_id), k=min(i, rng.choice([2, 2, 3])))
            kind = "merge"
        else:
            kind = ""
        if parents:
            parent_quality = [quality.get(p, base_quality) for p in parents]
            base_quality = max(parent_quality) + rng.gauss(0.3 if kind == "merge" else 0.8, 1.5)
            for p in parents:
                params = {"weight": round(rng.uniform(0.3, 1.0), 2), "density": round(rng.uniform(0.3, 0.7), 2)} \
                    if kind == "merge" else {}
                cat.edges.append((model_id, p, kind, json.dumps(params), 1.0, "synthetic"))
            if kind == "merge":
                method = rng.choice(MERGE_METHODS)
                config = {"merge_method": method, "base_model": f"model-{parents[0]}",
                          "models": [{"model": f"model-{p}"} for p in parents], "dtype": "bfloat16"}
                cat.recipes.append((model_id, 0, "mergekit", method, parents[0], "bfloat16",
                                    json.dumps(config), json.dumps(config)))
        quality[model_id] = base_quality
        cat.models.append((model_id, repo_id, name, org_id, family, arch, moe, experts, 2 if moe else None,
                           float(total), float(active), layers, kv, hd, hidden, context, license_, released,
                           "chatml", tags, downloads, f"A {family} model with {total:g}B parameters."))
        if rng.random() < 0.3:
            for fmt, level, bpw in rng.sample(QUANTS, k=rng.randint(1, 3)):
                cat.variants.append((model_id, fmt, level, bpw, int(total * 1e9 * bpw / 8),
                                     f"{org_slug}/{name}-{fmt}", org_slug))
        q = quality[model_id]
        if rng.random() < 0.65:
            values = [max(0.0, min(99.0, q + rng.gauss(0, 6) + off)) for off in (5, 20, 0, -5, 15, -10)]
            avg = sum(values) / len(values)
            cat.runs.append((run_id, model_id, "front_matter", "Open LLM Leaderboard", "open_llm_v1", False,
                             json.dumps({"": round(avg, 2)})))
            for (key, metric, shots, _b), value in zip(V1, values):
                cat.results.append((run_id, key, key, metric, shots, round(value, 2), round(value, 2), 100.0, False))
            run_id += 1
        if rng.random() < 0.5:
            values = [max(0.0, min(95.0, (q - 30) * f + rng.gauss(0, 4))) for f in (1.8, 0.9, 0.4, 0.3, 0.4, 0.9)]
            cat.runs.append((run_id, model_id, "front_matter", "Open LLM Leaderboard v2", "open_llm_v2", False,
                             json.dumps({"": round(sum(values) / 6, 2)})))
            for (key, metric, shots), value in zip(V2, values):
                cat.results.append((run_id, key, key, metric, shots, round(value, 2), round(value, 2), 100.0, True))
            run_id += 1
        if rng.random() < 0.3:
            cat.runs.append((run_id, model_id, "card_table", "Nous suite", "nous", True, json.dumps({})))
            for key in GPT4ALL:
                for metric in ("acc", "acc_norm"):
                    v = max(0.0, min(99.0, q + 10 + rng.gauss(0, 8)))
                    cat.results.append((run_id, key, key, metric, 0, round(v, 2), round(v / 100, 4), 1.0, False))
            for key in AGIEVAL:
                for metric in ("acc", "acc_norm"):
                    v = max(0.0, min(99.0, q - 20 + rng.gauss(0, 8)))
                    cat.results.append((run_id, key, key, metric, 0, round(v, 2), round(v / 100, 4), 1.0, False))
            for key in BIGBENCH:
                v = max(0.0, min(99.0, q - 15 + rng.gauss(0, 10)))
                cat.results.append((run_id, key, key, "multiple_choice_grade", 0, round(v, 2), round(v / 100, 4),
                                    1.0, False))
            v = max(0.0, min(99.0, q - 5 + rng.gauss(0, 5)))
            cat.results.append((run_id, "truthfulqa", "truthfulqa", "mc2", 0, round(v, 2), round(v / 100, 4), 1.0,
                                False))
            run_id += 1
    return cat
