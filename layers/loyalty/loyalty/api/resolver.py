"""The API resolver every HTTP function uses: validation on, contract error shape, domain errors mapped."""
from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from ..domain.errors import BusinessRuleRefused, Forbidden, InvalidRequest, LoyaltyError, NotFound
from ..platform.observability import logger
from ..service.execution import Throttled
from .auth import Caller, Unauthorized

STATUS: list[tuple[type[LoyaltyError], int]] = [
    (Unauthorized, 401), (Forbidden, 403), (NotFound, 404), (BusinessRuleRefused, 409), (InvalidRequest, 422),
    (Throttled, 429),
]

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"],
                             "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}},
}


def error_response(status: int, code: str, message: str) -> Response[Any]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON,
                    body={"error": {"code": code, "message": message}})


def error_responses(*statuses: int) -> dict[int, Any]:
    """OpenAPI `responses` for a route: the contract's error shape, not Powertools' default 422 schema."""
    described = {401: "no or bad token", 403: "not allowed", 404: "unknown member, reward or transaction",
                 409: "a business rule refused it", 422: "invalid request", 429: "throttled"}
    return {s: {"description": described[s], "content": {"application/json": {"schema": ERROR_SCHEMA}}}
            for s in statuses}


def _describe(errors: Any) -> str:
    parts = []
    for err in errors:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        parts.append(f"{where or 'body'}: {err.get('msg') or err.get('type', 'invalid')}")
    return "; ".join(parts)[:1000]


def _object_body_only(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[Any]:
    """Powertools validation unwraps a JSON array body into its first element; the contract wants an object."""
    body = app.current_event.decoded_body if app.current_event.body else None
    if body and body.lstrip().startswith("["):
        return error_response(422, "INVALID_REQUEST", "body: the request body must be a JSON object")
    return next_middleware(app)


def http_resolver() -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True)
    app.use(middlewares=[_object_body_only])

    @app.exception_handler(RequestValidationError)
    def _invalid(err: RequestValidationError) -> Response[Any]:
        return error_response(422, "INVALID_REQUEST", _describe(err.errors()))

    @app.exception_handler(LoyaltyError)
    def _refused(err: LoyaltyError) -> Response[Any]:
        status = next((code for cls, code in STATUS if isinstance(err, cls)), 400)
        return error_response(status, err.code, err.message)

    @app.exception_handler(NotFoundError)
    def _no_route(err: NotFoundError) -> Response[Any]:
        return error_response(404, "NOT_FOUND", "no such route")

    @app.exception_handler(Exception)
    def _unexpected(err: Exception) -> Response[Any]:
        logger.exception("unexpected error")
        return error_response(500, "INTERNAL_ERROR", "unexpected error; the request may be retried safely")

    return app


def caller(app: APIGatewayHttpResolver) -> Caller:
    return Caller.from_event(app.current_event)


def created(body: dict[str, Any]) -> Response[Any]:
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=body)
