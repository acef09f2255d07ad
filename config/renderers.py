"""Renderers for the API: orjson for JSON, and a CSV media type for the exports."""

from __future__ import annotations

import json
from typing import Any

import orjson
from rest_framework.renderers import BaseRenderer


class ORJSONRenderer(BaseRenderer):
    """JSON through orjson, which serialises several times faster than the stdlib encoder.

    Encoding dominates the cost of large list pages (leaderboards, model lists), so this is
    the default JSON renderer.
    """

    media_type = "application/json"
    format = "json"
    charset = None  # JSON is UTF-8 by definition (RFC 8259); no charset parameter

    def render(self, data: Any, accepted_media_type: str | None = None,
               renderer_context: dict | None = None) -> bytes:
        if data is None:
            return b""
        try:
            return orjson.dumps(data, default=str, option=orjson.OPT_NON_STR_KEYS)
        except orjson.JSONEncodeError:
            # orjson refuses lone surrogates, which a JSON request may smuggle in ("\ud800") and
            # a validation message may echo back. The stdlib escapes them: slower but never a 500.
            return json.dumps(data, default=str, ensure_ascii=True).encode("ascii")


class CSVRenderer(BaseRenderer):
    """Makes ``?format=csv`` and ``Accept: text/csv`` negotiable on the views that export CSV.

    Those views build the CSV themselves (streamed); this renderer only renders what else may
    come back through content negotiation, such as an error body, as readable text.
    """

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None,
               renderer_context: dict | None = None) -> bytes:
        if data is None:
            return b""
        if isinstance(data, bytes):
            return data
        if isinstance(data, str):
            return data.encode("utf-8")
        return ORJSONRenderer().render(data)
