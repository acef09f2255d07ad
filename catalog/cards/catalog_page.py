"""Scraped catalog pages: a model's page on a "which GPU runs this model" site, copied as text.

The shape (seed 002; the site renders every model the same way):

1. a breadcrumb ``Org/Category`` and the model name -> the repo id ``Org/Name``;
2. badge words glued together (``chatDistilled``);
3. header statistics, value ABOVE label (``46.7B`` / ``Parameters (13B active)``, ``32K`` /
   ``Context length``, ``9K`` / ``HF downloads`` ...) then specs, label ABOVE value
   (``Architecture`` / ``MoE``, ``Released`` / ``2024-01-11``, ``Layers`` / ``32`` ...);
4. the model card's text (with its Markdown tables, which :mod:`catalog.cards.tables` reads);
5. ``Quantizations & VRAM``: per level ``Q4_K_M4.5 bpw`` / ``26.8 GB`` / ``VRAM required`` /
   ``94%`` / ``Quality``;
6. ``Benchmarks (N)``: name and value glued (``Arena Elo1099``, ``MMLU-PRO29.6``);
7. ``Run with Ollama``: ``$ollama run <tag>``;
8. ``GPUs that can run this model``: name / ``32 GB VRAM • 1792 GB/s`` / vendor / optional price.

Nothing here matches a particular model's strings; sections are found by their titles.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from catalog.cards import prose
from catalog.cards.benchmarks import (
    DEFAULT_METRIC,
    UNBOUNDED_KEYS,
    V1_KEYS,
    V1_SHOTS,
    V2_KEYS,
    V2_SHOTS,
    resolve_benchmark,
)
from catalog.cards.facts import (
    EvalRunFact,
    GpuMention,
    LineageFact,
    ModelFacts,
    ParsedDocument,
    QuantTableRow,
)
from catalog.cards.tables import extract_table_runs, make_result

MAX_TEXT = 2_000_000
MAX_LINE = 2_000
HEADER_LINES = 80  # non-blank lines that may belong to the header
MAX_GPUS = 500
MAX_QUANT_ROWS = 100
MAX_BENCHMARKS = 100

# Header labels whose value is on the line ABOVE them (statistics tiles) ...
STAT_LABELS = {"parameters": "params", "contextlength": "context", "context": "context",
               "hfdownloads": "downloads", "downloads": "downloads", "benchmarks": "", "quantizations": "",
               "likes": "", "hflikes": ""}
# ... and those whose value is on the line BELOW them (spec list).
SPEC_LABELS = {"architecture": "architecture", "released": "released", "releasedate": "released",
               "layers": "layers", "kvheads": "kv_heads", "attentionheads": "attention_heads",
               "heads": "attention_heads", "headdim": "head_dim", "headdimension": "head_dim",
               "hiddensize": "hidden_size", "hiddendim": "hidden_size",
               "family": "family", "license": "license", "experts": "experts", "activeexperts": "experts_per_token",
               "expertspertoken": "experts_per_token", "vocabsize": ""}
SECTION_TITLES = re.compile(r"^(?:Quantizations(?:\s*(?:&|and)\s*VRAM)?\s*$|Benchmarks\s*\(\d{1,3}\)|"
                            r"Run with [A-Za-z. ]{2,30}|GPUs that can run|Find the best GPU|Build Hardware)",
                            re.IGNORECASE)
VENDORS = {"nvidia": "nvidia", "amd": "amd", "apple": "apple", "intel": "intel"}
# HF architecture classes by family for the page's "MoE" / "Dense" word (config.json
# "architectures" of the reference checkpoints: Mixtral-8x7B-v0.1, Mistral-7B-v0.1,
# Meta-Llama-3-8B, Qwen2-7B, Qwen1.5-MoE-A2.7B, gemma-7b, gemma-2-9b, phi-2/Phi-3).
ARCHITECTURE_CLASSES = {
    ("mistral", False): "MistralForCausalLM", ("mistral", True): "MixtralForCausalLM",
    ("llama", False): "LlamaForCausalLM", ("qwen", False): "Qwen2ForCausalLM", ("qwen2", False): "Qwen2ForCausalLM",
    ("qwen", True): "Qwen2MoeForCausalLM", ("qwen2", True): "Qwen2MoeForCausalLM", ("gemma", False): "GemmaForCausalLM",
    ("gemma2", False): "Gemma2ForCausalLM", ("phi", False): "PhiForCausalLM", ("phi3", False): "Phi3ForCausalLM",
    ("yi", False): "LlamaForCausalLM", ("deepseek", True): "DeepseekV2ForCausalLM",
}
# Base checkpoints named in prose ("trained over the Mixtral 8x7B"), keyed by the normalised
# name. The pretrained (not instruct) checkpoint is meant unless the name says Instruct.
KNOWN_BASES = {
    "mixtral8x7b": "mistralai/Mixtral-8x7B-v0.1", "mixtral8x7binstruct": "mistralai/Mixtral-8x7B-Instruct-v0.1",
    "mixtral8x22b": "mistralai/Mixtral-8x22B-v0.1", "mixtral8x22binstruct": "mistralai/Mixtral-8x22B-Instruct-v0.1",
    "mistral7b": "mistralai/Mistral-7B-v0.1", "mistral7binstruct": "mistralai/Mistral-7B-Instruct-v0.2",
    "llama38b": "meta-llama/Meta-Llama-3-8B", "llama370b": "meta-llama/Meta-Llama-3-70B",
    "llama38binstruct": "meta-llama/Meta-Llama-3-8B-Instruct",
    "llama370binstruct": "meta-llama/Meta-Llama-3-70B-Instruct",
    "llama318b": "meta-llama/Llama-3.1-8B", "llama3170b": "meta-llama/Llama-3.1-70B",
    "llama318binstruct": "meta-llama/Llama-3.1-8B-Instruct", "llama3170binstruct": "meta-llama/Llama-3.1-70B-Instruct",
    "llama27b": "meta-llama/Llama-2-7b-hf", "llama213b": "meta-llama/Llama-2-13b-hf",
    "llama270b": "meta-llama/Llama-2-70b-hf", "yi34b": "01-ai/Yi-34B", "yi6b": "01-ai/Yi-6B",
    "solar107b": "upstage/SOLAR-10.7B-v1.0", "qwen27b": "Qwen/Qwen2-7B", "qwen2572b": "Qwen/Qwen2.5-72B",
    "qwen257b": "Qwen/Qwen2.5-7B", "gemma7b": "google/gemma-7b", "gemma29b": "google/gemma-2-9b",
    "gemma227b": "google/gemma-2-27b",
}

_REPO_PART = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}$")
_SIZE = re.compile(r"^~?(\d{1,4}(?:\.\d{1,3})?)\s*([MBT])$", re.IGNORECASE)
_ACTIVE = re.compile(r"\(\s*~?(\d{1,4}(?:\.\d{1,3})?)\s*([MB])\s+active\s*\)", re.IGNORECASE)
_COUNT = re.compile(r"^(\d{1,9}(?:[.,]\d{1,3})?)\s*([KMB])?\+?$", re.IGNORECASE)
_INT = re.compile(r"^\d{1,7}$")
_MOE_NAME = re.compile(r"(?<![\d.])(\d{1,2})\s?x\s?(\d{1,3}(?:\.\d{1,2})?)\s?B(?![a-z])", re.IGNORECASE)
_CAMEL = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_LEVEL_BPW = re.compile(r"^((?:I?Q\d(?:_[A-Z0-9]{1,4}){0,3})|FP32|FP16|FP8|F32|F16|BF16|INT8|INT4)\s*"
                        r"(\d{1,2}(?:\.\d{1,3})?)\s*(?:bpw|bits?)\b", re.IGNORECASE)
_GB = re.compile(r"^(\d{1,5}(?:\.\d{1,3})?)\s*GB$", re.IGNORECASE)
_PERCENT = re.compile(r"^(\d{1,3}(?:\.\d{1,2})?)\s*%$")
_GPU_SPEC = re.compile(r"^(\d{1,4}(?:\.\d{1,2})?)\s*GB(?:\s+(?:VRAM|memory|unified memory|RAM))?"
                       r"(?:\s*[•·|,]\s*(\d{1,5}(?:\.\d{1,2})?)\s*(GB/s|TB/s))?$", re.IGNORECASE)
_PRICE = re.compile(r"^(?:US)?\$\s?(\d{1,3}(?:,\d{3})+|\d{1,7})(?:\.(\d{2}))?$")
_OLLAMA = re.compile(r"^\$?\s*ollama\s+(?:run|pull)\s+([\w.:/-]{1,120})\s*$", re.IGNORECASE)
_BENCH_VALUE = re.compile(r"(\d{1,5}(?:\.\d{1,3})?)\s*%?$")
_HF_LINK = re.compile(r"https?://(?:www\.)?huggingface\.co/([A-Za-z0-9][\w.-]{0,95})/([A-Za-z0-9][\w.-]{0,95})")
_SIBLING_WORDS = re.compile(r"\b(?:version|variant|sibling|counterpart|also released|also available)\b",
                            re.IGNORECASE)
_BASED_ON = re.compile(r"\b(?:trained|fine-?tuned|built|based)\s+(?:over|on top of|from|on|upon)\s+(?:the\s+)?"
                       r"([A-Z][\w.]*(?:[ -][\w.]+){0,4})", re.IGNORECASE)
_BASE_TAIL = re.compile(r"(?:[ -](?:moe|llm|model|base|models|checkpoint|weights))+$", re.IGNORECASE)
_NON_ALNUM = re.compile(r"[^a-z0-9]")
_DATE_FORMATS = ("%Y-%m-%d", "%b %d, %Y", "%B %d, %Y", "%d %b %Y", "%d %B %Y", "%Y/%m/%d")


def _norm(text: str) -> str:
    return _NON_ALNUM.sub("", text.lower())


def looks_like_catalog_page(text: str) -> bool:
    """A scraped catalog page, not a model card: header tiles and the site's section titles."""
    if not isinstance(text, str):
        return False
    head = text[:6000]
    lines = {line.strip() for line in head.split("\n")[:200]}
    header_tiles = sum(1 for label in ("Context length", "HF downloads", "Architecture", "Released", "Layers",
                                       "KV Heads", "Head Dim", "Family") if label in lines)
    has_params = any(line.startswith("Parameters") for line in lines)
    sections = ("VRAM required" in text) + ("GPUs that can run" in text) + bool(
        re.search(r"^Benchmarks\s*\(\d{1,3}\)\s*$", text[:MAX_TEXT], re.MULTILINE))
    return (has_params and header_tiles >= 2) or sections >= 2


