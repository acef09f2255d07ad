"""Reading and writing the response-cache backend, for whole responses and memoized values alike.

The cache is an optimisation: a server that is down is logged and treated as "not available",
never allowed to fail a page.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.conf import settings
from django.core.cache import caches

logger = logging.getLogger(__name__)


def digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=20).hexdigest()


def read(key: str) -> tuple[bool, Any]:
    """(reachable, stored value or None). Unreachable means: compute the answer and do not try to keep it."""
    try:
        return True, caches[settings.RESPONSE_CACHE_ALIAS].get(key)
    except Exception:  # noqa: BLE001 - a cache server that is down must not take the site with it
        logger.warning("response cache unreachable; serving uncached", exc_info=True)
        return False, None


def write(key: str, value: Any, seconds: int) -> None:
    try:
        caches[settings.RESPONSE_CACHE_ALIAS].set(key, value, seconds)
    except Exception:  # noqa: BLE001 - the answer is ready; only keeping it failed
        logger.warning("response cache unreachable; answer not stored", exc_info=True)
