"""Facts from card prose: prompt formats, context, parameter counts, quant links, dates, notes, family."""

from __future__ import annotations

import time
from datetime import date

import pytest

from catalog.cards import prose
from catalog.cards.facts import ModelFacts
from catalog.cards.repo_refs import hf_model_links, quant_info


# --- prompt formats -------------------------------------------------------------------------


@pytest.mark.parametrize("body, expected", [
    ("```\n<|im_start|>system\nhi<|im_end|>\n```", "chatml"),
    ("### Instruction:\n{prompt}\n\n### Response:\n", "alpaca"),
    ("Instruct template: Alpaca", "alpaca"),
    ("```\n<s>[INST] <<SYS>>\n{system}\n<</SYS>>\n\n{prompt} [/INST]\n```", "llama2"),
    ("```\n<s>[INST] {prompt} [/INST]\n```", "mistral"),
    ("<|begin_of_text|><|start_header_id|>user<|end_header_id|>", "llama3"),
    ("A chat.\nUSER: {prompt}\nASSISTANT:", "vicuna"),
    ("<|system|>\n</s>\n<|user|>\n{prompt}</s>\n<|assistant|>", "zephyr"),
    ("<start_of_turn>user\n{prompt}<end_of_turn>\n<start_of_turn>model", "gemma"),
    ("<|user|>\n{prompt}<|end|>\n<|assistant|>", "phi3"),
    ("Nothing about prompts here.", ""),
])
def test_prompt_format_markers(body: str, expected: str) -> None:
    assert prose.prompt_format(body)[0] == expected


@pytest.mark.parametrize("body, expected", [
    # Explicit statements win over markers shown in examples.
    ("OpenHermes uses the LLaMA-2 prompt template.\n```\n<|im_start|>user\n```", "llama2"),
    ("Nous Hermes 2 uses ChatML as the prompt format.\n### Instruction:", "chatml"),
    ("Prompt format: **Vicuna**", "vicuna"),
    ("The prompt template is Zephyr.", "zephyr"),
    ("We recommend the Llama-3 chat template.", "llama3"),
    # ... but not comparisons or unrelated mentions.
    ("This is a more complex format than alpaca or sharegpt.\n<|im_start|>user", "chatml"),
    ("Unlike the Alpaca format, turns are marked with <|im_start|>.", "chatml"),
    ("We use Mistral 7B as the base model.", ""),
])
def test_stated_prompt_format_wins(body: str, expected: str) -> None:
    assert prose.prompt_format(body)[0] == expected


def test_template_comes_from_the_matching_code_block() -> None:
    body = ("Uses ChatML as the prompt format.\n\n```python\nimport x\nprompt = '<|im_start|>'\n```\n\n"
            "```\n<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{prompt}<|im_end|>\n```\n")
    fmt, template = prose.prompt_format(body)
    assert fmt == "chatml"
    assert template == "<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{prompt}<|im_end|>"


def test_chatml_template_from_plain_text() -> None:
    body = "Prompt:\n\n<|im_start|>system\nBe kind.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n\nMore text."
    assert prose.prompt_format(body) == ("chatml", "<|im_start|>system\nBe kind.<|im_end|>\n<|im_start|>user\nHi<|im_end|>")


# --- context length ---------------------------------------------------------------------------


@pytest.mark.parametrize("body, expected", [
    ("The recommended context length is 8k.", 8192),
    ("It supports a 32K context.", 32768),
    ("with a context window of 32768 tokens", 32768),
    ("Context: 4,096", 4096),
    ("trained with a 4096-token context", 4096),
    ("a 128k context window", 131072),
    ("context of 3 epochs", None),  # below any real context size
    ("no numbers here", None),
    ("```\nmax_context = 65536 context\n```\nThe context length is 8k.", 8192),  # code is not prose
])
def test_context_length(body: str, expected: int | None) -> None:
    assert prose.context_length(body) == expected


# --- parameter counts -------------------------------------------------------------------------


def test_stated_total_and_active() -> None:
    assert prose.stated_parameters("46.7B (13B active)") == (46.7, 13.0, None)
    assert prose.stated_parameters("46.7B\nParameters (13B active)") == (46.7, 13.0, None)
    assert prose.stated_parameters("a 141B parameters model with 39B active parameters") == (141.0, 39.0, None)
    text = "24.2B parameters + only two experts are selected during inference (so ~12B) vs. 34B param."
    assert prose.stated_parameters(text) == (24.2, 12.0, 2)


