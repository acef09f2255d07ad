"""Facts stated in a card's prose: prompt format, context length, parameter counts,
quantized derivatives, sibling repos, release date, family and training notes."""

from __future__ import annotations

import re
from datetime import date

from catalog.cards.facts import ModelFacts, QuantizedLinkFact

_HF_LINK = re.compile(r"https?://huggingface\.co/([\w.-]+)/([\w.-]+)")
PROMPT_MARKERS: list[tuple[str, re.Pattern[str]]] = [
    ("chatml", re.compile(r"<\|im_start\|>|\bChatML\b", re.IGNORECASE)),
    ("llama3", re.compile(r"<\|start_header_id\|>|\bLlama[- ]?3 (?:prompt|chat|instruct) (?:format|template)", re.I)),
    ("llama2", re.compile(r"\[INST\]\s*<<SYS>>|LLaMA[- ]?2 prompt (?:template|format)", re.IGNORECASE)),
    ("gemma", re.compile(r"<start_of_turn>")),
    ("phi3", re.compile(r"<\|user\|>.*?<\|end\|>", re.DOTALL)),
    ("zephyr", re.compile(r"<\|user\|>|<\|assistant\|>|\bZephyr (?:prompt|format|template)", re.IGNORECASE)),
    ("alpaca", re.compile(r"###\s*Instruction:|\b(?:Instruct(?:ion)? template|prompt (?:format|template))\s*:?\s*Alpaca",
                          re.IGNORECASE)),
    ("vicuna", re.compile(r"^USER:.*\n(?:.*\n)*?ASSISTANT:|\bVicuna (?:prompt|format|template)", re.M | re.I)),
    ("mistral", re.compile(r"\[INST\](?!\s*<<SYS>>)")),
]
# An explicit statement ("uses ChatML", "template: Alpaca") beats markers found in examples.
_STATED = re.compile(
    r"(?:uses?|prompt (?:format|template)(?: is)?|instruct(?:ion)? template|chat template)\s*[:=]?\s*(?:the\s+)?"
    r"(ChatML|Alpaca|LLaMA[- ]?2|Llama[- ]?3|Vicuna|Zephyr|Mistral|Gemma)", re.IGNORECASE)
_STATED_MAP = {"chatml": "chatml", "alpaca": "alpaca", "llama2": "llama2", "llama-2": "llama2", "llama 2": "llama2",
               "llama3": "llama3", "llama-3": "llama3", "llama 3": "llama3", "vicuna": "vicuna", "zephyr": "zephyr",
               "mistral": "mistral", "gemma": "gemma"}
_CONTEXT = re.compile(
    r"(?:context(?:\s+(?:length|window|size))?(?:\s+(?:is|of))?\s*(?:of\s*)?[:=]?\s*(\d{1,3}(?:,\d{3})+|\d+)\s*(k|K)?\b)"
    r"|(?:(\d{1,4})\s*([kK])\s+(?:token\s+)?context)", re.IGNORECASE)
_TOTAL_ACTIVE = re.compile(r"(\d+(?:\.\d+)?)\s*B\s*(?:parameters?)?\s*\((\d+(?:\.\d+)?)\s*B\s+active\)", re.IGNORECASE)
_TOTAL = re.compile(r"(?<![\dx.])(\d+(?:\.\d+)?)[ \t]*B[ \t]+param(?:eter)?s\b", re.IGNORECASE)
_CODE = re.compile(r"```.*?```", re.DOTALL)
_ACTIVE_EXPERTS = re.compile(r"(?:only\s+)?(two|2|one|1|three|3|four|4)\s+experts?\s+(?:are\s+)?(?:selected|active|used)",
                             re.IGNORECASE)
