#!/usr/bin/env python3
"""One-file launcher that needs nothing but Python 3.11+.

    python3 dev.py up      # venv, install, embedded PostgreSQL + broker, migrate, demo data,
                           # web server + Celery worker + beat until Ctrl-C
    python3 dev.py test    # the whole test suite against real PostgreSQL
    python3 dev.py stop    # stop the embedded PostgreSQL left running by manage.py commands

Only the standard library is used here: this file runs before the virtualenv exists.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
DATA = Path(os.environ.get("LLMCAT_DATA_DIR", ROOT / ".data"))
PY = VENV / "bin" / "python"


def log(message: str) -> None:
    print(f"[dev] {message}", flush=True)


def ensure_venv(requirements: str) -> None:
    """Create .venv and install requirements when they changed since the last install."""
    if sys.version_info < (3, 11):
        sys.exit("Python 3.11 or newer is required.")
    if not PY.exists():
        log("creating virtualenv in .venv")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    req = ROOT / requirements
    digest = hashlib.sha256()
    for name in ("requirements.txt", requirements):
        digest.update((ROOT / name).read_bytes())
    stamp = VENV / f".installed-{req.stem}"
    if stamp.exists() and stamp.read_text() == digest.hexdigest():
        return
    log(f"installing {requirements}")
    subprocess.run([str(PY), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r", str(req)], check=True)
    stamp.write_text(digest.hexdigest())


def build_compiled_core() -> None:
    """Compile the scoring rules with mypyc (evals/scoring/native.py; about 1.5x their pure-Python
    speed) unless the build in .compiled/ already matches the sources: a warm checkout pays one
    manifest check. Optional: without a C compiler it warns loudly and everything runs as plain
    Python (LLMCAT_PURE_PYTHON=1 forces plain Python anyway)."""
    code = subprocess.run([str(PY), "-m", "evals.scoring.native", "build", "--optional"], cwd=ROOT).returncode
    if code != 0:
        log("WARNING: the compiled scoring core could not be built: scoring runs as plain Python")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([str(PY), "manage.py", *args], cwd=ROOT, env=env, check=True)


def start_broker(env: dict[str, str], procs: list[subprocess.Popen]) -> None:
    """Use CELERY_BROKER_URL when given; else a private redis-server if installed; else the
    filesystem transport (no service at all, but polling adds up to a second of latency and
    it is for one machine only)."""
    if env.get("CELERY_BROKER_URL"):
        log(f"broker: {env['CELERY_BROKER_URL'].split('@')[-1]}")
        return
    # LLMCAT_BROKER=filesystem forces the service-free transport even where redis is installed.
    redis = shutil.which("redis-server") if env.get("LLMCAT_BROKER", "auto") != "filesystem" else None
    if redis:
        port = free_port()
        (DATA / "redis").mkdir(parents=True, exist_ok=True)
        proc = subprocess.Popen(
            [redis, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(DATA / "redis"), "--logfile", str(DATA / "redis" / "redis.log")],
        )
        procs.append(proc)
        env["CELERY_BROKER_URL"] = f"redis://127.0.0.1:{port}/0"
        env["CELERY_RESULT_BACKEND"] = f"redis://127.0.0.1:{port}/1"
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        log(f"broker: private redis-server on 127.0.0.1:{port}")
    else:
        log("broker: kombu filesystem transport in .data/broker (no redis-server found)")


def stop(procs: list[subprocess.Popen]) -> None:
    for proc in reversed(procs):
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.time() + 15
    for proc in reversed(procs):
        try:
            proc.wait(timeout=max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            proc.kill()


def stop_embedded_postgres(env: dict[str, str]) -> None:
    if env.get("DATABASE_URL"):
        return
    subprocess.run([str(PY), "-c", "from config.embedded import stop_embedded_postgres; stop_embedded_postgres()"],
                   cwd=ROOT, env=env, check=False)


def cmd_up() -> int:
    ensure_venv("requirements.txt")
    build_compiled_core()
    DATA.mkdir(exist_ok=True)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.dev")}
    env.setdefault("PYTHONUNBUFFERED", "1")
    procs: list[subprocess.Popen] = []
    started_pg = not env.get("DATABASE_URL")
    stopping = False

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        start_broker(env, procs)
        manage("migrate", "--noinput", env=env)
        manage("load_demo", env=env)
        host = env.get("HOST", "127.0.0.1")
        port = env.get("PORT", "8000")
        celery = [str(PY), "-m", "celery", "-A", "config"]
        procs.append(subprocess.Popen([*celery, "worker", "-l", "info", "--concurrency", env.get("WORKERS", "2"),
                                       "-n", "worker@%h"], cwd=ROOT, env=env))
        procs.append(subprocess.Popen([*celery, "beat", "-l", "info", "-s", str(DATA / "celerybeat-schedule")],
                                      cwd=ROOT, env=env))
        procs.append(subprocess.Popen([str(PY), "manage.py", "runserver", f"{host}:{port}", "--noreload"],
                                      cwd=ROOT, env=env))
        log(f"ready: http://{host}:{port}/  (admin: /admin/, API: /api/)  Ctrl-C stops everything")
        while not stopping:
            if any(p.poll() is not None for p in procs):
                log("a process exited; stopping the rest")
                break
            time.sleep(0.5)
        return 0
    finally:
        log("stopping")
        stop(procs)
        if started_pg:
            stop_embedded_postgres(env)
        log("stopped")


def ensure_chromium() -> str | None:
    """Browser tests need Debian's chromium; install it when we can (root + apt)."""
    path = shutil.which("chromium") or (os.path.exists("/usr/bin/chromium") and "/usr/bin/chromium") or None
    if path:
        return path
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("installing Debian chromium for the browser tests")
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        subprocess.run(["apt-get", "update", "-qq"], check=False, **quiet)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=False,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}, **quiet)
    return shutil.which("chromium")


def cmd_test(args: list[str]) -> int:
    ensure_venv("requirements-dev.txt")
    build_compiled_core()  # the suite runs against the compiled core (a test checks it on CI)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "PYTHONUNBUFFERED": "1"}
    chromium = ensure_chromium()
    if chromium:
        env["CHROMIUM_PATH"] = chromium
    else:
        print("\n" + "!" * 78 + "\n!! Chromium is not installed and could not be: browser tests will be SKIPPED.\n"
              + "!" * 78 + "\n", flush=True)
        if env.get("CI") == "true":
            env["REQUIRE_BROWSER"] = "1"  # the browser tests fail instead of skipping on CI
    code = subprocess.run([str(PY), "-m", "pytest", *args], cwd=ROOT, env=env).returncode
    if code == 5:
        print("pytest collected no tests: that is a failure here.", flush=True)
        return 1
    return code


def cmd_stop() -> int:
    if PY.exists():
        stop_embedded_postgres({**os.environ})
    return 0


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "up"
    if command == "up":
        return cmd_up()
    if command == "test":
        return cmd_test(argv[1:])
    if command == "stop":
        return cmd_stop()
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
