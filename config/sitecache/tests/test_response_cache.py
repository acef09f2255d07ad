"""The response cache: hits skip the view, every kind of write makes the next read a miss with the
new data, and nothing per-user (sessions, tokens, CSRF tokens, messages, job progress) is stored."""

from __future__ import annotations

from typing import Any, Callable

import pytest
from django.core.cache import caches
from django.db import connection, transaction
from django.test import Client
from rest_framework.test import APIClient

from catalog.cardgen import generated_card
from catalog.jobs import JobStatus
from catalog.models import ImportJob, LLMModel, Organization
from catalog.services.imports import DocumentInput, create_import_job, run_import_job
from catalog.tests.factories import ImportJobFactory, LLMModelFactory
from config.sitecache.version import SEQUENCE, cache_version, catalog_changed, current_version
from config.tests.api_factories import make_user, token_client
from evals.models import Result, Score
from evals.services.scoring import request_scoring, run_scoring_job
from hardware.models import GPU, FitRequirement
from hardware.services.fit import request_fit, run_fit_job

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def cache_on(settings: Any) -> None:
    settings.RESPONSE_CACHE_SECONDS = 600
    caches[settings.RESPONSE_CACHE_ALIAS].clear()


def commit() -> list[Callable[[], None]]:
    """What COMMIT does at this point of the test's (never committed) transaction: run the pending
    on_commit callbacks -- the version bump among them -- and forget them, so later writes register
    their own bump instead of finding this one pending."""
    pending, connection.run_on_commit = connection.run_on_commit, []
    for _, callback, _ in pending:
        callback()
    return [callback for _, callback, _ in pending]


def get(path: str, client: Client | None = None, **headers: Any) -> Any:
    return (client or Client()).get(path, **headers)


def test_a_hit_replays_the_same_bytes_with_one_query(django_assert_num_queries) -> None:
    LLMModelFactory(repo_id="acme/Cached-7B")
    first = get("/models/acme/Cached-7B/")
    assert (first.status_code, first["X-Cache"]) == (200, "miss")
    with django_assert_num_queries(1):  # the catalog version; the view does not run
        second = get("/models/acme/Cached-7B/")
    assert second["X-Cache"] == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert second["X-Frame-Options"] == "DENY" and "Content-Security-Policy" in second


def test_cached_entries_name_the_cluster_database_and_sequence_that_counted(django_assert_num_queries) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT system_identifier FROM pg_control_system()), "
                       "(SELECT oid FROM pg_database WHERE datname = current_database()), %s::regclass::oid",
                       [SEQUENCE])
        cluster, database, sequence = cursor.fetchone()
    expected = f"{cluster}-{database}-{sequence}.{current_version()}"
    assert cache_version() == expected
    with django_assert_num_queries(1):  # the connection's database is known by now
        assert cache_version() == expected


def test_a_sequence_restored_to_a_used_number_does_not_serve_the_old_pages() -> None:
    """A restore that recreates the version's sequence (pg_restore --clean) sets it back to numbers
    already used; the cache server still holds the pages stored under them, which are not this
    catalog's. (A new database or cluster changes the other qualifiers, checked above.)"""
    LLMModelFactory(repo_id="acme/Restored-7B")
    assert [get("/models/acme/Restored-7B/")["X-Cache"] for _ in range(2)] == ["miss", "hit"]
    number = current_version()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SEQUENCE {SEQUENCE}")
        cursor.execute(f"CREATE SEQUENCE {SEQUENCE}")
        cursor.execute("SELECT setval(%s, %s, %s)", [SEQUENCE, max(number, 1), number > 0])
    assert current_version() == number
    assert [get("/models/acme/Restored-7B/")["X-Cache"] for _ in range(2)] == ["miss", "hit"]


