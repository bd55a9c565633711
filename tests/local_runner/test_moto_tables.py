"""local/moto_tables.py: moto's transactions and queries at a cost per touched item, with moto's own answers.

Differential: the same random transactions go to one table through the patched moto and to its twin through
moto's own methods; items, cancellation reasons, stream records and every query's answer must be the same.
Cost: counted in items copied and in table walks, never in seconds."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws
from moto.dynamodb.exceptions import TransactWriteSingleOpException
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.models.table import Table

from local import moto_tables
from local.streams import take_records

REGION = "us-east-1"
ACCOUNT = "123456789012"
TABLES = ("patched", "moto_own")


def _create(client: Any, name: str) -> None:
    client.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "g", "gs", "at")],
        GlobalSecondaryIndexes=[{"IndexName": "by_g", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                                               {"AttributeName": "gs", "KeyType": "RANGE"}]}],
        LocalSecondaryIndexes=[{"IndexName": "by_at", "Projection": {"ProjectionType": "KEYS_ONLY"},
                                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                              {"AttributeName": "at", "KeyType": "RANGE"}]}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )


@pytest.fixture
def client() -> Iterator[Any]:
    moto_tables.install()
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        for name in TABLES:
            _create(dynamodb, name)
        yield dynamodb


def _table(name: str) -> Table:
    return dynamodb_backends[ACCOUNT][REGION].tables[name]


# -- random transactions -----------------------------------------------------------------------------------------

PKS, SKS, GS = ("a", "b", "c"), ("1", "2"), ("x", "y")
keys = st.fixed_dictionaries({"pk": st.sampled_from(PKS), "sk": st.sampled_from(SKS)})
conditions = st.sampled_from([None, "attribute_exists(pk)", "attribute_not_exists(pk)", "n < :limit"])


@st.composite
def operations(draw: st.DrawFn) -> dict[str, Any]:
    key = {name: {"S": value} for name, value in draw(keys).items()}
    kind = draw(st.sampled_from(["Put", "Update", "Delete", "ConditionCheck"]))
    condition = draw(conditions)
    op: dict[str, Any] = {"Key": key}
    if kind == "Put":
        attrs = {"n": {"N": str(draw(st.integers(0, 9)))}, "at": {"S": draw(st.sampled_from(["t1", "t2"]))}}
        if draw(st.booleans()):  # in the global index or not
            attrs |= {"g": {"S": draw(st.sampled_from(GS))}, "gs": {"S": draw(st.sampled_from(["p", "q"]))}}
        op = {"Item": key | attrs}
    elif kind == "Update":
        op["UpdateExpression"] = draw(st.sampled_from(["SET n = :one, g = :g, gs = :g", "REMOVE g", "ADD n :one"]))
    elif condition is None:  # a condition check needs a condition
        condition = "attribute_exists(pk)"
    if condition:
        op["ConditionExpression"] = condition
        op["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    values = {":one": {"N": "1"}, ":g": {"S": draw(st.sampled_from(GS))}, ":limit": {"N": "5"}}
    used = {k: v for k, v in values.items() if k in op.get("UpdateExpression", "") + (condition or "")}
    if used:
        op["ExpressionAttributeValues"] = used
    return {kind: op}


def _named(transaction: list[dict[str, Any]], table: str) -> list[dict[str, Any]]:
    return [{kind: op | {"TableName": table}} for item in transaction for kind, op in item.items()]


def _outcome(client: Any, table: str, transaction: list[dict[str, Any]]) -> Any:
    try:
        client.transact_write_items(TransactItems=_named(transaction, table))
    except ClientError as exc:
        return exc.response["Error"]["Code"], exc.response.get("CancellationReasons")
    return "ok"


def _state(client: Any, table: str) -> dict[str, Any]:
    items = sorted(client.scan(TableName=table)["Items"], key=lambda i: (i["pk"]["S"], i["sk"]["S"]))
    queries: dict[tuple[str, Any], Any] = {}
    for pk in PKS:
        for forward in (True, False):
            queries[pk, forward] = client.query(TableName=table, KeyConditionExpression="pk = :pk",
                                                ExpressionAttributeValues={":pk": {"S": pk}},
                                                ScanIndexForward=forward)["Items"]
        queries[pk, "lsi"] = client.query(TableName=table, IndexName="by_at", KeyConditionExpression="pk = :pk",
                                          ExpressionAttributeValues={":pk": {"S": pk}})["Items"]
        queries[pk, "page"] = client.query(TableName=table, KeyConditionExpression="pk = :pk", Limit=1,
                                           ExpressionAttributeValues={":pk": {"S": pk}}).get("LastEvaluatedKey")
    for g in GS:
        queries[g, "gsi"] = client.query(TableName=table, IndexName="by_g", KeyConditionExpression="g = :g",
                                         ExpressionAttributeValues={":g": {"S": g}})["Items"]
        queries[g, "gsi-range"] = client.query(
            TableName=table, IndexName="by_g", KeyConditionExpression="g = :g AND gs > :p", Limit=1,
            ExpressionAttributeValues={":g": {"S": g}, ":p": {"S": "p"}})
    records = [(r.record["eventName"], r.record["dynamodb"].get("NewImage"), r.record["dynamodb"].get("OldImage"))
               for r in _table(table).stream_shard.items]  # type: ignore[union-attr]
    for page in queries.values():  # the answers' metadata differ by table name only
        if isinstance(page, dict):
            page.pop("ResponseMetadata", None)
    return {"items": items, "queries": queries, "records": records}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(operations(), min_size=1, max_size=4), min_size=1, max_size=6))
def test_patched_moto_answers_as_moto_does(client: Any, transactions: list[list[dict[str, Any]]]) -> None:
    for name in TABLES:
        for item in client.scan(TableName=name)["Items"]:
            client.delete_item(TableName=name, Key={"pk": item["pk"], "sk": item["sk"]})
        _table(name).stream_shard.items.clear()  # type: ignore[union-attr]
    for transaction in transactions:
        patched = _outcome(client, "patched", transaction)
        with moto_tables.moto_own():
            own = _outcome(client, "moto_own", transaction)
        assert patched == own
        with moto_tables.moto_own():
            expected = _state(client, "moto_own")
        assert _state(client, "patched") == expected


# -- the guarantees, one by one ----------------------------------------------------------------------------------

def _put(pk: str, sk: str, **attrs: str) -> dict[str, Any]:
    return {"Put": {"TableName": "patched", "Item": {"pk": {"S": pk}, "sk": {"S": sk}} |
                    {k: {"S": v} for k, v in attrs.items()}}}


def test_a_cancelled_transaction_changes_nothing_and_says_why(client: Any) -> None:
    client.transact_write_items(TransactItems=[_put("a", "1", g="x", gs="p"), _put("b", "1", g="x", gs="q")])
    records = len(take_records("patched"))
    with pytest.raises(ClientError) as caught:
        client.transact_write_items(TransactItems=[
            _put("a", "2", g="y", gs="p"),
            {"Update": {"TableName": "patched", "Key": {"pk": {"S": "b"}, "sk": {"S": "1"}},
                        "UpdateExpression": "SET g = :y", "ExpressionAttributeValues": {":y": {"S": "y"}}}},
            {"Delete": {"TableName": "patched", "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
        ])
    reasons = caught.value.response["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["None", "None", "ConditionalCheckFailed"]
    assert reasons[2]["Item"]["g"] == {"S": "x"}  # the item as it was before the transaction
    assert records == 2 and take_records("patched") == []  # no record of the cancelled writes
    items = client.scan(TableName="patched")["Items"]
    assert sorted((i["pk"]["S"], i["sk"]["S"], i["g"]["S"]) for i in items) == [("a", "1", "x"), ("b", "1", "x")]
    by_g = {g: client.query(TableName="patched", IndexName="by_g", KeyConditionExpression="g = :g",
                            ExpressionAttributeValues={":g": {"S": g}})["Count"] for g in ("x", "y")}
    assert by_g == {"x": 2, "y": 0}  # the index map was rolled back with the items


def test_two_actions_on_one_item_apply_none(client: Any) -> None:
    with pytest.raises(ClientError) as caught:
        client.transact_write_items(TransactItems=[_put("b", "1"), _put("a", "1"), _put("a", "1", g="x")])
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert client.scan(TableName="patched")["Count"] == 0


def test_an_operation_naming_two_actions_is_rolled_back(client: Any) -> None:
    """moto's own raises here without undoing the operations before it; DynamoDB applies none."""
    with pytest.raises(TransactWriteSingleOpException):  # botocore itself refuses to send it
        dynamodb_backends[ACCOUNT][REGION].transact_write_items([
            {"Put": {"TableName": "patched", "Item": {"pk": {"S": "a"}, "sk": {"S": "1"}}}},
            {"Put": {"TableName": "patched", "Item": {"pk": {"S": "b"}, "sk": {"S": "1"}}},
             "Delete": {"TableName": "patched", "Key": {"pk": {"S": "b"}, "sk": {"S": "1"}}}},
        ])
    assert client.scan(TableName="patched")["Count"] == 0


