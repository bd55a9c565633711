"""The runner end to end, on a throwaway template (independent of the real template.yaml) and free ports."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import jwt
import pytest
import requests
from botocore.config import Config

import local
from tests.support.throwaway_app import run_app

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage:
    Type: String
    Default: test
Globals:
  Function:
    Handler: app.handler
    Timeout: 10
    MemorySize: 256
    Environment:
      Variables:
        HITS_TABLE: !Ref HitsTable
        EVENT_BUS_NAME: !Ref Bus
        STAGE: !Ref Stage
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        DefaultAuthorizer: Jwt
        Authorizers:
          Jwt:
            IdentitySource: $request.header.Authorization
            JwtConfiguration: {issuer: https://issuer.example, audience: [client]}
  EchoFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/echo/
      Events:
        Thing:
          Type: HttpApi
          Properties: {ApiId: !Ref Api, Path: "/v1/things/{thing_id}", Method: GET}
        Public:
          Type: HttpApi
          Properties: {ApiId: !Ref Api, Path: /v1/public, Method: GET, Auth: {Authorizer: NONE}}
        Publish:
          Type: HttpApi
          Properties: {ApiId: !Ref Api, Path: /v1/publish, Method: POST}
        Ping:
          Type: EventBridgeRule
          Properties:
            EventBusName: !Ref Bus
            Pattern: {source: [shop], detail-type: [Ping]}
            DeadLetterConfig: {Arn: !GetAtt LoopQueue.Arn}
  SinkFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/sink/
      Events:
        OrderPlaced:
          Type: EventBridgeRule
          Properties:
            EventBusName: !Ref Bus
            Pattern:
              source: [shop]
              detail-type: [OrderPlaced]
              detail:
                order_id: [{prefix: "o-"}]
            DeadLetterConfig: {Arn: !GetAtt DeadLetterQueue.Arn}
  OtherSinkFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/sink/
      Events:
        OrderShipped:
          Type: EventBridgeRule
          Properties:
            EventBusName: !Ref Bus
            Pattern: {source: [shop], detail-type: [OrderShipped]}
        Boom:
          Type: EventBridgeRule
          Properties:
            EventBusName: !Ref Bus
            Pattern: {source: [shop], detail-type: [Boom]}
            DeadLetterConfig: {Arn: !GetAtt DeadLetterQueue.Arn}
  HitsTable:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - {AttributeName: pk, AttributeType: S}
        - {AttributeName: sk, AttributeType: S}
        - {AttributeName: detail_type, AttributeType: S}
      KeySchema:
        - {AttributeName: pk, KeyType: HASH}
        - {AttributeName: sk, KeyType: RANGE}
      GlobalSecondaryIndexes:
        - IndexName: by_detail_type
          KeySchema: [{AttributeName: detail_type, KeyType: HASH}]
          Projection: {ProjectionType: KEYS_ONLY}
  Bus:
    Type: AWS::Events::EventBus
    Properties:
      Name: !Sub shop-${Stage}
  DeadLetterQueue:
    Type: AWS::SQS::Queue
  LoopQueue:
    Type: AWS::SQS::Queue
"""

# Like a Powertools resolver, the echo handler keeps the current event in module state while it does I/O, so
# concurrent invocations sharing one module would answer with each other's path parameters.
ECHO = """
import json
import os

import boto3

STATE = {}
dynamodb = boto3.client("dynamodb")
events = boto3.client("events")


def handler(event, context):
    if event.get("detail-type") == "Ping":  # publishes the next Ping: an endless chain of events
        n = event["detail"]["n"]
        dynamodb.put_item(TableName=os.environ["HITS_TABLE"], Item={"pk": {"S": "ping"}, "sk": {"S": str(n)}})
        events.put_events(Entries=[{"Source": "shop", "DetailType": "Ping", "Detail": json.dumps({"n": n + 1}),
                                    "EventBusName": os.environ["EVENT_BUS_NAME"]}])
        return {"n": n}
    STATE["event"] = event
    params = event.get("pathParameters") or {}
    if params.get("thing_id") == "explode":
        raise RuntimeError("boom")
    if event.get("routeKey") == "POST /v1/publish":
        body = json.loads(event["body"])
        answer = events.put_events(Entries=[{
            "Source": "shop", "DetailType": "OrderPlaced", "Detail": json.dumps(body),
            "EventBusName": os.environ["EVENT_BUS_NAME"],
        }])
        return {"statusCode": 202, "body": json.dumps(answer["Entries"])}
    if "routeKey" in event:
        dynamodb.put_item(TableName=os.environ["HITS_TABLE"], Item={"pk": {"S": "echo"}, "sk": {"S": context.aws_request_id}})
    seen = STATE["event"]
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json", "X-Function": context.function_name},
        "cookies": ["a=1", "b=2"],
        "body": json.dumps({"event": seen, "remaining_ms": context.get_remaining_time_in_millis(),
                            "memory": context.memory_limit_in_mb, "stage": os.environ["STAGE"]}),
    }
"""

