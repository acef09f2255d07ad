"""Scoring jobs: compute leaderboard scores, verify stated averages, flag conflicts, measure merge uplift.

The arithmetic lives in the pure ``evals.scoring`` package; this module loads rows in bulk,
calls it, and writes the outcome back in bulk and idempotently (a rescore of an unchanged
catalog writes nothing).

Why it is shaped this way (issue 8: a 100,000-model catalog, 2.17 M results):

* Each chunk of models is read with two plain SQL queries (its runs, then their results, in
  binary and unsorted: Python puts them in (run, id) order) into tuples: no Django model
  instances, no per-row ORM work.
* What a chunk should hold (scores, claim checks, flags) is computed in memory and compared
  with what the tables hold; only differences are written, by binary COPY: rows the table
  did not hold straight into it (a savepoint catches a concurrent job's insert and sends them
  to the upsert), changed rows into a temporary table and one ``INSERT ... ON CONFLICT DO
  UPDATE``, vanished rows through one ``DELETE ... WHERE id = ANY(...)``. An unchanged
  catalog costs reads only.
* Chunks are large (fewer transactions and round trips) but bounded, so memory stays flat
  whatever the catalog size.
* Two passes (``score_models``): chunks are computed first, then their score differences are
  written, so a full job can rank every board in memory in between and write each row once
  with its rank (a partial job reranks in SQL with a window function).
* Each model's rows are grouped by benchmark once while loading, for every board (the pure
  ``evals.scoring.grouping``, compiled with the rules where the compiled core is built); the cyclic
  garbage collector pauses while a chunk is built (its objects are acyclic).
"""

from __future__ import annotations

import gc
import json
import logging
import math
import multiprocessing
import os
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Iterator, Sequence

import orjson
import psycopg
from psycopg.types.json import set_json_dumps
from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone

from catalog.models import EdgeKind
from evals.models import SOURCE_RANK, Leaderboard, ResultFlag, ScoringJob, VerificationStatus
from evals.scoring import specs
from evals.scoring.chunk import add_score_rows, check_claims, conflict_candidates
from evals.scoring.grouping import group_results
from evals.scoring.rules import ResultRow, ScoreOutcome, dense_rank_by_average, score_bucketed
from evals.scoring.specs import LeaderboardSpec
from evals.scoring.uplift import merge_uplift
from evals.scoring.verify import find_row_conflicts, scale_suspicious
from config.sitecache.version import catalog_changed

logger = logging.getLogger(__name__)

HINT_TO_BOARD = {"open_llm_v1": "open-llm-v1", "open_llm_v2": "open-llm-v2", "nous": "nous", "arena_elo": "arena-elo"}
# Models per transaction. 5,000 models is about 125,000 result rows (tens of MB in memory):
# large enough that per-chunk round trips and temp tables cost nothing, small enough that
# memory stays bounded and the job's heartbeat moves every few seconds. The pool takes chunks
# as its processes free up, so the last one alone keeps a core busy while the other idles:
# at 10,000 (9 chunks for 88,000 models on two cores) that tail was a tenth of each pass.
CHUNK = 5_000
UPLIFT_BOARD = "open-llm-v1"
_STATUS_ORDER = {VerificationStatus.NONE: 0, VerificationStatus.INSUFFICIENT: 1, VerificationStatus.VERIFIED: 2,
                 VerificationStatus.MISMATCH: 3}
_SCORE_FIELDS = ("average", "complete", "completeness", "components", "reported_average", "verification",
                 "flag_count")
_CLAIM_FIELDS = ("stated", "recomputed", "delta", "tolerance", "status", "n_components")
_UPLIFT_FIELDS = ("leaderboard_id", "method", "vs_best_parent", "vs_mean_parents", "vs_base", "beats_all_parents",
                  "per_benchmark", "parents")


