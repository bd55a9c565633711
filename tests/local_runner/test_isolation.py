"""Concurrent invocations on threads each see their own Powertools state (tests/conftest.py installs it, as the
local run does). Each test holds both invocations mid-flight with a barrier, so without the isolation the later
event (or metric) would be seen by both, every time."""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.metrics import Metrics

from local.isolation import isolate_invocations_per_thread


def http_event(path: str) -> dict[str, Any]:
    return {"version": "2.0", "routeKey": f"GET {path}", "rawPath": path, "rawQueryString": "", "headers": {},
            "requestContext": {"http": {"method": "GET", "path": path}, "stage": "$default"}, "isBase64Encoded": False}


def side_by_side(*runs: Callable[[], Any]) -> list[Any]:
    results: list[Any] = [None] * len(runs)

    def run(i: int) -> None:
        results[i] = runs[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(runs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_each_container_routes_with_its_own_event() -> None:
    isolate_invocations_per_thread()  # idempotent: already installed for the session
    both_routed = threading.Barrier(2)

    def container() -> APIGatewayHttpResolver:
        app = APIGatewayHttpResolver()

        @app.get("/<thing>")
        def read(thing: str) -> dict[str, str]:
            both_routed.wait(timeout=10)  # the other invocation has now set its event too
            return {"routed": thing, "seen": app.current_event.path}

        return app

    a, b = container(), container()
    answers = side_by_side(lambda: a.resolve(http_event("/a"), {}), lambda: b.resolve(http_event("/b"), {}))
    assert [answer["body"] for answer in answers] == ['{"routed":"a","seen":"/a"}', '{"routed":"b","seen":"/b"}']


def test_each_invocation_flushes_only_its_own_metrics() -> None:
    metrics = Metrics(namespace="Isolation", service="test")  # one instance shared by both, as a layer's would be
    both_added = threading.Barrier(2)

    def invocation(name: str) -> list[str]:
        metrics.add_metric(name=name, unit="Count", value=1)
        both_added.wait(timeout=10)
        blob = metrics.serialize_metric_set()
        metrics.clear_metrics()
        return [m["Name"] for m in blob["_aws"]["CloudWatchMetrics"][0]["Metrics"]]

    assert side_by_side(lambda: invocation("First"), lambda: invocation("Second")) == [["First"], ["Second"]]
