"""EnrollFunction: a new member, its welcome bonus and the member who referred it."""
from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty.answers import MemberView
from loyalty.api.resolver import WRITE_ERRORS, caller, http_resolver, responses
from loyalty.api.schemas import EnrollRequest
from loyalty.platform.observability import logger, metrics, tracer
from loyalty.service import members
from loyalty.service.common import utcnow

app = http_resolver()


@app.post("/v1/members", status_code=201, summary="Enroll a member (welcome bonus, optional referral code)",
          operation_id="enroll_member",
          tags=["members"], responses=responses(*WRITE_ERRORS, success=201))
def post_member(body: Annotated[EnrollRequest, Body()]) -> MemberView:
    caller(app).allow("enroll", body.member_id)
    return members.enroll(body.member_id, body.referral_code, utcnow())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
