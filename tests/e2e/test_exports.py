"""BI exports over HTTP on a started local run: the job runs on its ExportRequested event (delivered before the
POST's answer), and the presigned URL is served by the local run's moto server."""
from __future__ import annotations

import gzip
import json

import requests

from .conftest import Client, new_id


def test_a_ledger_export_is_fetched_at_its_url(service: Client, admin: Client, member: str) -> None:
    r = service.post(f"/v1/members/{member}/accruals", {"transaction_id": new_id("tx"), "kind": "purchase",
                                                         "amount_minor": 5000, "currency": "USD"})
    assert r.status_code == 201, r.text
    r = admin.post("/v1/admin/exports", {"kind": "ledger"})
    assert r.status_code == 202, r.text
    export_id = r.json()["export_id"]
    status = admin.get(f"/v1/admin/exports/{export_id}").json()
    assert status["status"] == "done" and status["kind"] == "ledger", status
    fetched = requests.get(status["url"], timeout=60)  # no token: the URL itself is the permission
    assert fetched.status_code == 200, fetched.text
    rows = [json.loads(line) for line in gzip.decompress(fetched.content).decode().splitlines()]
    assert len(rows) == status["rows"]
    mine = sorted((r["entry_id"], r["points"]) for r in rows if r["member_id"] == member)
    history = service.get(f"/v1/members/{member}/transactions?limit=50").json()["items"]
    assert mine == sorted((h["entry_id"], h["points"]) for h in history) and len(mine) == 2
    assert set(rows[0]) == {"member_id", "entry_id", "type", "points", "created_at", "reference"}


def test_a_members_export_and_the_errors(service: Client, admin: Client, member: str) -> None:
    r = admin.post("/v1/admin/exports", {"kind": "members"})
    assert r.status_code == 202, r.text
    status = admin.get(f"/v1/admin/exports/{r.json()['export_id']}").json()
    rows = [json.loads(line) for line in gzip.decompress(requests.get(status["url"], timeout=60).content).splitlines()]
    [mine] = [row for row in rows if row["member_id"] == member]
    assert mine["balance"]["available"] == 100 and set(mine) == {"member_id", "tier", "balance", "segments",
                                                                 "enrolled_at"}
    assert admin.post("/v1/admin/exports", {"kind": "ledger", "from": "2026-02-02", "to": "2026-02-01"}
                      ).status_code == 422
    assert admin.get("/v1/admin/exports/none-such").status_code == 404
    assert service.post("/v1/admin/exports", {"kind": "ledger"}).status_code == 403
