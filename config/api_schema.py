"""OpenAPI details shared by the API views: the error body and the statuses that carry it."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers


class ErrorFieldSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The input at fault ('documents[0].content'); '' for the whole request.")
    message = serializers.CharField()
    code = serializers.CharField()


class ErrorBodySerializer(serializers.Serializer):
    status = serializers.IntegerField()
    code = serializers.CharField(help_text="invalid, not_found, permission_denied, throttled, too_large ...")
    message = serializers.CharField()
    fields = ErrorFieldSerializer(many=True)
    retry_after_seconds = serializers.IntegerField(required=False, help_text="Only on 429.")


class ErrorSerializer(serializers.Serializer):
    """Every API error: ``{"error": {"status", "code", "message", "fields": [...]}}``."""

    error = ErrorBodySerializer()


# Statuses any operation may answer with the error body. 400: a filter or body failed
# validation; 401/403: authentication or permission; 404: unknown object or invalid cursor;
# 429: throttled. Writes may also answer 409 (integrity conflict), 413 (too large), 415.
_ALWAYS = ("400", "401", "403", "404", "429")
_WRITES = ("409", "413", "415")


class ApiAutoSchema(AutoSchema):
    """AutoSchema that documents the shared error responses on every operation, so clients
    (and schema-driven tests) know that a 404 or 400 has a defined body."""

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        codes = _ALWAYS + (_WRITES if self.method not in ("GET", "HEAD", "OPTIONS") else ())
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                responses[code]["description"] = _DESCRIPTIONS[code]
        return responses


_DESCRIPTIONS = {
    "400": "Invalid parameters or body; `fields` names each input at fault.",
    "401": "Authentication required (send `Authorization: Token <token>`).",
    "403": "Authenticated but not allowed.",
    "404": "Not found (or an invalid cursor).",
    "409": "Conflicts with existing data.",
    "413": "Too large; `fields` names what.",
    "415": "Unsupported media type.",
    "429": "Throttled; see `Retry-After`.",
}
