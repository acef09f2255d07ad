"""API platform: token auth, error bodies for every status, conditional GET, cursor safety,
the OpenAPI schema and the docs pages under the Content-Security-Policy."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser
from io import StringIO

import pytest
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.core.management import call_command
from knox.models import AuthToken
from rest_framework.test import APIClient

from catalog.tests.factories import LLMModelFactory
from config.tests.api_factories import make_user, session_client, token_client

pytestmark = pytest.mark.django_db


def error(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"status", "code", "message", "fields"} <= set(body["error"]), body
    assert body["error"]["status"] == response.status_code
    return body["error"]


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


# ---------------------------------------------------------------------------
# Tokens


def test_login_issues_a_hashed_expiring_token_that_authenticates() -> None:
    user = make_user("alice")
    response = APIClient().post("/api/auth/login/", HTTP_AUTHORIZATION=basic("alice", "alice-pass-123"))
    assert response.status_code == 200
    token = response.json()["token"]
    stored = AuthToken.objects.get(user=user)
    assert token not in stored.digest and len(stored.digest) == 128  # only a SHA-512 hex digest is kept
    assert stored.expiry is not None and response.json()["expiry"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/imports/").status_code == 200  # imports need a signed-in user


def test_login_with_a_wrong_password_is_401_with_the_error_body() -> None:
    make_user("alice")
    response = APIClient().post("/api/auth/login/", HTTP_AUTHORIZATION=basic("alice", "wrong"))
    assert response.status_code == 401
    assert error(response)["code"] == "authentication_failed"
    assert not AuthToken.objects.exists()


def test_logout_revokes_only_that_token_and_logoutall_revokes_every_token() -> None:
    user = make_user("alice")
    first, second, third = (token_client(user) for _ in range(3))
    assert first.post("/api/auth/logout/").status_code == 204
    assert first.get("/api/imports/").status_code == 401
    assert second.get("/api/imports/").status_code == 200
    assert second.post("/api/auth/logoutall/").status_code == 204
    assert third.get("/api/imports/").status_code == 401
    assert not AuthToken.objects.filter(user=user).exists()


def test_an_expired_token_is_refused() -> None:
    from datetime import timedelta

    from django.utils import timezone

    user = make_user("alice")
    instance, token = AuthToken.objects.create(user, expiry=timedelta(seconds=1))
    AuthToken.objects.filter(pk=instance.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.get("/api/imports/")
    assert response.status_code == 401 and error(response)["code"] == "authentication_failed"


def test_login_attempts_are_throttled_per_client_even_when_the_password_is_wrong(settings) -> None:
    cache.clear()
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
                                                          "login": "3/min"}}
    make_user("alice")
    client = APIClient()
    codes = [client.post("/api/auth/login/", HTTP_AUTHORIZATION=basic("alice", f"guess{i}")).status_code
             for i in range(3)]
    assert codes == [401, 401, 401]
    # Throttled before the password is even checked, right or wrong.
    assert client.post("/api/auth/login/", HTTP_AUTHORIZATION=basic("alice", "guess4")).status_code == 429
    throttled = client.post("/api/auth/login/", HTTP_AUTHORIZATION=basic("alice", "alice-pass-123"))
    assert throttled.status_code == 429
    body = error(throttled)
    assert body["code"] == "throttled" and body["retry_after_seconds"] > 0
    assert int(throttled["Retry-After"]) > 0
    cache.clear()


def test_staff_session_writes_need_the_csrf_token() -> None:
    staff = make_user("boss", superuser=True)
    without = session_client(staff, csrf=False)
    response = without.post("/api/scoring-jobs/", {"model_ids": []}, format="json")
    assert response.status_code == 403 and "CSRF" in error(response)["message"]
    assert session_client(staff).post("/api/scoring-jobs/", {"model_ids": []}, format="json").status_code == 202


# ---------------------------------------------------------------------------
# Error bodies for every status


def test_404_for_an_unknown_object_and_an_unknown_path() -> None:
    missing = APIClient().get("/api/models/nobody/nothing/")
    assert missing.status_code == 404 and error(missing)["code"] == "not_found"
    assert "nobody/nothing" in error(missing)["message"]
    nowhere = APIClient().get("/api/no-such-endpoint/")
    assert nowhere.status_code == 404 and error(nowhere)["code"] == "not_found"
    # Without the slash, APPEND_SLASH still redirects to the endpoint rather than 404ing.
    assert APIClient().get("/api/models").status_code == 301
    # An unsafe method on an unknown URL is a JSON 404 too, not Django's HTML CSRF page (found by schemathesis).
    for method in ("post", "patch", "delete"):
        response = getattr(APIClient(enforce_csrf_checks=True), method)("/api/runs/0.5/")
        assert response.status_code == 404 and error(response)["code"] == "not_found", method


def test_values_postgres_cannot_compare_are_unknown_names_not_500s() -> None:
    """schemathesis found a NUL character in a repo id reaching the database (a 500)."""
    client = token_client(make_user("nul-curator", superuser=True))
    response = client.post("/api/lineage-edges/", {"child": "a\x00b", "parent": ["x"], "kind": "merge"},
                           format="json")
    assert response.status_code == 400
    assert [(f["field"], f["code"]) for f in error(response)["fields"]] == [("child", "does_not_exist"),
                                                                           ("parent", "does_not_exist")]
    assert "a\\0b" in error(response)["fields"][0]["message"]


def test_405_415_and_400_bodies() -> None:
    model = LLMModelFactory()
    staff = token_client(make_user("boss", superuser=True))
    wrong_method = staff.put(f"/api/models/{model.repo_id}/", {"family": "x"}, format="json")
    assert wrong_method.status_code == 405 and error(wrong_method)["code"] == "method_not_allowed"
    wrong_type = staff.generic("PATCH", f"/api/models/{model.repo_id}/", "family: x", content_type="text/yaml")
    assert wrong_type.status_code == 415 and error(wrong_type)["code"] == "unsupported_media_type"
    broken = staff.generic("PATCH", f"/api/models/{model.repo_id}/", "{not json", content_type="application/json")
    assert broken.status_code == 400 and error(broken)["code"] == "parse_error"


def test_413_for_a_json_body_over_the_upload_limit(settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    staff = token_client(make_user("boss", superuser=True))
    response = staff.post("/api/imports/", {"content": "x" * 2000}, format="json")
    assert response.status_code == 413
    assert error(response)["fields"][0]["field"] == "body"


def test_unexpected_errors_are_json_500s_and_logged(monkeypatch, caplog) -> None:
    from catalog import selectors

    def explode(*args, **kwargs):
        raise RuntimeError("selector broke")

    monkeypatch.setattr(selectors, "model_detail", explode)
    model = LLMModelFactory()
    # Like Django's own 500 path, the view sends got_request_exception (error reporters listen to
    # it); the test client would re-raise it, so ask for the response instead.
    response = APIClient(raise_request_exception=False).get(f"/api/models/{model.repo_id}/")
    assert response.status_code == 500 and error(response)["code"] == "server_error"
    assert "selector broke" not in response.content.decode()  # no internals leak to the client
    assert any("selector broke" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


def test_integrity_errors_become_409(monkeypatch) -> None:
    from catalog.api import serializers as s

    a, b = LLMModelFactory(), LLMModelFactory()
    # Simulate the race the serializer cannot see: a concurrent request inserted the same edge.
    monkeypatch.setattr(s.EdgeSerializer, "validate", lambda self, attrs: attrs)
    staff = token_client(make_user("boss", superuser=True))
    body = {"child": a.repo_id, "parent": b.repo_id, "kind": "finetune"}
    assert staff.post("/api/lineage-edges/", body, format="json").status_code == 201
    again = staff.post("/api/lineage-edges/", body, format="json")
    assert again.status_code == 409 and error(again)["code"] == "conflict"


# ---------------------------------------------------------------------------
# Conditional GET and caching


def test_etag_304_on_list_and_detail_and_a_changed_body_changes_the_tag() -> None:
    model = LLMModelFactory()
    client = APIClient()
    for url in ("/api/models/", f"/api/models/{model.repo_id}/", "/api/gpus/"):
        first = client.get(url)
        etag = first["ETag"]
        assert re.fullmatch(r'W/"[0-9a-f]{32}"', etag)
        again = client.get(url, HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
        assert client.get(url, HTTP_IF_NONE_MATCH='W/"other"').status_code == 200
        # Weak comparison: the strong form of the same tag also matches.
        assert client.get(url, HTTP_IF_NONE_MATCH=etag.removeprefix("W/")).status_code == 304
    before = client.get(f"/api/models/{model.repo_id}/")["ETag"]
    model.summary = "changed"
    model.save()
    after = client.get(f"/api/models/{model.repo_id}/", HTTP_IF_NONE_MATCH=before)
    assert after.status_code == 200 and after["ETag"] != before


def test_cache_headers_keep_user_specific_answers_private() -> None:
    anonymous = APIClient().get("/api/models/")
    assert anonymous["Cache-Control"] == "no-cache"
    assert {"Accept", "Authorization", "Cookie"} <= {v.strip() for v in anonymous["Vary"].split(",")}
    signed_in = token_client(make_user("alice")).get("/api/imports/")
    assert signed_in["Cache-Control"] == "private, no-cache"


# ---------------------------------------------------------------------------
# Cursor pagination


def test_cursor_pages_a_sort_over_a_nullable_field_without_gaps_or_repeats() -> None:
    for i in range(7):
        LLMModelFactory(repo_id=f"acme/m{i}", downloads=None if i % 3 == 0 else 100 * i)
    client = APIClient()
    seen, url = [], "/api/models/?sort=-downloads&page_size=2"
    while url:
        body = client.get(url).json()
        seen += [(m["repo_id"], m["downloads"]) for m in body["results"]]
        url = body["next"]
    assert [r for r, _ in seen] == ["acme/m5", "acme/m4", "acme/m2", "acme/m1", "acme/m0", "acme/m3", "acme/m6"]
    assert [d for _, d in seen][-3:] == [None, None, None]  # NULLs last, as on the HTML page
    # And back again with the previous links.
    back, url = [], body["previous"]
    while url:
        page = client.get(url).json()
        back = [m["repo_id"] for m in page["results"]] + back
        url = page["previous"]
    assert back == [r for r, _ in seen][:-1]


def test_a_forged_cursor_is_a_404_not_a_500() -> None:
    LLMModelFactory()
    for position in ("abc", "1e999x", ""):
        cursor = base64.b64encode(f"p={position}".encode()).decode()
        response = APIClient().get("/api/models/", {"sort": "-params", "cursor": cursor})
        assert response.status_code in (200, 404), position
        if response.status_code == 404:
            assert error(response)["message"] == "Invalid cursor"
    garbage = APIClient().get("/api/models/", {"cursor": "%%%not-base64"})
    assert garbage.status_code == 404


# ---------------------------------------------------------------------------
# Schema and docs


def test_schema_generates_without_warnings_and_validates() -> None:
    out = StringIO()
    # --fail-on-warn turns any warning into a non-zero exit (SystemExit).
    call_command("spectacular", "--fail-on-warn", "--validate", "--format", "openapi-json", stdout=out)
    schema = __import__("json").loads(out.getvalue())
    paths = schema["paths"]
    for path in ("/api/models/{repo_id}/", "/api/models/{repo_id}/lineage/", "/api/imports/",
                 "/api/leaderboards/{slug}/", "/api/fit/", "/api/recommend/", "/api/auth/login/"):
        assert path in paths, path
    # Every operation documents the shared error body, and exactly the path's own parameters.
    for path, operations in paths.items():
        for method, operation in operations.items():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == set(re.findall(r"{(\w+)}", path)), (method, path)
            assert "404" in operation["responses"], (method, path)
            assert operation["responses"]["404"]["content"]["application/json"]["schema"]["$ref"].endswith(
                "/Error")


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inline, self.sources, self.styles = 0, [], []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attrs = dict(attrs)
        if tag == "script":
            if attrs.get("src"):
                self.sources.append(attrs["src"])
            else:
                self.inline += 1
        if tag == "link" and attrs.get("rel") == "stylesheet":
            self.styles.append(attrs["href"])


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_load_only_local_scripts_under_the_csp(url: str) -> None:
    client = APIClient()
    response = client.get(url, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]
    page = _Scripts()
    page.feed(response.content.decode())
    assert page.inline == 0, "the CSP forbids inline scripts"
    for src in page.sources + page.styles:
        assert src.startswith("/"), f"{src} is not served by this site"
        path = src.split("?")[0]
        if path.startswith("/static/"):
            assert finders.find(path.removeprefix("/static/")), f"{path} is not a static file"
        else:  # Swagger UI's init script, served by the docs view itself
            script = client.get(src)
            assert script.status_code == 200 and b"SwaggerUIBundle" in script.content
            assert script["Content-Type"].startswith("application/javascript")


def test_api_root_lists_the_endpoints() -> None:
    body = APIClient().get("/api/").json()
    assert body["models"] == "/api/models/" and body["recommend"] == "/api/recommend/"