def test_api_hits_keep_etag_conditional_get_and_cache_control(django_assert_num_queries) -> None:
    LLMModelFactory(repo_id="acme/Etag-7B")
    first = get("/api/models/acme/Etag-7B/")
    assert first["X-Cache"] == "miss" and first["Cache-Control"] == "no-cache"
    with django_assert_num_queries(1):
        hit = get("/api/models/acme/Etag-7B/")
    assert (hit["X-Cache"], hit.content, hit["ETag"], hit["Cache-Control"]) == \
        ("hit", first.content, first["ETag"], "no-cache")
    assert hit["Vary"] == "Accept, Authorization, Cookie"
    not_modified = get("/api/models/acme/Etag-7B/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert (not_modified.status_code, not_modified["X-Cache"], not_modified["ETag"]) == (304, "hit", first["ETag"])
    assert not_modified.content == b""


def test_accept_header_is_part_of_the_key() -> None:
    LLMModelFactory(repo_id="acme/Neg-7B")
    as_json = get("/api/models/acme/Neg-7B/", HTTP_ACCEPT="application/json")
    assert get("/api/models/acme/Neg-7B/", HTTP_ACCEPT="application/json")["X-Cache"] == "hit"
    as_csv = get("/api/models/acme/Neg-7B/", HTTP_ACCEPT="text/html")
    assert as_csv["X-Cache"] == "miss"
    assert as_csv["Content-Type"] != as_json["Content-Type"]


def test_head_is_served_from_the_get_entry() -> None:
    LLMModelFactory(repo_id="acme/Head-7B")
    get("/models/acme/Head-7B/")
    assert Client().head("/models/acme/Head-7B/")["X-Cache"] == "hit"


def test_setting_zero_turns_the_cache_off(settings: Any, django_assert_num_queries) -> None:
    settings.RESPONSE_CACHE_SECONDS = 0
    LLMModelFactory(repo_id="acme/Off-7B")
    first = get("/api/models/acme/Off-7B/")
    second = get("/api/models/acme/Off-7B/")
    assert "X-Cache" not in first and "X-Cache" not in second
    assert second.content == first.content


def test_signed_in_users_are_never_served_from_or_stored_in_the_cache(staff_user: Any) -> None:
    LLMModelFactory(repo_id="acme/Mine-7B")
    anonymous = get("/models/acme/Mine-7B/")
    assert anonymous["X-Cache"] == "miss" and b"curator" not in anonymous.content
    signed_in = Client()
    signed_in.force_login(staff_user)
    page = signed_in.get("/models/acme/Mine-7B/")
    assert "X-Cache" not in page
    assert b'class="user-name"' in page.content and b"curator" in page.content  # their own header, not the cached one
    # And the signed-in page was not stored: a fresh page stays anonymous.
    caches["responses"].clear()
    signed_in.get("/models/acme/Mine-7B/")
    after = get("/models/acme/Mine-7B/")
    assert after["X-Cache"] == "miss" and b"curator" not in after.content


def test_tokens_and_session_or_message_cookies_bypass_the_cache() -> None:
    LLMModelFactory(repo_id="acme/Tok-7B")
    get("/api/models/acme/Tok-7B/")
    assert get("/api/models/acme/Tok-7B/")["X-Cache"] == "hit"
    reader = token_client(make_user("reader"))
    assert "X-Cache" not in reader.get("/api/models/acme/Tok-7B/")
    with_session = Client()
    with_session.cookies["sessionid"] = "whatever"
    assert "X-Cache" not in with_session.get("/api/models/acme/Tok-7B/")
    with_messages = Client()
    with_messages.cookies["messages"] = "x"
    assert "X-Cache" not in with_messages.get("/models/acme/Tok-7B/")
    # Cookies the pages never read (a CSRF cookie from an earlier form) do not stop a hit.
    with_csrf = Client()
    with_csrf.cookies["csrftoken"] = "a" * 32
    assert with_csrf.get("/api/models/acme/Tok-7B/")["X-Cache"] == "hit"


def test_pages_that_render_a_csrf_token_are_not_stored(settings: Any) -> None:
    settings.RESPONSE_CACHE_EXCLUDE = ()  # even if the sign-in page were not excluded by path
    first = get("/accounts/login/")
    assert first.status_code == 200 and b"csrfmiddlewaretoken" in first.content
    second = get("/accounts/login/")
    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "miss")