# --- header ----------------------------------------------------------------------------------


def _billions(number: str, unit: str) -> float:
    value = float(number)
    return {"m": value / 1000.0, "b": value, "t": value * 1000.0}[unit.lower()]


def _context(value: str) -> int | None:
    match = re.match(r"^(\d{1,7}(?:\.\d{1,2})?)\s*([KM])?$", value.strip(), re.IGNORECASE)
    if not match:
        return None
    # Context sizes are powers of two written with K = 1024 ("32K" = 32768 tokens).
    factor = {"k": 1024, "m": 1024 * 1024}.get((match.group(2) or "").lower(), 1)
    return int(float(match.group(1)) * factor)


def _count(value: str) -> int | None:
    match = _COUNT.match(value.strip())
    if not match:
        return None
    number = match.group(1)
    unit = (match.group(2) or "").lower()
    if "," in number and not unit:
        number = number.replace(",", "")  # "1,234" downloads
    else:
        number = number.replace(",", ".")
    # Download counts use decimal prefixes ("9K" = 9,000).
    return int(round(float(number) * {"k": 1_000, "m": 1_000_000, "b": 1_000_000_000}.get(unit, 1)))


def _date(value: str) -> date | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value.strip()[:40], fmt).date()
        except ValueError:
            continue
    return None


