"""CatalogFunction: the public reads — rewards, program rules, the OpenAPI document and Swagger UI."""
from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated, Any

import loyalty
from loyalty.answers import PublicProgram, RewardsPage
from loyalty.api.resolver import http_resolver, responses
from loyalty.platform.init_phase import init_done
from loyalty.platform.observability import logger, metrics, tracer
from loyalty.service import catalog

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.openapi.swagger_ui.html import generate_swagger_html
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Field

app = http_resolver()
OPENAPI = Path(loyalty.__file__).parent / "openapi.json"  # merged from every function at build time
SWAGGER = Path(generate_swagger_html.__code__.co_filename).parent


@app.get("/v1/rewards", summary="The reward catalog, with stock left for limited rewards, in pages",
         operation_id="list_rewards", tags=["catalog"],
         responses=responses(422))
def get_rewards(limit: Annotated[int, Query(), Field(ge=1, le=100)] = 50,
                cursor: Annotated[str | None, Query(max_length=256)] = None) -> RewardsPage:
    return catalog.rewards(limit, cursor)


@app.get("/v1/program", summary="The public program rules: earning, tiers, activities, expiry",
         operation_id="get_program", tags=["catalog"],
         responses=responses())
def get_program() -> PublicProgram:
    return catalog.public_program()


@cache
def _openapi() -> str:
    return OPENAPI.read_text()


@app.get("/v1/openapi.json", include_in_schema=False)
def get_openapi() -> Response[str]:
    return Response(200, content_types.APPLICATION_JSON, _openapi())


@cache
def _swagger_html() -> str:
    js = (SWAGGER / "swagger-ui-bundle.min.js").read_text()
    css = (SWAGGER / "swagger-ui.min.css").read_text()
    return generate_swagger_html(_openapi(), js, css, "", None)


@app.get("/v1/docs", include_in_schema=False)
def get_docs() -> Response[str]:
    return Response(200, "text/html", _swagger_html())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


init_done()  # the end of the init phase: platform/init_phase.py
