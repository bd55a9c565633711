"""The embedded AWS: moto's server, the template's tables and queues, the program seeded, and the handlers'
environment."""

from __future__ import annotations

import importlib
import json
import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError
from moto import mock_aws

from .atomic_moto import AtomicMotoServer, serialize_in_process_moto, tune_moto
from .bus import IN_PROCESS_URL
from .template import REGION, Template

log = logging.getLogger("local.aws")

PROGRAM_DOCUMENT = "program/default.json"  # under the root: the program of a local run whose tables hold none
_TABLE_KEYS = ("KeySchema", "AttributeDefinitions", "BillingMode", "ProvisionedThroughput")
_INDEX_KEYS = ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput")

DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_EC2_METADATA_DISABLED": "true",
}


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a just-closed server's TIME_WAIT is fine
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def start_moto(port: int, host: str = "127.0.0.1") -> tuple[AtomicMotoServer, str]:
    # ThreadedMotoServer.start() would wait forever if its port were taken, so check first.
    if port and not port_is_free(port, host):
        raise OSError(f"moto port {port} is in use (set LOYALTY_MOTO_PORT)")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log line per DynamoDB call
    tune_moto()
    server = AtomicMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    bound_host, bound_port = server.get_host_and_port()
    return server, f"http://{bound_host}:{bound_port}"


@contextmanager
def in_process_dynamodb() -> Iterator[None]:
    """The handlers' AWS calls answered in process by moto's botocore stubber (as in the tests), one at a time
    with the server's requests: the same backends, so a boto3 client of the server sees every write."""
    serialize_in_process_moto()
    mock = mock_aws()
    mock.start(reset=False)  # keep the tables just provisioned through the server
    try:
        yield
    finally:
        mock.stop(remove_data=False)


def handler_environment(template: Template, moto_url: str, lambda_url: str) -> dict[str, str]:
    """What every handler sees in os.environ (they all run in this process)."""
    env = dict(DUMMY_CREDENTIALS)
    env.update(
        {
            "AWS_ENDPOINT_URL": moto_url,  # anything not named below goes to moto too, never to AWS
            # DynamoDB, the hot path, at its AWS address: moto's botocore stubber (in_process_dynamodb) answers it
            # from the same tables the server holds, without an HTTP round trip through this process
            "AWS_ENDPOINT_URL_DYNAMODB": f"https://dynamodb.{REGION}.amazonaws.com",
            "AWS_ENDPOINT_URL_SQS": moto_url,
            # EventBridge at its AWS address too: a botocore hook delivers the handlers' PutEvents in process (bus.py)
            "AWS_ENDPOINT_URL_EVENTS": IN_PROCESS_URL,
            "AWS_ENDPOINT_URL_EVENTBRIDGE": IN_PROCESS_URL,
            "AWS_ENDPOINT_URL_LAMBDA": lambda_url,
            "POWERTOOLS_TRACE_DISABLED": "true",
        }
    )
    for spec in template.functions().values():
        for key, value in spec.environment.items():
            if env.get(key, value) != value:
                log.warning("%s sets %s=%s, but another function sets %s", spec.logical_id, key, value, env[key])
            env[key] = value
    return env


def _client(service: str, moto_url: str) -> Any:
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    return session.client(service, endpoint_url=moto_url)