def _identity(items: list[tuple[int, str]], doc: ParsedDocument) -> int:
    """Repo id from the breadcrumb and name lines. Returns how many items they used."""
    model = doc.model
    if len(items) >= 2 and "/" in items[0][1]:
        org = items[0][1].split("/")[0].strip()
        name = items[1][1].strip()
        if _REPO_PART.match(org) and _REPO_PART.match(name):
            model.repo_id, model.name, model.organization = f"{org}/{name}", name, org
            return 2
        if _REPO_PART.match(org):
            model.name, model.organization = name[:200], org
            return 2
    doc.warnings.append("The page does not start with an 'Org/Category' breadcrumb and a model name; "
                        "no repo id found.")
    return 0


def _header(items: list[tuple[int, str]], model: ModelFacts, warnings: list[str]) -> int:
    """Read the tiles and specs; returns the line index after the last one used."""
    texts = [t for _, t in items]
    last = items[0][0] if items else 0
    for k, label_text in enumerate(texts):
        label = _norm(label_text.split("(")[0])
        if label in STAT_LABELS and k > 0:
            field_name = STAT_LABELS[label]
            value = texts[k - 1]
            if field_name == "params" and (m := _SIZE.match(value)):
                model.total_params_b = _billions(m.group(1), m.group(2))
                if (a := _ACTIVE.search(label_text)):
                    model.active_params_b = _billions(a.group(1), a.group(2))
            elif field_name == "context":
                model.context_length = _context(value)
            elif field_name == "downloads":
                model.downloads = _count(value)
            last = items[k][0]
        elif label in SPEC_LABELS and k + 1 < len(texts):
            field_name = SPEC_LABELS[label]
            value = texts[k + 1].strip()
            if not field_name or _norm(value.split("(")[0]) in SPEC_LABELS:
                continue
            _apply_spec(model, field_name, value, warnings)
            last = items[k + 1][0]
    return last + 1


