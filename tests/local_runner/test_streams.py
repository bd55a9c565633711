"""DynamoDB stream event sources in the runner, on a throwaway template: records reach their function before the
request that wrote them is answered, filtered, retried from the first failed record, then dead-lettered."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests

import local
from tests.support.throwaway_app import client as aws
from tests.support.throwaway_app import run_app

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Handler: app.handler
    Timeout: 10
    Environment:
      Variables:
        NOTES_TABLE: !Ref NotesTable
        SEEN_TABLE: !Ref SeenTable
Resources:
  WriterFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/writer/
      Events:
        Write:
          Type: HttpApi
          Properties: {Path: /v1/notes, Method: POST, Auth: {Authorizer: NONE}}
  ReaderFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/reader/
      Events:
        Notes:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt NotesTable.StreamArn
            StartingPosition: TRIM_HORIZON
            BatchSize: 10
            FunctionResponseTypes: [ReportBatchItemFailures]
            FilterCriteria:
              Filters:
                - Pattern: '{"dynamodb": {"NewImage": {"loud": {"BOOL": [true]}}}}'
            DestinationConfig:
              OnFailure: {Type: SQS, Destination: !GetAtt FailedQueue.Arn}
  NotesTable:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
      StreamSpecification: {StreamViewType: NEW_IMAGE}
  SeenTable:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}, {AttributeName: sk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}, {AttributeName: sk, KeyType: RANGE}]
  FailedQueue:
    Type: AWS::SQS::Queue
"""

WRITER = """
import json
import os

import boto3

dynamodb = boto3.client("dynamodb")


def handler(event, context):
    notes = json.loads(event["body"])
    for note in notes:
        dynamodb.put_item(TableName=os.environ["NOTES_TABLE"],
                          Item={"pk": {"S": note["id"]}, "loud": {"BOOL": note["loud"]}})
    return {"statusCode": 201, "body": "{}"}
"""

# Records every attempt; "flaky-" notes fail their first attempt, "bad-" notes fail every time.
READER = """
import os
import uuid

import boto3

dynamodb = boto3.client("dynamodb")


def attempts(note):
    return dynamodb.query(TableName=os.environ["SEEN_TABLE"], KeyConditionExpression="pk = :pk",
                          ExpressionAttributeValues={":pk": {"S": note}})["Count"]


def handler(event, context):
    failures = []
    for record in event["Records"]:
        note = record["dynamodb"]["NewImage"]["pk"]["S"]
        dynamodb.put_item(TableName=os.environ["SEEN_TABLE"], Item={"pk": {"S": note}, "sk": {"S": str(uuid.uuid4())}})
        if note.startswith("bad-") or (note.startswith("flaky-") and attempts(note) == 1):
            failures.append({"itemIdentifier": record["dynamodb"]["SequenceNumber"]})
    return {"batchItemFailures": failures}
"""


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[local.Runner]:
    yield from run_app(tmp_path_factory.mktemp("app"), TEMPLATE, {"writer": WRITER, "reader": READER})


def write(runner: local.Runner, *notes: tuple[str, bool]) -> None:
    answer = requests.post(f"{runner.api_url}/v1/notes", json=[{"id": n, "loud": loud} for n, loud in notes],
                           timeout=30)
    assert answer.status_code == 201


def attempts(runner: local.Runner, note: str) -> int:
    return int(aws("dynamodb", runner).query(TableName="SeenTable", KeyConditionExpression="pk = :pk",
                                             ExpressionAttributeValues={":pk": {"S": note}})["Count"])


def test_records_are_delivered_before_the_writing_request_is_answered(runner: local.Runner) -> None:
    write(runner, ("n-1", True), ("n-2", True))
    assert (attempts(runner, "n-1"), attempts(runner, "n-2")) == (1, 1)


def test_the_filter_criteria_hold_back_records_that_do_not_match(runner: local.Runner) -> None:
    write(runner, ("quiet-1", False), ("n-3", True))
    assert (attempts(runner, "quiet-1"), attempts(runner, "n-3")) == (0, 1)


def test_a_batch_item_failure_retries_from_that_record_on(runner: local.Runner) -> None:
    write(runner, ("n-4", True), ("flaky-1", True), ("n-5", True))
    assert [attempts(runner, n) for n in ("n-4", "flaky-1", "n-5")] == [1, 2, 2]


def test_a_record_that_keeps_failing_goes_to_the_on_failure_queue(runner: local.Runner) -> None:
    write(runner, ("bad-1", True))
    assert attempts(runner, "bad-1") == 3  # the first attempt and two retries
    sqs = aws("sqs", runner)
    url = sqs.get_queue_url(QueueName="FailedQueue")["QueueUrl"]
    messages = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], MaxNumberOfMessages=10)["Messages"]
    [record] = json.loads(messages[0]["Body"])["records"]
    assert record["dynamodb"]["NewImage"]["pk"] == {"S": "bad-1"}
    assert messages[0]["MessageAttributes"]["SOURCE"]["StringValue"] == "ReaderFunction-Notes"