def create_tables(template: Template, dynamodb: Any) -> None:
    """The template's tables, with their keys, indexes, streams and TTL (also used by the tests and the bench)."""
    for lid in template.of_type("AWS::DynamoDB::Table"):
        props = template.resolve(template.properties(lid))
        request: dict[str, Any] = {k: props[k] for k in _TABLE_KEYS if k in props}
        if "ProvisionedThroughput" not in request:
            request["BillingMode"] = "PAY_PER_REQUEST"
        for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            if props.get(kind):
                request[kind] = [{k: ix[k] for k in _INDEX_KEYS if k in ix} for ix in props[kind]]
        if "StreamSpecification" in props:
            request["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
        dynamodb.create_table(TableName=template.name_of(lid), **request)
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            dynamodb.update_time_to_live(TableName=template.name_of(lid), TimeToLiveSpecification=ttl)


def bucket_name(template: Template, logical_id: str) -> str:
    """A bucket's local name: its logical id in lower case (S3 takes no capitals)."""
    return template.name_of(logical_id).lower()


def create_buckets(template: Template, s3: Any) -> None:
    """The template's buckets (empty: objects are not kept across restarts); !Ref of one is its name."""
    for lid in template.of_type("AWS::S3::Bucket"):
        s3.create_bucket(Bucket=bucket_name(template, lid))
        template.ref_values[lid] = bucket_name(template, lid)


def provision(template: Template, moto_url: str) -> None:
    """Create the template's tables, buckets and queues in moto."""
    create_tables(template, _client("dynamodb", moto_url))
    create_buckets(template, _client("s3", moto_url))

    sqs = _client("sqs", moto_url)
    for lid in template.of_type("AWS::SQS::Queue"):
        props = template.resolve(template.properties(lid))
        fifo = bool(props.get("FifoQueue"))
        attributes = {"FifoQueue": "true"} if fifo else {}
        url = sqs.create_queue(QueueName=lid + (".fifo" if fifo else ""), Attributes=attributes)["QueueUrl"]
        template.ref_values[lid] = url  # !Ref of a queue is its URL


def seed_program(root: Path) -> int | None:
    """Store program/default.json as the program's revision 1, unless the tables (restored from the data dir) hold
    a program already: the revision in force (None for an app without that file, such as the runner's own tests).
    Runs with the handlers' environment: it writes through the layer, as a PUT of the program does."""
    path = root / PROGRAM_DOCUMENT
    if not path.is_file():
        return None
    from loyalty.platform import program_source
    from loyalty.service import program_admin

    program_source.forget()  # a runner started before in this process held its own store's program
    return program_admin.seed(json.loads(path.read_text(encoding="utf-8")), datetime.now(UTC))


def deprovision(template: Template, moto_url: str) -> None:
    """Delete what provision() created. moto's state is global to the process; other runners keep theirs."""
    dynamodb, sqs = (_client(s, moto_url) for s in ("dynamodb", "sqs"))
    for lid in template.of_type("AWS::DynamoDB::Table"):
        _ignore_missing(dynamodb.delete_table, TableName=template.name_of(lid))
    for lid in template.of_type("AWS::SQS::Queue"):
        if lid in template.ref_values:
            _ignore_missing(sqs.delete_queue, QueueUrl=template.ref_values[lid])
    s3 = _client("s3", moto_url)
    for lid in template.of_type("AWS::S3::Bucket"):
        _ignore_missing(_empty_and_delete, s3, bucket_name(template, lid))


def _empty_and_delete(s3: Any, bucket: str) -> None:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
    s3.delete_bucket(Bucket=bucket)


def _ignore_missing(call: Any, *args: Any, **kwargs: Any) -> None:
    try:
        call(*args, **kwargs)
    except ClientError as exc:
        log.debug("cleanup: %s", exc)


def run_seed_hook() -> bool:
    """Call `loyalty.local_seed.seed()` when the layer has it (the layer is installed: `pip install -e .`)."""
    try:
        module = importlib.import_module("loyalty.local_seed")
    except ModuleNotFoundError as exc:
        if exc.name in ("loyalty", "loyalty.local_seed"):
            return False
        raise
    module.seed()
    return True


def set_environ(values: dict[str, str]) -> dict[str, str | None]:
    """Set os.environ; return the previous values so they can be restored."""
    previous = {key: os.environ.get(key) for key in [*values, "AWS_PROFILE", "AWS_DEFAULT_PROFILE"]}
    os.environ.pop("AWS_PROFILE", None)
    os.environ.pop("AWS_DEFAULT_PROFILE", None)
    os.environ.update(values)
    return previous


def restore_environ(previous: dict[str, str | None]) -> None:
    for key, value in previous.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
