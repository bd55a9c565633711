"""AWS clients, created once per container (on first use) and injectable: a test installs the clients of its own
moto account with `use`, instead of resetting module globals.

boto3 is imported with the first client it makes, not at import: most functions only read and write tables
(PynamoDB's connection, on botocore) and publish through the outbox, so they never make one (the points clock and
the tier job only for a continuation), and boto3 on top of botocore is an eighth of a bare `import boto3`."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from .settings import settings

if TYPE_CHECKING:
    from pynamodb.connection import Connection

RETRIES = 8  # botocore retries throttling with backoff before the service loop sees it


@dataclass
class Clients:
    dynamodb: Connection  # PynamoDB's, for transactions

    @classmethod
    def create(cls) -> Clients:
        # imported here: AnnounceFunction only puts events, and every function that reads a table has PynamoDB
        # imported already, by its table models
        from pynamodb.connection import Connection

        s = settings()
        return cls(dynamodb=Connection(region=s.region, host=s.dynamodb_endpoint, max_retry_attempts=RETRIES))

    @cached_property
    def events(self) -> Any:
        """boto3's EventBridge client, made on the first publication (AnnounceFunction's, the jobs')."""
        import boto3

        return boto3.client("events", region_name=settings().region)


_current: Clients | None = None
_s3: Any = None  # made on first use: only the export and import functions need it


def s3() -> Any:
    """boto3's S3 client; SigV4, so that its presigned URLs are accepted in every region."""
    global _s3
    if _s3 is None:
        import boto3
        from botocore.config import Config

        _s3 = boto3.client("s3", region_name=settings().region, config=Config(signature_version="s3v4"))
    return _s3


def clients() -> Clients:
    global _current
    if _current is None:
        _current = Clients.create()
    return _current


def use(replacement: Clients | None) -> None:
    """Install these clients; None creates fresh ones on next use (a new moto account, say)."""
    global _current, _s3
    _current, _s3 = replacement, None
