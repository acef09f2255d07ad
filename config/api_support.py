"""Pieces every API view shares: conditional GET, error and write safety, permissions,
keyset (cursor) pagination and a login throttle."""

from __future__ import annotations

import hashlib
import logging
from base64 import urlsafe_b64decode, urlsafe_b64encode
from datetime import date, datetime, timezone as dt_timezone
from typing import Any

import orjson
from django.conf import settings
from django.core import signals
from django.core.exceptions import (
    FieldDoesNotExist,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
    ValidationError as DjangoValidationError,
)
from django.db import DataError, IntegrityError, transaction
from django.db.models import (
    BigIntegerField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    F,
    FloatField,
    IntegerField,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.cache import patch_vary_headers
from django.utils.http import quote_etag
from knox.auth import TokenAuthentication
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.utils.urls import replace_query_param

from config.api import DefaultCursorPagination, error_body
from config.api_schema import ApiAutoSchema
from config.renderers import ORJSONRenderer

logger = logging.getLogger("django.request")


# ---------------------------------------------------------------------------
# Exceptions with a status of their own, rendered by config.api.exception_handler


class PayloadTooLarge(exceptions.ValidationError):
    """A 413 that still names the field at fault (it is a ValidationError for the error body)."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


class LookupField(serializers.SlugRelatedField):
    """A related row named by a slug or repo id. Values PostgreSQL could not even compare (NUL
    characters, non-strings) are "does not exist" like any other unknown name, not a 500."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str) or "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data).replace("\x00", "\\0")[:200])
        return super().to_internal_value(data)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "The change conflicts with existing data."


# ---------------------------------------------------------------------------
# View behaviour


class ApiViewMixin:
    """Conditional GET (weak ETag over the body, 304 on If-None-Match), cache headers,
    atomic writes that turn integrity errors into 409, and a JSON body for unexpected 500s.

    The ETag is computed from the rendered body rather than from timestamps: no timestamp in
    the schema covers deletions or nested rows (an edge removed from a model, a score dropped
    from a board), while the body hash is exact. The client still saves the transfer and parse.
    """

    schema = ApiAutoSchema()

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        if response.status_code >= 400 and getattr(getattr(request, "accepted_renderer", None), "format", "") == "csv":
            # An error for a CSV request is still the JSON error body, with its own media type.
            request.accepted_renderer = ORJSONRenderer()
            request.accepted_media_type = ORJSONRenderer.media_type
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        if getattr(response, "streaming", False):
            return response
        # Public data is identical for everyone, but import jobs differ by user: never share an
        # answer to a request with credentials through a proxy. (Judged from the request, not
        # request.user: that would run authentication here, outside the view's error handling.)
        private = "HTTP_AUTHORIZATION" in request.META or settings.SESSION_COOKIE_NAME in request.COOKIES
        response["Cache-Control"] = "private, no-cache" if private else "no-cache"
        patch_vary_headers(response, ("Accept", "Authorization", "Cookie"))
        if request.method not in ("GET", "HEAD") or response.status_code != 200:
            return response
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        etag = "W/" + quote_etag(hashlib.blake2b(response.content, digest_size=16).hexdigest())
        response["ETag"] = etag
        candidates = [tag.strip() for tag in request.META.get("HTTP_IF_NONE_MATCH", "").split(",")]
        # Weak comparison (RFC 9110 13.1.2): W/"x" matches "x" and W/"x".
        if etag in candidates or etag.removeprefix("W/") in candidates or "*" in candidates:
            not_modified = Response(status=status.HTTP_304_NOT_MODIFIED)
            not_modified = super().finalize_response(request, not_modified, *args, **kwargs)  # type: ignore[misc]
            not_modified["ETag"] = etag
            not_modified["Cache-Control"] = response["Cache-Control"]
            patch_vary_headers(not_modified, ("Accept", "Authorization", "Cookie"))
            return not_modified
        return response

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        # DRF's parsers read the stream directly, bypassing Django's DATA_UPLOAD_MAX_MEMORY_SIZE
        # check on request.body; apply it here, before a huge JSON body is read into memory.
        # Multipart bodies are exempt as in Django: files stream to disk and are capped per file.
        length = request.META.get("CONTENT_LENGTH") or "0"
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if (limit is not None and length.isdigit() and int(length) > limit
                and not request.content_type.startswith("multipart/")):
            raise PayloadTooLarge({"body": [f"The request body is {int(length):,} bytes; the limit is {limit:,} "
                                            "(upload large batches as multipart files)."]})

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, (RequestDataTooBig, TooManyFieldsSent)):
            exc = PayloadTooLarge({"body": [str(exc) or "The request body is too large."]})
        elif isinstance(exc, TooManyFilesSent):
            exc = PayloadTooLarge({"files": [f"At most {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files per request."]})
        elif isinstance(exc, DataError):
            # A value the database cannot hold that no field validator caught: the client's fault.
            exc = exceptions.ValidationError({"body": [f"A value cannot be stored: {str(exc).splitlines()[0][:200]}"]})
        elif isinstance(exc, IntegrityError):
            # A constraint the serializer could not see (a concurrent duplicate): 409, not 500.
            exc = Conflict(f"The change conflicts with existing data: {str(exc).splitlines()[0][:200]}")
        try:
            return super().handle_exception(exc)  # type: ignore[misc]
        except Exception as uncaught:  # noqa: BLE001 - turned into the JSON error body below
            if settings.DEBUG:
                raise
            # The log record (with the traceback) and signal Django emits for a 500, but the
            # client gets the API's JSON error body instead of the HTML error page.
            logger.error("Internal Server Error: %s", self.request.path, exc_info=uncaught,
                         extra={"status_code": 500, "request": self.request._request})
            signals.got_request_exception.send(sender=None, request=self.request._request)
            response = Response(error_body(500, "server_error", "Internal server error; it has been logged."),
                                status=status.HTTP_500_INTERNAL_SERVER_ERROR)
            response._has_been_logged = True  # django.utils.log.log_response: logged once, above
            return response

    # Writes run in a transaction of their own: a constraint violation rolls back cleanly
    # (and, under a test's outer transaction, does not poison the connection).

    def perform_create(self, serializer: Any) -> None:
        with transaction.atomic():
            super().perform_create(serializer)  # type: ignore[misc]

    def perform_update(self, serializer: Any) -> None:
        with transaction.atomic():
            super().perform_update(serializer)  # type: ignore[misc]

    def perform_destroy(self, instance: Any) -> None:
        with transaction.atomic():
            super().perform_destroy(instance)  # type: ignore[misc]