@dataclass
class ScoringStats:
    models: int = 0
    written: int = 0  # score rows inserted or updated
    unchanged: int = 0  # score rows already right
    deleted: int = 0  # score rows of a model that no longer has results on that board
    claim_checks: int = 0
    claim_checks_written: int = 0  # inserted, updated or deleted
    flags: int = 0
    flags_written: int = 0  # inserted or deleted
    uplifts: int = 0
    uplifts_written: int = 0  # inserted, updated or deleted
    seconds: float = 0.0

    def add(self, other: ScoringStats) -> None:
        """Fold in one chunk's counts."""
        for name in ("written", "unchanged", "deleted", "claim_checks", "claim_checks_written", "flags",
                     "flags_written"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def scores(self) -> int:
        """Scores computed: one per model and board with anything to show."""
        return self.written + self.unchanged

    @property
    def rows_written(self) -> int:
        """Every row this job inserted, updated or deleted (0 for an unchanged catalog)."""
        return self.written + self.deleted + self.claim_checks_written + self.flags_written + self.uplifts_written


@dataclass(frozen=True, slots=True)
class _Run:
    model_id: int
    source_rank: int
    third_party: bool
    hint: str
    stated: dict[str, Any]


@dataclass
class _Loaded:
    """One chunk's inputs, as plain tuples."""

    runs: dict[int, _Run]
    rows_by_model: dict[int, dict[str, list[ResultRow]]]  # model_id -> benchmark key -> rows, in load order
    # model_id -> (run_id, metric, value, raw_value, raw_scale, bench id, result id)
    scale_suspects: dict[int, list[tuple]]
    rows_by_run: dict[int, list[ResultRow]]  # only runs that state averages (for the claim checks)
    result_counts: dict[int, int]  # every result, with or without a benchmark
    own_runs: dict[int, list[int]]  # model_id -> its runs that are not third-party claims
    bench_ids: dict[str, int]  # benchmark key -> id


def request_scoring(model_ids: Iterable[int] | None = None, *, trigger: str = ScoringJob.Trigger.MANUAL,
                    user: Any = None, enqueue: bool = True) -> ScoringJob:
    """Record a scoring job (empty model_ids = whole catalog) and enqueue it after commit."""
    from evals.tasks import run_scoring_job_task

    job = ScoringJob.objects.create(
        trigger=trigger,
        model_ids=sorted(set(model_ids or [])),
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    if enqueue:
        transaction.on_commit(lambda: run_scoring_job_task.delay(job.pk))
    return job


def run_scoring_job(job_id: int) -> ScoringJob | None:
    job = ScoringJob.objects.filter(pk=job_id).first()
    if job is None or job.is_finished:
        return job
    job.mark_running()
    try:
        stats = score_models(job.model_ids or None, job=job)
    except Exception as exc:  # noqa: BLE001 - the row records the failure; the worker lives on
        logger.exception("scoring job %s failed", job_id)
        job.mark_finished(failed=True, error=f"{type(exc).__name__}: {exc}"[:1000])
        return job
    job.scores_written, job.scores_unchanged = stats.written, stats.unchanged
    job.processed = job.total = stats.models
    job.succeeded = stats.written + stats.unchanged
    job.save(update_fields=["scores_written", "scores_unchanged", "processed", "total", "succeeded"])
    job.mark_finished()
    return job


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def score_models(model_ids: list[int] | None = None, *, job: ScoringJob | None = None) -> ScoringStats:
    """Score the given models (None = every model with results) on every leaderboard.

    Two passes over the chunks: the first computes everything, writes claim checks, flags and
    result counts, and returns how each chunk's scores differ from the table; the second writes
    those differences. In between, a full job ranks every board in memory, so new and changed
    rows go in with their rank and no rerank UPDATE rewrites them (on a cold catalog that
    UPDATE rewrote every score row a second time). A partial job cannot see the whole board in
    memory: it writes its rows unranked and reranks in SQL, as before.

    Merge uplift reads the uplift board's committed scores only. A full job writes that board's
    rows first and computes the uplift in this process as soon as they are committed, while the
    pool writes the other boards (run after them, the uplift kept one core busy and the other
    idle at the end of every job); a partial job computes it at the end, after its rerank."""
    started = time.perf_counter()
    stats = ScoringStats()
    boards = {b.slug: b for b in Leaderboard.objects.all()}
    full = model_ids is None
    with connection.cursor() as cursor:
        if full:
            cursor.execute("SELECT DISTINCT model_id FROM evals_evalrun ORDER BY model_id")
            ids = [row[0] for row in cursor.fetchall()]
        else:
            ids = sorted(set(model_ids or []))
        cursor.execute("SELECT id, key FROM evals_benchmark")
        bench_keys = dict(cursor.fetchall())
    stats.models = len(ids)
    if job is not None and job.total != stats.models:
        job.heartbeat(total=stats.models)
    board_ids = {slug: board.pk for slug, board in boards.items()}
    chunks = list(_chunks(ids, CHUNK))
    diffs: list[_ScoreDiff] = []
    with _Runner(len(chunks)) as runner:
        for (chunk_stats, diff), size in runner.map(_score_chunk_committed,
                                                    [(chunk, board_ids, bench_keys) for chunk in chunks],
                                                    [len(chunk) for chunk in chunks]):
            stats.add(chunk_stats)
            diffs.append(diff)
            if job is not None:
                job.heartbeat(processed=min(stats.models, job.processed + size))
        uplift_board = boards.get(UPLIFT_BOARD)
        early_uplift = full and uplift_board is not None
        if full:
            with _without_cycle_collection():
                parts, part_boards, unranked = _rank_in_memory(diffs, board_ids,
                                                               uplift_board.pk if uplift_board else None)
        else:
            parts, part_boards, unranked = _chunk_parts(diffs), [], set(board_ids.values())
        # Parts of the uplift board still to commit before the uplift may read it.
        waiting = part_boards.count(uplift_board.pk) if early_uplift else 0
        written_parts = runner.map(_write_scores_committed, parts, part_boards or [None] * len(parts))
        uplift_error: Exception | None = None
        if early_uplift and not waiting:
            uplift_error = _uplift_beside_pass_two(uplift_board, stats)
        for written, board_id in written_parts:
            stats.written += written
            if early_uplift and board_id == uplift_board.pk:
                waiting -= 1
                if not waiting:
                    uplift_error = _uplift_beside_pass_two(uplift_board, stats)
        if uplift_error is not None:
            raise uplift_error
    for diff in diffs:
        stats.unchanged += diff.count("unchanged")
        stats.deleted += diff.count("stale")
    with transaction.atomic():
        for slug, board in boards.items():
            if board.pk in unranked:
                _rerank(board)
        if not early_uplift:
            _update_uplift(ids if model_ids is not None else None, uplift_board, stats)
        catalog_changed()
    stats.seconds = time.perf_counter() - started
    return stats


def _workers(n_chunks: int) -> int:
    """Processes to score chunks in: one per core (``SCORING_WORKERS`` overrides), and one only
    when there is a single chunk, when the caller holds a transaction (its uncommitted rows are
    invisible to other connections: tests, a job run inside atomic) or when this process may
    not fork (a daemonic Celery pool process)."""
    wanted = getattr(settings, "SCORING_WORKERS", None) or os.cpu_count() or 1
    if n_chunks < 2 or wanted < 2 or connection.in_atomic_block or multiprocessing.current_process().daemon:
        return 1
    return min(int(wanted), n_chunks)


class _Runner:
    """Runs a function over chunks, each call in its own transaction: in this process, or, when
    there are several chunks and cores, in a pool of processes (the pure rules are CPU-bound
    Python; each process has its own connection). One pool serves both passes of a job."""

    def __init__(self, n_chunks: int) -> None:
        self.workers = _workers(n_chunks)
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> _Runner:
        if self.workers > 1:
            # Forked children must not share the parent's socket: close it; the parent reconnects lazily.
            connection.close()
            context = multiprocessing.get_context("fork")
            self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context, initializer=_worker_init)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def map(self, fn: Any, args: list[tuple], tags: list[Any]) -> Iterator[tuple[Any, Any]]:
        """Yields (fn's result, that call's tag) as each call commits (in any order). A pool
        gets every call at once, in the given order, before this returns (the caller may do
        other work meanwhile); in this process, each call runs when its result is asked for."""
        if self.pool is None:
            return ((fn(*arg), tag) for arg, tag in zip(args, tags))
        return self._completed({self.pool.submit(fn, *arg): tag for arg, tag in zip(args, tags)})

    @staticmethod
    def _completed(futures: dict[Any, Any]) -> Iterator[tuple[Any, Any]]:
        try:
            for future in as_completed(futures):
                yield future.result(), futures[future]
        except BaseException:
            for future in futures:
                future.cancel()
            raise


def _worker_init() -> None:
    # The forked copy of the parent's connection object is closed; drop any inherited handle
    # without touching the socket, so the child opens a connection of its own.
    for conn in connections.all(initialized_only=True):
        conn.connection = None


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector while a chunk is built. A chunk allocates millions of
    tuples, lists and dicts that all stay alive until it is written, so each automatic pass
    traverses them again for nothing (half the loading time went there); none of them form
    cycles, so reference counting still frees them as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _commit_without_flush_wait(cursor: Any) -> None:
    """This transaction's commit does not wait for its WAL to reach the disk. A full job commits
    about ninety chunk and part transactions; each waited for a flush of the megabytes it wrote.
    Nothing is lost that matters: a crash can only drop the last few hundred milliseconds of
    these commits, never corrupt them, and the job is recorded as done by an ordinary commit,
    which flushes every earlier record first (the log is sequential): a job that says done has
    all of its rows on disk, and one cut short is rerun, writing the same rows again."""
    if connection.in_atomic_block and len(connection.atomic_blocks) > 1:
        return  # inside a caller's transaction (tests, a job run in atomic): its commit, its rules
    cursor.execute("SET LOCAL synchronous_commit = off")


def _score_chunk_committed(chunk: list[int], board_ids: dict[str, int], bench_keys: dict[int, str]
                           ) -> tuple[ScoringStats, _ScoreDiff]:
    stats = ScoringStats()
    board_specs = [s for s in specs.LEADERBOARDS if s.slug in board_ids]
    with _without_cycle_collection(), transaction.atomic(), connection.cursor() as cursor:
        _commit_without_flush_wait(cursor)
        diff = _score_chunk(cursor, chunk, board_ids, board_specs, bench_keys, stats)
        catalog_changed()  # claims, flags and counts are written by COPY and raw SQL: no model signal
    return stats, diff


def _write_scores_committed(updated: list[tuple], new: list[tuple], ranks: list[int | None] | None,
                            rank_updates: list[tuple[int, int | None]], stale: list[int]) -> int:
    """Write one part of pass 2: ``updated`` rows replace stored ones, ``new`` rows go in,
    ``stale`` ids go. ``ranks`` holds each updated, then new, row's rank (a full job); None
    writes the rows unranked (a partial job: the SQL rerank follows)."""
    with transaction.atomic(), connection.cursor() as cursor:
        _commit_without_flush_wait(cursor)
        _delete_ids(cursor, "evals_score", stale)
        columns = ("model_id", "leaderboard_id", *_SCORE_FIELDS, "computed_at")
        if ranks is not None:
            columns += ("rank",)
            # Rows come without their rank: appended here, in the pool, not in the parent between the passes.
            n = len(updated)
            updated = [(*row, rank) for row, rank in zip(updated, ranks)]
            new = [(*row, rank) for row, rank in zip(new, ranks[n:])]
        key = ("model_id", "leaderboard_id")
        _upsert(cursor, "evals_score", columns, key, updated)
        _insert_new(cursor, "evals_score", columns, key, new)
        if rank_updates:
            cursor.execute(
                "UPDATE evals_score s SET rank = c.rank FROM unnest(%s::bigint[], %s::integer[]) AS c(id, rank) "
                "WHERE s.id = c.id",
                [_int_array([i for i, _ in rank_updates]), _int_array([r for _, r in rank_updates])],
            )
        catalog_changed()  # scores are written by COPY and raw SQL: no model signal
    return len(updated) + len(new)


def _update_uplift_committed(model_ids: list[int] | None, board: Leaderboard, stats: ScoringStats) -> None:
    with transaction.atomic():
        _update_uplift(model_ids, board, stats)
        catalog_changed()


def _uplift_beside_pass_two(board: Leaderboard, stats: ScoringStats) -> Exception | None:
    """A full job's uplift, run while the pool writes the other boards. A failure is returned,
    not raised: raised here, it would cancel the other boards' parts still queued and leave
    their scores unwritten; the job fails once every part has committed."""
    try:
        _update_uplift_committed(None, board, stats)
    except Exception as exc:  # noqa: BLE001 - re-raised by score_models after pass 2
        logger.warning("merge uplift failed; the other boards' scores are written first", exc_info=True)
        return exc
    return None


def _chunk_parts(diffs: list[_ScoreDiff]) -> list[tuple]:
    """A partial job's pass-2 parts: one per chunk, every board, unranked."""
    parts = []
    for diff in diffs:
        updated = [row for rows in diff.changed.values() for row in rows]
        new = [row for rows in diff.new.values() for row in rows]
        stale = [score_id for ids in diff.stale.values() for score_id in ids]
        if updated or new or stale:
            parts.append((updated, new, None, [], stale))
    return parts


def _rank_in_memory(diffs: list[_ScoreDiff], board_ids: dict[str, int], first_board: int | None
                    ) -> tuple[list[tuple], list[int], set[int]]:
    """A full job's pass-2 parts, ranked board by board from the averages its rows will hold
    (rows it leaves alone, of models without runs, included): each changed row gets its rank,
    each unchanged row whose rank moves a rank update. One part per chunk and board, the
    ``first_board``'s first, then the others' larger parts first (the pool takes them in
    order: small ones last even out the two processes' ends). Returns (parts, each part's
    board, the boards it could not rank: a non-finite average, left to the SQL rerank)."""
    with connection.cursor() as cursor:  # rows of models the job did not score (no runs left)
        cursor.execute("SELECT s.id, s.leaderboard_id, s.average, s.complete, s.rank FROM evals_score s "
                       "WHERE NOT EXISTS (SELECT 1 FROM evals_evalrun r WHERE r.model_id = s.model_id)")
        others = _ScoreDiff()
        for score_id, board_id, average, complete, rank in cursor.fetchall():
            others.unchanged.setdefault(board_id, []).append((score_id, average if complete else None, rank))
    every = [*diffs, others]
    boards = set(board_ids.values())
    for diff in every:
        boards.update(diff.changed, diff.new, diff.unchanged, diff.stale)
    first: list[tuple[tuple, int]] = []
    rest: list[tuple[tuple, int]] = []
    failed: set[int] = set()
    for board_id in sorted(boards):
        # rows: model, board, average, complete, ... (values in _SCORE_FIELDS order), computed_at
        averages: list[float] = []
        for diff in every:
            for rows in (diff.changed.get(board_id), diff.new.get(board_id)):
                if rows:
                    averages += [row[2] for row in rows if row[3]]
            unchanged = diff.unchanged.get(board_id)
            if unchanged:
                averages += [average for _id, average, _rank in unchanged if average is not None]
        by_average = dense_rank_by_average(averages)
        if by_average is None:
            failed.add(board_id)
        rank_of = (by_average or {}).get  # None for an incomplete row (no average), or a failed board
        for diff in every:
            updated, new = diff.changed.get(board_id, []), diff.new.get(board_id, [])
            ranks = [rank_of(row[2]) if row[3] else None for rows in (updated, new) for row in rows]
            rank_updates = [] if by_average is None else [
                (score_id, rank) for score_id, average, old in diff.unchanged.get(board_id, ())
                if (rank := rank_of(average)) != old]
            stale = diff.stale.get(board_id, [])
            if updated or new or rank_updates or stale:
                (first if board_id == first_board else rest).append(
                    ((updated, new, ranks, rank_updates, stale), board_id))
    rest.sort(key=lambda part: -len(part[0][2]) - len(part[0][3]) - len(part[0][4]))
    ordered = first + rest
    return [part for part, _ in ordered], [board_id for _, board_id in ordered], failed


# --- reading -------------------------------------------------------------------------------

def _int_array(values: Iterable[int | None]) -> str:
    """An integer array parameter as PostgreSQL's array literal (``{1,2,NULL}``), cast by the
    query (``%s::bigint[]``). psycopg adapts a Python list element by element in Python, with a
    quoting check per element: a job sends about 700,000 ids, which cost more than a second."""
    return "{" + ",".join(["NULL" if v is None else str(int(v)) for v in values]) + "}"


def _json(value: Any) -> Any:
    """Django's psycopg setup hands jsonb over as text; accept either form. orjson parses the
    hundreds of thousands of score components a job compares several times faster; the standard
    parser takes what orjson refuses (numbers beyond 64-bit integers or doubles)."""
    if not isinstance(value, (str, bytes)):
        return value
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return json.loads(value)


def _load_rows(cursor: Any, chunk: list[int], bench_keys: dict[int, str]) -> _Loaded:
    """The chunk's runs and results in two queries, straight into tuples."""
    cursor.execute(
        "SELECT id, model_id, source, third_party_claim, leaderboard_hint, stated_averages "
        "FROM evals_evalrun WHERE model_id = ANY(%s::bigint[]) ORDER BY model_id, created_at DESC, id DESC",
        [_int_array(chunk)],
    )
    # Newest run first, as the ORM's default ordering had it: the first overall average a
    # model's own documents state is the one its score reports.
    runs: dict[int, _Run] = {}
    own_runs: dict[int, list[int]] = defaultdict(list)
    for run_id, model_id, source, third_party, hint, stated in cursor.fetchall():
        runs[run_id] = _Run(model_id, SOURCE_RANK.get(source, 5) + (2 if third_party else 0), third_party, hint,
                            _json(stated) or {})
        if not third_party:
            own_runs[model_id].append(run_id)
    loaded = _Loaded(runs, {}, {}, {}, dict.fromkeys(chunk, 0), own_runs,
                     {key: pk for pk, key in bench_keys.items()})
    if not runs:
        return loaded
    # Results in binary (millions of rows): no float8 to text and back, less CPU on both sides.
    # Django's cursors bind client-side, which cannot ask for binary results: a server-binding
    # psycopg cursor on the same connection (and transaction) reads them.
    # What the rules need is each run's rows in id order (which of two rows with the same run,
    # benchmark and metric they meet first decides ties; the order across benchmarks and
    # metrics does not matter). PostgreSQL sorted each chunk's 120,000 rows by run, benchmark,
    # metric and id, an incremental sort that cost more than the scan; Python sorts the fetched
    # tuples in a few milliseconds: they start with (run_id, id), and id is unique, so the
    # comparison never looks further.
    results = psycopg.Cursor(cursor.cursor.connection)
    results.execute(
        "SELECT run_id, id, benchmark_id, metric, shots, value, normalized, raw_value, raw_scale FROM evals_result "
        "WHERE run_id = ANY(%s::bigint[])",
        [_int_array(runs)], binary=True,
    )
    with results:
        fetched = results.fetchall()
    fetched.sort()
    group_results(fetched, {run_id: (run.model_id, run.source_rank, bool(run.stated)) for run_id, run in runs.items()},
                  bench_keys, loaded.rows_by_model, loaded.rows_by_run, loaded.scale_suspects, loaded.result_counts)
    if loaded.scale_suspects:
        _order_suspects(cursor, loaded.scale_suspects)
    return loaded


def _order_suspects(cursor: Any, suspects: dict[int, list[tuple]]) -> None:
    """Put each model's suspect rows in (run, benchmark, metric, id) order, the order their
    flags have always been written (and so listed) in, by the database's own collation of the
    metric names. A few thousand rows per catalog: one small query per chunk."""
    ids = [suspect[-1] for found in suspects.values() if len(found) > 1 for suspect in found]
    if not ids:
        return
    cursor.execute("SELECT id FROM evals_result WHERE id = ANY(%s::bigint[]) "
                   "ORDER BY run_id, benchmark_id, metric, id", [_int_array(ids)])
    position = {result_id: n for n, (result_id,) in enumerate(cursor.fetchall())}
    for found in suspects.values():
        if len(found) > 1:
            found.sort(key=lambda suspect: position[suspect[-1]])


# --- computing -----------------------------------------------------------------------------

def _close(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=0, abs_tol=1e-9)


def _same(current: tuple, wanted: tuple) -> bool:
    """Field by field; floats within 1e-9 (float noise is not a change)."""
    if current == wanted:  # the usual answer, compared in C; the loop below is for float noise
        return True
    for a, b in zip(current, wanted):
        if isinstance(a, float) or isinstance(b, float):
            if not _close(a, b):
                return False
        elif a != b:
            return False
    return True


def _check_claims(loaded: _Loaded, outcomes: dict[str, dict[int, ScoreOutcome]]) -> dict[tuple[int, str], tuple]:
    """Every average the chunk's runs state, recomputed (``evals.scoring.chunk.check_claims``).
    Returns (run_id, aggregate) -> (stated, recomputed, delta, tolerance, status, n_components)."""
    stating = {run_id: (run.model_id, run.hint, run.stated) for run_id, run in loaded.runs.items() if run.stated}
    return check_claims(stating, loaded.rows_by_run, loaded.rows_by_model, outcomes, HINT_TO_BOARD)


def _verification_by_model_board(checks: dict[tuple[int, str], tuple], runs: dict[int, _Run]
                                 ) -> dict[tuple[int, str], tuple[str, float | None]]:
    """Worst status wins: one mismatching claim flags the model's entry on that board.

    Only the model's own documents count (not claims other cards make about it); on the Nous
    board the sub-averages (GPT4All, AGIEval, BigBench) count too.
    """
    out: dict[tuple[int, str], tuple[str, float | None]] = {}
    for (run_id, aggregate), (stated, _recomputed, _delta, _tolerance, check_status, _n) in checks.items():
        run = runs[run_id]
        slug = HINT_TO_BOARD.get(run.hint)
        if run.third_party or slug is None or (aggregate and slug != "nous"):
            continue
        status, reported = out.get((run.model_id, slug), (VerificationStatus.NONE, None))
        if _STATUS_ORDER[check_status] > _STATUS_ORDER[status]:
            status = check_status
        if not aggregate and reported is None:
            reported = stated
        out[(run.model_id, slug)] = (status, reported)
    return out


def _flags(loaded: _Loaded) -> dict[int, list[tuple]]:
    """model_id -> [(kind, benchmark_id, metric, message, details)], conflicts then scale flags."""
    bench_ids = loaded.bench_ids
    third_party = {run_id for run_id, run in loaded.runs.items() if run.third_party}
    out: dict[int, list[tuple]] = {}
    for model_id, run_ids in loaded.own_runs.items():
        # A conflict needs two of the model's own runs: skip the (common) single-run model.
        if len(run_ids) < 2:
            continue
        for conflict in find_row_conflicts(conflict_candidates(loaded.rows_by_model.get(model_id), third_party)):
            out.setdefault(model_id, []).append((
                ResultFlag.Kind.CONFLICT, bench_ids.get(conflict.benchmark), conflict.metric, conflict.message[:500],
                {"values": list(conflict.values), "runs": list(conflict.run_ids)}))
    for model_id, suspects in loaded.scale_suspects.items():
        for run_id, metric, value, raw_value, raw_scale, bench_id, _result_id in suspects:
            problem = scale_suspicious(value, raw_value, raw_scale, metric)
            if problem:
                out.setdefault(model_id, []).append(
                    (ResultFlag.Kind.SCALE, bench_id, metric, problem[:500], {"run": run_id}))
    return out


def _outcomes(chunk: list[int], loaded: _Loaded, board_specs: list[LeaderboardSpec]
              ) -> dict[str, dict[int, ScoreOutcome]]:
    """Every model's outcome on every board (slug -> model_id -> outcome)."""
    rows_by_model = loaded.rows_by_model
    scope = {m: rows_by_model[m] for m in chunk if m in rows_by_model}
    return {spec.slug: score_bucketed(scope, spec) for spec in board_specs}


def _wanted_scores(outcomes: dict[str, dict[int, ScoreOutcome]], board_ids: dict[str, int],
                   verification: dict[tuple[int, str], tuple[str, float | None]], flag_counts: dict[int, int]
                   ) -> dict[tuple[int, int], tuple]:
    """(model_id, leaderboard_id) -> the row's values in ``_SCORE_FIELDS`` order."""
    wanted: dict[tuple[int, int], tuple] = {}
    none = (str(VerificationStatus.NONE), None)
    for slug, by_model in outcomes.items():
        add_score_rows(wanted, by_model, slug, board_ids[slug], verification, none, flag_counts)
    return wanted


# --- writing -------------------------------------------------------------------------------

def _json_bytes(value: Any) -> bytes:
    """JSON for a jsonb column: orjson (a cold job writes hundreds of thousands of these), the
    standard encoder for what orjson refuses (non-string keys). Bytes are JSON already
    (``_encoded``): a JSON document has no bytes value of its own, so nothing else arrives as such."""
    if value.__class__ is bytes:
        return value
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value).encode()


