"""Project-level API views: token login/logout, the API root, docs pages and the JSON 404."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import engines
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from drf_spectacular.views import SpectacularRedocView
from knox import views as knox_views
from rest_framework import serializers
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import error_body
from config.api_support import ApiViewMixin, LoginRateThrottle

TOKEN = inline_serializer("Token", {"expiry": serializers.DateTimeField(), "token": serializers.CharField()})


@extend_schema_view(post=extend_schema(request=None, responses={200: TOKEN}))
class LoginView(ApiViewMixin, knox_views.LoginView):
    """Exchange HTTP Basic credentials (or a session) for a token: ``Authorization: Token <token>``.

    knox stores only a hash of the token and gives it an expiry (``REST_KNOX["TOKEN_TTL"]``).
    """

    authentication_classes = [BasicAuthentication, SessionAuthentication]
    throttle_classes = [LoginRateThrottle]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Throttle before authenticating: a wrong password fails *during* authentication, and
        # wrong passwords are exactly what the throttle must count.
        super().check_throttles(request)
        super().initial(request, *args, **kwargs)

    def check_throttles(self, request: Request) -> None:
        """Already checked in initial()."""


@extend_schema_view(post=extend_schema(request=None, responses={204: None}))
class LogoutView(ApiViewMixin, knox_views.LogoutView):
    """Revoke the token this request is made with."""


@extend_schema_view(post=extend_schema(request=None, responses={204: None}))
class LogoutAllView(ApiViewMixin, knox_views.LogoutAllView):
    """Revoke every token of this user."""


ENDPOINTS = {
    "organizations": "/api/organizations/", "models": "/api/models/", "lineage_edges": "/api/lineage-edges/",
    "documents": "/api/documents/", "imports": "/api/imports/", "benchmarks": "/api/benchmarks/",
    "runs": "/api/runs/", "results": "/api/results/", "scores": "/api/scores/", "leaderboards": "/api/leaderboards/",
    "merge_uplift": "/api/merges/uplift/", "merges_beating_parents": "/api/merges/beating-parents/",
    "scoring_jobs": "/api/scoring-jobs/", "gpus": "/api/gpus/", "quantization_formats": "/api/quantization-formats/",
    "fit": "/api/fit/", "recommend": "/api/recommend/", "fit_jobs": "/api/fit-jobs/", "login": "/api/auth/login/",
    "schema": "/api/schema/", "docs": "/api/docs/", "redoc": "/api/redoc/",
}


@extend_schema(exclude=True)
class ApiRootView(ApiViewMixin, APIView):
    """Where everything is."""

    def get(self, request: Request) -> Response:
        return Response(ENDPOINTS)


# Redoc's stock template pulls fonts from Google and may inline its init script; the CSP
# allows neither. This page loads only the vendored bundle from /static/ (no inline script).
# Search is off: Redoc builds its index in a blob: worker, which "script-src 'self'" forbids.
# (Its sidebar still asks for a Redocly logo from a CDN; the CSP blocks that image, harmlessly.)
REDOC_PAGE = engines["django"].from_string("""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{{ title }}</title>
  <style>body { margin: 0; padding: 0; }</style>
</head>
<body>
  <redoc spec-url="{{ schema_url }}" disable-search="true"></redoc>
  <script src="{{ redoc_standalone }}"></script>
</body>
</html>
""")


class RedocView(SpectacularRedocView):
    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        return HttpResponse(REDOC_PAGE.render({
            "title": spectacular_settings.TITLE, "schema_url": self._get_schema_url(request),
            "redoc_standalone": self._redoc_standalone(),
        }))


@csrf_exempt  # nothing is changed here; a POST to a wrong URL is a 404, not a CSRF failure
def not_found(request: HttpRequest, path: str = "") -> JsonResponse:
    """Unknown /api/ URLs answer with the API's error body rather than the HTML 404 page.

    Routed only for paths ending in '/', so APPEND_SLASH still redirects /api/models to /api/models/.
    """
    return JsonResponse(error_body(404, "not_found", f"No API endpoint at {request.path} (see /api/)."), status=404)