# Writes one item per delivery attempt; fails on "Boom" events so the retries and the dead-letter queue show.
SINK = """
import os
import uuid

import boto3

dynamodb = boto3.client("dynamodb")


def handler(event, context):
    dynamodb.put_item(TableName=os.environ["HITS_TABLE"], Item={
        "pk": {"S": f"{context.function_name}#{event['detail'].get('order_id', '-')}"},
        "sk": {"S": str(uuid.uuid4())},
        "detail_type": {"S": event["detail-type"]},
    })
    if event["detail-type"] == "Boom":
        raise ValueError("cannot handle Boom")
    return {"ok": True}
"""

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")

SECRET = "local-dev-secret"


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[local.Runner]:
    yield from run_app(tmp_path_factory.mktemp("app"), TEMPLATE, {"echo": ECHO, "sink": SINK})


def client(service: str, endpoint: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing", config=Config(retries={"max_attempts": 1}))


def token(**claims: Any) -> str:
    return jwt.encode({"exp": int(time.time()) + 300, **claims}, SECRET, algorithm="HS256")


def hits(runner: local.Runner, pk: str) -> list[dict[str, Any]]:
    items = client("dynamodb", runner.moto_url).query(
        TableName="HitsTable", KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": pk}}
    )["Items"]
    return list(items)


def test_tables_are_created_from_the_template(runner: local.Runner) -> None:
    table = client("dynamodb", runner.moto_url).describe_table(TableName="HitsTable")["Table"]
    assert [k["AttributeName"] for k in table["KeySchema"]] == ["pk", "sk"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert [ix["IndexName"] for ix in table["GlobalSecondaryIndexes"]] == ["by_detail_type"]


BAD_TOKENS = {
    "missing": lambda: None,
    "garbage": lambda: "Bearer not-a-jwt",
    "empty": lambda: "Bearer ",
    "other-secret": lambda: "Bearer " + jwt.encode({"sub": "m-1", "exp": int(time.time()) + 300}, "other", "HS256"),
    "expired": lambda: "Bearer " + jwt.encode({"sub": "m-1", "exp": int(time.time()) - 10}, SECRET, "HS256"),
    "no-exp": lambda: "Bearer " + jwt.encode({"sub": "m-1"}, SECRET, "HS256"),
    "not-hs256": lambda: "Bearer " + jwt.encode({"sub": "m-1", "exp": int(time.time()) + 300}, None, "none"),
}


@pytest.mark.parametrize("case", BAD_TOKENS)
def test_protected_route_without_a_valid_token_is_401(runner: local.Runner, case: str) -> None:
    authorization = BAD_TOKENS[case]()
    headers = {"Authorization": authorization} if authorization else {}
    answer = requests.get(f"{runner.api_url}/v1/things/t-1", headers=headers, timeout=10)
    assert answer.status_code == 401
    assert answer.json() == {"message": "Unauthorized"}


def test_the_handler_is_not_called_without_a_token(runner: local.Runner) -> None:
    before = len(hits(runner, "echo"))
    assert requests.get(f"{runner.api_url}/v1/things/t-1", timeout=10).status_code == 401
    assert len(hits(runner, "echo")) == before


def test_claims_path_and_query_reach_the_handler_as_api_gateway_sends_them(runner: local.Runner) -> None:
    jwt_token = token(sub="m-1", scope="loyalty/service loyalty/admin", n=7)
    answer = requests.get(f"{runner.api_url}/v1/things/t%2042?limit=5&tag=a&tag=b",
                          headers={"Authorization": f"Bearer {jwt_token}", "Cookie": "c1=x; c2=y"}, timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.headers["X-Function"] == "EchoFunction"
    assert answer.raw.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
    doc = answer.json()
    event = doc["event"]
    assert event["version"] == "2.0"
    assert event["routeKey"] == "GET /v1/things/{thing_id}"
    assert event["rawPath"] == "/v1/things/t%2042"
    assert event["rawQueryString"] == "limit=5&tag=a&tag=b"
    assert event["pathParameters"] == {"thing_id": "t 42"}
    assert event["queryStringParameters"] == {"limit": "5", "tag": "a,b"}
    assert event["cookies"] == ["c1=x", "c2=y"]
    assert event["headers"]["authorization"] == f"Bearer {jwt_token}"
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["http"]["method"] == "GET"
    assert context["http"]["path"] == "/v1/things/t%2042"
    assert context["stage"] == "$default"
    assert context["routeKey"] == "GET /v1/things/{thing_id}"
    claims = context["authorizer"]["jwt"]["claims"]
    assert claims["sub"] == "m-1"
    assert claims["scope"] == "loyalty/service loyalty/admin"
    assert claims["n"] == "7"  # every claim is a string, as API Gateway passes them
    assert isinstance(claims["exp"], str)
    assert context["authorizer"]["jwt"]["scopes"] is None
    assert 0 < doc["remaining_ms"] <= 10_000
    assert doc["memory"] == 256
    assert doc["stage"] == "test"  # the template's Globals environment, Refs resolved


def test_public_route_needs_no_token(runner: local.Runner) -> None:
    answer = requests.get(f"{runner.api_url}/v1/public", timeout=10)
    assert answer.status_code == 200
    event = answer.json()["event"]
    assert event["requestContext"]["authorizer"] is None
    assert event["pathParameters"] is None and event["queryStringParameters"] is None


def test_unknown_route_and_method_are_404(runner: local.Runner) -> None:
    for method, path in (("GET", "/v1/nothing"), ("DELETE", "/v1/public"), ("GET", "/v1/things/a/b")):
        answer = requests.request(method, f"{runner.api_url}{path}", timeout=10)
        assert (answer.status_code, answer.json()) == (404, {"message": "Not Found"})


def test_handler_exception_is_500(runner: local.Runner) -> None:
    answer = requests.get(f"{runner.api_url}/v1/things/explode",
                          headers={"Authorization": f"Bearer {token(sub='m-1')}"}, timeout=10)
    assert (answer.status_code, answer.json()) == (500, {"message": "Internal Server Error"})


def test_concurrent_requests_each_get_their_own_event(runner: local.Runner) -> None:
    headers = {"Authorization": f"Bearer {token(sub='m-1')}"}

    def get(i: int) -> tuple[int, str]:
        answer = requests.get(f"{runner.api_url}/v1/things/t-{i}", headers=headers, timeout=30)
        return answer.status_code, answer.json()["event"]["pathParameters"]["thing_id"]

    with ThreadPoolExecutor(max_workers=60) as pool:
        results = list(pool.map(get, range(120)))
    assert results == [(200, f"t-{i}") for i in range(120)]


def test_lambda_invoke_through_boto3(runner: local.Runner) -> None:
    lam = client("lambda", runner.lambda_url)
    answer = lam.invoke(FunctionName="EchoFunction", Payload=json.dumps({"hello": "world"}).encode())
    assert answer["StatusCode"] == 200
    assert "FunctionError" not in answer
    result = json.loads(answer["Payload"].read())
    assert json.loads(result["body"])["event"] == {"hello": "world"}


def test_lambda_invoke_reports_handler_errors(runner: local.Runner) -> None:
    lam = client("lambda", runner.lambda_url)
    answer = lam.invoke(FunctionName="EchoFunction", Payload=json.dumps({"pathParameters": {"thing_id": "explode"}}))
    assert answer["FunctionError"] == "Unhandled"
    error = json.loads(answer["Payload"].read())
    assert error["errorType"] == "RuntimeError"
    assert error["errorMessage"] == "boom"
    assert error["stackTrace"]


def test_lambda_invoke_unknown_function(runner: local.Runner) -> None:
    lam = client("lambda", runner.lambda_url)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke(FunctionName="NoSuchFunction", Payload=b"{}")


def test_put_events_reaches_the_matching_rule_only(runner: local.Runner) -> None:
    events = client("events", runner.lambda_url)
    answer = events.put_events(Entries=[
        {"Source": "shop", "DetailType": "OrderPlaced", "Detail": json.dumps({"order_id": "o-1"}), "EventBusName": "Bus"},
        {"Source": "shop", "DetailType": "OrderPlaced", "Detail": json.dumps({"order_id": "x-1"}), "EventBusName": "Bus"},
        {"Source": "shop", "DetailType": "OrderPlaced", "Detail": json.dumps({"order_id": "o-2"})},  # default bus
    ])
    assert answer["FailedEntryCount"] == 0
    assert len(answer["Entries"]) == 3 and all(e["EventId"] for e in answer["Entries"])
    # delivered synchronously: the target has run when PutEvents answers
    assert [h["detail_type"]["S"] for h in hits(runner, "SinkFunction#o-1")] == ["OrderPlaced"]
    assert hits(runner, "OtherSinkFunction#o-1") == []
    assert hits(runner, "SinkFunction#x-1") == []  # the detail prefix does not match
    assert hits(runner, "SinkFunction#o-2") == []  # another bus


def test_put_events_entry_errors_are_reported(runner: local.Runner) -> None:
    events = client("events", runner.lambda_url)
    answer = events.put_events(Entries=[
        {"Source": "shop", "DetailType": "OrderPlaced", "Detail": "not json", "EventBusName": "Bus"},
        {"Source": "shop", "DetailType": "OrderShipped", "Detail": json.dumps({"order_id": "o-3"}), "EventBusName": "Bus"},
    ])
    assert answer["FailedEntryCount"] == 1
    assert answer["Entries"][0]["ErrorCode"] == "InvalidArgument"
    assert len(hits(runner, "OtherSinkFunction#o-3")) == 1


def test_events_published_by_a_handler_are_delivered(runner: local.Runner) -> None:
    answer = requests.post(f"{runner.api_url}/v1/publish", json={"order_id": "o-from-api"},
                           headers={"Authorization": f"Bearer {token(sub='m-1')}"}, timeout=10)
    assert answer.status_code == 202, answer.text
    assert len(hits(runner, "SinkFunction#o-from-api")) == 1


def test_failed_delivery_is_retried_twice_then_dead_lettered(runner: local.Runner) -> None:
    events = client("events", runner.lambda_url)
    answer = events.put_events(Entries=[
        {"Source": "shop", "DetailType": "Boom", "Detail": json.dumps({"order_id": "o-boom"}), "EventBusName": "Bus"},
    ])
    assert answer["FailedEntryCount"] == 0  # EventBridge accepted it; the target failed
    assert len(hits(runner, "OtherSinkFunction#o-boom")) == 3
    sqs = client("sqs", runner.moto_url)
    url = sqs.get_queue_url(QueueName="DeadLetterQueue")["QueueUrl"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])["Messages"]
    assert len(messages) == 1
    dead = json.loads(messages[0]["Body"])
    assert (dead["detail-type"], dead["detail"]) == ("Boom", {"order_id": "o-boom"})
    assert dead["id"] == answer["Entries"][0]["EventId"]
    assert messages[0]["MessageAttributes"]["ERROR_CODE"]["StringValue"] == "ValueError"


def test_event_chains_stop_at_depth_5(runner: local.Runner) -> None:
    events = client("events", runner.lambda_url)
    events.put_events(Entries=[{"Source": "shop", "DetailType": "Ping", "Detail": '{"n": 1}', "EventBusName": "Bus"}])
    assert sorted(int(h["sk"]["S"]) for h in hits(runner, "ping")) == [1, 2, 3, 4, 5]
    sqs = client("sqs", runner.moto_url)
    url = sqs.get_queue_url(QueueName="LoopQueue")["QueueUrl"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])["Messages"]
    assert [json.loads(m["Body"])["detail"] for m in messages] == [{"n": 6}]
    assert messages[0]["MessageAttributes"]["ERROR_CODE"]["StringValue"] == "MaxDepthExceeded"


def test_handlers_publish_in_process_not_through_the_lambda_endpoint(runner: local.Runner,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from local.lambda_api import LambdaHandler

    over_http: list[int] = []
    original = LambdaHandler.put_events

    def counted(self: LambdaHandler, body: bytes) -> None:
        over_http.append(len(json.loads(body)["Entries"]))
        original(self, body)

    monkeypatch.setattr(LambdaHandler, "put_events", counted)
    events = client("events", runner.lambda_url)
    events.put_events(Entries=[{"Source": "shop", "DetailType": "Ping", "Detail": '{"n": 1}', "EventBusName": "Bus"}])
    # the client's call came over HTTP; the four the handlers published on the way down did not
    assert sorted(int(h["sk"]["S"]) for h in hits(runner, "ping")) == [1, 2, 3, 4, 5]
    assert over_http == [1]


def test_stop_restores_the_environment(tmp_path: Path) -> None:
    import os

    (tmp_path / "template.yaml").write_text("Resources: {}\n")
    before = os.environ.get("AWS_ENDPOINT_URL"), os.environ.get("AWS_ENDPOINT_URL_DYNAMODB")
    started = local.start(tmp_path / "template.yaml", tmp_path, api_port=0, lambda_port=0, moto_port=0, data_dir=None)
    # DynamoDB at its AWS address, which the in-process stubber answers; everything else at the moto server
    assert (os.environ["AWS_ENDPOINT_URL"], os.environ["AWS_ENDPOINT_URL_DYNAMODB"]) == (
        started.moto_url, "https://dynamodb.us-east-1.amazonaws.com")
    assert os.environ["AWS_ENDPOINT_URL_EVENTBRIDGE"] == "https://events.us-east-1.amazonaws.com"  # answered in process
    started.stop()
    assert (os.environ.get("AWS_ENDPOINT_URL"), os.environ.get("AWS_ENDPOINT_URL_DYNAMODB")) == before
