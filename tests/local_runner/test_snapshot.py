"""The local run keeps its tables in a data dir across a restart (local/snapshot.py), on a throwaway app shaped like
the loyalty one: members with a global index and a stream that announces their changes, a ledger with a local index.

The real template is not started in-process: its layer binds clients and settings to the first runner's moto port."""

from __future__ import annotations

import gzip
import logging
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from moto import mock_aws

import local
from local import aws as local_aws
from local import snapshot
from local.__main__ import data_dir_of
from local.streams import take_records
from local.template import Template

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Handler: app.handler
    Timeout: 10
    Environment:
      Variables:
        MEMBERS: !Ref MembersTable
        LEDGER: !Ref LedgerTable
        NOTICES: !Ref NoticesTable
Resources:
  ApiFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/api/
      Events:
        Enroll:
          Type: HttpApi
          Properties: {Path: /v1/members, Method: POST, Auth: {Authorizer: NONE}}
        Accrue:
          Type: HttpApi
          Properties: {Path: "/v1/members/{member_id}/accruals", Method: POST, Auth: {Authorizer: NONE}}
        View:
          Type: HttpApi
          Properties: {Path: "/v1/members/{member_id}", Method: GET, Auth: {Authorizer: NONE}}
        History:
          Type: HttpApi
          Properties: {Path: "/v1/members/{member_id}/transactions", Method: GET, Auth: {Authorizer: NONE}}
        Referral:
          Type: HttpApi
          Properties: {Path: "/v1/referrals/{code}", Method: GET, Auth: {Authorizer: NONE}}
  AnnounceFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/announce/
      Events:
        Members:
          Type: DynamoDB
          Properties: {Stream: !GetAtt MembersTable.StreamArn, StartingPosition: TRIM_HORIZON, BatchSize: 10}
  MembersTable:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - {AttributeName: member_id, AttributeType: S}
        - {AttributeName: referral_code, AttributeType: S}
      KeySchema: [{AttributeName: member_id, KeyType: HASH}]
      GlobalSecondaryIndexes:
        - IndexName: by_referral_code
          KeySchema: [{AttributeName: referral_code, KeyType: HASH}]
          Projection: {ProjectionType: KEYS_ONLY}
      StreamSpecification: {StreamViewType: NEW_IMAGE}
  LedgerTable:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - {AttributeName: member_id, AttributeType: S}
        - {AttributeName: entry_key, AttributeType: S}
        - {AttributeName: posted_at, AttributeType: S}
      KeySchema: [{AttributeName: member_id, KeyType: HASH}, {AttributeName: entry_key, KeyType: RANGE}]
      LocalSecondaryIndexes:
        - IndexName: by_time
          KeySchema: [{AttributeName: member_id, KeyType: HASH}, {AttributeName: posted_at, KeyType: RANGE}]
          Projection: {ProjectionType: ALL}
  NoticesTable:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
"""

API = """
import json
import os

import boto3

dynamodb = boto3.client("dynamodb")
MEMBERS, LEDGER = os.environ["MEMBERS"], os.environ["LEDGER"]


def entry(member, key, points, posted_at):
    return {"Put": {"TableName": LEDGER, "Item": {"member_id": {"S": member}, "entry_key": {"S": key},
                                                  "points": {"N": str(points)}, "posted_at": {"S": posted_at}}}}


def enroll(body):
    member = {"member_id": {"S": body["member_id"]}, "referral_code": {"S": body["referral_code"]},
              "balance": {"N": "100"}}
    dynamodb.transact_write_items(TransactItems=[
        {"Put": {"TableName": MEMBERS, "Item": member, "ConditionExpression": "attribute_not_exists(member_id)"}},
        entry(body["member_id"], "welcome", 100, "2030-01-01T00:00:00Z")])
    return 201, {}


def accrue(member, body):
    dynamodb.transact_write_items(TransactItems=[
        {"Update": {"TableName": MEMBERS, "Key": {"member_id": {"S": member}}, "UpdateExpression": "ADD balance :p",
                    "ExpressionAttributeValues": {":p": {"N": str(body["points"])}}}},
        entry(member, body["transaction_id"], body["points"], body["posted_at"])])
    return 201, {}


