"""The AWS side of in-process tests: moto, with tables built from template.yaml itself."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import boto3

from local.template import Template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = Template(ROOT / "template.yaml")
_INDEX_KEYS = ("IndexName", "KeySchema", "Projection")


def create_tables() -> None:
    dynamodb = boto3.client("dynamodb")
    for lid in TEMPLATE.of_type("AWS::DynamoDB::Table"):
        props = TEMPLATE.resolve(TEMPLATE.properties(lid))
        request: dict[str, Any] = {"TableName": lid, "KeySchema": props["KeySchema"],
                                   "AttributeDefinitions": props["AttributeDefinitions"],
                                   "BillingMode": "PAY_PER_REQUEST"}
        for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            if props.get(kind):
                request[kind] = [{k: ix[k] for k in _INDEX_KEYS} for ix in props[kind]]
        if "StreamSpecification" in props:
            request["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
        dynamodb.create_table(**request)


def program_document() -> dict[str, Any]:
    return json.loads((ROOT / "program" / "default.json").read_text())  # type: ignore[no-any-return]


def put_program(document: dict[str, Any]) -> None:
    from aws_lambda_powertools.utilities import parameters

    boto3.client("ssm").put_parameter(Name=os.environ["PROGRAM_PARAMETER"], Value=json.dumps(document),
                                      Type="String", Tier="Advanced", Overwrite=True)
    parameters.clear_caches()


def provision() -> None:
    create_tables()
    boto3.client("events").create_event_bus(Name=os.environ["EVENT_BUS_NAME"])
    put_program(program_document())