def _fill(client: Any, members: int) -> None:
    for start in range(0, members, 25):
        client.batch_write_item(RequestItems={"patched": [
            {"PutRequest": {"Item": {"pk": {"S": f"m{n}"}, "sk": {"S": "1"}, "g": {"S": f"code{n}"},
                                     "gs": {"S": "p"}, "at": {"S": "t"}}}}
            for n in range(start, min(start + 25, members))]})


def test_a_transaction_copies_the_items_it_touches_not_the_table(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(client, 500)
    copied = []
    item_deepcopy = Item.__deepcopy__

    def counted(self: Item, memo: dict[int, Any]) -> Item:
        copied.append(self)
        return item_deepcopy(self, memo)
    monkeypatch.setattr(Item, "__deepcopy__", counted)
    client.transact_write_items(TransactItems=[
        _put("m1", "2"),
        {"Update": {"TableName": "patched", "Key": {"pk": {"S": "m2"}, "sk": {"S": "1"}},
                    "UpdateExpression": "SET gs = :t", "ExpressionAttributeValues": {":t": {"S": "u"}}}}])
    assert len(copied) <= 3  # the updated item, before (undo log) and as moto's update keeps it for its stream


def test_queries_read_their_partition_or_index_bucket_not_the_table(client: Any,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(client, 500)
    walks = []
    all_items = Table.all_items

    def counted(self: Table) -> list[Item]:
        walks.append(self)
        return all_items(self)
    monkeypatch.setattr(Table, "all_items", counted)
    client.query(TableName="patched", IndexName="by_g", KeyConditionExpression="g = :g",
                 ExpressionAttributeValues={":g": {"S": "code7"}})  # builds the map: one walk, once
    walks.clear()
    answers = [
        client.query(TableName="patched", KeyConditionExpression="pk = :pk",
                     ExpressionAttributeValues={":pk": {"S": "m3"}}),
        client.query(TableName="patched", IndexName="by_at", KeyConditionExpression="pk = :pk",
                     ExpressionAttributeValues={":pk": {"S": "m4"}}),
        client.query(TableName="patched", IndexName="by_g", KeyConditionExpression="g = :g",
                     ExpressionAttributeValues={":g": {"S": "code5"}}),
    ]
    _fill(client, 3)  # writes keep the map: no rebuild
    answers.append(client.query(TableName="patched", IndexName="by_g", KeyConditionExpression="g = :g",
                                ExpressionAttributeValues={":g": {"S": "code1"}}))
    assert [a["Count"] for a in answers] == [1, 1, 1, 1]
    assert walks == []


def test_stream_sequence_numbers_keep_rising_after_records_are_taken(client: Any) -> None:
    client.transact_write_items(TransactItems=[_put("a", "1")])
    first = take_records("patched")
    client.transact_write_items(TransactItems=[_put("a", "2")])
    second = take_records("patched")
    assert int(second[0]["dynamodb"]["SequenceNumber"]) > int(first[0]["dynamodb"]["SequenceNumber"])


def test_the_keys_of_written_items_are_noted_once_each(client: Any) -> None:
    moto_tables.track_changes()
    moto_tables.take_changes()
    client.transact_write_items(TransactItems=[_put("a", "1"), _put("a", "2")])
    client.delete_item(TableName="patched", Key={"pk": {"S": "a"}, "sk": {"S": "1"}})
    with pytest.raises(ClientError):  # cancelled: its key is noted too, and the item read back is the old one
        client.transact_write_items(TransactItems=[_put("b", "1"), {"ConditionCheck": {
            "TableName": "patched", "Key": {"pk": {"S": "z"}, "sk": {"S": "1"}},
            "ConditionExpression": "attribute_exists(pk)"}}])
    changed = [(name, key[0].value, key[1].value if key[1] else None) for name, key in moto_tables.take_changes()]
    assert changed == [("patched", "a", "1"), ("patched", "a", "2"), ("patched", "b", "1")]
    assert moto_tables.take_changes() == []


@pytest.mark.parametrize("filler", [404_000, 405_000 - 9, 405_000 - 8, 406_000])
def test_an_item_is_refused_for_its_size_exactly_where_moto_refuses_it(client: Any, filler: int) -> None:
    """pk "a", sk "1" and the name "big" take 9 bytes: moto takes an item of 405 000 bytes and refuses one more."""
    def put(name: str) -> str:
        try:
            client.put_item(TableName=name, Item={"pk": {"S": "a"}, "sk": {"S": "1"}, "big": {"S": "x" * filler}})
        except ClientError as err:
            return str(err.response["Error"]["Code"])
        return "taken"
    patched = put("patched")
    with moto_tables.moto_own():
        own = put("moto_own")
    assert patched == own == ("taken" if filler + 9 <= 405_000 else "ValidationException")
