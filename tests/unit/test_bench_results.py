"""bench/results.json has exactly issue 11's shape, and the floor is the one the README defines."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from scripts.bench import results


@dataclass
class Fake:
    key: str | None
    cpu: list[float] = field(default_factory=lambda: [0.001 * n for n in range(1, 1001)])
    dynamodb_requests: float = 2.0

    def per_item(self, attribute: str) -> float:
        return {"rru": 1.0, "wru": 4.0, "index_wru": 1.0}[attribute]

    def cpu_percentile(self, p: int) -> float:
        return float(p)

    def cost(self) -> Any:
        return type("Cost", (), {"total": 7.5})()


def test_the_document_has_the_issues_shape_and_floor() -> None:
    found = results.document([Fake(op) for op in results.OPERATIONS] + [Fake(None)],
                             {"AccrueFunction": 0.5, "import_boto3": 0.25}, {"1000": 1.0, "100000": 1.0})
    assert set(found) == {"operations", "cold_start_ms", "clock_items_read_per_due_item", "cost_usd_per_million"}
    assert list(found["operations"]) == ["enroll", "accrue", "accrue_heavy_member", "redeem", "redeem_1000_lots",
                                         "read", "expire", "tier_evaluate"]
    accrue = found["operations"]["accrue"]
    assert accrue == {"dynamodb_requests": 2.0, "rcu": 1.0, "wcu": 5.0, "floor_wcu": 5, "cpu_ms_p50": 50.0,
                      "cpu_ms_p99": 99.0}
    assert found["operations"]["read"]["floor_wcu"] == 0  # posts nothing
    assert found["cold_start_ms"] == {"AccrueFunction": 500.0, "import_boto3": 250.0}
    assert set(found["cost_usd_per_million"]) == set(results.OPERATIONS)
    assert "accrue_heavy_member" in results.describe(found, results.timed([Fake(op) for op in results.OPERATIONS]))


def test_an_operation_not_measured_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="expire"):
        results.document([Fake(op) for op in results.OPERATIONS if op != "expire"], {"import_boto3": 0.1}, {})