def _encoded(values: tuple) -> tuple:
    """A score row's values (``_SCORE_FIELDS`` order) with its components as JSON: changed rows
    go from the pool's processes to the parent and back (the rank is added in between), and
    200,000 dicts cost several times more to pickle and unpickle than their JSON bytes, which
    the COPY would produce anyway."""
    return (*values[:3], _json_bytes(values[3]), *values[4:])


def _copy_rows(cursor: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """COPY rows in (psycopg 3), in binary: each value goes in through the C dumper of its
    column's type, looked up once per COPY, and dicts and lists as jsonb through orjson. Half
    the client CPU of a text COPY that picks a dumper per value, and less parsing for the
    server (a cold job COPYs 350,000 rows)."""
    raw = cursor.cursor  # the psycopg cursor behind Django's wrapper
    cursor.execute("SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
                   "AND NOT attisdropped", [table])
    oids = dict(cursor.fetchall())
    set_json_dumps(_json_bytes, context=raw)
    with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types([oids[c] for c in columns])
        write_row = copy.write_row
        for row in rows:
            write_row(row)


def _upsert(cursor: Any, table: str, columns: Sequence[str], conflict: Sequence[str], rows: list[Sequence[Any]]
            ) -> None:
    """Insert or update ``rows`` on the ``conflict`` key: COPY into a temporary copy of the
    table's columns, then one INSERT ... ON CONFLICT DO UPDATE (callers send changed rows only)."""
    if not rows:
        return
    temp = f"_scoring_{table}_{len(columns)}"  # one per column set: a transaction may use two
    cols = ", ".join(columns)
    # ON COMMIT DROP: nothing outlives the chunk's transaction; IF NOT EXISTS + DELETE: a caller
    # already inside a transaction (tests, nested jobs) may run this twice before it commits.
    cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {temp} ON COMMIT DROP AS SELECT {cols} FROM {table} LIMIT 0")
    cursor.execute(f"DELETE FROM {temp}")
    _copy_rows(cursor, temp, columns, rows)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c not in conflict)
    cursor.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {temp} "
                   f"ON CONFLICT ({', '.join(conflict)}) DO UPDATE SET {updates}")


