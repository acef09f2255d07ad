"""Typed facts extracted from one document.

This module is the contract between the pure parser (``catalog.cards``) and the
Django import service. It imports nothing from Django so that parsing can be
tested in milliseconds against fixture files.

Conventions
-----------
* Parameter counts are in **billions** (``46.7`` means 46.7B).
* Benchmark values in :class:`ResultFact.value` are on a **0-100 scale**; the
  value as written is kept in ``raw_value`` together with ``raw_scale``
  (``1.0`` for fractions, ``100.0`` for percentages). Elo ratings are not
  percentages: they use ``raw_scale=None`` and ``value == raw_value``.
* Repo ids are ``org/name`` as on the Hugging Face Hub.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

DocumentKind = Literal["model_card", "catalog_page", "lmeval_results"]
RunSource = Literal["front_matter", "card_table", "lmeval_file", "catalog_page"]
EdgeKind = Literal["finetune", "merge", "moe_expert", "quantized", "adapter"]
LeaderboardHint = Literal["open_llm_v1", "open_llm_v2", "nous", "arena_elo"]


class ParseError(ValueError):
    """The document cannot be parsed at all (too big, binary, alias bomb ...).

    ``reason`` is a short human sentence shown to the user; ``code`` a stable
    machine-readable key (``too_large``, ``binary``, ``yaml_alias``,
    ``too_deep``, ``encoding``, ``empty``, ``invalid_json``).
    """

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass
class ResultFact:
    """One benchmark value as found in a document."""

    benchmark: str  # canonical key (see catalog.cards.benchmarks) or "" when unknown
    raw_name: str  # the task / column name as written
    metric: str  # acc, acc_norm, mc2, exact_match, multiple_choice_grade, elo ...
    value: float  # 0-100 scale (Elo: the rating itself)
    raw_value: float
    raw_scale: float | None  # 1.0, 100.0, or None for unbounded metrics (Elo)
    shots: int | None = None
    stderr: float | None = None  # same scale as ``value``
    normalized: bool = False  # True when the value is already baseline-normalized (v2)


@dataclass
class EvalRunFact:
    """A group of results that came from one harness run / one table."""

    source: RunSource
    label: str  # human description: "Open LLM Leaderboard table", "Nous suite tables" ...
    leaderboard: LeaderboardHint | None = None
    subject: str | None = None  # repo id the run is about when it is NOT the document's model
    self_reported: bool = True  # False when published by a leaderboard bot / official source
    harness: str = ""
    harness_version: str = ""
    run_date: date | None = None
    results: list[ResultFact] = field(default_factory=list)
    # averages printed in the document: "" is the run's overall average; other
    # keys name a sub-aggregate ("gpt4all", "agieval", "bigbench").
    stated_averages: dict[str, float] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)  # where in the document, for provenance
    details_url: str = ""


@dataclass
class MergeModelFact:
    repo_id: str
    parameters: dict[str, Any] = field(default_factory=dict)
    layer_range: list[int] | None = None
    positive_prompts: list[str] = field(default_factory=list)
    negative_prompts: list[str] = field(default_factory=list)


@dataclass
class MergeRecipeFact:
    tool: Literal["mergekit", "mergekit-moe"]
    method: str  # ties, dare_ties, slerp, linear, task_arithmetic, passthrough, moe ...
    base_model: str | None
    dtype: str | None
    models: list[MergeModelFact]
    parameters: dict[str, Any]  # global parameters (normalize, int8_mask, t gradients ...)
    raw_yaml: str
    parsed: dict[str, Any]  # the YAML as loaded (JSON-serialisable)
    step: int = 0  # position in a multi-step recipe
    gate_mode: str | None = None
    experts_per_token: int | None = None


@dataclass
class LineageFact:
    parent: str  # repo id
    kind: EdgeKind
    params: dict[str, Any] = field(default_factory=dict)  # weight, density, prompts ...
    confidence: float = 1.0  # 1.0 stated in config/front matter; lower when inferred from prose
    evidence: str = ""  # "base_model front matter", "mergekit config", "prose link" ...


@dataclass
class QuantizedLinkFact:
    """A quantized derivative of the document's model, published elsewhere."""

    repo_id: str
    format: str  # GGUF, GPTQ, AWQ, EXL2, FP8 ...
    level: str = ""  # Q8_0, Q4_K_M, 4bit-128g, 6.0bpw ...
    quantizer: str = ""  # org that published it (TheBloke, bartowski ...)


@dataclass
class QuantTableRow:
    """A row of a catalog page's quantization / VRAM table."""

    level: str  # Q4_K_M, Q6_K, Q8_0, FP16
    bits_per_weight: float
    vram_gb: float | None = None
    quality_pct: float | None = None
    file_size_gb: float | None = None


@dataclass
class GpuMention:
    name: str
    vendor: str
    memory_gb: float
    bandwidth_gbs: float | None = None
    price_usd: float | None = None


@dataclass
class ModelFacts:
    repo_id: str | None = None
    name: str = ""  # display name
    organization: str = ""
    license: str = ""
    license_name: str = ""
    license_link: str = ""
    tags: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    datasets: list[str] = field(default_factory=list)
    base_models: list[str] = field(default_factory=list)
    base_model_relation: str = ""  # finetune / merge / adapter / quantized as stated
    family: str = ""  # mistral, llama, qwen2 ...
    architecture: str = ""  # MixtralForCausalLM, MistralForCausalLM, "Mixtral 8x7B MoE" ...
    is_moe: bool = False
    num_experts: int | None = None
    experts_per_token: int | None = None
    total_params_b: float | None = None
    active_params_b: float | None = None
    params_estimated: bool = False  # True when derived from a name like "4x7B" rather than stated
    layers: int | None = None
    kv_heads: int | None = None
    attention_heads: int | None = None
    head_dim: int | None = None
    hidden_size: int | None = None
    context_length: int | None = None
    release_date: date | None = None
    prompt_format: str = ""  # chatml, alpaca, llama2, llama3, vicuna, zephyr, mistral ...
    prompt_template: str = ""
    downloads: int | None = None
    summary: str = ""  # first paragraph of prose
    training_notes: str = ""  # e.g. "fine-tuned on the OpenHermes dataset for 3 epochs"
    siblings: list[str] = field(default_factory=list)  # related repos (e.g. SFT sibling)
    ollama_tag: str = ""  # "mixtral:8x7b" from a catalog page's "ollama run" command


@dataclass
class ParsedDocument:
    kind: DocumentKind
    model: ModelFacts
    runs: list[EvalRunFact] = field(default_factory=list)
    lineage: list[LineageFact] = field(default_factory=list)
    merge_recipes: list[MergeRecipeFact] = field(default_factory=list)
    quantized_links: list[QuantizedLinkFact] = field(default_factory=list)
    quant_table: list[QuantTableRow] = field(default_factory=list)
    gpus: list[GpuMention] = field(default_factory=list)
    front_matter: dict[str, Any] = field(default_factory=dict)  # JSON-serialisable
    body_markdown: str = ""  # the card body (front matter and scrape noise removed)
    warnings: list[str] = field(default_factory=list)
