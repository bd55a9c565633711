"""The local run under measurement: `python -m local` as a subprocess on free ports, and a plain client for it."""
from __future__ import annotations

import os
import random
import socket
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import cache
from typing import Any

import boto3
import psutil  # locust's own dependency
import requests

from local.token import mint
from scripts import with_local_run

from . import workload
from .workload import Request

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
    """`python -m local` on free ports, schedules off, handlers imported at start, no data kept; stopped on exit."""
    api_port, lambda_port, moto_port = free_port(), free_port(), free_port()
    env = {**os.environ, "LOYALTY_LOCAL_LOG_LEVEL": "WARNING"}
    with tempfile.NamedTemporaryFile(prefix="bench-local-run-", suffix=".log", delete=False) as log:
        print(f"local run log: {log.name}", flush=True)
        with with_local_run.local_run(api_port, lambda_port, moto_port, "--no-schedules", env=env,
                                      stdout=log) as process:
            yield LocalRun(f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{moto_port}", log.name, process.pid)


def warm_up(run: LocalRun, pool: workload.MemberPool, clients: int) -> None:
    """Every step of the workload from `clients` clients at once before measuring, and a check that this local run
    accepts them all. The local run imports a handler container per concurrent invocation (a cold start, as
    Lambda's): without this, the first many-client measurement would pay for them."""
    tally = workload.Tally()

    def one_client(n: int) -> None:
        client = workload.Workload(pool, random.Random(n), "bench-w")
        for name in ["", *(step for step in workload.WEIGHTS if step != "enroll")]:  # "": enroll first
            for request in client.step(name) if name else client.enroll():
                client.answered(request, tally.count(request, *run.send(request)))

    with ThreadPoolExecutor(clients) as threads:
        list(threads.map(one_client, range(clients)))
    if tally.errors:
        raise SystemExit(f"the workload is refused by this local run: {dict(tally.errors)}; its log: {run.log}")
