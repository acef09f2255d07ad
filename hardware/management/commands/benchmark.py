"""Measure the product's speed against the catalog currently in the database and print a table.

    manage.py generate_catalog --models 100000     # build a catalog first (COPY, minutes)
    manage.py benchmark --requests 400 --concurrency 8

Figures: parse and import throughput (one process), scoring and fit-matrix throughput, and
request latency p50/p95/p99 + throughput for the main pages and API endpoints under concurrent
load from this process against gunicorn on loopback, with SQL queries per request and the same
statements run as raw SQL (the request's own, captured with their parameters) so the web layer's
overhead shows as a ratio. Each endpoint is measured twice: UNCACHED
(a server with RESPONSE_CACHE_SECONDS=0) and CACHED (warm response-cache hits); then a mixed workload
over a few hundred distinct URLs from a cold cache shows the hit rate and latency a real site would
see. The load comes from wrk when it is installed (``apt-get install wrk``; --client python forces the
threaded Python client, which competes with gunicorn for the CPUs).
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from catalog.models import LLMModel, Organization, SourceDocument

FIXTURES = Path(settings.BASE_DIR) / "catalog" / "fixtures" / "cards"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


class Command(BaseCommand):
    help = "Benchmark parsing, importing, scoring, fit matrix and HTTP latency; prints a table."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--requests", type=int, default=300, help="Requests per endpoint.")
        parser.add_argument("--concurrency", type=int, default=8)
        parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes.")
        parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto",
                            help="Load generator: wrk when installed (auto), else Python threads.")
        parser.add_argument("--seconds", type=float, default=10, help="Duration per endpoint with wrk.")
        parser.add_argument("--mixed", type=int, default=1500,
                            help="Requests in the mixed many-URL workload against the cache (0 skips it).")
        parser.add_argument("--import-cards", type=int, default=500, help="Generated cards for import throughput.")
        parser.add_argument("--skip", nargs="*", default=[], choices=["parse", "import", "score", "fit", "http"])
        parser.add_argument("--no-vacuum", action="store_true",
                            help="Measure HTTP without running VACUUM (ANALYZE) first.")
        parser.add_argument("--cold-scoring", action="store_true",
                            help="Empty scores, claim checks, flags and uplift first, so the first scoring job "
                                 "is a cold one (the job then rebuilds them all).")

    def handle(self, *args, **options) -> None:
        rows: list[tuple[str, str]] = [("catalog size", f"{LLMModel.objects.count():,} models")]
        skip = set(options["skip"])
        if "parse" not in skip:
            rows += self.bench_parse()
        if "import" not in skip:
            rows += self.bench_import(options["import_cards"])
        if "score" not in skip:
            rows += self.bench_scoring(options["cold_scoring"])
        if "fit" not in skip:
            rows += self.bench_fit()
        self.print_table("Throughput", rows)
        if "http" not in skip:
            if not options["no_vacuum"]:
                self.maintain()
            self.bench_http(options["requests"], options["concurrency"], options["workers"], options["client"],
                            options["seconds"], options["mixed"])

    def maintain(self) -> None:
        """What autovacuum does for a live site: planner statistics and visibility maps. Without them a
        freshly bulk-loaded or rescored catalog is measured with plans for empty tables (sorting every
        score instead of walking an index: 378 ms instead of 17 ms for a leaderboard page)."""
        with connection.cursor() as cursor:
            cursor.execute("SHOW autovacuum")
            autovacuum = cursor.fetchone()[0]
            started = time.perf_counter()
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
        self.stdout.write(f"\nVACUUM (ANALYZE) before the HTTP runs: {time.perf_counter() - started:.1f}s "
                          f"(autovacuum is {autovacuum} on this server; --no-vacuum skips this)")

    # -- throughput -------------------------------------------------------
    def corpus(self) -> list[bytes]:
        return [p.read_bytes() for folder in ("seeds", "corpus") if (FIXTURES / folder).exists()
                for p in sorted((FIXTURES / folder).iterdir()) if p.suffix in {".md", ".txt", ".json"}]

    def bench_parse(self) -> list[tuple[str, str]]:
        from catalog.cards import parse_document

        docs = self.corpus()
        rounds = max(1, 2000 // max(1, len(docs)))
        started = time.perf_counter()
        for _ in range(rounds):
            for doc in docs:
                parse_document(doc)
        elapsed = time.perf_counter() - started
        n = rounds * len(docs)
        return [("parse only", f"{n / elapsed:,.0f} documents/s ({n} parses of the fixture corpus)")]

    def bench_import(self, n_cards: int) -> list[tuple[str, str]]:
        """Parse + store through the worker's real path: an ImportJob run by ``run_import_job`` (claim,
        parse, store, receivers, progress, the follow-up scoring/fit job requests), as Celery runs it."""
        from catalog.cardgen import generated_card
        from catalog.models import ImportJob
        from catalog.services.imports import DocumentInput, create_import_job, run_import_job
        from evals.models import ScoringJob
        from hardware.models import FitJob

        salt = str(time.time_ns())  # new texts every run: nothing is skipped as already imported
        docs = [DocumentInput(name=f"bench-{i}.md", content=generated_card(i, salt=salt, org="bench-org"))
                for i in range(n_cards)]
        first_scoring = ScoringJob.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        first_fit = FitJob.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        last_model = LLMModel.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        last_org = Organization.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        job = create_import_job(docs, via=ImportJob.Via.COMMAND, label="benchmark", enqueue=False)
        statements = [0]

        def count(execute, sql, params, many, context):  # a counter, not a log: no per-query overhead
            statements[0] += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            started, cpu = time.perf_counter(), time.process_time()
            job = run_import_job(job.pk)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        failed = list(job.items.exclude(error="").values_list("name", "error")[:3])
        # Leave nothing behind: the benchmark must not grow the catalog it measures, and the follow-up
        # jobs it requested are dropped (a worker finding no row does nothing).
        ImportJob.objects.filter(pk=job.pk).delete()
        ScoringJob.objects.filter(pk__gt=first_scoring, trigger=ScoringJob.Trigger.IMPORT).delete()
        FitJob.objects.filter(pk__gt=first_fit).delete()
        SourceDocument.objects.filter(origin__startswith="bench-").delete()
        LLMModel.objects.filter(repo_id__startswith="bench-").delete()
        # Base models the cards named that the catalog did not hold yet were created as stubs.
        LLMModel.objects.filter(pk__gt=last_model, is_stub=True).delete()
        Organization.objects.filter(pk__gt=last_org, models__isnull=True).delete()
        rows = [("import (parse + store)",
                 f"{n_cards / elapsed:,.0f} cards/s, one worker, {n_cards} cards via run_import_job, "
                 f"{statements[0] / n_cards:.1f} SQL statements per card, "
                 f"worker CPU {1000 * cpu / n_cards:.1f} ms per card")]
        if job.succeeded != n_cards:
            rows.append(("import failures", f"{job.failed_count} of {n_cards}: {failed}"))
        return rows

    def bench_scoring(self, cold: bool) -> list[tuple[str, str]]:
        """Two full scoring jobs end to end (job row, claims, flags, scores, ranks, uplift): the
        first cold (with --cold-scoring) or whatever the catalog needs, the second over the
        unchanged catalog, which must write nothing."""
        from evals.models import ScoringJob
        from evals.services.scoring import request_scoring, run_scoring_job

        if cold:
            with connection.cursor() as cursor:  # DELETE, not TRUNCATE: it also works inside a transaction
                for table in ("evals_score", "evals_claimcheck", "evals_resultflag", "evals_mergeuplift"):
                    cursor.execute(f"DELETE FROM {table}")
        rows = []
        for label in ("full scoring job, cold" if cold else "full scoring job", "rescore, unchanged catalog"):
            job = run_scoring_job(request_scoring(None, trigger=ScoringJob.Trigger.MANUAL, enqueue=False).pk)
            seconds = job.duration_seconds or float("nan")
            scores = job.scores_written + job.scores_unchanged
            rows.append((label, f"{scores:,} scores ({job.scores_written:,} written) for {job.total:,} models in "
                                f"{seconds:.2f}s: {scores / seconds:,.0f} scores/s ({job.status})"))
        return rows

    def bench_fit(self) -> list[tuple[str, str]]:
        from hardware.fit.bench import time_matrix
        from hardware.services.fit import compute_requirements

        figures = time_matrix(1000, 50, 8)
        started = time.perf_counter()
        written, models = compute_requirements(None)
        elapsed = time.perf_counter() - started
        return [
            ("fit matrix (pure)", f"1,000 models x 50 GPUs x 8 quants x 3 contexts: {figures['seconds']:.2f}s "
                                  f"({figures['cells'] / figures['seconds']:,.0f} cells/s)"),
            ("fit requirements stored", f"{written:,} rows for {models:,} models in {elapsed:.2f}s"),
        ]

    # -- HTTP -------------------------------------------------------------
    def endpoints(self) -> list[tuple[str, str]]:
        """(label, path) for the pages and API calls people use most."""
        model = LLMModel.objects.filter(is_stub=False).order_by("-result_count", "pk").first()
        repo = model.repo_id if model else "none/none"
        return [
            ("API leaderboard", "/api/leaderboards/open-llm-v1/?page_size=50"),
            ("HTML leaderboard", "/leaderboards/open-llm-v1/"),
            # The board page's four charts, which its script fetches once the table is shown.
            ("HTML leaderboard charts (JSON)", "/leaderboards/open-llm-v1/charts.json"),
            ("API models search", "/api/models/?q=hermes+mistral&page_size=50"),
            ("HTML catalog search + facets", "/models/?q=hermes+mistral"),
            ("HTML model page", f"/models/{repo}/"),
            ("API fit", f"/api/fit/?model={repo}&gpu=nvidia-geforce-rtx-4090&quant=Q4_K_M&context=8192"),
        ]

    def raw_sql_ms(self, statements: list[str], n: int = 20) -> float:
        """The request's own statements, exactly as it sent them, run directly: the database's share of
        the request. Median of n rounds of all of them."""
        rounds = []
        with connection.cursor() as cursor:
            for _ in range(n):
                started = time.perf_counter()
                for sql in statements:
                    cursor.execute(sql)
                    cursor.fetchall()
                rounds.append((time.perf_counter() - started) * 1000)
        return statistics.median(rounds)

    def query_count(self, path: str, *, cached: bool) -> tuple[int, int, list[str]]:
        """SQL statements for one request: uncached (cache off), or a warm hit (the second request);
        also the read statements themselves, with their parameters bound, for ``raw_sql_ms``."""
        client = Client()
        with override_settings(RESPONSE_CACHE_SECONDS=600 if cached else 0):
            if cached:
                client.get(path)
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(path)
        reads = [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))]
        return len(ctx.captured_queries), response.status_code, reads

    def start_server(self, workers: int, *, cache_seconds: int) -> tuple[subprocess.Popen, int]:
        port = _free_port()
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.dev"),
               "DEBUG": "false", "THROTTLE_ANON": "1000000/min", "THROTTLE_USER": "1000000/min",
               "RESPONSE_CACHE_SECONDS": str(cache_seconds)}
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", str(workers), "--log-level", "warning", "--env",
             f"DJANGO_SETTINGS_MODULE={env['DJANGO_SETTINGS_MODULE']}"],
            cwd=settings.BASE_DIR, env=env,
        )
        self.wait_for(port)
        return server, port

    def stop_server(self, server: subprocess.Popen) -> None:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    def bench_http(self, n_requests: int, concurrency: int, workers: int, client: str, seconds: float,
                   mixed: int) -> None:
        """Each endpoint UNCACHED (a server with RESPONSE_CACHE_SECONDS=0) and CACHED (warm hits), then a
        mixed workload over many distinct URLs from a cold cache, whose hit rate is what a real site sees."""
        use_wrk = client == "wrk" or (client == "auto" and shutil.which("wrk") is not None)
        loader = "wrk (C, event loop: little CPU taken from the server)" if use_wrk else \
            "Python threads in this process (they compete with gunicorn for the CPUs)"
        rows = []
        for mode, cache_seconds in (("uncached", 0), ("cached", 600)):
            server, port = self.start_server(workers, cache_seconds=cache_seconds)
            try:
                for label, path in self.endpoints():
                    queries, status, reads = self.query_count(path, cached=cache_seconds > 0)
                    # Warm-up, concurrent so that every worker gets some: imports, connections and, with a
                    # per-process memory cache, each worker's own stored entry.
                    self.load(port, path, 4 * workers, concurrency, warm=False)
                    if use_wrk:
                        latencies, rps = self.load_wrk(port, path, concurrency, seconds)
                    else:
                        times, wall = self.load(port, path, n_requests, concurrency)
                        latencies = (_percentile(times, 50), _percentile(times, 95), _percentile(times, 99))
                        rps = len(times) / wall
                    raw = self.raw_sql_ms(reads) if reads and mode == "uncached" else None
                    rows.append((f"{label} [{mode}]", status, queries, *latencies, rps, raw,
                                 latencies[0] / raw if raw else None))
                if cache_seconds and mixed:
                    mixed_row = self.bench_mixed(port, mixed, concurrency)
            finally:
                self.stop_server(server)
        header = f"{'endpoint':42} {'status':>6} {'SQL':>4} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>8} " \
                 f"{'raw SQL ms':>10} {'web/SQL':>8}"
        amount = f"{seconds:.0f}s" if use_wrk else f"{n_requests} requests"
        backend = settings.CACHES[settings.RESPONSE_CACHE_ALIAS]["BACKEND"].rsplit(".", 1)[-1]
        self.stdout.write(f"\nHTTP ({amount} each, concurrency {concurrency}, gunicorn x{workers}; load from {loader}; "
                          f"cached rows: warm {backend})")
        self.stdout.write(header)
        for label, status, queries, p50, p95, p99, rps, raw, ratio in rows:
            self.stdout.write(
                f"{label:42} {status:>6} {queries:>4} {p50:>8.1f} {p95:>8.1f} {p99:>8.1f} {rps:>8.0f} "
                f"{(f'{raw:.2f}' if raw else '-'):>10} {(f'{ratio:.1f}x' if ratio else '-'):>8}"
            )
        if mixed:
            self.stdout.write(mixed_row)

    def mixed_paths(self) -> list[str]:
        """Distinct URLs people actually spread over: 200 model pages (API and HTML), 100 searches, and
        leaderboard pages."""
        repos = list(LLMModel.objects.filter(is_stub=False).order_by("-downloads", "pk")
                     .values_list("repo_id", flat=True)[:200])
        families = list(LLMModel.objects.filter(is_stub=False).exclude(family="").values_list("family", flat=True)
                        .distinct().order_by("family")[:25])
        terms = [f"{f}+{w}" for f in families for w in ("instruct", "chat", "7b", "merge")][:100]
        paths = [f"/models/{r}/" for r in repos[:100]] + [f"/api/models/{r}/" for r in repos[100:]]
        paths += [f"/models/?q={t}" for t in terms[:50]] + [f"/api/models/?q={t}&page_size=50" for t in terms[50:]]
        paths += [f"/leaderboards/open-llm-v1/?page={n}" for n in range(1, 21)]
        paths += [f"/api/leaderboards/open-llm-v1/?page_size=50&params_min={n}" for n in range(1, 21)]
        return paths

    def bench_mixed(self, port: int, n: int, concurrency: int) -> str:
        import random

        from config.sitecache.version import bump_now

        paths = self.mixed_paths()
        rng = random.Random(8)
        # Popular pages are asked for more often than the long tail (weights ~ 1/rank, Zipf-like).
        weights = [1 / (1 + i) ** 0.8 for i in range(len(paths))]
        rng.shuffle(paths)
        sequence = rng.choices(paths, weights=weights, k=n)
        bump_now()  # start cold: nothing stored under the new version
        latencies: list[float] = []
        hits = [0]
        lock = threading.Lock()
        queue = iter(sequence)

        def worker() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            local, local_hits = [], 0
            while True:
                with lock:
                    path = next(queue, None)
                if path is None:
                    break
                started = time.perf_counter()
                conn.request("GET", path, headers={"Host": "localhost"})
                response = conn.getresponse()
                response.read()
                local.append((time.perf_counter() - started) * 1000)
                local_hits += response.getheader("X-Cache") == "hit"
            conn.close()
            with lock:
                latencies.extend(local)
                hits[0] += local_hits

        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            for future in [pool.submit(worker) for _ in range(concurrency)]:
                future.result()
        wall = time.perf_counter() - started
        return (f"\nMixed workload, cold cache: {n} requests over {len(set(sequence))} distinct URLs (of {len(paths)}: "
                f"model pages, searches, board pages; Zipf-like popularity), Python client: hit rate "
                f"{hits[0] / n:.0%}, p50 {_percentile(latencies, 50):.1f} ms, p95 {_percentile(latencies, 95):.1f} ms, "
                f"p99 {_percentile(latencies, 99):.1f} ms, {n / wall:.0f} req/s")

    def load_wrk(self, port: int, path: str, concurrency: int, seconds: float) -> tuple[tuple[float, float, float], float]:
        """Latency percentiles (ms) and requests/s measured by wrk, which prints them from a Lua hook."""
        script = ("done = function(summary, latency, requests)\n"
                  "  io.write(string.format('WRK %d %d %d %f %f %f\\n', summary.requests, summary.duration,\n"
                  "    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout,\n"
                  "    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))\n"
                  "end\n")
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
            handle.write(script)
        try:
            result = subprocess.run(
                ["wrk", "-t", str(min(2, concurrency)), "-c", str(concurrency), "-d", f"{seconds:.0f}s",
                 "--timeout", "60s", "-H", "Host: localhost", "-s", handle.name, f"http://127.0.0.1:{port}{path}"],
                capture_output=True, text=True, check=True)
        finally:
            os.unlink(handle.name)
        line = next(line for line in result.stdout.splitlines() if line.startswith("WRK "))
        requests, duration_us, errors, p50, p95, p99 = line.split()[1:]
        if int(errors):
            self.stderr.write(f"wrk: {errors} errors or non-2xx answers for {path}")
        return (float(p50), float(p95), float(p99)), int(requests) / (int(duration_us) / 1e6)

    def wait_for(self, port: int) -> None:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def load(self, port: int, path: str, n: int, concurrency: int, warm: bool = True) -> tuple[list[float], float]:
        latencies: list[float] = []
        lock = threading.Lock()
        per_worker = max(1, n // concurrency)

        def worker() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            local = []
            for _ in range(per_worker):
                started = time.perf_counter()
                conn.request("GET", path, headers={"Host": "localhost"})
                response = conn.getresponse()
                response.read()
                local.append((time.perf_counter() - started) * 1000)
            conn.close()
            with lock:
                latencies.extend(local)

        for _ in range(2 if warm else 0):  # warm-up: imports, connections, caches
            self.load_once(port, path)
        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            for future in [pool.submit(worker) for _ in range(concurrency)]:
                future.result()
        return latencies, time.perf_counter() - started

    def load_once(self, port: int, path: str) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", path, headers={"Host": "localhost"})
        conn.getresponse().read()
        conn.close()

    def print_table(self, title: str, rows: list[tuple[str, str]]) -> None:
        self.stdout.write(f"\n{title}")
        width = max(len(label) for label, _ in rows)
        for label, value in rows:
            self.stdout.write(f"  {label:<{width}}  {value}")
