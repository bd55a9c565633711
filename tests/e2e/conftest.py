"""End-to-end tests: a started local run (scripts/with_local_run.py), real HTTP, real HS256 tokens."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import boto3
import jwt
import pytest
import requests

API = os.environ.get("LOYALTY_API", "http://127.0.0.1:3000")
LAMBDA = os.environ.get("LOYALTY_LAMBDA", "http://127.0.0.1:3001")
MOTO = os.environ.get("LOYALTY_MOTO", "http://127.0.0.1:5055")
SECRET = os.environ.get("LOYALTY_LOCAL_JWT_SECRET", "local-dev-secret")
ROOT = Path(__file__).resolve().parents[2]


def token(sub: str, scope: str = "") -> str:
    now = int(time.time())
    return jwt.encode({"sub": sub, "scope": scope, "iat": now, "exp": now + 3600}, SECRET, algorithm="HS256")


class Client:
    def __init__(self, sub: str | None, scope: str = "") -> None:
        self.session = requests.Session()
        self.headers = {"Authorization": f"Bearer {token(sub, scope)}"} if sub else {}

    def post(self, path: str, body: Any = None, raw: str | None = None) -> requests.Response:
        if raw is not None:
            return self.session.post(API + path, data=raw, headers={**self.headers, "Content-Type": "application/json"},
                                     timeout=60)
        return self.session.post(API + path, json=body, headers=self.headers, timeout=60)

    def get(self, path: str) -> requests.Response:
        return self.session.get(API + path, headers=self.headers, timeout=60)

    def put(self, path: str, body: Any) -> requests.Response:
        return self.session.put(API + path, json=body, headers=self.headers, timeout=60)


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def service() -> Client:
    return Client("checkout", "loyalty/service")


@pytest.fixture(scope="session")
def admin() -> Client:
    return Client("ops", "loyalty/admin")


@pytest.fixture
def member(service: Client) -> str:
    member_id = new_id("m")
    r = service.post("/v1/members", {"member_id": member_id})
    assert r.status_code == 201, r.text
    return member_id


def invoke(function: str, event: dict[str, Any]) -> Any:
    client = boto3.client("lambda", endpoint_url=LAMBDA, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    answer = client.invoke(FunctionName=function, Payload=json.dumps(event).encode())
    payload = answer["Payload"].read()
    assert "FunctionError" not in answer, payload
    return json.loads(payload or b"null")


def put_payment_event(detail_type: str, detail: dict[str, Any]) -> None:
    client = boto3.client("events", endpoint_url=LAMBDA, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    result = client.put_events(Entries=[{"Source": "payments", "DetailType": detail_type,
                                         "Detail": json.dumps(detail), "EventBusName": "LoyaltyBus"}])
    assert result["FailedEntryCount"] == 0, result


def audit_local_run() -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "audit.py"), "--endpoint", MOTO],
                          capture_output=True, text=True, timeout=300)
