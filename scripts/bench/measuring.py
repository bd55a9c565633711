"""Measuring one operation: a warm-up invocation, one recorded (its requests), then timed ones (handler CPU), and
the figures kept of it, per operation."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from statistics import median, quantiles
from typing import Any

from scripts.bench.capacity import table_schemas
from scripts.bench.instruments import Call, MotoCpu, Recorder
from scripts.bench.pricing import PRICES, Cost, cost_per_million
from scripts.bench.project import FUNCTIONS, TEMPLATE, Event, progress
from tests.support.functions import run


def num(value: float) -> str:
    """A whole figure without decimals, any other to two places (the printed tables, moto's CU column)."""
    return f"{value:g}" if value == int(value) else f"{value:.2f}"


@dataclass
class Operation:
    name: str
    event: Callable[[int], Event]  # the i-th invocation's event
    http: bool = True
    before: Callable[[int], None] | None = None  # untimed set-up of the i-th invocation
    items: int = 1  # operations per invocation (records of a stream batch)
    key: str | None = None  # its name in bench/results.json: timed over --invocations instead of --runs
    runs: int | None = None  # timed invocations when fewer than --runs (a batch of 1 000 records is slow on moto)


@dataclass
class Figures:
    """One operation's recorded requests and timed CPU; `items` operations per invocation (the clock)."""

    name: str
    function: str
    http: bool
    calls: list[Call]
    items: int = 1
    cpu: list[float] = field(default_factory=list)  # seconds per invocation
    key: str | None = None  # its name in bench/results.json
    cpu_items: int | None = None  # operations per timed invocation, when not `items` (the clock's one-due runs)

    def per_item(self, attribute: str) -> float:
        return sum(float(getattr(c, attribute)) for c in self.calls) / self.items

    @property
    def transactions(self) -> int:
        return sum(c.operation == "TransactWriteItems" for c in self.calls)

    @property
    def max_tx_items(self) -> int:
        return max((c.tx_items for c in self.calls), default=0)

    @property
    def moto_cu(self) -> str:
        """ConsumedCapacity as moto reported it, for comparison only."""
        reported = [c.reported_cu for c in self.calls if c.reported_cu is not None]
        return num(sum(reported) / self.items) if reported else "-"

    @property
    def other(self) -> str:
        return ",".join(f"{c.service}:{c.operation}" for c in self.calls if c.service not in ("dynamodb", "events"))

    @property
    def cpu_ms(self) -> float:
        return self.cpu_percentile(50)

    def cpu_percentile(self, p: int) -> float:
        """Milliseconds per operation at percentile p of the timed invocations (50: the median)."""
        if not self.cpu:
            return float("nan")
        at = median(self.cpu) if p == 50 or len(self.cpu) < 2 else quantiles(self.cpu, n=100)[p - 1]
        return at * 1000 / (self.cpu_items or self.items)

    @property
    def dynamodb_requests(self) -> float:
        return sum(c.service == "dynamodb" for c in self.calls) / self.items

    def cost(self) -> Cost:
        return cost_per_million(PRICES, invocations=1 / self.items, cpu_seconds=self.cpu_ms / 1000,
                                memory_mb=FUNCTIONS[self.function].memory, rru=self.per_item("rru"),
                                wru=self.per_item("wru") + self.per_item("index_wru"), http=self.http,
                                events=self.per_item("events"))


class Bench:
    def __init__(self, runs: int, invocations: int) -> None:
        self.runs, self.invocations = runs, invocations
        self.recorder = Recorder(table_schemas({name: TEMPLATE.resolve(TEMPLATE.properties(name))
                                                for name in TEMPLATE.of_type("AWS::DynamoDB::Table")}))
        self.moto = MotoCpu()
        self.recorder.install()
        self.moto.install()

    def invoke(self, event: Event) -> Any:
        function, payload = event
        result = run(function, payload)
        if isinstance(result, dict) and result.get("statusCode", 200) >= 300:
            raise RuntimeError(f"{function} answered {result['statusCode']}: {result.get('body')}")
        return result

    def record(self, event: Event) -> tuple[list[Call], Any]:
        with self.recorder.recording() as calls:
            result = self.invoke(event)
        return calls, result

    def cpu(self, event: Event) -> float:
        return self.moto.handler_cpu(partial(self.invoke, event))

    def measure(self, op: Operation) -> Figures:
        """Invocation 0 warms up, 1 is recorded, 2.. are timed."""
        progress(op.name)

        def prepared(i: int) -> Event:
            if op.before:
                op.before(i)
            return op.event(i)

        self.invoke(prepared(0))
        event = prepared(1)
        figures = Figures(op.name, event[0], op.http, self.record(event)[0], items=op.items, key=op.key)
        timed = self.invocations if op.key else min(self.runs, op.runs or self.runs)
        figures.cpu = [self.cpu(prepared(i)) for i in range(2, 2 + timed)]
        return figures
