"""The AWS side of in-process tests: moto, with tables built from template.yaml itself."""
from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import boto3

from local import aws as local_aws
from local.template import Template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = Template(ROOT / "template.yaml")


@cache
def client(service: str) -> Any:
    """One boto3 client per service for every test's account (moto's mock answers them all; making one costs ms)."""
    return boto3.client(service)


def create_tables() -> None:
    local_aws.create_tables(TEMPLATE, client("dynamodb"))


def create_buckets() -> None:
    """The template's buckets, named as the local run names them (EXPORTS_BUCKET of tests/support/environment)."""
    for lid in TEMPLATE.of_type("AWS::S3::Bucket"):
        client("s3").create_bucket(Bucket=local_aws.bucket_name(TEMPLATE, lid))


def program_document() -> dict[str, Any]:
    return json.loads((ROOT / "program" / "default.json").read_text())  # type: ignore[no-any-return]


def put_program(document: dict[str, Any]) -> int:
    """Install `document` as the program in force (the next revision in the store, in force in this process at
    once); the revision written. It must validate, as a PUT's would."""
    from loyalty.service import program_admin

    return program_admin.install(document, "tests", datetime.now(UTC))


def provision() -> None:
    """A new account's resources, and the shipped program as its revision 1."""
    from loyalty.platform import program_source

    create_tables()
    create_buckets()
    sqs = client("sqs")
    for queue in TEMPLATE.of_type("AWS::SQS::Queue"):  # named by logical id, as the local run names them
        sqs.create_queue(QueueName=TEMPLATE.name_of(queue))
    client("events").create_event_bus(Name=os.environ["EVENT_BUS_NAME"])
    program_source.forget()  # the process's copy came from another account's store
    put_program(program_document())