@pytest.mark.parametrize("path", ["/admin/login/", "/imports/", "/api/scoring-jobs/", "/api/fit-jobs/", "/healthz"])
def test_excluded_paths_are_not_cached(path: str) -> None:
    get(path)
    assert "X-Cache" not in get(path)


def test_home_page_is_not_stored_while_an_import_runs() -> None:
    job = ImportJobFactory(status=JobStatus.RUNNING, total=10, processed=3)
    assert [get("/")["X-Cache"] for _ in range(2)] == ["miss", "miss"]
    job.status = JobStatus.DONE
    job.save()
    assert [get("/")["X-Cache"] for _ in range(2)] == ["miss", "hit"]


def test_job_heartbeats_do_not_bump_but_status_changes_do() -> None:
    job = ImportJobFactory(status=JobStatus.QUEUED)
    commit()  # the job's creation
    before = current_version()
    job.heartbeat(processed=1)
    commit()
    assert current_version() == before
    commit()  # earlier writes
    job.mark_running()
    commit()
    assert current_version() == before + 1


def test_many_writes_in_one_transaction_bump_once() -> None:
    commit()  # earlier writes
    before = current_version()
    with transaction.atomic():
        for n in range(5):
            Organization.objects.create(slug=f"many{n}", name=f"Many {n}")
        catalog_changed()
    callbacks = commit()
    assert len(callbacks) == 1
    assert current_version() == before + 1


def test_a_rolled_back_write_does_not_bump() -> None:
    commit()  # earlier writes
    before = current_version()
    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            Organization.objects.create(slug="gone", name="Gone")
            raise RuntimeError
    callbacks = commit()
    assert callbacks == [] and current_version() == before


def test_an_admin_edit_makes_the_next_get_a_miss_with_new_data(staff_user: Any) -> None:
    model = LLMModel.objects.create(repo_id="a/b", name="b", total_params_b=7.2, family="mistral")
    assert b"mistral" in get("/api/models/a/b/").content
    assert get("/api/models/a/b/")["X-Cache"] == "hit"
    admin = Client()
    admin.force_login(staff_user)
    form = {"repo_id": "a/b", "name": "b", "total_params_b": "7.2", "family": "qwen-edited",
            "tags": "", "languages": "", "datasets": "",
            "parent_edges-TOTAL_FORMS": "0", "parent_edges-INITIAL_FORMS": "0",
            "merge_recipes-TOTAL_FORMS": "0", "merge_recipes-INITIAL_FORMS": "0",
            "quantized_variants-TOTAL_FORMS": "0", "quantized_variants-INITIAL_FORMS": "0"}
    commit()  # earlier writes
    assert admin.post(f"/admin/catalog/llmmodel/{model.pk}/change/", form).status_code == 302
    commit()
    after = get("/api/models/a/b/")
    assert after["X-Cache"] == "miss" and after.json()["family"] == "qwen-edited"


def test_an_admin_bulk_delete_of_an_unsignalled_table_bumps(staff_user: Any) -> None:
    """Score rows have no delete receiver (it would slow bulk deletes); the write request bumps."""
    admin = Client()
    admin.force_login(staff_user)
    before = current_version()
    commit()  # earlier writes
    response = admin.post("/admin/evals/score/", {"action": "delete_selected", "_selected_action": [],
                                                   "post": "yes"})
    commit()
    assert response.status_code in (200, 302)
    assert current_version() > before


def test_an_api_write_makes_the_next_get_a_miss_with_new_data() -> None:
    LLMModelFactory(repo_id="acme/Dense", total_params_b=7.0, family="mistral")
    assert get("/api/models/acme/Dense/").json()["family"] == "mistral"
    assert get("/api/models/acme/Dense/")["X-Cache"] == "hit"
    curator = token_client(make_user("curator", "catalog.change_llmmodel"))
    commit()  # earlier writes
    assert curator.patch("/api/models/acme/Dense/", {"family": "llama"}, format="json").status_code == 200
    commit()
    after = get("/api/models/acme/Dense/")
    assert after["X-Cache"] == "miss" and after.json()["family"] == "llama"


