"""local/moto_answers.py writes DynamoDB attribute values directly: the answers must be byte for byte what moto's
own serializer writes, for every kind of value, nested, binary included."""
from __future__ import annotations

from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws
from moto.core.serialize import BaseJSONSerializer, JSONSerializer, XFormedAttributePicker
from moto.core.utils import get_service_model

from local import moto_answers

names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=8)
numbers = st.integers(-10**12, 10**12).map(str) | st.decimals(-1000, 1000, places=3).map(str)
scalars = (st.builds(lambda s: {"S": s}, st.text(max_size=12)) | st.builds(lambda n: {"N": n}, numbers)
           | st.builds(lambda b: {"B": b}, st.binary(max_size=12)) | st.just({"NULL": True})
           | st.builds(lambda b: {"BOOL": b}, st.booleans())
           | st.builds(lambda s: {"SS": sorted(s)}, st.sets(st.text(min_size=1, max_size=6), min_size=1, max_size=3))
           | st.builds(lambda s: {"NS": sorted(s)}, st.sets(numbers, min_size=1, max_size=3))
           | st.builds(lambda s: {"BS": sorted(s)}, st.sets(st.binary(min_size=1, max_size=6), min_size=1, max_size=3)))
values = st.recursive(scalars, lambda inner: st.builds(lambda m: {"M": m}, st.dictionaries(names, inner, max_size=3))
                      | st.builds(lambda v: {"L": v}, st.lists(inner, max_size=3)), max_leaves=12)
items = st.dictionaries(names, values, max_size=5)


def serialize(operation: str, result: dict[str, Any]) -> str:
    model = get_service_model("dynamodb").operation_model(operation)
    serializer = JSONSerializer(operation_model=model, value_picker=XFormedAttributePicker(response_transformers=None))
    return serializer.serialize(result)["body"]  # type: ignore[return-value]


def moto_own(operation: str, result: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> str:
    with monkeypatch.context() as patch:
        patch.setattr(BaseJSONSerializer, "_serialize_type_structure",
                      BaseJSONSerializer._serialize_type_structure.__wrapped__)  # type: ignore[attr-defined]
        return serialize(operation, result)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items, st.lists(items, max_size=3))
def test_answers_are_what_moto_writes(monkeypatch: pytest.MonkeyPatch, item: dict[str, Any],
                                      page: list[dict[str, Any]]) -> None:
    moto_answers.install()
    answers = {
        "GetItem": {"Item": item},
        "Query": {"Items": page, "Count": len(page), "ScannedCount": len(page), "LastEvaluatedKey": item or None},
        "UpdateItem": {"Attributes": item},
    }
    for operation, result in answers.items():
        assert serialize(operation, result) == moto_own(operation, result, monkeypatch)


@pytest.mark.parametrize("odd", [{"X": "unknown type"}, {"S": 5}, {"NULL": "yes"}, {}])
def test_what_is_not_wire_form_is_left_to_moto(monkeypatch: pytest.MonkeyPatch, odd: dict[str, Any]) -> None:
    moto_answers.install()
    with pytest.raises(moto_answers.NotWire):
        moto_answers.wire(odd)
    result = {"Item": {"a": odd}}
    assert serialize("GetItem", result) == moto_own("GetItem", result, monkeypatch)


def test_an_item_comes_back_as_it_was_written() -> None:
    moto_answers.install()
    item = {"pk": {"S": "m-1"}, "blob": {"B": b"\x00\xff"}, "n": {"N": "12.5"}, "tags": {"SS": ["a", "b"]},
            "nested": {"M": {"l": {"L": [{"BS": [b"x", b"y"]}, {"NULL": True}, {"BOOL": False}]}}}}
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(TableName="t", BillingMode="PAY_PER_REQUEST",
                            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
        client.put_item(TableName="t", Item=item)
        assert client.get_item(TableName="t", Key={"pk": {"S": "m-1"}})["Item"] == item
        assert client.query(TableName="t", KeyConditionExpression="pk = :p",
                            ExpressionAttributeValues={":p": {"S": "m-1"}})["Items"] == [item]
