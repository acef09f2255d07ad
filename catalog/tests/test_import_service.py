"""Importing the seed documents end to end: every fact in SEEDS_EXPECTED.md lands in the database."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog.models import (
    DocumentStatus,
    EdgeKind,
    ImportJob,
    ItemStatus,
    LineageEdge,
    LLMModel,
    MergeRecipe,
    QuantizedVariant,
    SourceDocument,
)
from catalog.services.imports import DocumentInput, ImportFailed, create_import_job, import_document, run_import_job
from evals.models import EvalRun, Result

SEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "cards" / "seeds"


def seed(prefix: str) -> bytes:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_bytes()


def results_of(repo_id: str, **filters) -> dict[tuple[str, str, int | None], float]:
    rows = Result.objects.filter(run__model__repo_id=repo_id, **filters).select_related("benchmark")
    return {(r.benchmark.key if r.benchmark else r.raw_name, r.metric, r.shots): r.value for r in rows}


V1_000 = {("arc", "acc_norm", 25): 68.69, ("hellaswag", "acc_norm", 10): 86.16, ("mmlu", "acc", 5): 72.07,
          ("truthfulqa", "mc2", 0): 71.92, ("winogrande", "acc", 5): 83.58, ("gsm8k", "acc", 5): 59.14}


@pytest.mark.django_db
class TestSeedImports:
    def test_seed_000_merge_moe_card(self) -> None:
        outcome = import_document(seed("000"), origin="000.txt")
        model = outcome.model
        assert model.repo_id == "rombodawg/Open_Gpt4_8x7B_v0.2"
        assert model.license == "cc-by-4.0"
        assert {"merge", "moe"} <= set(model.tags)
        assert model.is_moe
        assert model.prompt_format == "alpaca"
        recipe = MergeRecipe.objects.get(model=model)
        assert recipe.method == "ties"
        assert recipe.base_model.repo_id == "smelborp/MixtralOrochi8x7B"
        assert recipe.dtype == "float16"
        assert recipe.parameters == {"normalize": True, "int8_mask": True}
        edges = {e.parent.repo_id: e.params for e in LineageEdge.objects.filter(child=model, kind=EdgeKind.MERGE)
                 .select_related("parent")}
        assert edges["mistralai/Mixtral-8x7B-Instruct-v0.1"]["density"] == 0.5
        assert edges["mistralai/Mixtral-8x7B-Instruct-v0.1"]["weight"] == 1
        assert edges["jondurbin/bagel-dpo-8x7b-v0.2"]["weight"] == 0.7
        assert "smelborp/MixtralOrochi8x7B" in edges
        variant = QuantizedVariant.objects.get(model=model, repo_id="rombodawg/Open_Gpt4_8x7B_v0.2_q8_0_gguf")
        assert (variant.format, variant.level) == ("GGUF", "Q8_0")
        # Front matter and the body table hold the same six values: stored once, with the stated average.
        own = EvalRun.objects.filter(model=model, third_party_claim=False)
        assert Result.objects.filter(run__in=own).count() == 6
        assert results_of(model.repo_id) == V1_000
        assert [r.stated_averages for r in own] == [{"": 73.59}]
        assert model.card_html and "<script" not in model.card_html

    def test_seed_001_flattened_front_matter_and_nous_claims(self) -> None:
        model = import_document(seed("001"), origin="001.txt").model
        assert model.repo_id == "mlabonne/Beyonder-4x7B-v2"
        assert model.license == "other"
        assert model.license_name == "microsoft-research-license"
        assert model.is_moe and model.num_experts == 4
        assert model.total_params_b == pytest.approx(24.2)
        assert model.context_length == 8192
        v1 = results_of(model.repo_id, run__leaderboard_hint="open_llm_v1")
        assert v1 == {("arc", "acc_norm", 25): 68.77, ("hellaswag", "acc_norm", 10): 86.8, ("mmlu", "acc", 5): 65.1,
                      ("truthfulqa", "mc2", 0): 60.68, ("winogrande", "acc", 5): 80.9,
                      ("gsm8k", "acc", 5): 71.72}
        nous = results_of(model.repo_id, run__leaderboard_hint="nous", run__third_party_claim=False)
        assert nous[("truthfulqa", "mc2", 0)] == 60.86  # both kept, each with its own source
        experts = set(LineageEdge.objects.filter(child=model, kind=EdgeKind.MOE_EXPERT)
                      .values_list("parent__repo_id", flat=True))
        assert experts == {"openchat/openchat-3.5-1210", "beowolx/CodeNinja-1.0-OpenChat-7B",
                           "maywell/PiVoT-0.1-Starling-LM-RP", "WizardLM/WizardMath-7B-V1.1"}
        assert MergeRecipe.objects.get(model=model).base_model.repo_id == "mlabonne/Marcoro14-7B-slerp"
        formats = set(QuantizedVariant.objects.filter(model=model).values_list("format", flat=True))
        assert formats == {"GGUF", "AWQ", "GPTQ", "EXL2"}
        # Claims about four other models are stored against those models, marked as third-party.
        claims = EvalRun.objects.filter(source_document__model=model, third_party_claim=True)
        assert claims.count() == 4
        assert "NousResearch/Nous-Hermes-2-Yi-34B" in set(claims.values_list("model__repo_id", flat=True))
        assert any("re-indent" in w.lower() for w in SourceDocument.objects.get(model=model).warnings)

    def test_seed_002_catalog_page(self) -> None:
        model = import_document(seed("002"), origin="002.txt").model
        assert model.repo_id == "NousResearch/Nous-Hermes-2-Mixtral-8x7B-DPO"
        assert (model.total_params_b, model.active_params_b) == (46.7, 13.0)
        assert (model.context_length, model.layers, model.kv_heads, model.head_dim) == (32768, 32, 8, 128)
        assert model.is_moe and model.family == "mistral" and model.prompt_format == "chatml"
        assert str(model.release_date) == "2024-01-11"
        table = {v.level: (v.bits_per_weight, v.stated_vram_gb, v.stated_quality_pct)
                 for v in QuantizedVariant.objects.filter(model=model)}
        assert table == {"Q4_K_M": (4.5, 26.8, 94), "Q6_K": (6.5, 38.4, 97), "Q8_0": (8, 47.2, 100),
                         "FP16": (16, 93.9, 100)}
        nous = results_of(model.repo_id, run__leaderboard_hint="nous")
        assert nous[("arc", "acc_norm", 0)] == pytest.approx(64.25)
        elo = results_of(model.repo_id, run__leaderboard_hint="arena_elo")
        assert elo == {("arena_elo", "elo", None): 1099}

    def test_seed_003_table_only_results(self) -> None:
        model = import_document(seed("003"), origin="003.txt").model
        assert model.repo_id == "orangetin/OpenHermes-Mixtral-8x7B"
        assert model.license == "apache-2.0" and model.languages == ["en"]
        assert model.prompt_format == "llama2"
        edge = LineageEdge.objects.get(child=model)
        assert (edge.parent.repo_id, edge.kind) == ("mistralai/Mixtral-8x7B-Instruct-v0.1", EdgeKind.FINETUNE)
        values = sorted(results_of(model.repo_id).values())
        assert values == sorted([63.91, 84.14, 64.29, 59.53, 74.03, 45.72])

    def test_seed_004_scraped_view_v2_and_self_reported_v1(self) -> None:
        model = import_document(seed("004"), origin="004.txt").model
        assert model.repo_id == "abacusai/Smaug-Mixtral-v0.1"
        v2 = results_of(model.repo_id, run__leaderboard_hint="open_llm_v2")
        assert sorted(v2.values()) == sorted([55.54, 31.92, 0.0, 6.82, 12.99, 26.13])
        assert Result.objects.filter(run__model=model, run__leaderboard_hint="open_llm_v2", normalized=True).count() == 6
        self_reported = EvalRun.objects.get(model=model, leaderboard_hint="open_llm_v1")
        assert self_reported.self_reported and self_reported.stated_averages == {"": 75.12}
        assert EvalRun.objects.get(model=model, leaderboard_hint="open_llm_v2").stated_averages == {"": 22.24}


@pytest.mark.django_db
class TestIdempotenceAndVersions:
    def test_reimport_same_text_changes_nothing(self) -> None:
        first = import_document(seed("000"), origin="a.txt")
        counts = (LLMModel.objects.count(), Result.objects.count(), LineageEdge.objects.count())
        second = import_document(seed("000"), origin="b.txt")
        assert second.status == ItemStatus.UNCHANGED
        assert second.document.pk == first.document.pk
        assert (LLMModel.objects.count(), Result.objects.count(), LineageEdge.objects.count()) == counts

    def test_new_version_replaces_facts_and_keeps_history(self) -> None:
        import_document(seed("003"), origin="003.txt")
        text = seed("003").decode().replace("| 63.91          |", "| 64.50          |")
        outcome = import_document(text, origin="003.txt")
        assert outcome.status == ItemStatus.UPDATED
        docs = SourceDocument.objects.filter(model=outcome.model).order_by("imported_at")
        assert [d.status for d in docs] == [DocumentStatus.SUPERSEDED, DocumentStatus.IMPORTED]
        assert docs[1].previous_id == docs[0].pk
        values = set(results_of(outcome.model.repo_id).values())
        assert 64.5 in values and 63.91 not in values


@pytest.mark.django_db
class TestBadInput:
    @pytest.mark.parametrize(
        "content, code",
        [
            (b"", "empty"),
            (b"\xff\xfe\x00garbage\x00\x01\x02", None),
            (b"a: &a [1]\nb: *a\n", None),
        ],
    )
    def test_rejected_with_reason(self, content: bytes, code: str | None) -> None:
        with pytest.raises(ImportFailed) as info:
            import_document(content, origin="bad")
        assert info.value.reason
        if code:
            assert info.value.code == code
        assert LLMModel.objects.count() == 0

    def test_alias_bomb_rejected(self) -> None:
        bomb = "---\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        for i, prev in zip("bcdefghi", "abcdefgh"):
            bomb += f"{i}: &{i} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
        bomb += "---\n# card\n"
        with pytest.raises(ImportFailed) as info:
            import_document(bomb.encode(), origin="bomb.md", repo_id_hint="x/y")
        assert info.value.code == "yaml_alias"

    def test_oversized_document(self, settings) -> None:
        settings.MAX_DOCUMENT_BYTES = 1000
        with pytest.raises(ImportFailed) as info:
            import_document(b"x" * 2000, origin="big.md")
        assert info.value.code == "too_large"

    def test_invalid_repo_id_hint(self) -> None:
        with pytest.raises(ImportFailed) as info:
            import_document(seed("003"), repo_id_hint="not a repo")
        assert info.value.code == "invalid_repo_id"


@pytest.mark.django_db
class TestJobs:
    def test_batch_with_good_and_bad_documents(self) -> None:
        docs = [DocumentInput(name="000.txt", content=seed("000")), DocumentInput(name="bad.bin", content=b"\x00\x01"),
                DocumentInput(name="003.txt", content=seed("003")), DocumentInput(name="000-again", content=seed("000"))]
        job = create_import_job(docs, via=ImportJob.Via.API, enqueue=False)
        job = run_import_job(job.pk)
        assert job.status == "done"
        assert (job.total, job.processed, job.succeeded, job.unchanged, job.failed_count) == (4, 4, 2, 1, 1)
        bad = job.items.get(name="bad.bin")
        assert bad.status == ItemStatus.FAILED and bad.error
        assert job.items.get(name="000-again").status == ItemStatus.UNCHANGED

    def test_reaper_requeues_stale_job_and_quarantines_repeat_offender(self, settings) -> None:
        from datetime import timedelta

        from django.utils import timezone

        from catalog.services.imports import reap_stuck_jobs

        settings.JOB_MAX_ATTEMPTS = 2
        job = create_import_job([DocumentInput(name="a", content=seed("003")),
                                 DocumentInput(name="b", content=seed("000"))], via="api", enqueue=False)
        # Simulate a worker killed while importing item "a" on its last allowed attempt.
        job.status, job.heartbeat_at = "running", timezone.now() - timedelta(hours=1)
        job.save()
        job.items.filter(name="a").update(status=ItemStatus.RUNNING, attempts=2)
        assert reap_stuck_jobs() == [job.pk]
        job.refresh_from_db()
        assert job.status == "queued"
        assert job.items.get(name="a").status == ItemStatus.QUARANTINED
        job = run_import_job(job.pk)
        assert job.status == "done"
        assert job.items.get(name="b").status == ItemStatus.IMPORTED
        assert job.failed_count == 1
