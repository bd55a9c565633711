"""template.yaml's permissions and alarms, read as the local run reads it: each function's policies name only what
its environment names, write only the tables it writes, and everything owed (dead letters, streams) is alarmed."""
from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support.aws import TEMPLATE

FUNCTIONS = sorted(TEMPLATE.of_type("AWS::Serverless::Function"))
WRITE_ACTIONS = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
                 "dynamodb:PartiQLInsert", "dynamodb:PartiQLUpdate", "dynamodb:PartiQLDelete"}
M, L, P = "MembersTable", "LedgerTable", "ProgramTable"
# The tables each function writes, from its code (the services it calls and what storage/ writes for them); every
# other table its policies name, it only reads. ProgramTable holds the counters (stock, budgets, receipt claims),
# the program document and the bulk-credit and export jobs.
WRITES = {
    "EnrollFunction": {M, L}, "AccrueFunction": {M, L, P}, "RedeemFunction": {M, L, P},
    "TransferFunction": {M, L}, "BulkCreditFunction": {P}, "BulkCreditWorkerFunction": {M, L, P},
    "AdminFunction": {M, L}, "PrivacyFunction": {M, L}, "MemberReadFunction": set(), "CatalogFunction": set(),
    "TierEvaluateFunction": {M, L}, "ExpireFunction": {M, L}, "ImportFunction": {M, L, "ImportsTable"},
    "ExpiringSoonFunction": set(), "AnalyticsFunction": {"AnalyticsTable"}, "AnnounceFunction": set(),
    "ExportFunction": {P}, "ProgramFunction": {P},
}


def statements(function: str) -> list[dict[str, Any]]:
    found = []
    for policy in TEMPLATE.properties(function).get("Policies") or []:
        assert isinstance(policy, dict) and set(policy) == {"Statement"}, f"{function}: {policy} is not a statement"
        found += policy["Statement"]
    return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def named(node: Any) -> set[str]:
    """Logical ids a node names: !Ref, !GetAtt and ${...} of a !Sub (pseudo parameters left out)."""
    if isinstance(node, list):
        return set().union(*map(named, node)) if node else set()
    if not isinstance(node, dict):
        return set()
    if set(node) == {"Ref"}:
        return set() if str(node["Ref"]).startswith("AWS::") else {str(node["Ref"])}
    if set(node) == {"Fn::GetAtt"}:
        return {str(node["Fn::GetAtt"][0])}
    if set(node) == {"Fn::Sub"} and isinstance(node["Fn::Sub"], str):
        return {m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", node["Fn::Sub"]) if not m.startswith("AWS::")}
    return set().union(*map(named, node.values())) if node else set()


def alarms() -> list[dict[str, Any]]:
    return [TEMPLATE.properties(lid) for lid in TEMPLATE.of_type("AWS::CloudWatch::Alarm")]


def alarmed(namespace: str, metric: str, dimension: str) -> set[str]:
    """Logical ids named by the `dimension` of the alarms on that metric that notify someone."""
    return {ref for a in alarms() if (a["Namespace"], a["MetricName"]) == (namespace, metric) and a.get("AlarmActions")
            for d in a["Dimensions"] if d["Name"] == dimension for ref in named(d["Value"])}


@pytest.mark.parametrize("function", FUNCTIONS)
def test_policies_are_narrow_statements_on_what_the_environment_names(function: str) -> None:
    env = named(TEMPLATE.properties(function)["Environment"]["Variables"])
    for st in statements(function):
        assert st["Effect"] == "Allow"
        assert all("*" not in a for a in as_list(st["Action"])), st  # no wildcard action, no CRUD template
        assert not named(st["Resource"]) - env, f"{function} {st['Sid']}: names what its environment does not"
        assert all(named(r) for r in as_list(st["Resource"])), st  # every resource is one of the template's


@pytest.mark.parametrize("function", FUNCTIONS)
def test_write_actions_only_on_the_tables_the_function_writes(function: str) -> None:
    tables = set(TEMPLATE.of_type("AWS::DynamoDB::Table"))
    written = set()
    for st in statements(function):
        if WRITE_ACTIONS & set(as_list(st["Action"])):
            written |= named(st["Resource"]) & tables
    assert written == WRITES[function]


def test_functions_that_only_answer_reads_have_no_write_action() -> None:
    """Derived from the template alone: a function whose only events are GET routes writes nothing."""
    readers = [f for f in FUNCTIONS if all(e["Type"] == "HttpApi" and e["Properties"]["Method"] == "GET"
                                           for e in TEMPLATE.properties(f)["Events"].values())]
    assert readers == ["CatalogFunction", "MemberReadFunction"]
    for function in readers:
        assert not any(WRITE_ACTIONS & set(as_list(st["Action"])) for st in statements(function))


def dead_letter_queues() -> set[str]:
    """Every queue something delivers its failures to: bus rules, schedules, async invocations, stream and queue
    event sources."""
    found = set()
    for lid in TEMPLATE.of_type("AWS::SQS::Queue"):
        found |= named((TEMPLATE.properties(lid).get("RedrivePolicy") or {}).get("deadLetterTargetArn"))
    for function in FUNCTIONS:
        props = TEMPLATE.properties(function)
        found |= named(((props.get("EventInvokeConfig") or {}).get("DestinationConfig") or {}).get("OnFailure"))
        for event in props["Events"].values():
            found |= named(event["Properties"].get("DeadLetterConfig"))
            found |= named((event["Properties"].get("DestinationConfig") or {}).get("OnFailure"))
    return found


def test_every_dead_letter_queue_has_an_alarm() -> None:
    queues = dead_letter_queues()
    assert queues == {"EventsDeadLetterQueue", "BulkCreditDeadLetterQueue"}
    assert queues <= alarmed("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName")


def test_every_stream_consumer_has_an_iterator_age_alarm() -> None:
    consumers = {s.function for s in TEMPLATE.stream_sources()}
    assert consumers == {"AnnounceFunction", "AnalyticsFunction"}
    assert consumers <= alarmed("AWS/Lambda", "IteratorAge", "FunctionName")


def test_every_function_has_error_and_throttle_alarms_and_a_log_group_with_retention() -> None:
    assert set(FUNCTIONS) <= alarmed("AWS/Lambda", "Errors", "FunctionName")
    assert set(FUNCTIONS) <= alarmed("AWS/Lambda", "Throttles", "FunctionName")
    for function in FUNCTIONS:
        (group,) = named(TEMPLATE.properties(function)["LoggingConfig"]["LogGroup"])
        assert TEMPLATE.resources[group]["Type"] == "AWS::Logs::LogGroup"
        assert TEMPLATE.properties(group)["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert alarmed("Loyalty", "PointsClockLagSeconds", "function_name") == {"ExpireFunction"}
    # a route's unexpected error is answered 500 (no Lambda error): the API's own 5xx count is alarmed
    assert alarmed("AWS/ApiGateway", "5xx", "ApiId") == set(TEMPLATE.of_type("AWS::Serverless::HttpApi"))


def test_tables_have_backups_and_deletion_protection_in_prod_only() -> None:
    assert TEMPLATE.conditions["IsProd"] == {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}
    for table in TEMPLATE.of_type("AWS::DynamoDB::Table"):
        props = TEMPLATE.properties(table)
        in_prod = {"Fn::If": ["IsProd", True, False]}
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] == in_prod, table
        assert props["DeletionProtectionEnabled"] == in_prod, table
        assert TEMPLATE.resolve(props)["DeletionProtectionEnabled"] is False  # the local run's stage: dev
