"""Imports through an uploaded file: a presigned PUT, a start, pages applied by ImportContinued deliveries from a
checkpoint, the status and the refused members; duplicated deliveries and a replaced file change nothing."""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
import requests

from local.bus import event_of
from loyalty.api.schemas import member_of_line
from loyalty.service import importer
from loyalty.service.ledger_audit import audit_all
from tests.support.api import ADMIN, SERVICE, ok, view
from tests.support.functions import Context, call, invoke

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def member(member_id: str, points: int = 100, **extra: Any) -> dict[str, Any]:
    return {"member_id": member_id, "lots": [{"points": points, "earned_at": (NOW - timedelta(days=10)).isoformat(),
                                              "expires_at": (NOW + timedelta(days=100)).isoformat()}], **extra}


def upload(import_id: str, lines: list[Any]) -> None:
    answer = ok(call("POST", "/v1/admin/imports/uploads", {"import_id": import_id}, **ADMIN))
    assert answer["expires_in"] > 0
    text = "".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines)
    assert requests.put(answer["upload_url"], data=text.encode(), timeout=10).status_code == 200


def continued(import_id: str, context: Context | None = None) -> dict[str, Any]:
    """ImportFunction receives the ImportContinued event the bus delivers."""
    entry = {"Source": "loyalty", "DetailType": "ImportContinued", "Detail": json.dumps({"import_id": import_id}),
             "Time": NOW.strftime("%Y-%m-%dT%H:%M:%SZ")}
    return invoke("ImportFunction", event_of(entry), context)  # type: ignore[no-any-return]


def status(import_id: str) -> dict[str, Any]:
    return ok(call("GET", f"/v1/admin/imports/{import_id}", **ADMIN), 200)  # type: ignore[no-any-return]


def test_an_uploaded_file_is_imported_with_its_refusals_listed(
        moto_aws: None, clock_at: Callable[[datetime], None], published: list[Any]) -> None:
    clock_at(NOW)
    ok(call("POST", "/v1/members", {"member_id": "here"}, **SERVICE))
    upload("file-1", [member("f-1", tier="Silver"), "not json", member("here"), "", member("f-2", 5),
                      {"member_id": "f-3", "lots": [{"points": 1}]}])
    started = ok(call("POST", "/v1/admin/imports/file-1/start", **ADMIN), 202)
    assert started["status"] == "running" and started["lines"] == 0
    assert [d for kind, d in published if kind == "ImportContinued"] == [
        {"import_id": "file-1", "event_id": None}]
    done = continued("file-1")
    assert done["status"] == "done" and done["lines"] == 6 and done["bytes_read"] == done["size"]
    assert status("file-1")["counts"] == {"imported": 2, "replayed": 0, "refused": 3}
    assert view("f-1")["tier"] == "Silver" and view("f-1")["balance"]["available"] == 100
    assert view("here")["balance"]["available"] == 100  # its welcome bonus, nothing imported
    page = ok(call("GET", "/v1/admin/imports/file-1/refusals", query={"limit": "2"}, **ADMIN), 200)
    assert [(r["line"], r["member_id"], r["error"]["code"]) for r in page["items"]] == [
        (2, None, "INVALID_REQUEST"), (3, "here", "ALREADY_ENROLLED")]
    rest = ok(call("GET", "/v1/admin/imports/file-1/refusals", query={"cursor": page["next_cursor"]}, **ADMIN), 200)
    assert [(r["line"], r["member_id"]) for r in rest["items"]] == [(6, "f-3")] and rest["next_cursor"] is None
    assert audit_all()[1] == []


def test_duplicated_deliveries_and_starts_apply_nothing_twice(
        moto_aws: None, clock_at: Callable[[datetime], None], published: list[Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    clock_at(NOW)
    monkeypatch.setattr(importer, "PAGE_LINES", 20)
    upload("file-2", [member(f"d-{n}") for n in range(50)])
    ok(call("POST", "/v1/admin/imports/file-2/start", **ADMIN), 202)
    ticks = iter([60_000, 60_000, 0])  # time for two pages, then the time limit is near

    class Interrupted(Context):
        def get_remaining_time_in_millis(self) -> int:
            return next(ticks, 0)

    partial = continued("file-2", Interrupted())
    assert (partial["status"], partial["lines"]) == ("running", 40)
    assert [d["import_id"] for kind, d in published if kind == "ImportContinued"] == ["file-2", "file-2"]
    continued("file-2")
    continued("file-2")  # a duplicated delivery finds the import done
    assert ok(call("POST", "/v1/admin/imports/file-2/start", **ADMIN), 202)["status"] == "done"
    assert status("file-2")["counts"] == {"imported": 50, "replayed": 0, "refused": 0}
    assert ok(call("GET", "/v1/admin/stats", **ADMIN), 200)["members"] == 50
    assert audit_all()[1] == []


def test_a_page_retried_after_a_crash_replays_its_members(
        moto_aws: None, clock_at: Callable[[datetime], None], monkeypatch: pytest.MonkeyPatch) -> None:
    clock_at(NOW)
    upload("file-3", [member(f"c-{n}") for n in range(30)])
    ok(call("POST", "/v1/admin/imports/file-3/start", **ADMIN), 202)
    real = importer.import_store.save_run

    def crash(*args: Any) -> bool:
        raise RuntimeError("the container died after the members, before the checkpoint")

    monkeypatch.setattr(importer.import_store, "save_run", crash)
    with pytest.raises(RuntimeError):
        importer.continue_import("file-3", lambda: 60_000, member_of_line, NOW)
    monkeypatch.setattr(importer.import_store, "save_run", real)
    assert continued("file-3")["counts"] == {"imported": 0, "replayed": 30, "refused": 0}
    assert view("c-7")["balance"]["available"] == 100
    assert audit_all()[1] == []


def test_a_file_replaced_after_the_start_is_not_read(moto_aws: None, clock_at: Callable[[datetime], None]) -> None:
    clock_at(NOW)
    upload("file-4", [member("r-1")])
    ok(call("POST", "/v1/admin/imports/file-4/start", **ADMIN), 202)
    boto3.client("s3").put_object(Bucket="importsbucket", Key="imports/file-4.jsonl",
                                  Body=json.dumps(member("r-1", 10**6)).encode())
    failed = continued("file-4")
    assert failed["status"] == "failed" and "replaced" in failed["error"]
    assert call("GET", "/v1/members/r-1", **ADMIN).status == 404


def test_unknown_imports_and_late_uploads_are_refused(moto_aws: None, clock_at: Callable[[datetime], None]) -> None:
    clock_at(NOW)
    for method, path in (("POST", "/v1/admin/imports/none/start"), ("GET", "/v1/admin/imports/none"),
                         ("GET", "/v1/admin/imports/none/refusals")):
        answer = call(method, path, **ADMIN)
        assert answer.status == 404 and answer.body["error"]["code"] == "IMPORT_NOT_FOUND", (path, answer.body)
    upload("file-5", [])
    assert ok(call("POST", "/v1/admin/imports/file-5/start", **ADMIN), 202)["status"] == "done"  # empty: done
    late = call("POST", "/v1/admin/imports/uploads", {"import_id": "file-5"}, **ADMIN)
    assert late.status == 409 and late.body["error"]["code"] == "ALREADY_APPLIED"
    assert call("POST", "/v1/admin/imports/uploads", {"import_id": "x"}, **SERVICE).status == 403
    assert call("GET", "/v1/admin/imports/file-5/refusals", query={"cursor": "abc"}, **ADMIN).status == 422