# ---------------------------------------------------------------------------
# Permissions


def _write_channel_allowed(request: Request) -> bool:
    """Writes come with a token, or from a staff member's (CSRF-checked) session.

    A reader's browser session never writes through the API, so a forged cross-site request
    riding an ordinary account's cookie has nothing to gain even if CSRF were bypassed.
    """
    if isinstance(request.successful_authenticator, TokenAuthentication):
        return True
    return bool(request.user and request.user.is_authenticated and request.user.is_staff)


class CuratorOrReadOnly(permissions.DjangoModelPermissionsOrAnonReadOnly):
    """Anyone reads. Writing needs a token or staff session AND the model's Django permission
    (``catalog.change_llmmodel`` to PATCH a model, ``catalog.add_lineageedge`` to add an edge ...)."""

    message = "Writing needs a token or staff session of a user with the matching curator permission."

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return _write_channel_allowed(request) and super().has_permission(request, view)


class CanImport(permissions.BasePermission):
    """Import jobs: signed-in users read their own (staff read all); creating one needs a token or
    staff session and ``catalog.add_sourcedocument``, the permission the HTML import page checks."""

    message = "Importing needs a token or staff session of a user allowed to add source documents."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return _write_channel_allowed(request) and request.user.has_perm("catalog.add_sourcedocument")


class CanRequestJobs(permissions.BasePermission):
    """Anyone reads job progress; requesting a rescore or refit needs a token or staff session
    and the add permission on the job model (``evals.add_scoringjob``, ``hardware.add_fitjob``).

    A whole-catalog rescore is expensive, so a reader's token must not be able to start one.
    """

    message = "Requesting a job needs a token or staff session of a user allowed to start it."

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        if not (request.user and request.user.is_authenticated):
            return False
        model = view.get_queryset().model
        return _write_channel_allowed(request) and request.user.has_perm(
            f"{model._meta.app_label}.add_{model._meta.model_name}")


