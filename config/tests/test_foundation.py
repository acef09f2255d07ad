"""The base the product stands on: constraints, reference data, admin, deployment files."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.contrib import admin
from django.db import IntegrityError, transaction
from django.urls import reverse

from catalog.models import EdgeKind, LineageEdge, LLMModel, Organization
from evals.models import Benchmark, Leaderboard
from hardware.models import GPU, QuantizationFormat

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
class TestConstraints:
    def test_duplicate_repo_id_rejected_case_insensitively(self) -> None:
        LLMModel.objects.create(repo_id="mistralai/Mixtral-8x7B-v0.1", name="Mixtral")
        with pytest.raises(IntegrityError), transaction.atomic():
            LLMModel.objects.create(repo_id="mistralai/mixtral-8x7b-v0.1", name="dup")

    def test_self_lineage_rejected(self) -> None:
        model = LLMModel.objects.create(repo_id="a/b", name="b")
        with pytest.raises(IntegrityError), transaction.atomic():
            LineageEdge.objects.create(child=model, parent=model, kind=EdgeKind.FINETUNE)

    def test_duplicate_edge_rejected(self) -> None:
        child = LLMModel.objects.create(repo_id="a/child", name="child")
        parent = LLMModel.objects.create(repo_id="a/parent", name="parent")
        LineageEdge.objects.create(child=child, parent=parent, kind=EdgeKind.MERGE)
        with pytest.raises(IntegrityError), transaction.atomic():
            LineageEdge.objects.create(child=child, parent=parent, kind=EdgeKind.MERGE)

    def test_negative_gpu_memory_rejected(self) -> None:
        with pytest.raises(IntegrityError), transaction.atomic():
            GPU.objects.create(slug="bad", name="Bad", vendor="nvidia", memory_gb=-8, bandwidth_gbs=100)

    def test_active_params_cannot_exceed_total(self) -> None:
        with pytest.raises(IntegrityError), transaction.atomic():
            LLMModel.objects.create(repo_id="a/moe", name="moe", total_params_b=12.9, active_params_b=46.7)

    def test_model_clean_gives_field_message(self) -> None:
        from django.core.exceptions import ValidationError

        model = LLMModel(repo_id="a/moe", name="moe", total_params_b=12.9, active_params_b=46.7)
        with pytest.raises(ValidationError) as info:
            model.full_clean()
        assert "active_params_b" in info.value.message_dict

    def test_invalid_repo_id_rejected_by_validation(self) -> None:
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError) as info:
            LLMModel(repo_id="not a repo id", name="x").full_clean()
        assert "repo_id" in info.value.message_dict


@pytest.mark.django_db
class TestReferenceData:
    def test_gpus_loaded(self) -> None:
        assert GPU.objects.count() >= 40
        mi300x = GPU.objects.get(name__icontains="MI300X")
        assert mi300x.memory_gb == 192
        assert GPU.objects.filter(memory_kind="unified", vendor="apple").count() >= 4
        assert set(GPU.objects.values_list("vendor", flat=True)) >= {"nvidia", "amd", "apple", "intel"}

    def test_quantization_formats_loaded(self) -> None:
        names = set(QuantizationFormat.objects.values_list("name", flat=True))
        assert {"Q2_K", "Q4_K_M", "Q5_K_M", "Q6_K", "Q8_0", "FP16", "BF16", "FP8"} <= names
        assert QuantizationFormat.objects.get(name="Q8_0").bits_per_weight == pytest.approx(8.5, abs=0.01)
        assert QuantizationFormat.objects.filter(standard=True).count() == 8

    def test_benchmarks_and_leaderboards_loaded(self) -> None:
        slugs = set(Leaderboard.objects.values_list("slug", flat=True))
        assert {"open-llm-v1", "open-llm-v2", "nous", "arena-elo"} <= slugs
        v1 = Leaderboard.objects.get(slug="open-llm-v1")
        members = {m.benchmark.key: (m.metric, m.shots) for m in v1.members.select_related("benchmark")}
        assert members == {
            "arc": ("acc_norm", 25), "hellaswag": ("acc_norm", 10), "mmlu": ("acc", 5),
            "truthfulqa": ("mc2", 0), "winogrande": ("acc", 5), "gsm8k": ("acc", 5),
        }
        assert Benchmark.objects.get(key="gpqa").random_baseline == pytest.approx(0.25)
        assert Benchmark.objects.filter(key__startswith="bigbench_").count() >= 18
        assert Benchmark.objects.filter(key__startswith="agieval_").count() == 8


ADMIN_MODELS = [m for m in admin.site._registry]


@pytest.mark.django_db
class TestAdmin:
    @pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda m: m._meta.label)
    def test_changelist_renders_for_staff(self, staff_client, model) -> None:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert staff_client.get(url).status_code == 200
        assert staff_client.get(url, {"q": "mixtral"}).status_code == 200

    @pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda m: m._meta.label)
    def test_refused_to_anonymous(self, client, model) -> None:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("admin:login") in response["Location"]

    def test_model_change_page_with_inlines_and_history(self, staff_client) -> None:
        org = Organization.objects.create(slug="mistralai", name="Mistral AI")
        base = LLMModel.objects.create(repo_id="mistralai/Mistral-7B-v0.1", name="Mistral-7B", organization=org)
        child = LLMModel.objects.create(repo_id="teknium/OpenHermes-2.5-Mistral-7B", name="OpenHermes")
        LineageEdge.objects.create(child=child, parent=base, kind=EdgeKind.FINETUNE)
        page = staff_client.get(reverse("admin:catalog_llmmodel_change", args=[child.pk]))
        assert page.status_code == 200
        assert b"mistralai/Mistral-7B-v0.1" in page.content
        history = staff_client.get(reverse("admin:catalog_llmmodel_history", args=[child.pk]))
        assert history.status_code == 200

    def test_admin_edit_is_validated_and_recorded(self, staff_client, staff_user) -> None:
        model = LLMModel.objects.create(repo_id="a/b", name="b", total_params_b=7.2)
        url = reverse("admin:catalog_llmmodel_change", args=[model.pk])
        form = {
            "repo_id": "a/b", "name": "b", "total_params_b": "7.2", "active_params_b": "9.0",
            "tags": "", "languages": "", "datasets": "",
            "parent_edges-TOTAL_FORMS": "0", "parent_edges-INITIAL_FORMS": "0",
            "merge_recipes-TOTAL_FORMS": "0", "merge_recipes-INITIAL_FORMS": "0",
            "quantized_variants-TOTAL_FORMS": "0", "quantized_variants-INITIAL_FORMS": "0",
        }
        response = staff_client.post(url, form)
        assert response.status_code == 200  # re-rendered with the error, not saved
        assert b"Active parameters cannot exceed total parameters" in response.content
        form["active_params_b"] = "7.2"
        form["family"] = "mistral"
        response = staff_client.post(url, form)
        assert response.status_code == 302, response.content[:2000]
        model.refresh_from_db()
        assert model.family == "mistral"
        latest = model.history.latest()
        assert latest.history_user == staff_user
        assert latest.family == "mistral"


def test_docker_compose_is_production_shaped() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    assert "healthcheck" in services["postgres"] and "healthcheck" in services["redis"]
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
        assert services[name]["image"] == "llmcatalog:latest"  # one image for all three
    env = services["web"]["environment"]
    assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    # No secret is baked in: each comes from the environment of whoever runs compose.
    assert env["SECRET_KEY"].startswith("${")
    assert "${POSTGRES_PASSWORD" in env["DATABASE_URL"]
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith("${")
    assert "gunicorn" in services["web"]["command"]
    assert "worker" in services["worker"]["command"] and "beat" in services["beat"]["command"]


def test_production_settings_pass_deploy_check() -> None:
    # The browser tests' conftest sets DJANGO_ALLOW_ASYNC_UNSAFE for Playwright; production never has it.
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": "postgres://u:p@127.0.0.1:1/db",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "ALLOWED_HOSTS": "catalog.example.org",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_refuse_to_start_without_secret() -> None:
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.production", DATABASE_URL="postgres://u:p@h/db",
               CELERY_BROKER_URL="redis://h:6379/0")
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_healthz_reports_database(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok"}


@pytest.mark.django_db
def test_healthz_worker_round_trip_eager(client) -> None:
    response = client.get("/healthz", {"worker": "1"})
    assert response.json()["worker"] == "ok"


@pytest.mark.django_db
def test_database_sessions_start_with_the_catalogs_server_settings() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit'), current_setting('pg_trgm.similarity_threshold', true)")
        jit, threshold = cursor.fetchone()
    assert jit == "off"
    assert threshold == "0.25"


def test_the_wsgi_application_leaves_its_start_up_objects_out_of_garbage_collection() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    code = "import gc; import config.wsgi; print(gc.get_freeze_count())"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 10_000  # Django and the apps: hundreds of thousands of objects
