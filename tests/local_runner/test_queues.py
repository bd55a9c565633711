"""SQS event sources in the runner, on a throwaway template: messages reach their function before the request that
sent them is answered (and those the function sends in turn), batch item failures are received again, an error
fails the whole batch, and the queue's redrive policy moves a message to its dead-letter queue."""

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
        WORK_QUEUE_URL: !Ref WorkQueue
        SEEN_TABLE: !Ref SeenTable
Resources:
  SenderFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/sender/
      Events:
        Send:
          Type: HttpApi
          Properties: {Path: /v1/jobs, Method: POST, Auth: {Authorizer: NONE}}
  WorkerFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/worker/
      Events:
        Work:
          Type: SQS
          Properties:
            Queue: !GetAtt WorkQueue.Arn
            BatchSize: 10
            FunctionResponseTypes: [ReportBatchItemFailures]
  WorkQueue:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt WorkDeadLetterQueue.Arn
        maxReceiveCount: 3
  WorkDeadLetterQueue:
    Type: AWS::SQS::Queue
  SeenTable:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}, {AttributeName: sk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}, {AttributeName: sk, KeyType: RANGE}]
"""

SENDER = """
import json
import os

import boto3

sqs = boto3.client("sqs")


def handler(event, context):
    for job in json.loads(event["body"]):
        sqs.send_message(QueueUrl=os.environ["WORK_QUEUE_URL"], MessageBody=job)
    return {"statusCode": 202, "body": "{}"}
"""

# Records every attempt; "flaky-" jobs fail their first attempt, "bad-" jobs every time, "boom-" jobs raise (the
# whole batch fails) on their first attempt; "then-X" sends job X.
WORKER = """
import os
import uuid

import boto3

dynamodb = boto3.client("dynamodb")
sqs = boto3.client("sqs")


def attempts(job):
    return dynamodb.query(TableName=os.environ["SEEN_TABLE"], KeyConditionExpression="pk = :pk",
                          ExpressionAttributeValues={":pk": {"S": job}})["Count"]


def handler(event, context):
    failures = []
    for record in event["Records"]:
        job = record["body"]
        assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"].endswith(":WorkQueue")
        dynamodb.put_item(TableName=os.environ["SEEN_TABLE"], Item={"pk": {"S": job}, "sk": {"S": str(uuid.uuid4())}})
        if job.startswith("boom-") and attempts(job) == 1:
            raise RuntimeError("the whole batch fails")
        if job.startswith("bad-") or (job.startswith("flaky-") and attempts(job) == 1):
            failures.append({"itemIdentifier": record["messageId"]})
        if job.startswith("then-"):
            sqs.send_message(QueueUrl=os.environ["WORK_QUEUE_URL"], MessageBody=job[len("then-"):])
    return {"batchItemFailures": failures}
"""


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[local.Runner]:
    yield from run_app(tmp_path_factory.mktemp("app"), TEMPLATE, {"sender": SENDER, "worker": WORKER})


def send(runner: local.Runner, *jobs: str) -> None:
    answer = requests.post(f"{runner.api_url}/v1/jobs", json=list(jobs), timeout=30)
    assert answer.status_code == 202


def attempts(runner: local.Runner, job: str) -> int:
    return int(aws("dynamodb", runner).query(TableName="SeenTable", KeyConditionExpression="pk = :pk",
                                             ExpressionAttributeValues={":pk": {"S": job}})["Count"])


def dead_letters(runner: local.Runner) -> list[str]:
    sqs = aws("sqs", runner)
    url = sqs.get_queue_url(QueueName="WorkDeadLetterQueue")["QueueUrl"]
    return [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages") or []]


def test_the_template_s_sqs_event_source_is_read(runner: local.Runner) -> None:
    [source] = runner.template.queue_sources()
    assert (source.function, source.queue, source.batch_size, source.report_item_failures, source.dlq,
            source.max_receives) == ("WorkerFunction", "WorkQueue", 10, True, "WorkDeadLetterQueue", 3)


def test_messages_are_worked_before_the_sending_request_is_answered(runner: local.Runner) -> None:
    send(runner, "j-1", "j-2", "then-j-3")
    assert [attempts(runner, j) for j in ("j-1", "j-2", "then-j-3", "j-3")] == [1, 1, 1, 1]


def test_only_the_batch_item_failures_are_received_again(runner: local.Runner) -> None:
    send(runner, "j-4", "flaky-1", "j-5")
    assert [attempts(runner, j) for j in ("j-4", "flaky-1", "j-5")] == [1, 2, 1]


def test_an_error_fails_the_whole_batch(runner: local.Runner) -> None:
    send(runner, "j-6", "boom-1")
    assert [attempts(runner, j) for j in ("j-6", "boom-1")] == [2, 2]


def test_a_message_that_keeps_failing_goes_to_the_dead_letter_queue(runner: local.Runner) -> None:
    send(runner, "bad-1")
    assert attempts(runner, "bad-1") == 3  # the redrive policy's maxReceiveCount
    assert dead_letters(runner) == ["bad-1"]
    assert runner.queues is not None and runner.queues.settle() == 0  # nothing left to deliver


def test_the_real_template_s_bulk_credit_queue_is_emulated() -> None:
    from tests.support.aws import TEMPLATE as REAL

    [source] = REAL.queue_sources()
    assert (source.function, source.queue, source.report_item_failures, source.dlq, source.max_receives) == (
        "BulkCreditWorkerFunction", "BulkCreditQueue", True, "BulkCreditDeadLetterQueue", 5)
    for function in ("BulkCreditFunction", "BulkCreditWorkerFunction"):  # both send to it
        assert json.dumps(REAL.resolve(REAL.properties(function)["Environment"])).count("BulkCreditQueue")


@pytest.fixture(scope="module")
def real_runner() -> Iterator[local.Runner]:
    from tests.support.aws import ROOT

    started = local.start(ROOT / "template.yaml", ROOT, api_port=0, lambda_port=0, moto_port=0, schedules=False,
                          data_dir=None)
    yield started
    started.stop()


def test_a_bulk_credit_is_done_when_the_local_run_answers_its_post(real_runner: local.Runner) -> None:
    from local.token import mint

    def headers(scope: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {mint('ops', scope)}"}

    api = real_runner.api_url
    for member_id in ("q-1", "q-2"):
        enrolled = requests.post(f"{api}/v1/members", json={"member_id": member_id}, headers=headers("loyalty/service"),
                                 timeout=30)
        assert enrolled.status_code == 201, enrolled.text
    body = {"credit_id": "q-credit", "points": 30, "reason": "local", "member_ids": ["q-1", "q-2", "q-ghost"]}
    started = requests.post(f"{api}/v1/admin/bulk-credits", json=body, headers=headers("loyalty/admin"), timeout=30)
    assert started.status_code == 202, started.text
    done = requests.get(f"{api}/v1/admin/bulk-credits/q-credit", headers=headers("loyalty/admin"), timeout=30).json()
    assert (done["status"], done["credited"], done["skipped"]) == ("done", 2, 1)
    view = requests.get(f"{api}/v1/members/q-1", headers=headers("loyalty/admin"), timeout=30).json()
    assert view["balance"]["available"] == 100 + 30