def _insert_new(cursor: Any, table: str, columns: Sequence[str], conflict: Sequence[str], rows: list[Sequence[Any]]
                ) -> None:
    """Insert rows the table did not hold when the chunk was read: COPY straight into the table
    (a cold job writes 200,000 scores; going through a temporary table and INSERT ... SELECT cost
    the database about as much again). A concurrent job may have inserted one of them since:
    the COPY then fails on the unique key, its savepoint is rolled back, and the rows go through
    the upsert instead."""
    if not rows:
        return
    try:
        with transaction.atomic():  # a savepoint: the COPY alone is undone on failure
            _copy_rows(cursor, table, columns, rows)
    except psycopg.errors.UniqueViolation:
        _upsert(cursor, table, columns, conflict, rows)


def _delete_ids(cursor: Any, table: str, ids: list[int]) -> None:
    if ids:
        cursor.execute(f"DELETE FROM {table} WHERE id = ANY(%s::bigint[])", [_int_array(ids)])


def _score_chunk(cursor: Any, chunk: list[int], board_ids: dict[str, int], board_specs: list[LeaderboardSpec],
                 bench_keys: dict[int, str], stats: ScoringStats) -> _ScoreDiff:
    loaded = _load_rows(cursor, chunk, bench_keys)
    now = timezone.now()
    outcomes = _outcomes(chunk, loaded, board_specs)
    checks = _check_claims(loaded, outcomes)
    stats.claim_checks += len(checks)
    _write_claims(cursor, list(loaded.runs), checks, now, stats)
    flags = _flags(loaded)
    stats.flags += sum(len(f) for f in flags.values())
    _write_flags(cursor, chunk, flags, now, stats)
    verification = _verification_by_model_board(checks, loaded.runs)
    flag_counts = {m: len(f) for m, f in flags.items()}
    wanted = _wanted_scores(outcomes, board_ids, verification, flag_counts)
    _update_result_counts(cursor, loaded.result_counts)
    return _diff_scores(cursor, chunk, wanted, now)


