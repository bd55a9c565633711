"""The AWS side of in-process tests: moto, with tables built from template.yaml itself."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import boto3

from local import aws as local_aws
from local.template import Template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = Template(ROOT / "template.yaml")


def create_tables() -> None:
    local_aws.create_tables(TEMPLATE, boto3.client("dynamodb"))


def program_document() -> dict[str, Any]:
    return json.loads((ROOT / "program" / "default.json").read_text())  # type: ignore[no-any-return]


def put_program(document: dict[str, Any]) -> None:
    from aws_lambda_powertools.utilities import parameters

    boto3.client("ssm").put_parameter(Name=os.environ["PROGRAM_PARAMETER"], Value=json.dumps(document),
                                      Type="String", Tier="Advanced", Overwrite=True)
    parameters.clear_caches()  # type: ignore[no-untyped-call]


def provision() -> None:
    create_tables()
    boto3.client("events").create_event_bus(Name=os.environ["EVENT_BUS_NAME"])
    put_program(program_document())
