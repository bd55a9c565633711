"""List prices (us-east-1, arm64; no free tier) and the cost of one operation per million."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Prices:
    lambda_request: Decimal = Decimal("0.20")  # per 1M requests
    lambda_gb_second: Decimal = Decimal("0.0000133334")  # arm64
    dynamodb_wru: Decimal = Decimal("0.625")  # per 1M write request units, on-demand
    dynamodb_rru: Decimal = Decimal("0.125")  # per 1M read request units, on-demand
    http_api_request: Decimal = Decimal("1.00")  # per 1M HTTP API requests
    custom_event: Decimal = Decimal("1.00")  # per 1M custom events put on a bus

    def describe(self) -> list[str]:
        return [f"Lambda ${self.lambda_request}/1M requests + ${self.lambda_gb_second}/GB-s (arm64)",
                f"DynamoDB on-demand ${self.dynamodb_wru}/1M WRU, ${self.dynamodb_rru}/1M RRU",
                f"API Gateway HTTP API ${self.http_api_request}/1M requests",
                f"EventBridge ${self.custom_event}/1M custom events (PutEvents entries)"]


PRICES = Prices()


@dataclass
class Cost:
    """Dollars per million operations, by service."""

    lambda_: float = 0.0
    dynamodb: float = 0.0
    api: float = 0.0
    events: float = 0.0

    @property
    def total(self) -> float:
        return self.lambda_ + self.dynamodb + self.api + self.events


def cost_per_million(prices: Prices, *, invocations: float, cpu_seconds: float, memory_mb: int, rru: float,
                     wru: float, http: bool, events: float) -> Cost:
    """Per million operations; the handler's CPU time stands in for its billed duration."""
    gb_seconds = memory_mb / 1024 * cpu_seconds * 1_000_000
    return Cost(lambda_=float(prices.lambda_request) * invocations + float(prices.lambda_gb_second) * gb_seconds,
                dynamodb=float(prices.dynamodb_wru) * wru + float(prices.dynamodb_rru) * rru,
                api=float(prices.http_api_request) if http else 0.0,
                events=float(prices.custom_event) * events)
