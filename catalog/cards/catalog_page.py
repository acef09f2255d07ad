"""Scraped catalog pages (a model's page on a "can I run it" site, copied as text).

Shape: ``Org/Category``, the model name, a header of value/label pairs (46.7B / Parameters
(13B active), Architecture / MoE ...), the model card prose with benchmark tables, a
quantization/VRAM block, a benchmark list and the GPUs the page says run the model.
"""

from __future__ import annotations

import re
from datetime import date

from catalog.cards import prose
from catalog.cards.benchmarks import resolve_benchmark
from catalog.cards.facts import EvalRunFact, GpuMention, LineageFact, ModelFacts, ParsedDocument, QuantTableRow, ResultFact
from catalog.cards.tables import DEFAULT_METRIC, V2_KEYS, extract_table_runs

_QUANT_LEVEL = r"(IQ\d_[A-Z]{1,3}|Q[2-8]_K_[SML]|Q[2-8]_K|Q[4-8]_[01]|FP32|FP16|BF16|FP8)"
_QUANT_ROW = re.compile(_QUANT_LEVEL + r"\s*(\d+(?:\.\d+)?)\s*bpw\s*\n\s*(\d+(?:\.\d+)?)\s*GB\s*\n[^\n]*\n\s*(\d+(?:\.\d+)?)\s*%")
_BENCH_LINE = re.compile(r"^(.*?[A-Za-z)])\s*(\d+(?:\.\d+)?)$")
_GPU_SPEC = re.compile(r"^(\d+(?:\.\d+)?)\s*GB\s+VRAM\s*•\s*(\d+(?:\.\d+)?)\s*GB/s$")
_PRICE = re.compile(r"^\$\s?([\d,]+(?:\.\d+)?)$")
_COUNT = re.compile(r"^(\d+(?:\.\d+)?)\s*([KMB])?$", re.IGNORECASE)
_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*B$")
_ACTIVE = re.compile(r"\((\d+(?:\.\d+)?)\s*B\s+active\)", re.IGNORECASE)
VENDORS = {"NVIDIA": "nvidia", "AMD": "amd", "APPLE": "apple", "INTEL": "intel"}
KNOWN_BASES = {
    "mixtral 8x7b": "mistralai/Mixtral-8x7B-v0.1", "mixtral 8x22b": "mistralai/Mixtral-8x22B-v0.1",
    "mistral 7b": "mistralai/Mistral-7B-v0.1", "llama 3 8b": "meta-llama/Meta-Llama-3-8B",
    "llama 3 70b": "meta-llama/Meta-Llama-3-70B", "llama 2 70b": "meta-llama/Llama-2-70b-hf",
    "llama 2 13b": "meta-llama/Llama-2-13b-hf", "llama 2 7b": "meta-llama/Llama-2-7b-hf", "yi 34b": "01-ai/Yi-34B",
    "solar 10.7b": "upstage/SOLAR-10.7B-v1.0",
}
_TRAINED_OVER = re.compile(r"(?:trained|fine-?tuned|built)\s+(?:over|on top of|from)\s+(?:the\s+)?([A-Za-z][\w .-]{2,40}?)"
                           r"(?:\s+(?:MoE|model|base|LLM)\b|[.,])", re.IGNORECASE)


def looks_like_catalog_page(text: str) -> bool:
    head = text[:4000]
    return ("Context length" in head and re.search(r"^Parameters", head, re.MULTILINE) is not None) or \
        ("VRAM required" in text and "GPUs that can run" in text)


def _count(value: str) -> int | None:
    match = _COUNT.match(value.strip())
    if not match:
        return None
    factor = {"k": 1_000, "m": 1_000_000, "b": 1_000_000_000}.get((match.group(2) or "").lower(), 1)
    return int(float(match.group(1)) * factor)


def _context(value: str) -> int | None:
    match = re.match(r"^(\d+(?:\.\d+)?)\s*([KM])?$", value.strip(), re.IGNORECASE)
    if not match:
        return None
    factor = {"k": 1024, "m": 1024 * 1024}.get((match.group(2) or "").lower(), 1)
    return int(float(match.group(1)) * factor)