def _apply_spec(model: ModelFacts, name: str, value: str, warnings: list[str]) -> None:
    if name == "architecture":
        model.architecture = value[:100]
        lowered = value.lower()
        if "moe" in lowered or "mixture" in lowered:
            model.is_moe = True
    elif name == "released":
        model.release_date = _date(value)
        if model.release_date is None:
            warnings.append(f"Release date '{value[:40]}' is not a date.")
    elif name in ("layers", "kv_heads", "attention_heads", "head_dim", "hidden_size", "experts",
                  "experts_per_token"):
        if not _INT.match(value.replace(",", "")):
            return
        number = int(value.replace(",", ""))
        target = {"experts": "num_experts"}.get(name, name)
        setattr(model, target, number)
    elif name == "family":
        model.family = value.lower()[:40]
    elif name == "license":
        model.license = value.lower()[:100]


def _experts_per_token(experts: int, size_b: float, total: float, active: float) -> int | None:
    """Active experts from stated totals, for an ``N x S B`` MoE.

    With shared parameters ``s`` (attention, embeddings) and one expert FFN ``e``: a dense
    ``S B`` model is ``s + e``, the MoE total is ``s + N e`` and the active count ``s + k e``.
    So ``e = (total - S) / (N - 1)``, ``s = S - e`` and ``k = (active - s) / e``. Mixtral 8x7B
    (46.7B total, 12.9-13B active, Mistral AI's announcement) gives k = 2.06 -> 2.
    """
    if experts < 2 or total <= size_b or active <= 0:
        return None
    expert = (total - size_b) / (experts - 1)
    shared = size_b - expert
    if expert <= 0:
        return None
    k = (active - shared) / expert
    rounded = round(k)
    return rounded if 1 <= rounded <= experts and abs(k - rounded) < 0.35 else None


def _finish_model(model: ModelFacts) -> None:
    name = model.name or (model.repo_id or "").split("/")[-1]
    shape = _MOE_NAME.search(name)
    if shape:
        model.is_moe = True
        model.num_experts = model.num_experts or int(shape.group(1))
        if model.experts_per_token is None and model.total_params_b and model.active_params_b:
            model.experts_per_token = _experts_per_token(int(shape.group(1)), float(shape.group(2)),
                                                         model.total_params_b, model.active_params_b)
    word = model.architecture.lower()
    if model.family and (word in ("moe", "dense", "mixture of experts", "transformer", "")):
        model.architecture = ARCHITECTURE_CLASSES.get((model.family, model.is_moe), model.architecture)


# --- sections after the card text ----------------------------------------------------------


