"""Test set-up: the layer on sys.path like /opt/python, dummy credentials, never a real AWS endpoint."""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "layers" / "loyalty"), str(ROOT)]

os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true", "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_DEV": "false",
    "POWERTOOLS_METRICS_NAMESPACE": "Loyalty", "POWERTOOLS_SERVICE_NAME": "loyalty", "LOG_LEVEL": "WARNING",
    "MEMBERS_TABLE": "MembersTable", "LEDGER_TABLE": "LedgerTable", "LOTS_TABLE": "LotsTable",
    "PROGRAM_TABLE": "ProgramTable", "EVENT_BUS_NAME": "LoyaltyBus", "PROGRAM_PARAMETER": "/loyalty/test/program",
})
for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SSM",
            "AWS_ENDPOINT_URL_EVENTS", "AWS_ENDPOINT_URL_EVENTBRIDGE", "AWS_ENDPOINT_URL_SQS"):
    os.environ.pop(var, None)

from local.atomic_moto import serialize_in_process_moto  # noqa: E402
from local.isolation import isolate_invocations_per_thread  # noqa: E402

serialize_in_process_moto()
isolate_invocations_per_thread()  # tests run concurrent invocations on threads, as the local run does
pytest_plugins = ["tests.support.fixtures"]
