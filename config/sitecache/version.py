"""The catalog version: one PostgreSQL sequence that every write to public data advances.

Cached responses are stored under the version read at the start of the request, so a write
makes every earlier entry unreachable at once, in every process, with nothing to enumerate or
delete. The bump happens *after* the writing transaction commits: a reader that sees the new
version also sees the new rows, so nothing old is ever stored under the new version. (A reader
that read the old version may store new data under it; that entry is simply never read again.)

Entries are keyed by :func:`cache_version`, the number qualified by which sequence counted it: the
number alone repeats whenever counting starts again, and the cache server outlives the database.
"""

from __future__ import annotations

import functools
import logging
import weakref
from typing import Any, Callable

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction

logger = logging.getLogger(__name__)

SEQUENCE = "sitecache_catalog_version"
# Before the first nextval, last_value is the start value with is_called false: count that as 0
# so the first bump changes the number.
_NUMBER = "CASE WHEN is_called THEN last_value ELSE 0 END"


def current_version(using: str = DEFAULT_DB_ALIAS) -> int:
    """The version now: one tiny query (a sequence's single row, no lock, not MVCC)."""
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT {_NUMBER} FROM {SEQUENCE}")
        return int(cursor.fetchone()[0])


# A database connection -> "<cluster's system identifier>-<database OID>": neither can change
# while the connection is open, so each connection reads them once.
_databases: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()


def cache_version(using: str = DEFAULT_DB_ALIAS) -> str:
    """The version as cached entries are keyed: ``<cluster>-<database>-<sequence>.<number>``.

    The number alone is not unique. A database recreated or restored from a dump, a new cluster, or
    a second catalog sharing the cache server counts again from numbers already used, and would be
    served the other catalog's pages until they expired. Each of those changes one qualifier: the
    cluster's system identifier (a new ``initdb``), the database's OID (``createdb``, a restore
    into a new database) or the sequence's OID (a restore that recreates it, ``pg_restore
    --clean``). The sequence's OID comes with its row for nothing; the other two are read once
    per connection, so a hit still costs one small query."""
    wrapper = connections[using]
    with wrapper.cursor() as cursor:
        database = _databases.get(wrapper.connection)
        if database is None:
            cursor.execute("SELECT (SELECT system_identifier FROM pg_control_system()), "
                           "(SELECT oid FROM pg_database WHERE datname = current_database())")
            cluster, oid = cursor.fetchone()
            database = _databases[wrapper.connection] = f"{cluster}-{oid}"
        cursor.execute(f"SELECT {_NUMBER}, tableoid FROM {SEQUENCE}")
        number, sequence = cursor.fetchone()
    return f"{database}-{sequence}.{number}"


def bump_now(using: str = DEFAULT_DB_ALIAS) -> None:
    """Advance the version immediately. Prefer :func:`catalog_changed` inside a transaction."""
    try:
        with connections[using].cursor() as cursor:
            cursor.execute(f"SELECT nextval('{SEQUENCE}')")
    except DatabaseError:
        # The write itself has committed; failing it now would only hide that. Entries expire after
        # RESPONSE_CACHE_SECONDS anyway.
        logger.exception("could not advance the catalog version; cached pages may stay stale until they expire")


@functools.cache
def _bumper(using: str) -> Callable[[], None]:
    # One function object per alias, so a pending bump can be recognised among the on_commit callbacks.
    return functools.partial(bump_now, using)


def catalog_changed(using: str = DEFAULT_DB_ALIAS) -> None:
    """Public data changed (or is changing in the current transaction): advance the version once the
    transaction commits. Many calls in one transaction cost one bump; a rollback costs none."""
    connection = connections[using]
    bump = _bumper(using)
    if connection.in_atomic_block and any(entry[1] is bump for entry in connection.run_on_commit):
        # Already pending in this transaction. (A savepoint rolled back takes its callbacks with it,
        # and with them the writes made after them inside it, so a pending entry is never orphaned.)
        return
    transaction.on_commit(bump, using=using, robust=True)