def _sections(lines: list[str], start: int) -> dict[str, tuple[int, int]]:
    """Start/end line of each tail section, by title."""
    found: list[tuple[int, str]] = []
    for i in range(start, len(lines)):
        text = lines[i].strip()
        if len(text) > 80:
            continue
        match = SECTION_TITLES.match(text)
        if match:
            key = _norm(match.group(0))
            key = ("quant" if key.startswith("quantizations") else "bench" if key.startswith("benchmarks")
                   else "run" if key.startswith("runwith") else "gpus" if key.startswith("gpusthat") else "end")
            found.append((i, key))
    out: dict[str, tuple[int, int]] = {}
    for n, (i, key) in enumerate(found):
        end = found[n + 1][0] if n + 1 < len(found) else len(lines)
        out.setdefault(key, (i + 1, end))
    return out


def _quant_rows(lines: list[str], warnings: list[str]) -> list[QuantTableRow]:
    rows: list[QuantTableRow] = []
    current: QuantTableRow | None = None
    pending_gb: float | None = None
    for raw in lines:
        text = raw.strip()
        if not text:
            continue
        if (m := _LEVEL_BPW.match(text)):
            if len(rows) >= MAX_QUANT_ROWS:
                break
            current = QuantTableRow(level=m.group(1).upper(), bits_per_weight=float(m.group(2)))
            rows.append(current)
            pending_gb = None
            continue
        if current is None:
            continue
        if (m := _GB.match(text)):
            pending_gb = float(m.group(1))
        elif pending_gb is not None and "vram" in text.lower():
            current.vram_gb, pending_gb = pending_gb, None
        elif pending_gb is not None and ("file" in text.lower() or "size" in text.lower()):
            current.file_size_gb, pending_gb = pending_gb, None
        elif (m := _PERCENT.match(text)):
            current.quality_pct = float(m.group(1))
    for row in rows:
        if row.vram_gb is None:
            warnings.append(f"Quantization {row.level}: no VRAM figure found.")
    return rows


def _split_benchmark(text: str) -> tuple[str, str, float] | None:
    """``"MMLU-PRO29.6"`` -> ("MMLU-PRO", "mmlu_pro", 29.6). Names may end in digits ("MATH Lvl
    512.2"), so every split point is tried and the longest name that is a known benchmark wins."""
    text = text.strip()[:120]
    match = _BENCH_VALUE.search(text)
    if not match:
        return None
    digits = match.group(0)
    best: tuple[str, str, float] | None = None
    for cut in range(match.start(), match.start() + len(digits)):
        name, value_text = text[:cut].rstrip(), text[cut:].rstrip("% ").strip()
        if not name or not value_text or not value_text[0].isdigit():
            continue
        if value_text.startswith("0") and len(value_text) > 1 and value_text[1] != ".":
            continue  # "012.2" is not how values are written
        try:
            value = float(value_text)
        except ValueError:
            continue
        key = resolve_benchmark(name)
        if key:
            return name, key, value
        if best is None and not name[-1].isdigit():
            best = (name, "", value)
    return best


def _benchmark_runs(lines: list[str], warnings: list[str]) -> list[EvalRunFact]:
    runs: dict[str, EvalRunFact] = {}
    labels = {"arena_elo": "Catalog page: Arena Elo", "open_llm_v2": "Catalog page: Open LLM Leaderboard v2",
              "open_llm_v1": "Catalog page: Open LLM Leaderboard v1", "": "Catalog page: other benchmarks"}
    parsed: list[tuple[str, str, float]] = []
    for raw in lines[:MAX_BENCHMARKS * 3]:
        text = raw.strip()
        if not text:
            continue
        item = _split_benchmark(text)
        if item is None:
            continue
        parsed.append(item)
    bounded = [v for _, key, v in parsed if key not in UNBOUNDED_KEYS]
    scale = 1.0 if bounded and all(0 <= v <= 1.0 for v in bounded) and any(0 < v < 1 for v in bounded) else 100.0
    for name, key, value in parsed[:MAX_BENCHMARKS]:
        board = ("arena_elo" if key == "arena_elo" else "open_llm_v2" if key in V2_KEYS
                 else "open_llm_v1" if key in V1_KEYS else "")
        if key not in UNBOUNDED_KEYS and value * (100.0 if scale == 1.0 else 1.0) > 100.0:
            warnings.append(f"Catalog page benchmark {name} = {value:g} is not a percentage; skipped.")
            continue
        run = runs.get(board)
        if run is None:
            run = runs[board] = EvalRunFact(source="catalog_page", label=labels[board], leaderboard=board or None,
                                            self_reported=False, sources=["catalog page benchmark list"])
        shots = V2_SHOTS.get(key) if board == "open_llm_v2" else V1_SHOTS.get(key) if board == "open_llm_v1" else None
        run.results.append(make_result(key, name, DEFAULT_METRIC.get(key, "score"), value,
                                       None if key in UNBOUNDED_KEYS else scale, shots,
                                       normalized=board == "open_llm_v2"))
    return list(runs.values())