_MOE_NAME = re.compile(r"(?<![\d.])(\d{1,2})\s*x\s*(\d{1,3}(?:\.\d+)?)\s*B", re.IGNORECASE)
_DATE = re.compile(r"\b(?:released|release date|published)\s*(?:on|:)?\s*(\d{4}-\d{2}-\d{2})", re.IGNORECASE)
_EPOCHS = re.compile(r"([^.\n]*\btrained on\b[^.\n]*?\b\d+\s+epochs?)", re.IGNORECASE)
_QUANT_SUFFIX = re.compile(r"[-_](gguf|awq|gptq|exl2|fp8)$|[-_](q\d_[a-z0-9_]+)[-_]gguf$", re.IGNORECASE)
_GGUF_LEVEL = re.compile(r"(i?q\d_(?:k_[sml]|k|0|1|[a-z]+))", re.IGNORECASE)
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4}

# Mistral-7B-shaped experts: the shared part (attention, embeddings) and one expert FFN, in billions.
# 1.6 + 8 x 5.63 = 46.6 ≈ Mixtral 8x7B's 46.7B; 1.6 + 2 x 5.63 = 12.9B active.
_SHARED_7B = 1.6
_EXPERT_7B = 5.63
# Published sizes win over the estimate where the shape is a well-known release.
KNOWN_MOE = {(8, 7.0): (46.7, 12.9), (8, 22.0): (140.6, 39.1), (4, 7.0): (24.2, 12.9), (2, 7.0): (12.9, 12.9)}
FAMILY_HINTS = [("mixtral", "mistral"), ("mistral", "mistral"), ("llama-3", "llama"), ("llama3", "llama"),
                ("llama", "llama"), ("qwen", "qwen2"), ("gemma", "gemma"), ("phi", "phi3"), ("yi-", "yi"),
                ("solar", "llama"), ("deepseek", "deepseek"), ("falcon", "falcon")]


def prompt_format(body: str) -> tuple[str, str]:
    """(format key, template text shown in a code block) — ("", "") when nothing is said."""
    fmt = ""
    stated = _STATED.search(body)
    if stated:
        fmt = _STATED_MAP.get(stated.group(1).lower().replace("_", "-"), "")
        fmt = fmt or _STATED_MAP.get(re.sub(r"[- ]", "", stated.group(1).lower()), "")
    if not fmt:
        for key, pattern in PROMPT_MARKERS:
            if pattern.search(body):
                fmt = key
                break
    template = ""
    if fmt:
        marker = dict(PROMPT_MARKERS)[fmt]
        for block in re.findall(r"```[^\n]*\n(.*?)```", body, re.DOTALL):
            if marker.search(block) and len(block) < 4000:
                template = block.strip()
                break
        if not template and fmt == "chatml":
            match = re.search(r"(<\|im_start\|>system.*?<\|im_end\|>(?:\s*<\|im_start\|>.*?<\|im_end\|>)*)", body,
                              re.DOTALL)
            template = match.group(1).strip()[:4000] if match else ""
    return fmt, template


def context_length(body: str) -> int | None:
    for match in _CONTEXT.finditer(body):
        number, kilo = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
        value = int(number.replace(",", ""))
        if kilo:
            value *= 1024
        if 512 <= value <= 10_000_000:
            return value
    return None


def parameter_counts(text: str, name: str) -> tuple[float | None, float | None, int | None, int | None, bool]:
    """(total B, active B, experts, experts per token, estimated?) from prose and the model name."""
    total = active = None
    experts = per_token = None
    estimated = False
    text = _CODE.sub(" ", text)  # configs and examples are not statements about this model
    if (m := _TOTAL_ACTIVE.search(text)):
        total, active = float(m.group(1)), float(m.group(2))
    elif (m := _TOTAL.search(text)):
        total = float(m.group(1))
    if (m := _ACTIVE_EXPERTS.search(text)):
        per_token = _WORDS.get(m.group(1).lower()) or int(m.group(1))
    if (m := _MOE_NAME.search(name) or _MOE_NAME.search(text[:2000])):
        experts = int(m.group(1))
        size = float(m.group(2))
        if experts > 1:
            per_token = per_token or 2
            known = KNOWN_MOE.get((experts, size)) if per_token == 2 else None
            if total is None and (known or abs(size - 7) < 0.6):
                total = known[0] if known else round(_SHARED_7B + experts * _EXPERT_7B, 1)
                estimated = True
            if active is None and (known or abs(size - 7) < 0.6):
                active = known[1] if known else round(_SHARED_7B + per_token * _EXPERT_7B, 1)
    return total, active, experts if experts and experts > 1 else None, per_token if experts else None, estimated


