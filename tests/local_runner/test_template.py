"""The template reader: what template.yaml uses is read, anything else fails loudly instead of being half-read."""
from __future__ import annotations

from pathlib import Path

import pytest

from local.template import Template
from tests.support.aws import TEMPLATE


def test_the_real_template_is_read() -> None:
    routes = {r.route_key: (r.function, r.auth_required) for r in TEMPLATE.routes()}
    assert routes["POST /v1/members/{member_id}/accruals"] == ("AccrueFunction", True)
    assert routes["GET /v1/rewards"] == ("CatalogFunction", False)  # Auth: Authorizer: NONE
    schedules = {r.name: r.schedule for r in TEMPLATE.rules() if r.schedule}
    assert schedules["ExpireFunction-Daily"] == "cron(5 0 * * ? *)"
    assert {r.dlq for r in TEMPLATE.rules()} == {"EventsDeadLetterQueue"}
    assert {r.bus for r in TEMPLATE.rules() if r.pattern} == {"LoyaltyBus"}  # !Ref LoyaltyBus
    spec = TEMPLATE.functions()["TierEvaluateFunction"]
    assert (spec.timeout, spec.memory, spec.environment["EVENT_BUS_NAME"]) == (300, 512, "LoyaltyBus")  # Globals merged


def write(tmp_path: Path, variables: str) -> Template:
    (tmp_path / "template.yaml").write_text(f"""
Parameters: {{Stage: {{Type: String, Default: test}}}}
Resources:
  Queue: {{Type: AWS::SQS::Queue}}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn/
      Environment: {{Variables: {variables}}}
""")
    return Template(tmp_path / "template.yaml")


def test_ref_sub_and_get_att_resolve(tmp_path: Path) -> None:
    template = write(tmp_path, "{A: !Ref Stage, B: !Sub 'q-${Stage}-${AWS::Region}', C: !GetAtt Queue.Arn}")
    assert template.functions()["Fn"].environment == {
        "A": "test", "B": "q-test-us-east-1", "C": "arn:aws:sqs:us-east-1:123456789012:Queue"}


@pytest.mark.parametrize("variables", ["{A: !Select [0, [a]]}", "{A: !FindInMap [M, a, b]}", "{A: !GetAtt Queue.Nope}",
                                       "{A: !Sub ['${x}', {x: 1}]}"])
def test_what_the_template_does_not_use_is_refused(tmp_path: Path, variables: str) -> None:
    with pytest.raises(ValueError, match="not read by the local run"):
        write(tmp_path, variables).functions()