def _gpus(lines: list[str]) -> list[GpuMention]:
    texts = [line.strip() for line in lines if line.strip()]
    gpus: list[GpuMention] = []
    for k, text in enumerate(texts):
        spec = _GPU_SPEC.match(text) if len(text) <= 80 else None
        if spec is None or k == 0:
            continue
        name = texts[k - 1]
        if _GPU_SPEC.match(name) or _PRICE.match(name) or name.lower() in VENDORS or len(name) > 80:
            continue
        nxt = texts[k + 1] if k + 1 < len(texts) else ""
        # The vendor line is an upper-case word ("NVIDIA", "APPLE"); unknown vendors are kept
        # as written (lower case) for the importer to decide.
        vendor_line = nxt.lower() in VENDORS or (nxt.isalpha() and nxt.isupper() and len(nxt) <= 20)
        vendor = nxt.lower() if vendor_line else ""
        if not vendor:
            first = name.split()[0].lower() if name.split() else ""
            vendor = first if first in VENDORS else ""
        price = None
        after = k + 2 if vendor_line else k + 1
        if after < len(texts) and (p := _PRICE.match(texts[after])):
            price = float(p.group(1).replace(",", "") + "." + (p.group(2) or "0"))
        bandwidth = None
        if spec.group(2):
            bandwidth = float(spec.group(2)) * (1000.0 if spec.group(3).lower() == "tb/s" else 1.0)
        gpus.append(GpuMention(name=name[:100], vendor=VENDORS.get(vendor, vendor), memory_gb=float(spec.group(1)),
                               bandwidth_gbs=bandwidth, price_usd=price))
        if len(gpus) >= MAX_GPUS:
            break
    return gpus


# --- prose facts -----------------------------------------------------------------------------


def _siblings(body: str, own: str | None) -> list[str]:
    out: list[str] = []
    for match in _HF_LINK.finditer(body):
        repo = f"{match.group(1)}/{match.group(2).rstrip('.')}"
        if own and repo.lower() == own.lower() or repo in out or match.group(1) in ("datasets", "spaces", "docs"):
            continue
        context = body[max(0, match.start() - 200):match.start()]
        if _SIBLING_WORDS.search(context):
            out.append(repo)
    return out[:20]


def _lineage(body: str, own: str | None) -> list[LineageFact]:
    """A base named in prose ("trained over the Mixtral 8x7B MoE LLM") mapped to its repo."""
    for match in _BASED_ON.finditer(body[:200_000]):
        name = _BASE_TAIL.sub("", match.group(1).strip().rstrip(".,;:"))
        words = name.split()
        # The longest prefix of the phrase that is a known base ("Mixtral 8x7B MoE LLM" -> Mixtral 8x7B).
        for n in range(len(words), 0, -1):
            key = _norm(" ".join(words[:n]))
            key = key[4:] if key.startswith("meta") else key
            repo = KNOWN_BASES.get(key)
            if repo and repo != own:
                sentence = body[match.start():match.end()].strip()
                return [LineageFact(parent=repo, kind="finetune", confidence=0.6,
                                    evidence=f"prose: '{sentence[:120]}'")]
    return []


