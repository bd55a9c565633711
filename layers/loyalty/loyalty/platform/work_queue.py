"""The bulk credit work queue (SQS): messages out, 10 a SendMessageBatch call."""
from __future__ import annotations

import json
import os
from functools import cache
from typing import Any

from .observability import metrics
from .settings import MissingSettings, settings

QUEUE_URL = "BULK_CREDIT_QUEUE_URL"  # set on BulkCreditFunction and BulkCreditWorkerFunction only


class NotQueued(Exception):
    """Some messages were not accepted: the caller fails, and its retry sends them again (duplicates are fine)."""


@cache
def _sqs(region: str, endpoint: str | None) -> Any:
    """One client per container (per endpoint: the local run points it at its embedded moto); boto3 is imported
    with it, as in `clients`."""
    import boto3

    return boto3.client("sqs", region_name=region, endpoint_url=endpoint)


def queue_url() -> str:
    url = os.environ.get(QUEUE_URL)
    if not url:
        raise MissingSettings(f"the function's environment lacks or has empty: {QUEUE_URL}")
    return url


def send(messages: list[dict[str, Any]]) -> None:
    sqs = _sqs(settings().region, os.environ.get("AWS_ENDPOINT_URL_SQS") or None)
    url = queue_url()
    for start in range(0, len(messages), 10):
        batch = [{"Id": str(n), "MessageBody": json.dumps(m, separators=(",", ":"))}
                 for n, m in enumerate(messages[start:start + 10])]
        failed = sqs.send_message_batch(QueueUrl=url, Entries=batch).get("Failed") or []
        if failed:
            metrics.add_metric(name="BulkCreditNotQueued", unit="Count", value=len(failed))
            raise NotQueued(f"{len(failed)} of {len(batch)} messages not queued: {failed[0].get('Message')}")
