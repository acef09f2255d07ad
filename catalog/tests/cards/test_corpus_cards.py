"""Key facts of the additional model-card corpus (shapes beyond the five seeds)."""

from __future__ import annotations

from pathlib import Path

from catalog.cards import parse_document
from catalog.cards.facts import ParsedDocument

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "cards" / "corpus"


def parse(name: str, **kwargs: str) -> ParsedDocument:
    return parse_document((CORPUS / name).read_bytes(), filename=name, **kwargs)


def test_dare_ties_multistep_recipe() -> None:
    doc = parse("dare_ties_multistep.md", repo_id_hint="acme/Hermes-Starling-DARE-7B")
    first, second = doc.merge_recipes
    assert [(r.step, r.tool, r.method, r.dtype) for r in doc.merge_recipes] == [
        (0, "mergekit", "dare_ties", "bfloat16"), (1, "mergekit", "slerp", "bfloat16")]
    assert first.base_model == "mistralai/Mistral-7B-v0.1"
    assert first.parameters == {"normalize": True, "int8_mask": True}
    assert first.parsed["tokenizer_source"] == "union"
    assert [(m.repo_id, m.parameters) for m in first.models] == [
        ("mistralai/Mistral-7B-v0.1", {}),
        ("teknium/OpenHermes-2.5-Mistral-7B", {"density": [1, 0.7, 0.1], "weight": 0.6}),  # bare name resolved
        ("Intel/neural-chat-7b-v3-3", {"density": 0.55, "weight": [{"filter": "mlp", "value": 0.5}, {"value": 0.3}]}),
    ]
    assert first.raw_yaml.startswith("# step 1") and "slices" not in first.raw_yaml
    assert second.raw_yaml.startswith("# step 2")
    # The intermediate output of step 0 is a local path: kept as written, warned about, no edge.
    assert second.base_model == "step1" and [m.repo_id for m in second.models] == [
        "step1", "berkeley-nest/Starling-LM-7B-alpha"]
    assert second.parameters["t"][2] == {"value": 0.5}
    assert any("'./merges/step1'" in w and "does not resolve" in w for w in doc.warnings)
    edges = {e.parent: e.params for e in doc.lineage}
    assert set(edges) == {"mistralai/Mistral-7B-v0.1", "teknium/OpenHermes-2.5-Mistral-7B",
                          "Intel/neural-chat-7b-v3-3", "berkeley-nest/Starling-LM-7B-alpha"}
    assert edges["mistralai/Mistral-7B-v0.1"] == {"method": "dare_ties", "role": "base", "step": 0}
    assert edges["berkeley-nest/Starling-LM-7B-alpha"] == {"method": "slerp", "layer_range": [0, 32], "step": 1}
    assert all(e.kind == "merge" for e in doc.lineage)
    # v2 results without a source URL: the benchmark keys decide; not a leaderboard bot.
    [run] = doc.runs
    assert (run.leaderboard, run.self_reported) == ("open_llm_v2", True)
    assert {(r.benchmark, r.metric, r.shots, r.value) for r in run.results} == {
        ("ifeval", "strict_acc", 0, 41.27), ("bbh", "acc_norm", 3, 24.95), ("mmlu_pro", "acc", 5, 22.81)}
    assert doc.model.prompt_format == "chatml" and doc.model.prompt_template.startswith("<|im_start|>system")


def test_moe_with_negative_prompts() -> None:
    doc = parse("moe_negative_prompts.md")
    m = doc.model
    [recipe] = doc.merge_recipes
    assert (recipe.tool, recipe.method, recipe.gate_mode, recipe.experts_per_token, recipe.dtype) == (
        "mergekit-moe", "moe", "hidden", 2, "bfloat16")
    assert [(x.repo_id, x.negative_prompts) for x in recipe.models] == [
        ("NousResearch/Hermes-2-Pro-Llama-3-8B", ["story"]), ("abacusai/Llama-3-Smaug-8B", ["roleplay", "poem"]),
        ("dreamgen/opus-v1.2-llama-3-8b", []), ("meta-llama/Meta-Llama-3-8B-Instruct", [])]
    experts = [e for e in doc.lineage if e.kind == "moe_expert"]
    assert len(experts) == 4 and experts[1].params == {
        "method": "moe", "positive_prompts": ["math", "reason step by step"],
        "negative_prompts": ["roleplay", "poem"], "gate_mode": "hidden"}
    [base] = [e for e in doc.lineage if e.kind == "merge"]
    assert (base.parent, base.params) == ("meta-llama/Meta-Llama-3-8B-Instruct", {"role": "base", "method": "moe"})
    assert (m.is_moe, m.num_experts, m.experts_per_token, m.family, m.architecture) == (
        True, 4, 2, "llama", "MixtralForCausalLM")
    # 4x8B Llama-3 experts: no published shape to estimate from, so no parameter guess.
    assert (m.total_params_b, m.active_params_b) == (None, None)
    assert m.prompt_format == "llama3" and "<|start_header_id|>" in m.prompt_template
    assert m.context_length == 8192