def quantized_links(body: str, own_repo: str | None) -> list[QuantizedLinkFact]:
    links: dict[str, QuantizedLinkFact] = {}
    for org, name in _HF_LINK.findall(body):
        name = name.rstrip(".)")
        repo = f"{org}/{name}"
        if own_repo and repo.lower() == own_repo.lower():
            continue
        match = _QUANT_SUFFIX.search(name)
        if not match:
            continue
        lowered = name.lower()
        fmt = next((f for f in ("gguf", "awq", "gptq", "exl2", "fp8") if f in lowered), "").upper()
        level_match = _GGUF_LEVEL.search(lowered) if fmt == "GGUF" else None
        links[repo.lower()] = QuantizedLinkFact(repo_id=repo, format=fmt, level=level_match.group(1).upper()
                                                if level_match else "", quantizer=org)
    return list(links.values())


def siblings(body: str, own_repo: str | None) -> list[str]:
    """Repos the card calls another version of itself (e.g. an SFT-only sibling)."""
    out = []
    for line in body.split("\n"):
        if re.search(r"\b(?:version|variant|sibling)\b", line, re.IGNORECASE):
            for org, name in _HF_LINK.findall(line):
                repo = f"{org}/{name.rstrip('.)')}"
                if repo != own_repo and repo not in out and not _QUANT_SUFFIX.search(name):
                    out.append(repo)
    return out


def release_date(body: str) -> date | None:
    if (m := _DATE.search(body)):
        try:
            return date.fromisoformat(m.group(1))
        except ValueError:
            return None
    return None


def family_of(*texts: str) -> str:
    joined = " ".join(t.lower() for t in texts if t)
    for needle, family in FAMILY_HINTS:
        if needle in joined:
            return family
    return ""


def summary(body: str) -> str:
    """The first real paragraph: not a heading, image, link list, table or code."""
    for block in re.split(r"\n\s*\n", body):
        text = block.strip()
        if not text or text.startswith(("#", "!", "|", "```", "-", "*", "<", ">", "[")):
            continue
        if len(text) > 40:
            return re.sub(r"\s+", " ", text)[:600]
    return ""


def apply_prose(model: ModelFacts, body: str) -> None:
    """Fill facts the structured parts did not state."""
    fmt, template = prompt_format(body)
    model.prompt_format = model.prompt_format or fmt
    model.prompt_template = model.prompt_template or template
    model.context_length = model.context_length or context_length(body)
    name = model.repo_id or model.name
    total, active, experts, per_token, estimated = parameter_counts(body, name)
    if model.total_params_b is None and total is not None:
        model.total_params_b, model.params_estimated = total, estimated
    if model.active_params_b is None and active is not None:
        model.active_params_b = active
    if model.active_params_b and model.total_params_b and model.active_params_b > model.total_params_b:
        model.active_params_b = None  # contradictory statements: keep the total, drop the active count
    if experts:
        model.is_moe = True
        model.num_experts = model.num_experts or experts
        model.experts_per_token = model.experts_per_token or per_token
    model.release_date = model.release_date or release_date(body)
    unlinked = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", body)
    if not model.training_notes and (m := _EPOCHS.search(unlinked)):
        model.training_notes = re.sub(r"\s+", " ", m.group(1)).strip()[:300]
    model.summary = model.summary or summary(body)
