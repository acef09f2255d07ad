"""Results of expensive reads kept under the catalog version, for everyone (signed in or not).

The response cache stores whole pages for anonymous visitors. Some costs are shared by many
different pages instead: the facet counts of a filtered catalog are the same on every page number
and sort order of that filter, and the unfiltered catalog's facets are the same for every visitor.
Keyed by the version, an entry can never be stale: any write makes it unreachable.
"""

from __future__ import annotations

import logging
from typing import Callable, Hashable, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from config.sitecache import store
from config.sitecache.version import cache_version

logger = logging.getLogger(__name__)

T = TypeVar("T")


def memoized(name: str, parts: tuple[Hashable, ...], compute: Callable[[], T], *,
             using: str = DEFAULT_DB_ALIAS) -> T:
    """``compute()``, or its stored result for the same ``parts`` at the current catalog version."""
    if settings.RESPONSE_CACHE_SECONDS <= 0 or connections[using].in_atomic_block:
        # Inside a transaction the reader may see its own uncommitted writes, which must not be
        # stored under a version other processes read.
        return compute()
    try:
        version = cache_version(using)
    except DatabaseError:
        logger.warning("catalog version unreadable; %s computed without the cache", name, exc_info=True)
        return compute()
    key = f"memo:{name}:{version}:{store.digest(repr(parts))}"
    reachable, hit = store.read(key)
    if hit is not None:
        return hit
    value = compute()
    if reachable:
        store.write(key, value, settings.RESPONSE_CACHE_SECONDS)
    return value