def test_llama3_finetune_lists_and_self_reported_fractions() -> None:
    doc = parse("llama3_finetune.md", repo_id_hint="acme-ai/Llama-3-Hermes-DPO-8B")
    m = doc.model
    assert m.base_models == ["meta-llama/Meta-Llama-3-8B"]
    assert m.datasets == ["teknium/OpenHermes-2.5", "argilla/dpo-mix-7k"]
    assert (m.languages, m.license, m.license_name) == (["en", "de"], "other", "llama3")
    assert [(e.parent, e.kind) for e in doc.lineage] == [("meta-llama/Meta-Llama-3-8B", "finetune")]
    assert (m.family, m.architecture, m.total_params_b, m.params_estimated) == ("llama", "LlamaForCausalLM", 8.0, True)
    assert str(m.release_date) == "2024-04-25" and m.context_length == 8192
    assert m.training_notes == ("The model was fine-tuned on OpenHermes-2.5 for 2 epochs, followed by one epoch "
                                "of DPO on dpo-mix-7k")
    assert m.prompt_format == "llama3"
    unknown, harness = doc.runs
    [german] = unknown.results
    assert (german.benchmark, german.raw_name, german.value, german.raw_value, german.raw_scale) == (
        "", "German Legal QA", 67.31, 0.6731, 1.0)  # unknown tasks are kept, not dropped
    assert harness.label == "lm-evaluation-harness (self-run)" and harness.leaderboard is None
    assert {(r.benchmark, r.metric, r.shots, r.value) for r in harness.results} == {
        ("arc_easy", "acc", 0, 83.46), ("hellaswag", "acc_norm", 0, 79.25)}
    assert [(q.repo_id, q.format) for q in doc.quantized_links] == [
        ("acme-ai/Llama-3-Hermes-DPO-8B-GGUF", "GGUF"), ("solidrust/Llama-3-Hermes-DPO-8B-AWQ", "AWQ")]


def test_crlf_and_bom() -> None:
    raw = (CORPUS / "crlf_bom.md").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf---\r\n")
    doc = parse("crlf_bom.md")
    m = doc.model
    assert (m.repo_id, m.license, m.languages, m.tags) == (
        "windows-lab/zephyr-7b-dpo-windows", "mit", ["en"], ["zephyr", "dpo"])
    assert "\r" not in doc.body_markdown
    assert m.prompt_format == "zephyr" and m.prompt_template.startswith("<|system|>")
    assert [(e.parent, e.kind) for e in doc.lineage] == [("HuggingFaceH4/mistral-7b-sft-beta", "finetune")]
    [run] = doc.runs
    assert run.leaderboard == "open_llm_v1" and run.stated_averages == {"": 61.25}
    assert {r.benchmark: r.value for r in run.results}["gsm8k"] == 24.83
    assert doc.warnings == []


def test_card_without_front_matter() -> None:
    doc = parse("no_frontmatter.md")
    m = doc.model
    assert doc.front_matter == {} and doc.kind == "model_card"
    assert (m.repo_id, m.name, m.license) == ("lexlab/Vicuna-Legal-13B", "Vicuna-Legal-13B", "")
    assert m.prompt_format == "vicuna" and "USER: {prompt}" in m.prompt_template
    assert m.context_length == 4096
    [edge] = doc.lineage
    assert (edge.parent, edge.kind, edge.confidence) == ("meta-llama/Llama-2-13b-hf", "finetune", 0.8)
    assert (m.family, m.total_params_b) == ("llama", 13.0)
    [run] = doc.runs
    assert {r.benchmark: r.value for r in run.results} == {
        "arc": 58.11, "hellaswag": 81.92, "mmlu": 55.43, "truthfulqa": 49.12, "winogrande": 75.3, "gsm8k": 21.38}


def test_lora_adapter() -> None:
    doc = parse("adapter_lora.md", repo_id_hint="sqlcoder/mistral-7b-sql-lora")
    m = doc.model
    assert [(e.parent, e.kind) for e in doc.lineage] == [("mistralai/Mistral-7B-Instruct-v0.2", "adapter")]
    assert m.prompt_format == "mistral" and m.prompt_template.startswith("<s>[INST]")
    assert "for 3 epochs" in m.training_notes
    assert doc.runs == [] and doc.front_matter["model-index"][0]["results"] == []
    assert m.repo_id == "sqlcoder/mistral-7b-sql-lora" and not any("imported as" in w for w in doc.warnings)