def parse_catalog_page(text: str) -> ParsedDocument:
    lines = [l.rstrip() for l in text.split("\n")]
    nonblank = [(i, l.strip()) for i, l in enumerate(lines) if l.strip()]
    doc = ParsedDocument(kind="catalog_page", model=ModelFacts())
    model = doc.model
    if len(nonblank) >= 2:
        org = nonblank[0][1].split("/")[0].strip()
        name = nonblank[1][1]
        if re.fullmatch(r"[\w.-]+", org) and re.fullmatch(r"[\w.-]+", name):
            model.repo_id, model.name, model.organization = f"{org}/{name}", name, org
    if not model.repo_id:
        doc.warnings.append("The page does not start with 'Org/Category' and a model name; no repo id found.")
    _header(nonblank[:80], model, doc.warnings)
    body_start = next((i for i, l in nonblank if l == "Family"), nonblank[min(20, len(nonblank) - 1)][0]) + 2
    # "Quantizations" is also a header label; the VRAM block is the one after the prose.
    quant_at = next((i for i in range(body_start, len(lines)) if lines[i].strip().startswith("Quantizations")),
                    len(lines))
    body = "\n".join(lines[body_start:quant_at])
    doc.body_markdown = body
    runs, warnings = extract_table_runs(body, model_name=model.name, repo_id=model.repo_id)
    for run in runs:
        run.source = "catalog_page"
    doc.runs.extend(runs)
    doc.warnings.extend(warnings)
    tail = "\n".join(lines[quant_at:])
    doc.quant_table = [QuantTableRow(level=m.group(1), bits_per_weight=float(m.group(2)), vram_gb=float(m.group(3)),
                                     quality_pct=float(m.group(4))) for m in _QUANT_ROW.finditer(tail)]
    doc.runs.extend(_benchmark_block(lines))
    doc.gpus = _gpus(lines)
    prose.apply_prose(model, body)
    if model.is_moe is False and "mixture of experts" in text[:300].lower():
        model.is_moe = True
    model.siblings = prose.siblings(body, model.repo_id)
    if (m := _TRAINED_OVER.search(body)):
        base = KNOWN_BASES.get(re.sub(r"\s+", " ", m.group(1).strip().lower()))
        if base:
            doc.lineage.append(LineageFact(parent=base, kind="finetune", confidence=0.7,
                                           evidence=f"prose: '{m.group(0).strip()}'"))
    model.family = model.family or prose.family_of(model.name)
    return doc


def _header(items: list[tuple[int, str]], model: ModelFacts, warnings: list[str]) -> None:
    texts = [t for _, t in items]
    for index, label in enumerate(texts):
        prev = texts[index - 1] if index else ""
        nxt = texts[index + 1] if index + 1 < len(texts) else ""
        if label.startswith("Parameters") and _SIZE.match(prev):
            model.total_params_b = float(_SIZE.match(prev).group(1))
            if (m := _ACTIVE.search(label)):
                model.active_params_b = float(m.group(1))
        elif label == "Context length":
            model.context_length = _context(prev)
        elif label == "HF downloads":
            model.downloads = _count(prev)
        elif label == "Architecture":
            model.architecture = nxt
            model.is_moe = model.is_moe or nxt.lower() in {"moe", "mixture of experts"}
        elif label == "Released":
            try:
                model.release_date = date.fromisoformat(nxt)
            except ValueError:
                warnings.append(f"Release date '{nxt}' is not a date.")
        elif label in ("Layers", "KV Heads", "Head Dim") and nxt.isdigit():
            setattr(model, {"Layers": "layers", "KV Heads": "kv_heads", "Head Dim": "head_dim"}[label], int(nxt))
        elif label == "Family":
            model.family = nxt.lower()
            break
    if model.is_moe and model.active_params_b and model.total_params_b:
        model.experts_per_token = model.experts_per_token or 2


def _benchmark_block(lines: list[str]) -> list[EvalRunFact]:
    start = next((i for i, l in enumerate(lines) if re.match(r"^Benchmarks\s*\(\d+\)", l.strip())), None)
    if start is None:
        return []
    v2 = EvalRunFact(source="catalog_page", label="Catalog page benchmarks", leaderboard="open_llm_v2",
                     self_reported=False, sources=["benchmark list"])
    arena = EvalRunFact(source="catalog_page", label="Catalog page Arena Elo", leaderboard="arena_elo",
                        self_reported=False, sources=["benchmark list"])
    others = EvalRunFact(source="catalog_page", label="Catalog page benchmarks", self_reported=False)
    for line in lines[start + 1:start + 40]:
        text = line.strip()
        if not text:
            continue
        match = _BENCH_LINE.match(text)
        if not match:
            break
        name, value = match.group(1).strip(), float(match.group(2))
        key = resolve_benchmark(name)
        if key == "arena_elo":
            arena.results.append(ResultFact("arena_elo", name, "elo", value, value, None))
        elif key in V2_KEYS:
            shots = {"ifeval": 0, "bbh": 3, "math_lvl5": 4, "gpqa": 0, "musr": 0, "mmlu_pro": 5}[key]
            v2.results.append(ResultFact(key, name, DEFAULT_METRIC[key], value, value, 100.0, shots, normalized=True))
        else:
            others.results.append(ResultFact(key, name, DEFAULT_METRIC.get(key, "score"), value, value, 100.0))
    return [run for run in (arena, v2, others) if run.results]


def _gpus(lines: list[str]) -> list[GpuMention]:
    start = next((i for i, l in enumerate(lines) if l.strip().startswith("GPUs that can run")), None)
    if start is None:
        return []
    items = [l.strip() for l in lines[start + 1:] if l.strip()]
    gpus: list[GpuMention] = []
    for index, text in enumerate(items):
        spec = _GPU_SPEC.match(text)
        if not spec or index == 0:
            continue
        vendor = items[index + 1] if index + 1 < len(items) else ""
        price = _PRICE.match(items[index + 2]) if index + 2 < len(items) else None
        gpus.append(GpuMention(name=items[index - 1], vendor=VENDORS.get(vendor.upper(), vendor.lower()),
                               memory_gb=float(spec.group(1)), bandwidth_gbs=float(spec.group(2)),
                               price_usd=float(price.group(1).replace(",", "")) if price else None))
    return gpus
