"""README command 1, exercised for real: start everything, use it, stop it cleanly."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, timeout: float = 30) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback only
        return response.status, response.read()


@pytest.mark.slow
@pytest.mark.parametrize("broker", ["auto", "filesystem"])
def test_up_serves_pages_runs_worker_and_stops_cleanly(broker: str) -> None:
    # A private data dir (inside the repo, not a 700 tmp dir: the embedded server runs as
    # another system user when we are root) so the test database cluster is not touched.
    data_dir = ROOT / ".data" / f"smoke-{uuid.uuid4().hex[:8]}"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL",
                                                             "CELERY_RESULT_BACKEND", "DJANGO_SETTINGS_MODULE"}}
    env.update(LLMCAT_DATA_DIR=str(data_dir), PORT=str(port), LLMCAT_BROKER=broker, WORKERS="1")
    proc = subprocess.Popen([sys.executable, "dev.py", "up"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    output: list[str] = []
    try:
        deadline = time.time() + 300
        assert proc.stdout is not None
        while time.time() < deadline:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                pytest.fail("dev.py up exited early:\n" + "".join(output[-80:]))
            output.append(line)
            if "[dev] ready:" in line:
                break
        else:
            pytest.fail("dev.py up did not become ready:\n" + "".join(output[-80:]))
        # Keep draining the pipe so the children never block on a full buffer.
        import threading

        threading.Thread(target=lambda: [output.append(l) for l in proc.stdout], daemon=True).start()
        base = f"http://127.0.0.1:{port}"
        for _ in range(60):
            try:
                status, body = _get(base + "/", timeout=10)
                break
            except OSError:
                time.sleep(0.5)
        assert status == 200
        assert b"Mixtral" in body or b"models" in body.lower()
        status, body = _get(base + "/healthz?worker=1&timeout=60", timeout=90)
        assert status == 200, body
        assert json.loads(body) == {"database": "ok", "worker": "ok"}
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = -9
        leftovers = subprocess.run(["pgrep", "-f", str(data_dir)], capture_output=True, text=True).stdout.split()
        shutil.rmtree(data_dir, ignore_errors=True)
    assert code == 0, "".join(output[-80:])
    assert leftovers == [], f"processes still running after Ctrl-C: {leftovers}"
    assert any("[dev] stopped" in line for line in output)
