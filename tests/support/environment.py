"""The process environment of in-process runs (tests, bench): dummy credentials, the handlers' variables as the
local run names its resources, and no endpoint variable that could point anywhere real."""
from __future__ import annotations

import os

IN_PROCESS_AWS = {
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true", "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_DEV": "false",
    "POWERTOOLS_METRICS_NAMESPACE": "Loyalty", "POWERTOOLS_SERVICE_NAME": "loyalty", "LOG_LEVEL": "WARNING",
    "MEMBERS_TABLE": "MembersTable", "LEDGER_TABLE": "LedgerTable",
    "PROGRAM_TABLE": "ProgramTable", "ANALYTICS_TABLE": "AnalyticsTable",
    "EVENT_BUS_NAME": "LoyaltyBus", "EXPORTS_BUCKET": "exportsbucket",
    # BulkCreditFunction's own: the URL moto gives the queue that provision() creates
    "BULK_CREDIT_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/BulkCreditQueue",
    "IMPORTS_TABLE": "ImportsTable", "IMPORTS_BUCKET": "importsbucket",
    # one writer (the process itself, which installs what it writes): never a read of the head in the middle of a
    # test; tests of the cache's expiry set their own
    "PROGRAM_CACHE_SECONDS": "3600",
}
ENDPOINT_VARIABLES = ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SSM",
                      "AWS_ENDPOINT_URL_EVENTS", "AWS_ENDPOINT_URL_EVENTBRIDGE", "AWS_ENDPOINT_URL_SQS")


def use_in_process_aws() -> None:
    """Set before the layer is imported: its models read the table names when they are defined."""
    os.environ.update(IN_PROCESS_AWS)
    for var in ENDPOINT_VARIABLES:
        os.environ.pop(var, None)
