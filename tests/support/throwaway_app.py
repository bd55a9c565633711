"""A throwaway SAM app for the runner's own tests: a template and its functions' code, on free ports."""
from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3

import local


def run_app(root: Path, template: str, functions: dict[str, str]) -> Iterator[local.Runner]:
    """Write the template and each function's app.py (folder name -> source) under `root`, run it, stop it."""
    (root / "template.yaml").write_text(template)
    for name, code in functions.items():
        (root / "functions" / name).mkdir(parents=True)
        (root / "functions" / name / "app.py").write_text(textwrap.dedent(code))
    started = local.start(root / "template.yaml", root, api_port=0, lambda_port=0, moto_port=0, schedules=False,
                          data_dir=None)
    yield started
    started.stop()


def client(service: str, runner: local.Runner) -> Any:
    """A boto3 client of the throwaway app's moto, with dummy credentials."""
    return boto3.client(service, endpoint_url=runner.moto_url, region_name="us-east-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing")