@pytest.mark.parametrize("name, shape", [
    ("Beyonder-4x7B-v2", (4, 7.0)), ("Mixtral-8x7B-Instruct-v0.1", (8, 7.0)), ("Open_Gpt4_8x7B_v0.2", (8, 7.0)),
    ("MixtralOrochi8x7B", (8, 7.0)), ("Mixtral-8x22B-v0.1", (8, 22.0)), ("laser-dolphin-2x7b", (2, 7.0)),
    ("Mistral-7B-v0.1", None), ("1x7B", None),
])
def test_moe_shape(name: str, shape: tuple[int, float] | None) -> None:
    assert prose.moe_shape(name) == shape


def test_moe_estimates_reproduce_published_sizes() -> None:
    # Mixtral 8x7B: 46.7B total, 12.9B active (Mistral AI); Beyonder-4x7B-v2 states 24.2B.
    assert prose.estimate_moe(8, 7.0, 2) == (46.7, 12.9)
    assert prose.estimate_moe(4, 7.0, 2) == (24.2, 12.9)
    assert prose.estimate_moe(2, 7.0, 2) == (12.9, 12.9)
    assert prose.estimate_moe(8, 22.0, 2) == (141.0, 39.0)
    assert prose.estimate_moe(4, 8.0, 2) is None  # no published shape for Llama-3 experts


def test_parameter_counts_from_name() -> None:
    assert prose.parameter_counts("", "Open_Gpt4_8x7B_v0.2") == (46.7, 12.9, 8, 2, True)
    assert prose.parameter_counts("It has 24.2B parameters.", "Beyonder-4x7B-v2") == (24.2, 12.9, 4, 2, True)
    assert prose.parameter_counts("", "Mistral-7B") == (None, None, None, None, False)


@pytest.mark.parametrize("name, size", [
    ("Mistral-7B-v0.1", 7.0), ("Llama-2-13b-hf", 13.0), ("TinyLlama-1.1B-Chat", 1.1), ("Yi-34B-200K", 34.0),
    ("Meta-Llama-3-8B-Instruct", 8.0), ("phi-2", None), ("Beyonder-4x7B-v2", None), ("gpt2", None),
])
def test_dense_size(name: str, size: float | None) -> None:
    assert prose.dense_size(name) == size


# --- quantized links and siblings -------------------------------------------------------------


@pytest.mark.parametrize("repo, info", [
    ("TheBloke/Beyonder-4x7B-v2-GGUF", ("GGUF", "")),
    ("rombodawg/Open_Gpt4_8x7B_v0.2_q8_0_gguf", ("GGUF", "Q8_0")),
    ("someone/Model-7B-Q4_K_M-GGUF", ("GGUF", "Q4_K_M")),
    ("someone/Model-7B-IQ3_XXS-GGUF", ("GGUF", "IQ3_XXS")),
    ("TheBloke/Model-AWQ", ("AWQ", "")),
    ("TheBloke/Model-GPTQ", ("GPTQ", "")),
    ("org/Model-GPTQ-4bit-128g", ("GPTQ", "4bit-128g")),
    ("bartowski/Beyonder-4x7B-v2-exl2", ("EXL2", "")),
    ("LoneStriker/Model-6.0bpw-h6-exl2", ("EXL2", "6.0bpw")),
    ("neuralmagic/Model-FP8", ("FP8", "")),
    ("mistralai/Mistral-7B-v0.1", None),
    ("org/ggufy-model", None),
])
def test_quant_info(repo: str, info: tuple[str, str] | None) -> None:
    assert quant_info(repo) == info


def test_quantized_links_need_a_relation_to_the_model() -> None:
    body = ("Quantized: https://huggingface.co/TheBloke/My-Model-7B-GGUF\n"
            "Example file listing: https://huggingface.co/TheBloke/Other-13B-GPTQ\n"
            "GGUF quants by the community: https://huggingface.co/someone/Renamed-GGUF\n"
            "A dataset: https://huggingface.co/datasets/org/data-GGUF\n")
    links = prose.quantized_links(body, "me/My-Model-7B")
    assert [(q.repo_id, q.format, q.quantizer) for q in links] == [
        ("TheBloke/My-Model-7B-GGUF", "GGUF", "TheBloke"), ("someone/Renamed-GGUF", "GGUF", "someone")]
    assert prose.quantized_links(body, "me/My-Model-7B", own_is_quantized=True) == []