def _template(body: str, fmt: str) -> str:
    """The prompt example written as plain text (pages have no code fences)."""
    markers = {"chatml": ("<|im_start|>", "<|im_end|>"), "llama3": ("<|start_header_id|>", "<|eot_id|>"),
               "gemma": ("<start_of_turn>", "<end_of_turn>"), "llama2": ("[INST]", "[/INST]"),
               "mistral": ("[INST]", "[/INST]"), "zephyr": ("<|user|>", "</s>"), "phi3": ("<|user|>", "<|end|>"),
               "alpaca": ("### Instruction", "### Response")}.get(fmt)
    if not markers:
        return ""
    lines = body.split("\n")
    start = next((i for i, line in enumerate(lines) if any(m in line for m in markers)), None)
    if start is None:
        return ""
    end = start
    for i in range(start, min(len(lines), start + 60)):
        if any(m in lines[i] for m in markers):
            end = i
        elif i - end > 3:
            break
    return "\n".join(lines[start:end + 1]).strip()[:4000]


# --- entry point -----------------------------------------------------------------------------


def parse_catalog_page(text: str) -> ParsedDocument:
    """A scraped catalog page as a ParsedDocument (``kind="catalog_page"``)."""
    doc = ParsedDocument(kind="catalog_page", model=ModelFacts())
    if not isinstance(text, str) or not text.strip():
        doc.warnings.append("The catalog page is empty.")
        return doc
    lines = [line[:MAX_LINE] for line in text[:MAX_TEXT].replace("\r\n", "\n").split("\n")]
    items = [(i, line.strip()) for i, line in enumerate(lines) if line.strip()]
    model = doc.model
    used = _identity(items, doc)
    header_items = items[used:used + HEADER_LINES]
    # The header ends where the card's prose starts (the first long line), or at the first
    # tail section of a page without card text.
    prose_at = next((n for n, (_, t) in enumerate(header_items)
                     if len(t) > 80 or (SECTION_TITLES.match(t) and _norm(t) not in STAT_LABELS)), len(header_items))
    header_items = header_items[:prose_at]
    # Badge words glued together by the scrape ("chatDistilled") right after the name.
    if header_items and header_items[0][1].isalpha() and len(header_items[0][1]) <= 60:
        model.tags = [w.lower() for w in _CAMEL.findall(header_items[0][1])][:10]
    header_end = _header(header_items, model, doc.warnings)
    if model.organization and "mixture of experts" in items[0][1].lower():
        model.is_moe = True  # the breadcrumb's category
    sections = _sections(lines, header_end)
    body_end = min((start - 1 for start, _ in sections.values()), default=len(lines))
    body = "\n".join(lines[header_end:body_end]).strip("\n")
    doc.body_markdown = body

    runs, table_warnings = extract_table_runs(body, model_name=model.name, repo_id=model.repo_id)
    for run in runs:
        run.source = "catalog_page"
    doc.runs.extend(runs)
    doc.warnings.extend(table_warnings)
    if "quant" in sections:
        doc.quant_table = _quant_rows(lines[slice(*sections["quant"])], doc.warnings)
    if "bench" in sections:
        doc.runs.extend(_benchmark_runs(lines[slice(*sections["bench"])], doc.warnings))
    if "run" in sections:
        for line in lines[slice(*sections["run"])]:
            if (m := _OLLAMA.match(line.strip())):
                model.ollama_tag = m.group(1)
                break
    if "gpus" in sections:
        doc.gpus = _gpus(lines[slice(*sections["gpus"])])

    stated = {"context": model.context_length, "total": model.total_params_b, "active": model.active_params_b,
              "released": model.release_date, "family": model.family}
    family = ""
    try:
        doc.warnings.extend(prose.apply_prose(model, body))
        family = prose.family_of(model.name, body[:2000])
    except Exception as exc:  # noqa: BLE001 - prose facts are optional; the page's own facts stand
        doc.warnings.append(f"Prose facts were not read: {type(exc).__name__}.")
    # The page's header is authoritative over numbers found in the card text.
    model.context_length = stated["context"] or model.context_length
    model.total_params_b = stated["total"] if stated["total"] is not None else model.total_params_b
    model.active_params_b = stated["active"] if stated["active"] is not None else model.active_params_b
    model.release_date = stated["released"] or model.release_date
    model.family = stated["family"] or model.family or family
    if model.prompt_format and not model.prompt_template:
        model.prompt_template = _template(body, model.prompt_format)
    model.siblings = _siblings(body, model.repo_id)
    doc.lineage = _lineage(body, model.repo_id)
    _finish_model(model)
    return doc
