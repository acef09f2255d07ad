"""Facts stated in a card's prose: prompt format, context length, parameter counts,
quantized derivatives, sibling repos, release date, family and training notes.

Every pattern here runs over untrusted text of up to 2 MB, so each is written to be linear:
numbers are anchored with look-behinds and bounded repetition, character classes exclude
their own opening delimiter, and nothing uses nested or lazy unbounded quantifiers across
lines.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from catalog.cards.facts import ModelFacts, QuantizedLinkFact
from catalog.cards.markdown import paragraphs, prose_text, split_code, unlink
from catalog.cards.repo_refs import hf_model_links_with_context, quant_info

_NUM = r"(?<![\d.,])(\d{1,4}(?:\.\d{1,2})?)"


@lru_cache(maxsize=2)
def _lower(text: str) -> str:
    lowered = text.lower()
    # A few characters change length when lower-cased ("İ"); positions must line up.
    return lowered if len(lowered) == len(text) else "".join(c.lower()[:1] or c for c in text)


_WINDOW_SEPARATOR = "\n\x00\n"  # no pattern here matches NUL, so no match spans two windows


def focus(text: str, keywords: tuple[str, ...], width: int = 160, limit: int = 2000) -> str:
    """Only the text around (lower-case) keywords, in order, overlapping windows merged.

    Scanning 2 MB with a pattern that can start anywhere is slow in Python's regex engine;
    ``str.find`` for a keyword is fast, and every pattern below needs its keyword nearby.
    """
    if len(text) <= 4 * width:
        return text
    lowered = _lower(text)
    spans: list[tuple[int, int]] = []
    for keyword in keywords:
        start = lowered.find(keyword)
        hits = 0
        while start != -1 and hits < limit:
            spans.append((max(0, start - width), min(len(text), start + len(keyword) + width)))
            start = lowered.find(keyword, start + len(keyword))
            hits += 1
    if not spans:
        return ""
    spans.sort()
    merged = [spans[0]]
    for low, high in spans[1:]:
        if low <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return _WINDOW_SEPARATOR.join(text[low:high] for low, high in merged)


# --- prompt formats ----------------------------------------------------------------------

# Markers seen in templates and examples, in priority order (more specific first).
_MARKERS: list[tuple[str, tuple[str, ...]]] = [
    ("chatml", ("<|im_start|>",)),
    ("llama3", ("<|start_header_id|>",)),
    ("gemma", ("<start_of_turn>",)),
    ("llama2", ("<<SYS>>",)),
    ("phi3", ("<|user|>", "<|end|>")),  # all must appear
    ("zephyr", ("<|user|>",)),
    ("zephyr", ("<|assistant|>",)),
    ("alpaca", ("### Instruction",)),
    ("mistral", ("[INST]",)),
]
_VICUNA_USER = re.compile(r"^[ \t]{0,8}USER:", re.MULTILINE)
_VICUNA_ASSISTANT = re.compile(r"^[ \t]{0,8}ASSISTANT:", re.MULTILINE)
_NAME = (r"(ChatML|Alpaca|Vicuna|Zephyr|Gemma|Phi[- ]?3|Llama[- ]?3(?:\.\d)?|LLaMA[- ]?2(?:[- ]Chat)?|Llama[- ]?2(?:[- ]Chat)?"
         r"|Mistral(?:[- ]Instruct)?|Mixtral(?:[- ]Instruct)?)")
# "Prompt format: ChatML", "Instruct template: Alpaca", "prompt template is Vicuna".
_STATED_AFTER = re.compile(
    r"(?:prompt|chat|instruct(?:ion)?)[ -]?(?:format|template)s?[*_`\"' ]{0,4}(?:is|:|=|-)?[ \t]{0,4}"
    r"(?:the[ \t]+)?[*_`\"']{0,3}" + _NAME + r"(?![\w-])", re.IGNORECASE)
# "uses ChatML as the prompt format", "uses the LLaMA-2 prompt template", "Alpaca format".
_STATED_BEFORE = re.compile(
    r"(?<![\w-])" + _NAME + r"[*_`\"']{0,3}[ \t]{1,3}(?:(?:as|is)[ \t]+(?:the|its|a|our)[ \t]+)?"
    r"(?:prompt(?:ing)?[ \t-]{1,2}|chat[ \t-]{1,2}|instruct(?:ion)?[ \t-]{1,2})?(?:format|template|style)\b",
    re.IGNORECASE)
_NEGATION = re.compile(r"(?:unlike|instead of|not|than|rather than|compared to|vs\.?|versus|or)\s*(?:the\s+)?$",
                       re.IGNORECASE)


def _format_key(name: str) -> str:
    key = re.sub(r"[^a-z0-9]", "", name.lower())
    for prefix, fmt in (("chatml", "chatml"), ("alpaca", "alpaca"), ("vicuna", "vicuna"), ("zephyr", "zephyr"),
                        ("gemma", "gemma"), ("phi3", "phi3"), ("llama3", "llama3"), ("llama2", "llama2"),
                        ("mistral", "mistral"), ("mixtral", "mistral")):
        if key.startswith(prefix):
            return fmt
    return ""


def stated_prompt_format(text: str) -> str:
    """The format a sentence names explicitly, or ""."""
    text = focus(text, ("format", "template", "style"))
    for pattern in (_STATED_AFTER, _STATED_BEFORE):
        for match in pattern.finditer(text):
            before = text[max(0, match.start() - 25):match.start()]
            if pattern is _STATED_BEFORE and _NEGATION.search(before):
                continue  # "more complex than alpaca or sharegpt format"
            fmt = _format_key(match.group(1))
            if fmt:
                return fmt
    return ""


def marker_prompt_format(text: str) -> str:
    """The format whose special tokens / headers appear in the text, or ""."""
    for fmt, needles in _MARKERS:
        if all(needle in text for needle in needles):
            if fmt == "mistral" and "<<SYS>>" in text:
                return "llama2"
            return fmt
    if _VICUNA_USER.search(text) and _VICUNA_ASSISTANT.search(text):
        return "vicuna"
    return ""


def _template_markers(fmt: str) -> tuple[str, ...]:
    return {"chatml": ("<|im_start|>",), "llama3": ("<|start_header_id|>",), "gemma": ("<start_of_turn>",),
            "llama2": ("[INST]", "<<SYS>>"), "phi3": ("<|user|>",), "zephyr": ("<|user|>", "<|assistant|>"),
            "alpaca": ("### Instruction", "### Response"), "mistral": ("[INST]",),
            "vicuna": ("USER:",)}.get(fmt, ())


def prompt_format(body: str) -> tuple[str, str]:
    """(format key, template text shown in a code block) — ("", "") when nothing is said.

    An explicit statement ("uses the LLaMA-2 prompt template", "Instruct template: Alpaca")
    wins over markers found in examples.
    """
    prose, blocks = split_code(body)
    fmt = stated_prompt_format(prose_text(body)) or marker_prompt_format(body)
    if not fmt:
        return "", ""
    template = ""
    markers = _template_markers(fmt)
    for block in blocks:
        if len(block) <= 4000 and any(m in block for m in markers) and not _is_python(block):
            template = block.strip()
            break
    if not template and fmt == "chatml":
        start = prose.find("<|im_start|>")
        if start != -1:
            end = prose.rfind("<|im_end|>", start, start + 4000)
            template = prose[start:end + len("<|im_end|>")].strip() if end != -1 else ""
    return fmt, template


def _is_python(block: str) -> bool:
    return bool(re.search(r"^\s*(?:from\s+\w+\s+import|import\s+\w+|def\s+\w+\(|\w+\s*=\s*[\w.]+\()", block,
                          re.MULTILINE))


# --- context length -----------------------------------------------------------------------

_CTX_NUM = r"(?<![\d.,])(\d{1,3}(?:,\d{3}){1,2}|\d{1,7})[ \t]?([kK])?(?!\w|\.\d)"
_CONTEXT_BEFORE = re.compile(
    r"context(?:[ -](?:length|window|size|len))?[ \t]{0,3}(?:is|of|:|=|up to|of up to|to)?[ \t]{0,3}"
    r"(?:of[ \t]+)?(?:about[ \t]+|~[ \t]?|up to[ \t]+)?" + _CTX_NUM, re.IGNORECASE)
_CONTEXT_AFTER = re.compile(_CTX_NUM + r"[ \t-]{0,2}(?:tokens?[ \t-]{1,2})?(?:of[ \t]+)?context\b", re.IGNORECASE)


def _context_value(number: str, kilo: str | None) -> int | None:
    value = int(number.replace(",", ""))
    if kilo:
        value *= 1024  # "8k" / "32K" as used for context sizes: 8192 / 32768 tokens
    return value if 512 <= value <= 10_000_000 else None


def context_length(body: str) -> int | None:
    """First stated context length: "recommended context length is 8k", "32K context",
    "context window of 32768"."""
    prose = focus(split_code(body)[0], ("context",))
    best: tuple[int, int] | None = None
    for pattern in (_CONTEXT_BEFORE, _CONTEXT_AFTER):
        for match in pattern.finditer(prose):
            value = _context_value(match.group(1), match.group(2))
            if value is not None:
                if best is None or match.start() < best[0]:
                    best = (match.start(), value)
                break
    return best[1] if best else None


# --- parameter counts ---------------------------------------------------------------------

_TOTAL_ACTIVE = re.compile(_NUM + r"[ \t]?B[ \t\n]{0,3}(?:param(?:eter)?s?)?[ \t\n]{0,3}\([ \t]{0,3}(?:~[ \t]?)?" + _NUM
                           + r"[ \t]?B[ \t]+active", re.IGNORECASE)
_TOTAL = re.compile(_NUM + r"[ \t]?(?:B|billion)[ \t]+(?:total[ \t]+)?param(?:eter)?s?\b", re.IGNORECASE)
_ACTIVE = re.compile(_NUM + r"[ \t]?(?:B|billion)[ \t]+active(?:[ \t]+param(?:eter)?s?)?\b", re.IGNORECASE)
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "single": 1}
_EXPERTS_SELECTED = re.compile(
    r"(?<![\w-])(one|two|three|four|single|[1-8])[ \t]+experts?[ \t]+(?:are[ \t]+|is[ \t]+)?"
    r"(?:selected|active|activated|used|routed)([^.\n]{0,60})", re.IGNORECASE)
_APPROX_B = re.compile(r"~[ \t]?" + _NUM + r"[ \t]?B\b")
_MOE_NAME = re.compile(r"(?<![\d.])(\d{1,2})[ \t]?x[ \t]?(\d{1,3}(?:\.\d{1,2})?)[ \t]?b(?![a-z])", re.IGNORECASE)
_DENSE_NAME = re.compile(r"(?<![\d.a-z])(\d{1,3}(?:\.\d{1,2})?)[ \t]?b(?![a-z0-9])", re.IGNORECASE)

# Mixtral 8x7B: "46.7B total parameters but only uses 12.9B parameters per token" (Mistral AI,
# "Mixtral of experts", 2023-12-11, https://mistral.ai/news/mixtral-of-experts/). With two
# experts active, 6 experts' FFNs make the difference: one expert FFN = (46.7 - 12.9) / 6
# = 5.633B, and the shared part (attention, embeddings, norms, router) = 12.9 - 2 x 5.633
# = 1.633B. Any N x 7B mergekit-moe of Mistral-7B experts has the same shapes.
MIXTRAL_TOTAL_B, MIXTRAL_ACTIVE_B = 46.7, 12.9
EXPERT_7B = (MIXTRAL_TOTAL_B - MIXTRAL_ACTIVE_B) / 6
SHARED_7B = MIXTRAL_ACTIVE_B - 2 * EXPERT_7B
# Published sizes for shapes the 7B formula does not cover: Mixtral 8x22B "141B parameters,
# 39B active" (Mistral AI, "Cheaper, Better, Faster, Stronger", 2024-04-17).
KNOWN_MOE = {(8, 22.0): (141.0, 39.0)}
DEFAULT_EXPERTS_PER_TOKEN = 2  # Mixtral and mergekit-moe's default (num_experts_per_tok)


def moe_shape(name: str) -> tuple[int, float] | None:
    """(experts, expert size in B) from a name like ``Beyonder-4x7B-v2`` / ``Mixtral 8x22B``."""
    match = _MOE_NAME.search(name or "")
    if not match or int(match.group(1)) < 2:
        return None
    return int(match.group(1)), float(match.group(2))


def dense_size(name: str) -> float | None:
    """Nominal size in B from a dense model name (``Mistral-7B-v0.1`` -> 7.0), or None."""
    if moe_shape(name):
        return None
    match = _DENSE_NAME.search(name or "")
    if not match:
        return None
    value = float(match.group(1))
    return value if 0.05 <= value <= 1000 else None


def estimate_moe(experts: int, size_b: float, per_token: int) -> tuple[float, float] | None:
    """(total B, active B) for an N x size MoE, or None when the shape is unknown."""
    known = KNOWN_MOE.get((experts, size_b))
    if known and per_token == DEFAULT_EXPERTS_PER_TOKEN:
        return known
    if abs(size_b - 7.0) < 0.6:
        return round(SHARED_7B + experts * EXPERT_7B, 1), round(SHARED_7B + min(per_token, experts) * EXPERT_7B, 1)
    return None


def stated_parameters(text: str) -> tuple[float | None, float | None, int | None]:
    """(total B, active B, experts per token) as stated in prose (None when not stated)."""
    total = active = per_token = None
    text = focus(text, ("param", "active", "expert", "billion"))
    if (m := _TOTAL_ACTIVE.search(text)):
        total, active = float(m.group(1)), float(m.group(2))
    if total is None and (m := _TOTAL.search(text)):
        total = float(m.group(1))
    if active is None and (m := _ACTIVE.search(text)):
        active = float(m.group(1))
    if (m := _EXPERTS_SELECTED.search(text)):
        word = m.group(1).lower()
        per_token = _WORDS.get(word) or int(word)
        # "only two experts are selected during inference (so ~12B)"
        if active is None and (approx := _APPROX_B.search(m.group(2))):
            active = float(approx.group(1))
    return total, active, per_token


def parameter_counts(text: str, name: str) -> tuple[float | None, float | None, int | None, int | None, bool]:
    """(total B, active B, experts, experts per token, estimated?) from prose and the model name."""
    total, active, per_token = stated_parameters(text)
    experts = None
    estimated = False
    shape = moe_shape(name)
    if shape:
        experts = shape[0]
        per_token = per_token or DEFAULT_EXPERTS_PER_TOKEN
        estimate = estimate_moe(shape[0], shape[1], per_token)
        if estimate and total is None:
            total, estimated = estimate[0], True
        if estimate and active is None:
            active = estimate[1]
            estimated = True
    return total, active, experts, per_token if experts else None, estimated


# --- quantized derivatives, siblings -------------------------------------------------------

_SIBLING_WORDS = re.compile(r"\b(?:version|variant|sibling|counterpart|also released|also available)\b", re.IGNORECASE)
_QUANT_WORDS = re.compile(r"quantiz|quantis|\bgguf\b|\bgptq\b|\bawq\b|\bexl2\b", re.IGNORECASE)


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _strip_quant_suffix(name: str) -> str:
    return re.split(r"[-_.](?:gguf|gptq|awq|exl2|fp8|i?q[1-8]_|\d{1,2}(?:\.\d)?bpw|\d{1,2}bit)", name.lower())[0]


def quantized_links(body: str, own_repo: str | None, *, own_name: str = "",
                    own_is_quantized: bool = False) -> list[QuantizedLinkFact]:
    """Links to quantized repos of the card's model (-GGUF, -AWQ, -GPTQ, -exl2, _q8_0_gguf ...).

    A link counts when its name (minus the quantization suffix) matches the card's model
    name, or when the text around it talks about quantization. A card that is itself a
    quantized repo links to its *siblings* (other formats of the same base), not to
    derivatives of itself, so it gets none.
    """
    if own_is_quantized:
        return []
    own_names = {_norm(n.split("/")[-1]) for n in (own_repo or "", own_name) if n}
    links: dict[str, QuantizedLinkFact] = {}
    for repo, context in hf_model_links_with_context(body):
        if own_repo and repo.lower() == own_repo.lower():
            continue
        info = quant_info(repo)
        if info is None or repo.lower() in links:
            continue
        stem = _norm(_strip_quant_suffix(repo.split("/")[-1]))
        related = not own_names or any(stem and (stem in own or own in stem) for own in own_names)
        if not related and not _QUANT_WORDS.search(context.replace(repo, "")):
            continue
        links[repo.lower()] = QuantizedLinkFact(repo_id=repo, format=info[0], level=info[1],
                                                quantizer=repo.split("/")[0])
    return list(links.values())


def siblings(body: str, own_repo: str | None, *, exclude: tuple[str, ...] = (),
             include_quantized: bool = False) -> list[str]:
    """Repos the card calls another version of itself (e.g. an SFT-only sibling)."""
    skip = {r.lower() for r in (own_repo or "", *exclude) if r}
    out: list[str] = []
    for repo, context in hf_model_links_with_context(body, width=160):
        if repo.lower() in skip or repo in out:
            continue
        if quant_info(repo) and not include_quantized:
            continue
        if _SIBLING_WORDS.search(context):
            out.append(repo)
    return out[:20]


# --- dates, training notes, family, summary ------------------------------------------------

_MONTHS = {m: i for i, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
     "december"), start=1)}
_MONTH = r"(January|February|March|April|May|June|July|August|September|October|November|December)"
_RELEASE = r"(?:released|release date|published|launched|release)[ \t]{0,3}(?:on|in|:)?[ \t]{0,3}"
_DATE_ISO = re.compile(_RELEASE + r"(\d{4})-(\d{2})-(\d{2})\b", re.IGNORECASE)
_DATE_MDY = re.compile(_RELEASE + _MONTH + r"[ \t]{1,2}(\d{1,2})(?:st|nd|rd|th)?,?[ \t]{1,2}(\d{4})\b", re.IGNORECASE)
_DATE_DMY = re.compile(_RELEASE + r"(\d{1,2})(?:st|nd|rd|th)?[ \t]{1,2}" + _MONTH + r",?[ \t]{1,2}(\d{4})\b",
                       re.IGNORECASE)


def release_date(body: str) -> date | None:
    """A release date the text states ("released on 2024-01-11", "released January 11, 2024")."""
    found: list[tuple[int, date]] = []
    body = focus(body, ("releas", "publish", "launch"))
    for match in _DATE_ISO.finditer(body):
        try:
            found.append((match.start(), date(int(match.group(1)), int(match.group(2)), int(match.group(3)))))
        except ValueError:
            continue
        break
    for pattern, order in ((_DATE_MDY, "mdy"), (_DATE_DMY, "dmy")):
        for match in pattern.finditer(body):
            if order == "mdy":
                month, day, year = _MONTHS[match.group(1).lower()], int(match.group(2)), int(match.group(3))
            else:
                day, month, year = int(match.group(1)), _MONTHS[match.group(2).lower()], int(match.group(3))
            try:
                found.append((match.start(), date(year, month, day)))
            except ValueError:
                continue
            break
    return min(found)[1] if found else None


_SENTENCE_END = re.compile(r"(?<=[.!?])[ \t]+(?=[A-Z\[(])")
_TRAINED = re.compile(r"\b(?:trained|fine-?tuned|finetuned|pre-?trained)\b[^\n]{0,200}?\b(?:on|with|using|over)\b",
                      re.IGNORECASE)
_EPOCH = re.compile(r"\b\d{1,3}(?:\.\d{1,2})?[ \t]+epochs?\b|\bepochs?\b", re.IGNORECASE)
_DATASET_WORD = re.compile(r"\bdata(?:set)?s?\b", re.IGNORECASE)


def training_notes(body: str) -> str:
    """The sentence that says what the model was trained on ("... trained on the OpenHermes dataset for 3 epochs")."""
    candidates: list[tuple[int, int, str]] = []
    sentences = (s for paragraph in paragraphs(body) for s in _SENTENCE_END.split(paragraph))
    for index, sentence in enumerate(sentences):
        sentence = sentence.strip(" \t*_#>-")
        if not 15 <= len(sentence) <= 400 or not _TRAINED.search(sentence):
            continue
        rank = 0 if _EPOCH.search(sentence) else 1 if _DATASET_WORD.search(sentence) else 2
        candidates.append((rank, index, re.sub(r"\s+", " ", sentence).rstrip(".").strip()))
        if len(candidates) > 50:
            break
    return min(candidates)[2][:300] if candidates else ""


# (pattern, family). Checked source by source (own name first, then bases, tags, prose); within
# a source the earliest match wins. Families are the catalog's keys: Mixtral is the mistral family.
FAMILY_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(?<![a-z])(?:mixtral|mistral|ministral|codestral|zephyr-7b)"), "mistral"),
    (re.compile(r"(?<![a-z])(?:code)?llama|(?<![a-z])vicuna"), "llama"),
    (re.compile(r"(?<![a-z])qwen"), "qwen"),
    (re.compile(r"(?<![a-z])(?:code)?gemma"), "gemma"),
    (re.compile(r"(?<![a-z])phi[-_ ]?[1-4](?![0-9])"), "phi"),
    (re.compile(r"(?<![a-z])yi[-_ ](?:\d|34b|6b|9b|large|lightning)"), "yi"),
    (re.compile(r"(?<![a-z])solar"), "solar"),
    (re.compile(r"(?<![a-z])deepseek"), "deepseek"),
    (re.compile(r"(?<![a-z])falcon"), "falcon"),
    (re.compile(r"(?<![a-z])command[-_ ]?r"), "command-r"),
    (re.compile(r"(?<![a-z])stablelm"), "stablelm"),
    (re.compile(r"(?<![a-z])olmo"), "olmo"),
]


def family_of(*texts: str) -> str:
    """The model family the first text that names one points at ("" when none does)."""
    for text in texts:
        if not text:
            continue
        lowered = text.lower()[:20000]
        best: tuple[int, str] | None = None
        for pattern, family in FAMILY_PATTERNS:
            if (match := pattern.search(lowered)) and (best is None or match.start() < best[0]):
                best = (match.start(), family)
        if best:
            return best[1]
    return ""


def summary(body: str) -> str:
    """The first real paragraph (longer than a title line)."""
    return next((p[:600] for p in paragraphs(body) if len(p) > 40), "")


def apply_prose(model: ModelFacts, body: str) -> list[str]:
    """Fill facts the structured parts did not state. Returns warnings."""
    warnings: list[str] = []
    fmt, template = prompt_format(body)
    model.prompt_format = model.prompt_format or fmt
    model.prompt_template = model.prompt_template or template
    model.context_length = model.context_length or context_length(body)
    prose = prose_text(body)
    # Only *stated* counts here; estimates from a name's shape are the caller's decision
    # (the card parser knows the base models and merge recipes too).
    total, active, per_token = stated_parameters(prose)
    if model.total_params_b is None and total is not None:
        model.total_params_b = total
    if model.active_params_b is None and active is not None:
        model.active_params_b = active
    shape = moe_shape((model.repo_id or "").split("/")[-1]) or moe_shape(model.name)
    if shape:
        model.is_moe = True
        model.num_experts = model.num_experts or shape[0]
    if per_token and (shape or model.is_moe):
        model.experts_per_token = model.experts_per_token or per_token
    model.release_date = model.release_date or release_date(prose)
    model.training_notes = model.training_notes or training_notes(body)
    model.summary = model.summary or summary(body)
    return warnings
