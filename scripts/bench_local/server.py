"""The local run under measurement: `python -m local` as a subprocess on free ports, and a plain client for it."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import boto3
import psutil  # locust's own dependency
import requests

from local.token import mint

from .workload import Request

READY_SECONDS = 90
TOKEN_SECONDS = 12 * 3600  # outlives any benchmark run, however slow the tables make it


@cache
def token(sub: str, scope: str) -> str:
    return mint(sub, scope, ttl_seconds=TOKEN_SECONDS)


def headers(request: Request) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(request.sub, request.scope)}"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def data_dir_option() -> list[str]:
    """`--data-dir none` where the local run keeps data across restarts: the benchmark starts on empty tables."""
    shown = subprocess.run([sys.executable, "-m", "local", "--help"], capture_output=True, text=True, check=True)
    return ["--data-dir", "none"] if "--data-dir" in shown.stdout else []


class LocalRun:
    """A started local run: where its API and its moto answer, and where its log goes."""

    def __init__(self, api: str, moto: str, log: str, pid: int) -> None:
        self.api, self.moto, self.log = api, moto, log
        self.process = psutil.Process(pid)
        self._local = threading.local()  # one HTTP session per seeding thread

    def send(self, request: Request) -> tuple[int, Any]:
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        answer = self._local.session.request(request.method, self.api + request.path, json=request.body,
                                             headers=headers(request), timeout=300)
        return answer.status_code, answer.json() if answer.content else None

    def cpu_seconds(self) -> float:
        """CPU the local run's process has used so far (user + system: its HTTP API, handlers and moto)."""
        times = self.process.cpu_times()
        return float(times.user + times.system)

    def dynamodb(self) -> Any:
        """A client of the local run's moto, where the seeding writes and the counting scans go."""
        return boto3.client("dynamodb", endpoint_url=self.moto, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")


@contextmanager
def local_run() -> Iterator[LocalRun]:
    """`python -m local` on free ports, schedules off, handlers imported at start; stopped on exit."""
    api_port, lambda_port, moto_port = free_port(), free_port(), free_port()
    command = [sys.executable, "-m", "local", "--port", str(api_port), "--lambda-port", str(lambda_port),
               "--moto-port", str(moto_port), "--no-schedules", "--preload", *data_dir_option()]
    env = {**os.environ, "LOYALTY_LOCAL_LOG_LEVEL": "WARNING"}
    with tempfile.NamedTemporaryFile(prefix="bench-local-run-", suffix=".log", delete=False) as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            run = LocalRun(f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{moto_port}", log.name, process.pid)
            wait_ready(run, process)
            yield run
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def wait_ready(run: LocalRun, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the local run exited with {process.returncode}; its log: {run.log}")
        try:
            with urllib.request.urlopen(f"{run.api}/v1/program", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)  # polling a server that is starting, not timing anything
    raise SystemExit(f"the local run did not answer within {READY_SECONDS} s; its log: {run.log}")
