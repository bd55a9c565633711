"""The load: locust as a library (an Environment and its LocalRunner, headless), one closed-loop client per user.

Importing locust monkey-patches the process for gevent, so the package's entry point imports this module before
anything that loads requests or boto3; the workload and the seeding do not import it (the smoke test uses them)."""
from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import gevent
from locust import FastHttpUser, __version__, constant, task
from locust.env import Environment

from .server import headers
from .workload import MemberPool, Request, Tally, Workload

STOP_SECONDS = 600  # at the end, requests in flight finish (uncounted) before the next measurement starts


class Client(FastHttpUser):
    """A client team's integration: enrolls its members, then purchases, reads, redeems and transfers."""

    wait_time = constant(0)  # closed loop: the next request as soon as the answer is in
    pool: ClassVar[MemberPool] = MemberPool()
    tally: ClassVar[Tally] = Tally()
    started: ClassVar[int] = 0  # clients past their first step (enrolling a member of their own)

    def on_start(self) -> None:
        self.workload = Workload(self.pool, random.Random(), "bench-m")
        self.first = True

    @task
    def step(self) -> None:
        for request in self.workload.next_step():
            if self.send(request) != "ok" and request.enrolls:
                return  # no credit for a member that is not there
        if self.first:
            self.first = False
            Client.started += 1

    def send(self, request: Request) -> str:
        with self.client.request(request.method, request.path, name=request.name, json=request.body,
                                 headers=headers(request), catch_response=True) as answer:
            result = self.tally.count(request, answer.status_code, _body(answer.text))
            if result == "error":
                answer.failure(f"HTTP {answer.status_code}")
            else:
                answer.success()  # an expected refusal (insufficient points) is a correct answer
        self.workload.answered(request, result)
        return result


def locust_version() -> str:
    return __version__


def _body(text: str | None) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


@dataclass
class Measurement:
    clients: int
    seconds: float
    requests: int
    p50_ms: float
    p99_ms: float
    errors: dict[str, int]
    refused: dict[str, int]
    routes: dict[str, dict[str, int]]  # route -> requests, p50_ms, p99_ms
    server_cpu_seconds: float

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def server_cpu_ms_per_request(self) -> float:
        return 1000 * self.server_cpu_seconds / self.requests if self.requests else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def measure(host: str, clients: int, seconds: float, pool: MemberPool, server_cpu: Callable[[], float]) -> Measurement:
    """Run `clients` clients for `seconds`; the figures are those of the requests answered by then.
    `server_cpu` reads the local run's CPU seconds: CPU per request tells the server's cost apart from the
    machine's other load, which stretches wall-clock figures on a shared machine."""
    Client.pool, Client.tally, Client.started = pool, Tally(), 0
    env = Environment(user_classes=[Client], host=host, stop_timeout=STOP_SECONDS)
    runner = env.create_local_runner()
    runner.start(clients, spawn_rate=clients)
    _wait_until_every_client_has_started(clients)
    env.stats.reset_all()  # the same mix of requests whatever the number of clients: first enrollments excluded
    Client.tally = Tally()
    started, cpu = time.monotonic(), server_cpu()
    runner.greenlet.join(timeout=seconds)  # returns early only if the runner dies
    figures = _figures(env, Client.tally, clients, time.monotonic() - started, server_cpu() - cpu)
    runner.quit()
    return figures


def _wait_until_every_client_has_started(clients: int, at_most: float = 120) -> None:
    deadline = time.monotonic() + at_most
    while Client.started < clients and time.monotonic() < deadline:
        gevent.sleep(0.05)  # a greenlet yields to the clients


def _figures(env: Environment, tally: Tally, clients: int, elapsed: float, cpu: float) -> Measurement:
    total = env.stats.total
    errors, refused = tally.snapshot()
    if env.runner and env.runner.exceptions:  # a bug in the workload itself, not an answer
        errors["exception"] = sum(e["count"] for e in env.runner.exceptions.values())
    routes = {name: {"requests": e.num_requests, "p50_ms": e.get_response_time_percentile(0.5),
                     "p99_ms": e.get_response_time_percentile(0.99)}
              for (name, _method), e in sorted(env.stats.entries.items())}
    return Measurement(clients, elapsed, total.num_requests, total.get_response_time_percentile(0.5),
                       total.get_response_time_percentile(0.99), errors, refused, routes, cpu)