def test_passthrough_frankenmerge_with_local_paths() -> None:
    doc = parse("passthrough_frankenmerge.md")
    [recipe] = doc.merge_recipes
    assert (recipe.method, recipe.base_model, recipe.dtype) == ("passthrough", None, "float16")
    hermes, mystery = recipe.models
    # "/home/ubuntu/models/NousResearch_Nous-Hermes-2-SOLAR-10.7B" -> the linked repo
    assert hermes.repo_id == "NousResearch/Nous-Hermes-2-SOLAR-10.7B"
    assert hermes.layer_range == [0, 32] and hermes.parameters["layer_ranges"] == [[0, 32], [16, 48]]
    assert (mystery.repo_id, mystery.layer_range) == ("mystery-local-model", [40, 48])
    assert any("'./mystery-local-model'" in w for w in doc.warnings)
    [edge] = doc.lineage
    assert (edge.parent, edge.kind, edge.params) == (
        "NousResearch/Nous-Hermes-2-SOLAR-10.7B", "merge", {"layer_ranges": [[0, 32], [16, 48]],
                                                            "method": "passthrough"})
    assert (doc.model.family, doc.model.total_params_b, doc.model.context_length) == ("solar", 16.0, 4096)


def test_front_matter_indented_with_tabs() -> None:
    doc = parse("gemma_tabs.md", repo_id_hint="orpo-lab/gemma-7b-it-orpo")
    m = doc.model
    assert any("tabs" in w for w in doc.warnings)
    assert (m.license, m.tags, m.base_models) == ("gemma", ["gemma", "chat"], ["google/gemma-7b-it"])
    assert (m.family, m.architecture, m.prompt_format, m.context_length) == (
        "gemma", "GemmaForCausalLM", "gemma", 8192)
    assert "<start_of_turn>user" in m.prompt_template
    # The TheBloke Llama-2 link is not about this model and says nothing about quantizing it.
    assert [(q.repo_id, q.format, q.level, q.quantizer) for q in doc.quantized_links] == [
        ("bartowski/gemma-7b-it-orpo-GGUF", "GGUF", "", "bartowski"),
        ("LoneStriker/gemma-7b-it-orpo-6.0bpw-h6-exl2", "EXL2", "6.0bpw", "LoneStriker")]


def test_phi3_v2_leaderboard_with_a_bad_value() -> None:
    doc = parse("phi3_v2_leaderboard.md")
    m = doc.model
    assert (m.repo_id, m.family, m.architecture, m.context_length) == (
        "phi-lab/Phi-3-mini-128k-sft", "phi", "Phi3ForCausalLM", 131072)
    assert (m.prompt_format, str(m.release_date), m.base_model_relation) == ("phi3", "2024-06-03", "finetune")
    [run] = doc.runs  # front matter + the repeated table: one run
    assert (run.leaderboard, run.self_reported, run.stated_averages) == ("open_llm_v2", False, {"": 32.05})
    assert {(r.benchmark, r.metric, r.value) for r in run.results} == {
        ("ifeval", "strict_acc", 59.76), ("bbh", "acc_norm", 36.34)}
    assert run.details_url.endswith("open-llm-leaderboard/phi-lab__Phi-3-mini-128k-sft-details")
    assert any("'n/a' is not a number" in w for w in doc.warnings)
    [link] = doc.quantized_links
    assert (link.format, link.level) == ("GPTQ", "4bit-128g")


def test_scraped_file_view_with_flattened_front_matter() -> None:
    doc = parse("scraped_blame_flattened.md")
    assert doc.model.repo_id == "flatco/Flat-Merge-7B" and doc.model.license == "apache-2.0"
    assert any("Skipped 12 lines" in w for w in doc.warnings)
    assert any("re-indented" in w for w in doc.warnings)
    assert any("'MMLU (5-Shot)' has no metrics" in w for w in doc.warnings)  # the cut-off entry
    [run] = doc.runs
    assert {(r.benchmark, r.shots, r.value) for r in run.results} == {("arc", 25, 66.04), ("hellaswag", 10, 85.93)}
    args = doc.front_matter["model-index"][0]["results"][0]["dataset"]["args"]
    assert args == {"num_few_shot": 25, "fewshot_seed": 1234}  # an unknown key stays with its siblings
    assert doc.body_markdown.lstrip().startswith("# Flat-Merge-7B")


def test_merge_block_with_anchor_is_refused_but_the_card_is_kept() -> None:
    doc = parse("merge_block_with_anchor.md")
    assert doc.merge_recipes == [] and doc.lineage == []
    assert any("refused" in w and "anchors" in w for w in doc.warnings)
    assert doc.model.license == "apache-2.0"


def test_quantized_repo_card_links_siblings_not_derivatives() -> None:
    text = (CORPUS / "gguf_repo_card.md").read_text() + (
        "\nOther formats: https://huggingface.co/TheBloke/Mistral-7B-Instruct-v0.2-AWQ (AWQ version)\n")
    doc = parse_document(text)
    assert doc.quantized_links == []
    assert doc.model.siblings == ["TheBloke/Mistral-7B-Instruct-v0.2-AWQ"]
    assert [(e.parent, e.kind) for e in doc.lineage] == [("mistralai/Mistral-7B-Instruct-v0.2", "quantized")]
