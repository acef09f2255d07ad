"""Real Celery workers against the real test database: a 4,000-card batch with visible progress,
a worker killed with SIGKILL mid-batch, a restart, and nothing imported twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection

from catalog.cardgen import generated_card
from catalog.models import ImportJob, ImportItem, ItemStatus, LLMModel, SourceDocument
from catalog.services import imports
from catalog.services.imports import DocumentInput, create_import_job, reap_stuck_jobs

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _database_url() -> str:
    s = connection.settings_dict
    host = s.get("HOST") or s.get("OPTIONS", {}).get("host") or ""
    if host.startswith("/"):
        return f"postgresql://{s['USER']}@/{s['NAME']}?host={host}"
    return f"postgresql://{s['USER']}:{s.get('PASSWORD') or ''}@{host}:{s.get('PORT') or 5432}/{s['NAME']}"


@pytest.fixture
def broker():
    # A folder of its own, not one of pytest's numbered temporary directories: a second pytest
    # session starting meanwhile (another checkout's tests) prunes old numbered directories, and
    # pruning this one mid-test took the queued task away from the worker (a 180 s timeout).
    with tempfile.TemporaryDirectory(prefix="llmcat-broker-") as name:
        yield _broker_in(Path(name))


def _broker_in(folder: Path) -> tuple[Path, Celery]:
    (folder / "in").mkdir()
    (folder / "processed").mkdir()
    options = {"data_folder_in": str(folder / "in"), "data_folder_out": str(folder / "in"),
               "processed_folder": str(folder / "processed"), "store_processed": False}
    # Not the current app: tests after this one enqueue through the project's own.
    app = Celery("test-sender", broker="filesystem://", broker_transport_options=options, set_as_current=False)
    return folder, app


def _start_worker(folder: Path, database_url: str | None = None) -> subprocess.Popen:
    log = open(folder / "worker.log", "ab")  # a file, not a pipe: a full pipe would block the worker
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev",
           "DATABASE_URL": database_url or _database_url(),
           "CELERY_BROKER_URL": "filesystem://", "CELERY_RESULT_BACKEND": "cache+memory://",
           "LLMCAT_BROKER_FOLDER": str(folder)}
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-l", "warning", "--concurrency", "1",
         "-P", "solo", "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=log, stderr=log,
    )


def _wait(predicate, timeout: float, what: str, log: Path | None = None) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-4000:] if log and log.exists() else ""
    pytest.fail(f"timed out waiting for {what}\n{tail}")


# Cards in the batch: enough that the worker is still busy when it is killed. At 1,000 a worker
# on a fast machine (about 400 cards/s) finished before the test had seen two progress reports,
# and the test waited out its timeout; 4,000 leave it five times that margin.
BATCH = 4000


def test_batch_survives_a_killed_worker(broker, monkeypatch) -> None:
    folder, sender = broker
    docs = [DocumentInput(name=f"card-{i}.md", content=generated_card(i, org="fault-org")) for i in range(BATCH)]
    job = create_import_job(docs, via=ImportJob.Via.API, enqueue=False)
    sender.send_task("catalog.run_import_job", args=[job.pk])
    worker = _start_worker(folder)
    try:
        seen: list[int] = []

        def progressed() -> bool:
            job.refresh_from_db()
            seen.append(job.processed)
            # Two progress reports seen, not just a count: progress is written once a second, and a
            # fast worker is past 150 cards at its first report.
            # A finished job ends the wait too: the assertion below then says so at once.
            return (job.processed >= 150 and len(set(seen)) > 2) or job.is_finished

        _wait(progressed, 180, "the worker to import 150 cards and report progress twice", folder / "worker.log")
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        job.refresh_from_db()
        assert job.status == "running" and 150 <= job.processed < BATCH, \
            f"the worker was to be killed mid-batch: {job.status}, {job.processed} of {BATCH} processed; seen {seen}"
        # Progress was visible while it ran: a count between none and all. (Items commit in groups of
        # IMPORT_BATCH_SIZE and progress is written at most once a second, so few distinct values show.)
        assert any(0 < n < BATCH for n in seen)
        # The reaper finds the job once its heartbeat is stale and re-queues it; the queue is our broker.
        ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=job.heartbeat_at.replace(year=2000))
        monkeypatch.setattr(imports, "enqueue_import_job",
                            lambda j: sender.send_task("catalog.run_import_job", args=[j.pk]))
        assert reap_stuck_jobs() == [job.pk]
        worker = _start_worker(folder)

        def finished() -> bool:
            job.refresh_from_db()
            return job.is_finished

        _wait(finished, 600, "the restarted worker to finish the batch", folder / "worker.log")
    finally:
        if worker.poll() is None:
            worker.terminate()
            worker.wait(timeout=20)
    assert job.status == "done", job.errors
    failures = list(ImportItem.objects.filter(job=job).exclude(error="").values_list("name", "status", "error")[:5])
    assert (job.total, job.processed, job.succeeded, job.failed_count) == (BATCH, BATCH, BATCH, 0), failures
    assert ImportItem.objects.filter(job=job, status=ItemStatus.IMPORTED).count() == BATCH
    # Exactly once: one document and one model per card, whatever was in flight when the worker died.
    assert SourceDocument.objects.filter(origin__startswith="card-").count() == BATCH
    assert LLMModel.objects.filter(repo_id__startswith="fault-org/", is_stub=False).count() == BATCH


def test_poison_document_is_quarantined(monkeypatch, db) -> None:
    """A document that crashes the importer every time is retried a bounded number of times, then parked."""
    calls = {"n": 0}

    def explode(*args, **kwargs):
        calls["n"] += 1
        raise MemoryError("simulated crash")

    job = create_import_job([DocumentInput(name="poison.md", content="# x"),
                             DocumentInput(name="ok.md", content=generated_card(1, org="poison-org"))],
                            via="api", enqueue=False)
    real = imports.import_document
    monkeypatch.setattr(imports, "import_document",
                        lambda content, **kw: explode() if kw.get("origin") == "poison.md" else real(content, **kw))
    job = imports.run_import_job(job.pk)
    poison = job.items.get(name="poison.md")
    assert poison.status == ItemStatus.QUARANTINED and "MemoryError" in poison.error
    assert calls["n"] == 3  # JOB_MAX_ATTEMPTS
    assert job.items.get(name="ok.md").status == ItemStatus.IMPORTED
    assert job.status == "done" and job.failed_count == 1


def test_lost_connection_retries_the_item_and_a_repeat_offender_is_quarantined(monkeypatch, db) -> None:
    """The bookkeeping behind the real-PostgreSQL fault test, fast: an item interrupted by a lost
    connection goes back to the queue (its attempt counted), and one that loses the connection on
    every attempt is quarantined instead of looping for ever."""
    from django.db import OperationalError

    calls: dict[str, int] = {}
    real = imports.import_document

    def flaky(content, **kw):
        name = kw["origin"]
        calls[name] = calls.get(name, 0) + 1
        if name == "always.md" or (name == "once.md" and calls[name] == 1):
            raise OperationalError("server closed the connection unexpectedly")
        return real(content, **kw)

    monkeypatch.setattr(imports, "import_document", flaky)
    monkeypatch.setattr(imports, "connection_lost", lambda exc: isinstance(exc, OperationalError))
    waits: list[float] = []
    monkeypatch.setattr(imports, "wait_for_database", waits.append)
    job = create_import_job([DocumentInput(name="once.md", content=generated_card(1, org="flaky-org")),
                             DocumentInput(name="always.md", content=generated_card(2, org="flaky-org"))],
                            via="api", enqueue=False)
    job = imports.run_import_job(job.pk)
    once, always = job.items.get(name="once.md"), job.items.get(name="always.md")
    assert (once.status, once.attempts, calls["once.md"]) == (ItemStatus.IMPORTED, 2, 2)
    assert (always.status, always.attempts, calls["always.md"]) == (ItemStatus.QUARANTINED, 3, 3)
    assert "database connection was lost" in always.error
    assert len(waits) == 4 and job.status == "done" and (job.succeeded, job.failed_count) == (1, 1)
