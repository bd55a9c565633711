"""EnrollFunction: a new member, its welcome bonus and the member who referred it; later, its profile (birthday,
segments)."""
from __future__ import annotations

from typing import Annotated, Any

from loyalty.answers import MemberView
from loyalty.api.resolver import WRITE_ERRORS, caller, http_resolver, responses
from loyalty.api.schemas import EnrollRequest, Id, ProfileRequest
from loyalty.platform.init_phase import init_done
from loyalty.platform.observability import logger, metrics, tracer
from loyalty.service import members
from loyalty.service.common import utcnow

from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

app = http_resolver()


@app.post("/v1/members", status_code=201, summary="Enroll a member (welcome bonus, optional referral code)",
          operation_id="enroll_member",
          tags=["members"], responses=responses(*WRITE_ERRORS, success=201))
def post_member(body: Annotated[EnrollRequest, Body()]) -> MemberView:
    caller(app).allow("enroll", body.member_id)
    return members.enroll(body.member_id, body.referral_code, utcnow())


@app.patch("/v1/members/<member_id>", summary="Set the member's birthday (itself, once) or segments (service, admin)",
           operation_id="update_member", tags=["members"], responses=responses(*WRITE_ERRORS))
def patch_member(member_id: Annotated[Id, Path()], body: Annotated[ProfileRequest, Body()]) -> MemberView:
    who = caller(app)
    if "segments" in body.model_fields_set:
        who.allow("segment", member_id)
    who.allow("profile", member_id)
    return members.update_profile(member_id, body.change(), not who.privileged, utcnow())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


init_done()  # the end of the init phase: platform/init_phase.py