def test_anonymous_writes_do_not_bump() -> None:
    LLMModelFactory(repo_id="acme/Anon")
    before = current_version()
    response = APIClient().patch("/api/models/acme/Anon/", {"family": "x"}, format="json")
    assert response.status_code in (401, 403)
    assert current_version() == before


def test_an_import_job_makes_the_next_get_a_miss_with_new_data() -> None:
    card = generated_card(1, salt="cache", org="fresh-org")
    listing = get("/api/models/?organization=fresh-org")
    assert listing.json()["results"] == []
    assert get("/api/models/?organization=fresh-org")["X-Cache"] == "hit"
    commit()  # earlier writes
    job = create_import_job([DocumentInput(name="fresh.md", content=card)], via=ImportJob.Via.COMMAND,
                            label="t", enqueue=False)
    commit()
    commit()  # earlier writes
    job = run_import_job(job.pk)
    commit()
    assert job.succeeded == 1
    after = get("/api/models/?organization=fresh-org")
    assert after["X-Cache"] == "miss"
    assert [row["repo_id"] for row in after.json()["results"]] == [job.items.get().model.repo_id]


def test_a_scoring_job_makes_the_next_get_a_miss_with_new_data(seeded: None) -> None:
    score = Score.objects.filter(average__isnull=False).select_related("leaderboard", "model").order_by("rank").first()
    url = f"/api/leaderboards/{score.leaderboard.slug}/?page_size=100"

    def average_of(response: Any) -> float:
        return next(r["average"] for r in response.json()["results"] if r["model"] == score.model.repo_id)

    before = average_of(get(url))
    # Results changed by a bulk path that sends no signal: the cached board stays (correctly, the
    # scores themselves have not changed yet) ...
    Result.objects.filter(run__model=score.model).update(normalized=0.0, value=0.0)
    cached = get(url)
    assert cached["X-Cache"] == "hit" and average_of(cached) == before
    # ... until the scoring job writes the new scores (COPY/raw SQL) and bumps.
    commit()  # earlier writes
    job = run_scoring_job(request_scoring([score.model_id], enqueue=False).pk)
    commit()
    assert job.status == JobStatus.DONE
    after = get(url)
    assert after["X-Cache"] == "miss"
    assert average_of(after) != before


def test_a_fit_job_makes_the_next_get_a_miss_with_new_data(seeded: None) -> None:
    gpu = GPU.objects.order_by("-memory_gb").first()
    model = LLMModel.objects.filter(fit_requirements__isnull=False).distinct().order_by("pk").first()
    url = f"/api/fit/?model={model.repo_id}&gpu={gpu.slug}&quant=Q4_K_M&context=4096"
    page = f"/hardware/gpus/{gpu.slug}/"
    first_page = get(page)
    assert first_page.status_code == 200 and get(page)["X-Cache"] == "hit"
    before = FitRequirement.objects.filter(model=model).order_by("pk").values_list("total_gb", flat=True).first()
    LLMModel.objects.filter(pk=model.pk).update(total_params_b=(model.total_params_b or 1) * 3)  # no signal
    assert get(page)["X-Cache"] == "hit"
    commit()  # earlier writes
    job = run_fit_job(request_fit([model.pk], enqueue=False).pk)
    commit()
    assert job.status == JobStatus.DONE
    after_total = FitRequirement.objects.filter(model=model).order_by("pk").values_list("total_gb", flat=True).first()
    assert after_total != before
    after = get(page)
    assert after["X-Cache"] == "miss" and after.content != first_page.content
    assert get(url).status_code == 200


class _DownCache:
    """A cache whose server is unreachable, as Django's Redis backend behaves then: every call raises."""

    def get(self, *args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("cache server down")

    set = get


def test_a_cache_server_that_is_down_serves_uncached_pages(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    from config.sitecache import store

    LLMModelFactory(repo_id="acme/Uncached-7B")
    monkeypatch.setattr(store, "caches", {settings.RESPONSE_CACHE_ALIAS: _DownCache()})
    response = get("/models/acme/Uncached-7B/")
    assert response.status_code == 200
    assert b"acme/Uncached-7B" in response.content
    assert "X-Cache" not in response
