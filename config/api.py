"""API plumbing shared by every app: pagination and one error body shape."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response


class DefaultCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "-pk"


def error_body(status_code: int, code: str, message: str, fields: list[dict[str, str]] | None = None
               ) -> dict[str, Any]:
    """The one error shape every API answer uses, whichever layer refuses the request."""
    return {"error": {"status": status_code, "code": code, "message": message, "fields": fields or []}}


def form_error_body(errors: Any) -> dict[str, Any]:
    """``error_body`` for a Django form's ``errors`` (an ErrorDict), for JSON views outside DRF."""
    fields = [{"field": "" if name == "__all__" else name, "message": item["message"], "code": item["code"] or "invalid"}
              for name, items in errors.get_json_data().items() for item in items]
    message = "; ".join(f"{f['field']}: {f['message']}" if f["field"] else f["message"] for f in fields)
    return error_body(400, "invalid", message, fields)


def _flatten(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    """Turn DRF's nested error details into a flat list of {field, message, code}."""
    errors: list[dict[str, str]] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
                field = f"{prefix}[{key}]"  # list serializers report item errors by index
            else:
                field = f"{prefix}.{key}" if prefix else str(key)
            errors.extend(_flatten(value, prefix if key == "non_field_errors" else field))
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            nested = isinstance(value, (dict, list))
            errors.extend(_flatten(value, f"{prefix}[{index}]" if nested and prefix else prefix))
    else:
        errors.append({"field": prefix, "message": str(detail), "code": getattr(detail, "code", "invalid")})
    return errors


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every API error has the body ``{"error": {"status", "code", "message", "fields": [...]}}``."""
    # Imported here: rest_framework.views reads DEFAULT_PAGINATION_CLASS (this module) at import time.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "message_dict") else exc.messages)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        message = "; ".join(f"{f['field']}: {f['message']}" if f["field"] else f["message"] for f in fields)
        code = "invalid"
    else:
        detail = getattr(exc, "detail", str(exc))
        fields = []
        message = str(detail)
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
    response.data = error_body(response.status_code, code, message, fields)
    if response.status_code == status.HTTP_429_TOO_MANY_REQUESTS and getattr(exc, "wait", None):
        response.data["error"]["retry_after_seconds"] = int(exc.wait)
    return response
