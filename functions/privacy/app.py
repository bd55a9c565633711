"""PrivacyFunction: blocking and unblocking a member, its data export and its erasure."""
from __future__ import annotations

from typing import Annotated, Any

from loyalty.answers import MemberExport, MemberView
from loyalty.api.resolver import WRITE_ERRORS, caller, http_resolver, responses
from loyalty.api.schemas import Id, StatusChangeRequest
from loyalty.platform.init_phase import init_done
from loyalty.platform.observability import logger, metrics, tracer
from loyalty.service import privacy
from loyalty.service.common import utcnow

from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

app = http_resolver()
BLOCKED = {409: "MEMBER_BLOCKED: an erased member stays blocked"}


@app.post("/v1/admin/members/<member_id>/block", status_code=200, operation_id="block_member",
          summary="Block a member: it can no longer earn, redeem, transfer or receive a transfer (reads work)",
          tags=["admin"], responses=responses(401, 403, 404, 413, 415, 422))
def post_block(member_id: Annotated[Id, Path()], body: Annotated[StatusChangeRequest, Body()]) -> MemberView:
    caller(app).allow("block", member_id)
    return privacy.block(member_id, body.reason, utcnow())


@app.post("/v1/admin/members/<member_id>/unblock", status_code=200, operation_id="unblock_member",
          summary="Unblock a member (an erased member stays blocked)", tags=["admin"],
          responses=responses(*WRITE_ERRORS, described=BLOCKED))
def post_unblock(member_id: Annotated[Id, Path()], body: Annotated[StatusChangeRequest, Body()]) -> MemberView:
    caller(app).allow("block", member_id)
    return privacy.unblock(member_id, body.reason, utcnow())


@app.get("/v1/members/<member_id>/export", operation_id="export_member", tags=["members"],
         summary="Everything held about a member: its record, its view and its whole ledger (oldest first)",
         responses=responses(401, 403, 404, 422))
def get_export(member_id: Annotated[Id, Path()]) -> MemberExport:
    caller(app).allow("member_export", member_id)
    return privacy.export(member_id, utcnow())


@app.delete("/v1/members/<member_id>", operation_id="erase_member", tags=["members"],
            summary="Erase the profile (birthday, segments, referral code) and block the member; the ledger stays",
            responses=responses(401, 403, 404, 422))
def delete_member(member_id: Annotated[Id, Path()]) -> MemberView:
    caller(app).allow("erase", member_id)
    return privacy.erase(member_id, utcnow())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


init_done()  # the end of the init phase: platform/init_phase.py