@dataclass
class _ScoreDiff:
    """How a chunk's score rows differ from what the table holds (written in a second pass),
    board by board: a full job ranks and writes each board on its own (``_rank_in_memory``)."""

    # board -> rows that update a stored row: (model_id, leaderboard_id, *_SCORE_FIELDS values
    # (components as JSON), computed_at); the rank is added when they are written
    changed: dict[int, list[tuple]] = field(default_factory=dict)
    new: dict[int, list[tuple]] = field(default_factory=dict)  # board -> rows the table lacks, same shape
    # board -> (score_id, stored average if ranked else None, stored rank)
    unchanged: dict[int, list[tuple[int, float | None, int | None]]] = field(default_factory=dict)
    stale: dict[int, list[int]] = field(default_factory=dict)  # board -> ids of rows the model no longer has

    def count(self, attribute: str) -> int:
        return sum(len(rows) for rows in getattr(self, attribute).values())


def _diff_scores(cursor: Any, chunk: list[int], wanted: dict[tuple[int, int], tuple], now: datetime
                 ) -> _ScoreDiff:
    cursor.execute(
        f"SELECT id, model_id, leaderboard_id, rank, {', '.join(_SCORE_FIELDS)} FROM evals_score "
        "WHERE model_id = ANY(%s::bigint[])",
        [_int_array(chunk)],
    )
    diff = _ScoreDiff()
    changed, unchanged, stale = diff.changed, diff.unchanged, diff.stale
    seen: set[tuple[int, int]] = set()
    for score_id, model_id, board_id, rank, *current in cursor.fetchall():
        key = (model_id, board_id)
        values = wanted.get(key)
        if values is None:
            stale.setdefault(board_id, []).append(score_id)  # the model no longer has anything on that board
            continue
        seen.add(key)
        current[3] = _json(current[3])  # components
        if _same(tuple(current), values):
            # The stored average is what the database would rank (it may differ by float noise).
            unchanged.setdefault(board_id, []).append((score_id, current[0] if current[1] else None, rank))
        else:
            changed.setdefault(board_id, []).append((*key, *_encoded(values), now))
    new = diff.new
    for key, values in wanted.items():
        if key not in seen:
            new.setdefault(key[1], []).append((*key, *_encoded(values), now))
    return diff