def view(member):
    item = dynamodb.get_item(TableName=MEMBERS, Key={"member_id": {"S": member}}).get("Item")
    return (200, {"balance": int(item["balance"]["N"])}) if item else (404, {})


def history(member):
    found = dynamodb.query(TableName=LEDGER, IndexName="by_time", KeyConditionExpression="member_id = :m",
                           ExpressionAttributeValues={":m": {"S": member}}, ScanIndexForward=False)
    return 200, [[e["entry_key"]["S"], int(e["points"]["N"])] for e in found["Items"]]


def referral(code):
    found = dynamodb.query(TableName=MEMBERS, IndexName="by_referral_code", KeyConditionExpression="referral_code = :c",
                           ExpressionAttributeValues={":c": {"S": code}})
    return 200, [m["member_id"]["S"] for m in found["Items"]]


def handler(event, context):
    route, params = event["routeKey"], event.get("pathParameters") or {}
    body = json.loads(event["body"]) if event.get("body") else {}
    status, answer = {
        "POST /v1/members": lambda: enroll(body),
        "POST /v1/members/{member_id}/accruals": lambda: accrue(params.get("member_id"), body),
        "GET /v1/members/{member_id}": lambda: view(params.get("member_id")),
        "GET /v1/members/{member_id}/transactions": lambda: history(params.get("member_id")),
        "GET /v1/referrals/{code}": lambda: referral(params.get("code")),
    }[route]()
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(answer)}
"""

# One notice per stream record of MembersTable: a restore that made records would add notices.
ANNOUNCE = """
import os

import boto3

dynamodb = boto3.client("dynamodb")


def handler(event, context):
    for record in event["Records"]:
        dynamodb.put_item(TableName=os.environ["NOTICES"], Item={"pk": {"S": record["eventID"]}})
    return {}