def test_siblings() -> None:
    body = ("We have also released an SFT only version, which can be found here: "
            "https://huggingface.co/NousResearch/Nous-Hermes-2-Mixtral-8x7B-SFT\n"
            "Base: https://huggingface.co/mistralai/Mixtral-8x7B-v0.1\n"
            "GGUF version: https://huggingface.co/NousResearch/Nous-Hermes-2-Mixtral-8x7B-DPO-GGUF\n")
    assert prose.siblings(body, "NousResearch/Nous-Hermes-2-Mixtral-8x7B-DPO") == [
        "NousResearch/Nous-Hermes-2-Mixtral-8x7B-SFT"]


def test_hf_model_links_skip_datasets_spaces_and_trailing_dots() -> None:
    body = ("See https://huggingface.co/org/model-a. Data: https://huggingface.co/datasets/org/ds, "
            "board https://huggingface.co/spaces/org/space, [b](https://hf.co/org/model-b/tree/main) and "
            "https://huggingface.co/org/model-a again; www.huggingface.co/Org2/Model-C")
    assert hf_model_links(body) == ["org/model-a", "org/model-b", "Org2/Model-C"]


# --- dates, notes, family, summary --------------------------------------------------------------


@pytest.mark.parametrize("body, expected", [
    ("It was released on 2024-01-11.", date(2024, 1, 11)),
    ("Released: January 11, 2024", date(2024, 1, 11)),
    ("release date 3rd March 2024", date(2024, 3, 3)),
    ("released on 2024-13-45", None),
    ("Published in the 2023 report.", None),
])
def test_release_date(body: str, expected: date | None) -> None:
    assert prose.release_date(body) == expected


def test_training_notes_prefer_the_sentence_with_epochs() -> None:
    body = ("Thanks to [Teknium](https://huggingface.co/teknium) for the data.\n\n"
            "It was fine-tuned with care.\n"
            "This model was trained on the [OpenHermes dataset](https://huggingface.co/datasets/teknium/openhermes)"
            "\nfor 3 epochs\n\n```\ntrained on secret data for 9 epochs\n```\n")
    assert prose.training_notes(body) == "This model was trained on the OpenHermes dataset for 3 epochs"
    assert prose.training_notes("No training details.") == ""


@pytest.mark.parametrize("texts, family", [
    (("Open_Gpt4_8x7B_v0.2", "mistralai/Mixtral-8x7B-Instruct-v0.1"), "mistral"),
    (("Beyonder-4x7B-v2", "merge moe Mistral"), "mistral"),
    (("dolphin-2.9-llama3-8b",), "llama"),
    (("Qwen2-7B-Instruct",), "qwen"),
    (("gemma-7b-it",), "gemma"),
    (("Phi-3-mini-4k-instruct",), "phi"),
    (("dolphin-philosophy",), ""),  # "phi" inside a word is not Phi
    (("Nous-Hermes-2-Yi-34B",), "yi"),
    (("SOLAR-10.7B-Instruct",), "solar"),
    (("", "stablelm-zephyr-3b"), "stablelm"),  # the earliest match in the first naming text wins
])
def test_family_of(texts: tuple[str, ...], family: str) -> None:
    assert prose.family_of(*texts) == family


def test_summary_skips_headings_images_and_short_lines() -> None:
    body = ("![](img.png)\n# Title\nShort line.\n\n- a list item that is long enough to count as text\n"
            "This model is a [merge](https://github.com/cg123/mergekit) of two\nexcellent models.\n")
    assert prose.summary(body) == "This model is a merge of two excellent models."


def test_apply_prose_fills_only_missing_facts() -> None:
    model = ModelFacts(context_length=4096, prompt_format="alpaca", name="Beyonder-4x7B-v2")
    body = "Uses ChatML as the prompt format. The context length is 8k. It has 24.2B parameters."
    assert prose.apply_prose(model, body) == []
    assert (model.prompt_format, model.context_length, model.total_params_b) == ("alpaca", 4096, 24.2)
    assert (model.is_moe, model.num_experts, model.params_estimated) == (True, 4, False)


def test_prose_patterns_are_linear_on_hostile_text() -> None:
    hostile = ["9" * 400_000, "[" * 400_000, "<|user|>" * 50_000, "USER:\n" * 60_000, "trained on " * 40_000,
               "context " * 50_000, "1.5B " * 80_000, "released on " * 30_000, ("a" * 300 + " ") * 1000]
    started = time.perf_counter()
    for text in hostile:
        model = ModelFacts()
        prose.apply_prose(model, text)
        prose.quantized_links(text, None)
        prose.siblings(text, None)