def _write_claims(cursor: Any, run_ids: list[int], checks: dict[tuple[int, str], tuple], now: datetime,
                  stats: ScoringStats) -> None:
    """Claim checks of the chunk's runs: changed ones rewritten, vanished ones deleted."""
    existing: list[tuple] = []
    if run_ids:
        cursor.execute(f"SELECT id, run_id, aggregate, {', '.join(_CLAIM_FIELDS)} FROM evals_claimcheck "
                       "WHERE run_id = ANY(%s::bigint[])", [_int_array(run_ids)])
        existing = cursor.fetchall()
    changed: list[tuple] = []
    stale: list[int] = []
    seen: set[tuple[int, str]] = set()
    for check_id, run_id, aggregate, *current in existing:
        key = (run_id, aggregate)
        values = checks.get(key)
        if values is None:
            stale.append(check_id)
            continue
        seen.add(key)
        if not _same(tuple(current), values):
            changed.append((*key, *values, now))
    new = [(*key, *values, now) for key, values in checks.items() if key not in seen]
    _delete_ids(cursor, "evals_claimcheck", stale)
    columns, conflict = ("run_id", "aggregate", *_CLAIM_FIELDS, "checked_at"), ("run_id", "aggregate")
    _upsert(cursor, "evals_claimcheck", columns, conflict, changed)
    _insert_new(cursor, "evals_claimcheck", columns, conflict, new)
    stats.claim_checks_written += len(changed) + len(new) + len(stale)


