"""Generate realistic model cards (pure, deterministic per index) for load tests and benchmarks."""

from __future__ import annotations

import random

_BASES = ["mistralai/Mistral-7B-v0.1", "meta-llama/Meta-Llama-3-8B", "Qwen/Qwen2-7B", "mistralai/Mixtral-8x7B-v0.1",
          "01-ai/Yi-34B", "google/gemma-7b"]
_TASKS = [
    ("AI2 Reasoning Challenge (25-Shot)", "ai2_arc", "ARC-Challenge", 25, "acc_norm"),
    ("HellaSwag (10-Shot)", "hellaswag", None, 10, "acc_norm"),
    ("MMLU (5-Shot)", "cais/mmlu", "all", 5, "acc"),
    ("TruthfulQA (0-shot)", "truthful_qa", "multiple_choice", 0, "mc2"),
    ("Winogrande (5-shot)", "winogrande", "winogrande_xl", 5, "acc"),
    ("GSM8k (5-shot)", "gsm8k", "main", 5, "acc"),
]


def generated_card(index: int, *, salt: str = "", org: str = "bench-org") -> str:
    """A model card in the Hub's usual shape: front matter with model-index, prose, a merge config
    for one card in three, and the leaderboard summary table repeating the front-matter values."""
    rng = random.Random(f"{index}:{salt}")
    name = f"Model-{index}-{rng.randrange(10**6)}"
    repo = f"{org}/{name}"
    base = rng.choice(_BASES)
    values = [round(rng.uniform(40, 88), 2) for _ in _TASKS]
    results = []
    for (title, dtype, config, shots, metric), value in zip(_TASKS, values):
        config_line = f"      config: {config}\n" if config else ""
        results.append(
            "  - task:\n      type: text-generation\n      name: Text Generation\n"
            f"    dataset:\n      name: {title}\n      type: {dtype}\n{config_line}"
            f"      args:\n        num_few_shot: {shots}\n"
            f"    metrics:\n    - type: {metric}\n      value: {value}\n"
            "    source:\n      url: https://huggingface.co/spaces/HuggingFaceH4/open_llm_leaderboard"
            f"?query={repo}\n      name: Open LLM Leaderboard\n"
        )
    merged = index % 3 == 0
    other = rng.choice([b for b in _BASES if b != base])
    recipe = (
        "\n## Merge config\n```yaml\nmodels:\n"
        f"  - model: {base}\n    parameters:\n      density: 0.5\n      weight: 0.6\n"
        f"  - model: {other}\n    parameters:\n      density: 0.5\n      weight: 0.4\n"
        f"merge_method: ties\nbase_model: {base}\nparameters:\n  normalize: true\ndtype: bfloat16\n```\n"
        if merged else ""
    )
    table = "\n".join(f"|{title}|{value}|" for (title, *_), value in zip(_TASKS, values))
    average = round(sum(values) / len(values), 2)
    return (
        f"---\nlicense: apache-2.0\ntags:\n- {'merge' if merged else 'finetune'}\nbase_model: {base}\n"
        f"model-index:\n- name: {name}\n  results:\n{''.join(results)}---\n\n# {name}\n\n"
        f"A {'merge' if merged else 'fine-tune'} of [{base}](https://huggingface.co/{base}) built for testing.\n"
        f"{recipe}\n# [Open LLM Leaderboard Evaluation Results]"
        "(https://huggingface.co/spaces/HuggingFaceH4/open_llm_leaderboard)\n\n"
        f"|Metric|Value|\n|---|---:|\n|Avg.|{average}|\n{table}\n"
    )
