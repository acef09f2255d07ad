"""Project-level endpoints: health probes and error handlers."""

from __future__ import annotations

import secrets

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness/readiness. ``?worker=1`` also round-trips a task through the broker to a worker."""
    body: dict[str, str] = {}
    status = 200
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        body["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - a probe reports, it does not raise
        body["database"] = f"error: {type(exc).__name__}"
        status = 503
    if request.GET.get("worker") == "1":
        from config.celery import ping

        nonce = secrets.token_hex(4)
        try:
            reply = ping.delay(nonce).get(timeout=float(request.GET.get("timeout", "10")))
            body["worker"] = "ok" if reply == f"pong:{nonce}" else f"unexpected reply {reply!r}"
        except Exception as exc:  # noqa: BLE001
            body["worker"] = f"error: {type(exc).__name__}"
            status = 503
    return JsonResponse(body, status=status)


def favicon(request: HttpRequest) -> HttpResponse:
    # Resolved per request: the hashed static name only exists after collectstatic.
    from django.shortcuts import redirect
    from django.templatetags.static import static

    return redirect(static("favicon.svg"), permanent=True)


def server_error(request: HttpRequest) -> HttpResponse:
    """500 page rendered without context processors: they may be what failed."""
    template = loader.get_template("500.html")
    return HttpResponse(template.render({}), status=500)