def _flag_key(model_id: int, kind: str, benchmark_id: int | None, metric: str, message: str, details: Any
              ) -> tuple:
    return (model_id, kind, benchmark_id, metric, message, json.dumps(details, sort_keys=True))


def _write_flags(cursor: Any, chunk: list[int], flags: dict[int, list[tuple]], now: datetime,
                 stats: ScoringStats) -> None:
    """Flags have no natural key: compare them as a multiset, delete what went, add what came."""
    cursor.execute("SELECT id, model_id, kind, benchmark_id, metric, message, details FROM evals_resultflag "
                   "WHERE model_id = ANY(%s::bigint[])", [_int_array(chunk)])
    existing: dict[tuple, list[int]] = defaultdict(list)
    for flag_id, model_id, kind, bench_id, metric, message, details in cursor.fetchall():
        existing[_flag_key(model_id, kind, bench_id, metric, message, _json(details))].append(flag_id)
    new: list[tuple] = []
    for model_id, model_flags in flags.items():
        for kind, bench_id, metric, message, details in model_flags:
            ids = existing.get(_flag_key(model_id, kind, bench_id, metric, message, details))
            if ids:
                ids.pop()
            else:
                new.append((model_id, kind, bench_id, metric, message, details, now))
    stale = [flag_id for ids in existing.values() for flag_id in ids]
    _delete_ids(cursor, "evals_resultflag", stale)
    if new:
        # No unique key to collide on: COPY straight into the table.
        _copy_rows(cursor, "evals_resultflag",
                   ("model_id", "kind", "benchmark_id", "metric", "message", "details", "created_at"), new)
    stats.flags_written += len(new) + len(stale)


def _update_result_counts(cursor: Any, counts: dict[int, int]) -> None:
    """Counts come from the rows just read; only models whose count moved are written. They
    are compared here, not in the UPDATE: joining the chunk's ids to the (wide) model table
    made PostgreSQL scan all of it once per chunk even when nothing had moved."""
    cursor.execute("SELECT id, result_count FROM catalog_llmmodel WHERE id = ANY(%s::bigint[])", [_int_array(counts)])
    moved = [(model_id, counts[model_id]) for model_id, current in cursor.fetchall() if current != counts[model_id]]
    if moved:
        cursor.execute(
            "UPDATE catalog_llmmodel m SET result_count = c.n FROM unnest(%s::bigint[], %s::integer[]) AS c(id, n) "
            "WHERE m.id = c.id",
            [_int_array([m for m, _ in moved]), _int_array([n for _, n in moved])],
        )


def _rerank(board: Leaderboard) -> None:
    """Dense rank by average, in one statement; only rows whose rank changes are written."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE evals_score s SET rank = r.new_rank
            FROM (SELECT id, CASE WHEN average IS NULL OR NOT complete THEN NULL
                                  ELSE DENSE_RANK() OVER (PARTITION BY (average IS NULL OR NOT complete)
                                                          ORDER BY round(average::numeric, 6) DESC) END AS new_rank
                  FROM evals_score WHERE leaderboard_id = %s) r
            WHERE s.id = r.id AND s.rank IS DISTINCT FROM r.new_rank
            """,
            [board.pk],
        )


