"""HTTP hardening that Django does not ship: a Content-Security-Policy header and a cap on the
size of a whole request body."""

from __future__ import annotations

from typing import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from config.api import error_body


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # The API docs pages (Swagger/Redoc) are served from static files too, so one policy fits all.
        response.headers.setdefault("Content-Security-Policy", self.policy)
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


class RequestSizeLimitMiddleware:
    """Refuse a request whose declared body exceeds ``MAX_REQUEST_BYTES`` before reading any of it.

    Django caps form fields in memory but streams multipart files to disk with no total, so
    5,000 files of 2 MB each would fill a disk before any per-file check ran. The API answers
    in its error body; pages answer with the site's error page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        declared = request.META.get("CONTENT_LENGTH") or "0"
        limit = settings.MAX_REQUEST_BYTES
        if declared.isdigit() and int(declared) > limit:
            message = f"The request body is {int(declared):,} bytes; the limit is {limit:,}."
            if request.path.startswith("/api/"):
                fields = [{"field": "body", "message": message, "code": "too_large"}]
                return JsonResponse(error_body(413, "too_large", f"body: {message}", fields), status=413)
            body = render_to_string("413.html", {"message": message}, request=request)
            return HttpResponse(body, status=413)
        return self.get_response(request)
