"""The API resolver every HTTP function uses: bad bytes refused at the edge, validation of requests and answers
on, the contract's error shape, domain errors mapped to statuses, and the OpenAPI responses of each route."""
from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.middlewares.openapi_validation import OpenAPIRequestValidationMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from ..answers import ErrorAnswer, GatewayMessage
from ..domain.errors import (
    BusinessRuleRefused,
    ErrorCode,
    Forbidden,
    InvalidRequest,
    LoyaltyError,
    NotFound,
    PayloadTooLarge,
    Throttled,
    UnsupportedMediaType,
)
from ..platform.observability import logger
from .auth import Caller, Unauthorized
from .body import body_limit, parse_body

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.types import EventHandlerInstance

STATUS: list[tuple[type[LoyaltyError], int]] = [
    (Forbidden, 403), (NotFound, 404), (BusinessRuleRefused, 409), (PayloadTooLarge, 413),
    (UnsupportedMediaType, 415), (InvalidRequest, 422), (Throttled, 429),
]
DESCRIBED = {401: "no or bad token (API Gateway's JWT authorizer answers this)", 403: "not allowed for this token",
             404: "unknown member, reward or transaction", 409: "a business rule refused it",
             413: "body larger than 64 KB", 422: "invalid request: schema, bounds, bad bytes",
             415: "the body is not JSON", 429: "throttled (API Gateway's rate limit, or contention on one member)"}
UNAUTHORIZED = GatewayMessage(message="Unauthorized")  # exactly what API Gateway's JWT authorizer sends


def _model_of(status: int) -> Any:
    """The body of each error status: our error shape; 401 is the authorizer's own; 413 and 429 may also come
    from API Gateway itself (its payload limit, its throttling)."""
    if status == 401:
        return GatewayMessage
    if status in (413, 429):
        return ErrorAnswer | GatewayMessage
    return ErrorAnswer


def responses(*errors: int, success: int = 200, described: dict[int, str] | None = None) -> dict[int, Any]:
    """OpenAPI `responses` of a route: the success answer (its schema is the handler's return type) and each
    error status with the body it really has (`described` overrides the usual description of a status)."""
    documented: dict[int, Any] = {success: {"description": "the answer"}}
    for status in (*errors, 429):  # any route may be throttled by API Gateway; the build documents the 500
        documented[status] = {"description": (described or {}).get(status, DESCRIBED[status]),
                              "content": {"application/json": {"model": _model_of(status)}}}
    return documented


WRITE_ERRORS = (401, 403, 404, 409, 413, 415, 422)


def error_response(status: int, code: ErrorCode, message: str,
                   details: list[tuple[str, str]] | None = None) -> Response[Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = [{"path": path, "message": text} for path, text in details]
    body = ErrorAnswer.model_validate({"error": error})
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON,
                    body=body.model_dump(mode="json", exclude_none=True))


def _describe(errors: Any) -> str:
    parts = []
    for err in errors:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        parts.append(f"{where or 'body'}: {err.get('msg') or err.get('type', 'invalid')}")
    return "; ".join(parts)[:1000]


class _ContractBodyValidation(OpenAPIRequestValidationMiddleware):
    """Powertools' request validation, with the body parsed by the contract's rules instead of its own: bytes that
    would make its parser fail (not UTF-8, not JSON, too deep, numbers beyond any bound, too large, a media type
    it does not know) are a 4xx, never a 5xx. Only routes that take a body read it, so a body sent to another
    route is ignored, as Powertools does."""

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # Powertools leaves its __init__ untyped

    def _get_body(self, app: EventHandlerInstance) -> dict[str, Any]:
        event = app.current_event
        parsed = parse_body(event.get("body"), bool(event.get("isBase64Encoded")), event.headers.get("content-type"),
                            body_limit(event.get("routeKey")))
        return super()._get_body(app) if parsed is None else parsed


def http_resolver() -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True,
                                 response_validation_error_http_code=HTTPStatus.INTERNAL_SERVER_ERROR)
    # Powertools runs its request validation before any middleware: the body check has to live inside it
    app._request_validation_middleware = _ContractBodyValidation()

    @app.exception_handler(RequestValidationError)
    def _invalid(err: RequestValidationError) -> Response[Any]:
        return error_response(422, ErrorCode.INVALID_REQUEST, _describe(err.errors()))

    @app.exception_handler(Unauthorized)
    def _unauthorized(err: Unauthorized) -> Response[Any]:
        return Response(status_code=401, content_type=content_types.APPLICATION_JSON,
                        body=UNAUTHORIZED.model_dump(), headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(LoyaltyError)
    def _refused(err: LoyaltyError) -> Response[Any]:
        status = next((code for cls, code in STATUS if isinstance(err, cls)), 400)
        return error_response(status, err.code, err.message, err.details)

    @app.exception_handler(NotFoundError)
    def _no_route(err: NotFoundError) -> Response[Any]:
        return error_response(404, ErrorCode.NOT_FOUND, "no such route")

    @app.exception_handler(Exception)
    def _unexpected(err: Exception) -> Response[Any]:
        logger.exception("unexpected error")
        return error_response(500, ErrorCode.INTERNAL_ERROR, "unexpected error; the request may be retried safely")

    return app


def caller(app: APIGatewayHttpResolver) -> Caller:
    return Caller.from_event(app.current_event)