# ---------------------------------------------------------------------------
# Pagination


_BIG_INT = 2 ** 62


class SortedCursorPagination(DefaultCursorPagination):
    """Keyset ("cursor") pagination over a view-chosen, possibly NULL-bearing, multi-column order.

    DRF's CursorPagination keys the cursor on the first ordering field alone and walks runs of
    equal values by offset, capped at ``offset_cutoff``: a long run of ties -- thousands of
    referenced-only models without a download count, unranked leaderboard rows -- then repeats
    or skips rows, and "previous" pages shift. Here the cursor holds the values of *every*
    ordering column (ending in the primary key, so it is unique) and the next page is the rows
    strictly after that tuple: exact in both directions at any depth, and index-friendly.

    NULLs sort last whichever the direction (as the HTML pages' ``nulls_last`` orderings do):
    each column is read through ``Coalesce`` with a sentinel beyond every real value. A cursor
    that does not decode to values of the right types is a 404 "Invalid cursor", never a 500.

    Views give ``get_cursor_ordering(request, queryset) -> tuple[str, ...]`` (``"-field"`` for
    descending); without it the class ``ordering`` applies.
    """

    ordering: tuple[str, ...] = ("-pk",)

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: Any = None) -> list | None:
        self.request = request
        self.page_size = self.get_page_size(request)
        if not self.page_size:
            return None
        self.base_url = request.build_absolute_uri()
        wanted = tuple(view.get_cursor_ordering(request, queryset)) if hasattr(view, "get_cursor_ordering") \
            else tuple(self.ordering)
        if wanted[-1].lstrip("-") not in ("pk", "id"):
            wanted = (*wanted, "pk")  # a unique last column makes every cursor position unique
        queryset, self.keys = _annotate_keys(queryset, wanted)
        cursor = self._decode(request)
        self.reverse = bool(cursor and cursor["reverse"])
        if cursor is not None:
            queryset = queryset.filter(_after(self.keys, cursor["values"], reverse=self.reverse))
        order = [("-" if descending != self.reverse else "") + name for name, descending, _ in self.keys]
        rows = list(queryset.order_by(*order)[: self.page_size + 1])
        more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        if self.reverse:
            rows.reverse()
        self.page = rows
        # Forward: a following page exists if we fetched one row too many; a preceding one if we
        # came from a cursor. Backward (a "previous" link), the other way round.
        self.has_next = more if not self.reverse else cursor is not None
        self.has_previous = cursor is not None if not self.reverse else more
        return rows

    def get_next_link(self) -> str | None:
        if not (self.has_next and self.page):
            return None
        return self._link(self.page[-1], reverse=False)

    def get_previous_link(self) -> str | None:
        if not (self.has_previous and self.page):
            return None
        return self._link(self.page[0], reverse=True)

    def _link(self, row: Any, *, reverse: bool) -> str:
        values = [_key_text(row[name] if isinstance(row, dict) else getattr(row, name)) for name, _, _ in self.keys]
        token = orjson.dumps({"v": values, "r": int(reverse)})
        encoded = urlsafe_b64encode(token).decode("ascii").rstrip("=")
        return replace_query_param(self.base_url, self.cursor_query_param, encoded)

    def _decode(self, request: Request) -> dict | None:
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        try:
            token = orjson.loads(urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
            texts, reverse = token["v"], token.get("r", 0)
            if not (isinstance(texts, list) and len(texts) == len(self.keys) and reverse in (0, 1)
                    and all(isinstance(t, str) for t in texts)):
                raise ValueError("malformed cursor")
            values = [field.to_python(text) for (_, _, field), text in zip(self.keys, texts)]
            if any(v is None for v in values):
                raise ValueError("empty position")
        except (ValueError, TypeError, KeyError, OverflowError, DjangoValidationError, orjson.JSONDecodeError):
            raise exceptions.NotFound(self.invalid_cursor_message) from None
        return {"values": values, "reverse": bool(reverse)}


def _annotate_keys(queryset: QuerySet, ordering: tuple[str, ...]) -> tuple[QuerySet, list[tuple[str, bool, Any]]]:
    """Annotate ``_k0, _k1 ...``: each ordering column with NULL replaced by a sentinel that sorts last."""
    keys, annotations = [], {}
    for index, term in enumerate(ordering):
        descending, name = term.startswith("-"), term.lstrip("-")
        field = _key_field(_output_field(queryset, name))
        key = f"_k{index}"
        annotations[key] = Coalesce(F(name), Value(_sentinel(field, descending), output_field=field),
                                    output_field=field)
        keys.append((key, descending, field))
    return queryset.annotate(**annotations), keys


def _output_field(queryset: QuerySet, name: str) -> Any:
    """The type of ordering column ``name``: an annotation's output field, or the model's own
    concrete column. Anything else (a relation, a lookup across one) is resolved the general way,
    by annotating it, which clones and resolves the whole query (~0.1 ms a column)."""
    annotation = queryset.query.annotations.get(name)
    if annotation is not None:
        return annotation.output_field
    opts = queryset.model._meta
    try:
        field = opts.pk if name == "pk" else opts.get_field(name)
    except FieldDoesNotExist:
        field = None
    if field is not None and field.concrete and not field.is_relation:
        return field
    return queryset.annotate(_probe=F(name)).query.annotations["_probe"].output_field


def _after(keys: list[tuple[str, bool, Any]], values: list[Any], *, reverse: bool) -> Q:
    """Rows strictly after ``values`` in the order (before it when ``reverse``), as
    (k0 > v0) OR (k0 = v0 AND k1 > v1) OR ...; '>' means '<' for a descending column."""
    condition = Q(pk__in=[])
    for i, (name, descending, _) in enumerate(keys):
        lookup = "lt" if descending != reverse else "gt"
        term = Q(**{f"{name}__{lookup}": values[i]})
        for prior, prior_value in zip(keys[:i], values[:i]):
            term &= Q(**{prior[0]: prior_value})
        condition |= term
    # Implied by the OR above, but a plain range on the first column that an index in this order
    # can seek to: without it, a later page walks the index from the start and filters every row
    # before the cursor (/api/models/ deep in the catalog: 160 ms instead of well under 1 ms).
    first, descending, _ = keys[0]
    return Q(**{f"{first}__{'lte' if descending != reverse else 'gte'}": values[0]}) & condition


def _key_text(value: Any) -> str:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return repr(value) if isinstance(value, float) else str(value)


def _key_field(field: Any) -> Any:
    """A plain field of the column's type. (A PositiveBigIntegerField would let Django treat the
    negative sentinel as out of range and drop the comparison.)"""
    for kind in (DateTimeField, DateField, FloatField, BooleanField):
        if isinstance(field, kind):
            return kind()
    if isinstance(field, IntegerField):
        return BigIntegerField()
    return CharField()


def _sentinel(field: Any, descending: bool) -> Any:
    """A value below (descending) or above (ascending) every real one, so NULLs come last."""
    if isinstance(field, DateTimeField):
        return datetime(1, 1, 2, tzinfo=dt_timezone.utc) if descending else datetime(9999, 12, 30, tzinfo=dt_timezone.utc)
    if isinstance(field, DateField):
        return date(1, 1, 1) if descending else date(9999, 12, 31)
    if isinstance(field, BooleanField):
        return not descending
    if isinstance(field, BigIntegerField):
        return -_BIG_INT if descending else _BIG_INT
    if isinstance(field, FloatField):
        return float("-inf") if descending else float("inf")
    return "" if descending else "\U0010ffff"


# ---------------------------------------------------------------------------
# Throttling


class LoginRateThrottle(AnonRateThrottle):
    """Password guessing against /api/auth/login/ is limited per client address.

    The rate is ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"]`` when set, else 20/min.
    """

    scope = "login"

    def get_rate(self) -> str:
        return settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}).get(self.scope, "20/min")

    def get_cache_key(self, request: Request, view: Any) -> str:
        # By client address only: AnonRateThrottle looks at request.user first, which runs
        # authentication -- and a wrong password raises there before it could be counted.
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
