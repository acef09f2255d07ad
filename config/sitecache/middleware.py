"""Serve anonymous GETs of public pages and API reads from a cache, keyed by the catalog version.

Placed after WhiteNoise and before the session middleware: a hit reads the version (one query;
a connection's first also reads which database it is) and the stored bytes, and skips sessions,
authentication, CSRF, the URL resolver and the view.
What is stored is the response as the inner middleware left it (Vary, X-Frame-Options, CSP ...);
the outer ones (security headers) run on hits too.

Who may be served or stored -- judged from the request alone, before anything runs:
GET/HEAD, no Authorization header, no session or messages cookie, a path outside
``RESPONSE_CACHE_EXCLUDE`` (admin, sign-in, import jobs, job progress). Other cookies (csrftoken,
analytics) are ignored: no page that is stored depends on them, because a page that rendered a
CSRF token is never stored.

What may be stored -- judged from the response: status 200, not streamed, no Set-Cookie, no CSRF
token used, no message added, no ``private``/``no-store`` Cache-Control, Vary naming nothing
beyond Accept/Cookie/Authorization, not marked with :func:`exempt`, and the user still anonymous.

The key holds scheme, host, path, the raw query string and the Accept header. The query string is
not reordered: pages echo it (pagination links, "next=" in the header), so ``?a=1&b=2`` and
``?b=2&a=1`` are different bytes.
"""

from __future__ import annotations

import logging
from typing import Callable

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import cc_delim_re, get_conditional_response

from config.sitecache import store
from config.sitecache.version import cache_version, catalog_changed

logger = logging.getLogger(__name__)

HEADER = "X-Cache"
_EXEMPT_ATTR = "_sitecache_exempt"
_VARY_OK = frozenset({"accept", "cookie", "authorization"})


def exempt(response: HttpResponseBase) -> HttpResponseBase:
    """Never store this response (a page showing something that changes without a version bump,
    such as a running job's progress)."""
    setattr(response, _EXEMPT_ATTR, True)
    return response


class ResponseCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        seconds = settings.RESPONSE_CACHE_SECONDS
        if request.method not in ("GET", "HEAD"):
            response = self.get_response(request)
            self._after_write(request, response)
            return response
        if seconds <= 0 or not self._eligible(request):
            return self.get_response(request)
        try:
            key = self._key(request, cache_version())
        except DatabaseError:
            logger.warning("catalog version unreadable; serving uncached", exc_info=True)
            return self.get_response(request)
        reachable, stored = store.read(key)
        if not reachable:
            return self.get_response(request)
        if stored is not None:
            return self._replay(request, stored)
        response = self.get_response(request)
        if self._storable(request, response):
            store.write(key, (response.status_code, list(response.items()), response.content), seconds)
        response[HEADER] = "miss"
        return response

    # -- requests ---------------------------------------------------------
    @staticmethod
    def _eligible(request: HttpRequest) -> bool:
        if "HTTP_AUTHORIZATION" in request.META:
            return False
        cookies = request.COOKIES
        if settings.SESSION_COOKIE_NAME in cookies or getattr(settings, "MESSAGES_COOKIE_NAME", "messages") in cookies:
            return False
        path = request.path_info
        return not any(path.startswith(prefix) for prefix in settings.RESPONSE_CACHE_EXCLUDE)

    @staticmethod
    def _key(request: HttpRequest, version: str) -> str:
        parts = (request.scheme, request.get_host(), request.path, request.META.get("QUERY_STRING", ""),
                 request.META.get("HTTP_ACCEPT", ""))
        return f"rc:{version}:{store.digest(chr(0).join(parts))}"

    # -- responses --------------------------------------------------------
    @staticmethod
    def _storable(request: HttpRequest, response: HttpResponseBase) -> bool:
        if response.status_code != 200 or response.streaming or getattr(response, _EXEMPT_ATTR, False):
            return False
        if response.cookies or request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
            return False
        control = {part.strip().split("=")[0].lower() for part in cc_delim_re.split(response.get("Cache-Control", ""))}
        if control & {"private", "no-store"}:
            return False
        vary = {h.strip().lower() for h in cc_delim_re.split(response.get("Vary", "")) if h.strip()}
        if vary - _VARY_OK:
            return False
        storage = getattr(request, "_messages", None)
        if storage is not None and getattr(storage, "added_new", False):
            return False
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return False
        return len(response.content) <= settings.RESPONSE_CACHE_MAX_BYTES

    @staticmethod
    def _replay(request: HttpRequest, stored: tuple[int, list[tuple[str, str]], bytes]) -> HttpResponseBase:
        status, headers, content = stored
        response = HttpResponse(content, status=status)
        for name, value in headers:
            response[name] = value
        # Conditional GET as the API views answer it: 304 when the client already holds this ETag.
        conditional = get_conditional_response(request, etag=response.get("ETag"), response=response)
        if conditional is not response:
            for name in ("Content-Security-Policy", "X-Frame-Options", "Cross-Origin-Opener-Policy"):
                if name in response:
                    conditional[name] = response[name]
        conditional[HEADER] = "hit"
        return conditional

    @staticmethod
    def _after_write(request: HttpRequest, response: HttpResponseBase) -> None:
        """Any successful write through HTTP advances the version, including the ones no model signal
        sees (admin bulk deletes of unsigned tables). Only signed-in users can write successfully,
        so an anonymous client cannot flush the cache by posting. (Bumps even where this process does
        not cache: other processes may.)"""
        if response.status_code >= 400:
            return
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            catalog_changed()