# --- merge uplift --------------------------------------------------------------------------

def _update_uplift(model_ids: list[int] | None, board: Leaderboard | None, stats: ScoringStats) -> None:
    """Uplift of merged models touched by this job (and merged children of touched parents);
    ``model_ids`` None means every model."""
    if board is None:
        return
    kinds = [EdgeKind.MERGE, EdgeKind.MOE_EXPERT]
    with connection.cursor() as cursor:
        if model_ids is None:  # the whole catalog: every model with results, as score_models scores
            # Every merge edge at once, each marked when its child or parent has runs: a child
            # is touched when one of its edges is (one scan instead of the touched children, then
            # their edges).
            cursor.execute("SELECT child_id, parent_id, params, child_id IN (SELECT model_id FROM evals_evalrun) "
                           "OR parent_id IN (SELECT model_id FROM evals_evalrun) FROM catalog_lineageedge "
                           "WHERE kind = ANY(%s) ORDER BY child_id, kind, parent_id", [kinds])
            every_edge = cursor.fetchall()
            touched = {child for child, _parent, _params, ran in every_edge if ran}
            children = sorted(touched)
            edges = [(c, p, _json(params)) for c, p, params, _ran in every_edge if c in touched]
        else:
            edges = []
            ids = _int_array(model_ids)
            cursor.execute("SELECT DISTINCT child_id FROM catalog_lineageedge WHERE kind = ANY(%s) "
                           "AND (child_id = ANY(%s::bigint[]) OR parent_id = ANY(%s::bigint[]))", [kinds, ids, ids])
            children = [row[0] for row in cursor.fetchall()]
            if children:
                cursor.execute("SELECT child_id, parent_id, params FROM catalog_lineageedge WHERE kind = ANY(%s) "
                               "AND child_id = ANY(%s::bigint[]) ORDER BY child_id, kind, parent_id",
                               [kinds, _int_array(children)])
                edges = [(c, p, _json(params)) for c, p, params in cursor.fetchall()]
        if not children:
            return
        cursor.execute("SELECT model_id, method, base_model_id FROM catalog_mergerecipe "
                       "WHERE step = 0 AND model_id = ANY(%s::bigint[])", [_int_array(children)])
        recipes = {m: (method, base) for m, method, base in cursor.fetchall()}
        involved = sorted(set(children) | {p for _c, p, _ in edges} | {b for _m, b in recipes.values() if b})
        cursor.execute("SELECT model_id, average, components FROM evals_score "
                       "WHERE leaderboard_id = %s AND model_id = ANY(%s::bigint[])", [board.pk, _int_array(involved)])
        tables: dict[int, dict[str, float]] = {}
        for model_id, average, components in cursor.fetchall():
            table = {k: float(v) for k, v in (_json(components) or {}).items()}
            if average is not None:
                table["average"] = float(average)
            tables[model_id] = table
        # Names are shown for compared parents only: looked up by id for those, not joined to
        # every score row (the join scanned the whole model table).
        cursor.execute("SELECT id, repo_id FROM catalog_llmmodel WHERE id = ANY(%s::bigint[])",
                       [_int_array({p for _c, p, _params in edges if p in tables})])
        names: dict[int, str] = dict(cursor.fetchall())
        wanted = _wanted_uplifts(children, edges, recipes, tables, names, board.pk)
        cursor.execute(f"SELECT id, model_id, {', '.join(_UPLIFT_FIELDS)} FROM evals_mergeuplift "
                       "WHERE model_id = ANY(%s::bigint[])", [_int_array(children)])
        changed: list[tuple] = []
        stale: list[int] = []
        seen: set[int] = set()
        now = timezone.now()
        for uplift_id, model_id, *current in cursor.fetchall():
            values = wanted.get(model_id)
            if values is None:
                stale.append(uplift_id)
                continue
            seen.add(model_id)
            current[6], current[7] = _json(current[6]), _json(current[7])  # per_benchmark, parents
            if not _same(tuple(current), values):
                changed.append((model_id, *values, now))
        changed.extend((m, *values, now) for m, values in wanted.items() if m not in seen)
        _delete_ids(cursor, "evals_mergeuplift", stale)
        _upsert(cursor, "evals_mergeuplift", ("model_id", *_UPLIFT_FIELDS, "computed_at"), ("model_id",), changed)
    stats.uplifts = len(wanted)
    stats.uplifts_written = len(changed) + len(stale)


def _wanted_uplifts(children: list[int], edges: list[tuple], recipes: dict[int, tuple[str, int | None]],
                    tables: dict[int, dict[str, float]], names: dict[int, str], board_id: int
                    ) -> dict[int, tuple]:
    """model_id -> the uplift row's values in ``_UPLIFT_FIELDS`` order."""
    parents_of: dict[int, list[int]] = defaultdict(list)
    for child, parent, params in edges:
        if (params or {}).get("role") != "base":
            parents_of[child].append(parent)
    wanted: dict[int, tuple] = {}
    for child in children:
        child_table = tables.get(child)
        method, base_id = recipes.get(child, ("", None))
        parent_tables = {names[p]: t for p in parents_of.get(child, []) if (t := tables.get(p))}
        if not child_table or "average" not in child_table or not parent_tables:
            continue
        base_table = tables.get(base_id) if base_id else None
        result = merge_uplift(child_table, parent_tables, base_table)
        wanted[child] = (
            board_id, method or "",
            result.vs_best_parent.get("average"), result.vs_mean_parents.get("average"),
            result.vs_base.get("average") if result.vs_base else None,
            result.beats_all_parents,
            {"vs_best_parent": result.vs_best_parent, "vs_mean_parents": result.vs_mean_parents,
             "vs_base": result.vs_base or {}},
            {name: t.get("average") for name, t in parent_tables.items()},
        )
    return wanted