"""

# Every DynamoDB attribute type, nested binary included (moto hands it back decoded)
TYPED = {"pk": {"S": "typed"}, "n": {"N": "-12.50"}, "b": {"B": b"\x00\xffraw"}, "ss": {"SS": ["a", "b"]},
         "ns": {"NS": ["1", "2.5"]}, "bs": {"BS": [b"x", b"y"]}, "null": {"NULL": True}, "bool": {"BOOL": False},
         "l": {"L": [{"S": "one"}, {"N": "2"}, {"B": b"\x01"}]},
         "m": {"M": {"inner": {"M": {"b": {"B": b"\x02"}, "s": {"S": "deep"}}}, "empty": {"L": []}}}}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("app")
    (root / "template.yaml").write_text(TEMPLATE)
    for name, code in {"api": API, "announce": ANNOUNCE}.items():
        (root / "functions" / name).mkdir(parents=True)
        (root / "functions" / name / "app.py").write_text(textwrap.dedent(code))
    return root


@contextmanager
def running(app: Path, data_dir: Path | None) -> Iterator[local.Runner]:
    # the saver's thread never ticks during a test (save_every): the tests call tick() themselves
    runner = local.start(app / "template.yaml", app, api_port=0, lambda_port=0, moto_port=0, schedules=False,
                         data_dir=data_dir, save_every=3600)
    try:
        yield runner
    finally:
        runner.stop()


def post(runner: local.Runner, path: str, body: dict[str, Any]) -> None:
    answer = requests.post(runner.api_url + path, json=body, timeout=30)
    assert answer.status_code == 201, answer.text


def get(runner: local.Runner, path: str) -> Any:
    answer = requests.get(runner.api_url + path, timeout=30)
    return answer.status_code, answer.json()


def dynamodb(runner: local.Runner) -> Any:
    return boto3.client("dynamodb", endpoint_url=runner.moto_url, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def notices(runner: local.Runner) -> int:
    return int(dynamodb(runner).scan(TableName="NoticesTable", Select="COUNT")["Count"])


def seen(runner: local.Runner) -> dict[str, Any]:
    """What the API answers about m-1, and what the tables hold beside it."""
    return {"view": get(runner, "/v1/members/m-1"), "history": get(runner, "/v1/members/m-1/transactions"),
            "referral": get(runner, "/v1/referrals/FRIEND-1"), "notices": notices(runner),
            "typed": dynamodb(runner).get_item(TableName="NoticesTable", Key={"pk": {"S": "typed"}})["Item"]}


def enroll_and_accrue(runner: local.Runner) -> None:
    post(runner, "/v1/members", {"member_id": "m-1", "referral_code": "FRIEND-1"})
    post(runner, "/v1/members/m-1/accruals", {"transaction_id": "t-1", "points": 50, "posted_at": "2030-02-01T00:00:00Z"})
    post(runner, "/v1/members/m-1/accruals", {"transaction_id": "t-2", "points": 25, "posted_at": "2030-03-01T00:00:00Z"})


CORRUPT = b"not gzip at all"


@pytest.fixture(scope="module")
def restarted(app: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    """Two runs on one data dir, the first over an unreadable snapshot: what the first saw after its writes, and
    what the second sees (both stopped: moto's tables are global to the process, the other tests need the names)."""
    data_dir = tmp_path_factory.mktemp("data")
    (data_dir / snapshot.FILE_NAME).write_bytes(CORRUPT)
    with running(app, data_dir) as first:
        first_start = first.restored, notices(first)
        enroll_and_accrue(first)
        dynamodb(first).put_item(TableName="NoticesTable", Item=TYPED)
        before = seen(first)
    aside = [p.read_bytes() for p in data_dir.glob(f"{snapshot.FILE_NAME}.corrupt-*")]
    with running(app, data_dir) as second:
        # before any request: the stream emulation delivers what it finds when a request ends
        after = {"records": take_records("MembersTable"), "notices_at_start": notices(second),
                 "restored": second.restored, "data_file": second.data_file, "first_start": first_start, "aside": aside}
        after.update(seen(second), delivered=second.streams.settle())
    return before, after


def test_a_restart_keeps_the_balance_the_history_and_the_global_index(
        restarted: tuple[dict[str, Any], dict[str, Any]]) -> None:
    before, after = restarted
    assert before["view"] == (200, {"balance": 175})
    assert before["history"] == (200, [["t-2", 25], ["t-1", 50], ["welcome", 100]])  # by_time, newest first
    assert before["referral"] == (200, ["m-1"])
    assert {key: after[key] for key in before} == before


def test_every_attribute_type_comes_back_as_it_was(restarted: tuple[dict[str, Any], dict[str, Any]]) -> None:
    before, after = restarted
    assert before["typed"] == after["typed"] == TYPED


def test_a_restart_makes_no_stream_records(restarted: tuple[dict[str, Any], dict[str, Any]]) -> None:
    before, after = restarted
    assert after["records"] == []
    assert after["delivered"] == 0
    assert before["notices"] == 1 + 3  # the typed item, and one per write to MembersTable: no more after the restart
    assert after["notices_at_start"] == after["notices"] == before["notices"]


def test_the_start_says_how_many_items_it_restored(restarted: tuple[dict[str, Any], dict[str, Any]]) -> None:
    _, after = restarted
    assert after["data_file"].name == "dynamodb.jsonl.gz"
    assert after["restored"] == 1 + 3 + 4  # the member; its ledger entries; the notices and the typed item
    assert {table for table, _ in snapshot.read_rows(after["data_file"])} == {"LedgerTable", "MembersTable",
                                                                            "NoticesTable"}


def test_an_unreadable_snapshot_is_moved_aside_and_the_run_starts_empty(
        restarted: tuple[dict[str, Any], dict[str, Any]]) -> None:
    _, after = restarted
    assert after["first_start"] == (0, 0)  # no item restored, none in the tables
    assert after["aside"] == [CORRUPT]


def test_without_a_data_dir_nothing_is_kept(app: Path) -> None:
    files_before = sorted(p for p in app.rglob("*") if "__pycache__" not in p.parts)
    with running(app, None) as runner:
        assert (runner.data_file, runner.saver, runner.restored) == (None, None, 0)
        post(runner, "/v1/members", {"member_id": "m-3", "referral_code": "FRIEND-3"})
    assert sorted(p for p in app.rglob("*") if "__pycache__" not in p.parts) == files_before


# -- the module on its own, over mock_aws tables made from the same template (no runner: fast) ---------------------

@pytest.fixture
def tables(app: Path) -> Iterator[Template]:
    with mock_aws():
        template = Template(app / "template.yaml")
        local_aws.create_tables(template, client())
        yield template


def client() -> Any:
    return boto3.client("dynamodb", region_name="us-east-1")


def stored(table: str) -> list[dict[str, Any]]:
    return client().scan(TableName=table)["Items"]  # type: ignore[no-any-return]


def test_a_save_journals_only_what_changed(tables: Template, tmp_path: Path) -> None:
    path = tmp_path / snapshot.FILE_NAME
    client().put_item(TableName="NoticesTable", Item={"pk": {"S": "before"}})
    saver = snapshot.Saver(tables, path)
    assert saver.tick() is False  # nothing written since it was made
    assert list(tmp_path.iterdir()) == []
    client().put_item(TableName="MembersTable", Item={"member_id": {"S": "m-2"}, "balance": {"N": "100"}})
    client().update_item(TableName="MembersTable", Key={"member_id": {"S": "m-2"}}, UpdateExpression="ADD balance :p",
                         ExpressionAttributeValues={":p": {"N": "7"}})
    assert saver.tick() is True and saver.tick() is False
    [journal] = snapshot.journals(path).values()
    m2 = {"member_id": {"S": "m-2"}, "balance": {"N": "107"}}
    assert snapshot.read_journal(journal) == [("MembersTable", {"member_id": {"S": "m-2"}}, m2)]  # once, as it is
    client().delete_item(TableName="MembersTable", Key={"member_id": {"S": "m-2"}})
    assert saver.tick() is True
    assert snapshot.read_journal(journal)[-1] == ("MembersTable", {"member_id": {"S": "m-2"}}, None)


def test_stop_merges_the_journals_into_one_file(tables: Template, tmp_path: Path) -> None:
    path = tmp_path / snapshot.FILE_NAME
    snapshot.write_rows(path, [("NoticesTable", {"pk": {"S": "old"}}), ("NoticesTable", {"pk": {"S": "gone"}})])
    assert snapshot.restore(tables, path) == 2
    saver = snapshot.Saver(tables, path)
    saver.start()
    client().put_item(TableName="NoticesTable", Item={"pk": {"S": "new"}})
    client().delete_item(TableName="NoticesTable", Key={"pk": {"S": "gone"}})
    saver.stop()
    assert saver._thread is not None and not saver._thread.is_alive()
    assert sorted(p.name for p in tmp_path.iterdir()) == [snapshot.FILE_NAME]
    assert sorted(r[1]["pk"]["S"] for r in snapshot.read_rows(path)) == ["new", "old"]


def test_a_restore_applies_the_journals_after_the_base_in_order(tables: Template, tmp_path: Path) -> None:
    """As a `kill -9` leaves the files: a base, a journal it already holds, later ones, the last cut short."""
    path = tmp_path / snapshot.FILE_NAME
    key = {"pk": {"S": "n"}}
    snapshot.write_rows(path, [("NoticesTable", key | {"v": {"N": "2"}})], after=1)
    snapshot.append_changes(snapshot.journal_file(path, 1), [("NoticesTable", key, key | {"v": {"N": "1"}})])
    snapshot.append_changes(snapshot.journal_file(path, 2), [("NoticesTable", key, key | {"v": {"N": "3"}}),
                                                             ("NoticesTable", {"pk": {"S": "x"}}, {"pk": {"S": "x"}})])
    snapshot.append_changes(snapshot.journal_file(path, 3), [("NoticesTable", {"pk": {"S": "x"}}, None)])
    with snapshot.journal_file(path, 3).open("ab") as cut:
        cut.write(b'{"table":"NoticesTable","key":{"pk":')
    assert snapshot.restore(tables, path) == 1
    assert stored("NoticesTable") == [key | {"v": {"N": "3"}}]
    saver = snapshot.Saver(tables, path)  # appends to a new journal, never to the one cut short
    client().put_item(TableName="NoticesTable", Item={"pk": {"S": "y"}})
    saver.tick()
    assert max(snapshot.journals(path)) == 4


def test_journals_are_merged_once_they_outgrow_the_base(tables: Template, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshot, "MERGE_AT_LEAST", 3)
    path = tmp_path / snapshot.FILE_NAME
    saver = snapshot.Saver(tables, path)
    for n in range(3):
        client().put_item(TableName="NoticesTable", Item={"pk": {"S": f"n{n}"}})
        saver.tick()
    assert snapshot.journals(path) == {} and snapshot.read_base(path)[0] == 1  # the base holds journal 1
    assert len(snapshot.read_rows(path)) == 3
    client().put_item(TableName="NoticesTable", Item={"pk": {"S": "n3"}})
    saver.tick()
    assert list(snapshot.journals(path)) == [2]


@pytest.mark.parametrize("content", [
    CORRUPT,
    gzip.compress(b'{"table": "MembersTable", "item": \n'),
    gzip.compress(b'{"table": "NoticesTable", "item": {"pk": {"S": "x"}}}\n' * 100)[:-12],
    gzip.compress(b"[1, 2]\n"),
    gzip.compress(b'{"table": "NoticesTable", "item": {"pk": {"S": "x"}, "bad": "no type"}}\n'),
], ids=["not-gzip", "not-json", "truncated", "not-a-row", "not-dynamodb-json"])
def test_an_unreadable_snapshot_restores_nothing_and_is_kept_aside(
        tables: Template, tmp_path: Path, content: bytes, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / snapshot.FILE_NAME
    path.write_bytes(content)
    with caplog.at_level(logging.ERROR, logger="local.snapshot"):
        assert snapshot.restore(tables, path) == 0
    assert stored("NoticesTable") == []
    [aside] = tmp_path.glob(f"{snapshot.FILE_NAME}.corrupt-*")
    assert aside.read_bytes() == content and not path.exists()
    assert [str(path) in r.getMessage() for r in caplog.records] == [True]


def test_items_the_template_has_no_place_for_are_skipped(
        tables: Template, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / snapshot.FILE_NAME
    snapshot.write_rows(path, [("GoneTable", {"pk": {"S": "old"}}), ("NoticesTable", {"pk": {"S": "kept"}}),
                               ("NoticesTable", {"other": {"S": "no key"}}), ("NoticesTable", {"pk": {"N": "1"}})])
    with caplog.at_level(logging.WARNING, logger="local.snapshot"):
        assert snapshot.restore(tables, path) == 1
    assert stored("NoticesTable") == [{"pk": {"S": "kept"}}]
    warnings = " ".join(r.getMessage() for r in caplog.records)
    assert "1 item(s) of GoneTable skipped" in warnings and "2 item(s) of NoticesTable skipped" in warnings


def test_a_failed_save_leaves_the_previous_snapshot_whole(tmp_path: Path) -> None:
    path = tmp_path / snapshot.FILE_NAME
    snapshot.write_rows(path, [("NoticesTable", {"pk": {"S": "old"}})])

    def rows() -> Iterator[snapshot.Row]:
        yield "NoticesTable", {"pk": {"S": "new"}}
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        snapshot.write_rows(path, rows())
    assert snapshot.read_rows(path) == [("NoticesTable", {"pk": {"S": "old"}})]
    assert sorted(p.name for p in tmp_path.iterdir()) == [snapshot.FILE_NAME]  # no temporary file left


def test_the_data_dir_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOYALTY_DATA_DIR", raising=False)
    assert data_dir_of(None, str(tmp_path)) == tmp_path.resolve() / ".local-data"
    assert data_dir_of("none", str(tmp_path)) is None
    assert data_dir_of(str(tmp_path / "given"), ".") == tmp_path.resolve() / "given"
    monkeypatch.setenv("LOYALTY_DATA_DIR", str(tmp_path / "elsewhere"))
    assert data_dir_of(None, str(tmp_path)) == tmp_path.resolve() / "elsewhere"
    assert data_dir_of("NONE", str(tmp_path)) is None
    monkeypatch.setenv("LOYALTY_DATA_DIR", "none")
    assert data_dir_of(None, str(tmp_path)) is None
