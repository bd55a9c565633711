"""One endpoint, two protocols: the Lambda Invoke API (like `sam local start-lambda`) and EventBridge PutEvents."""

from __future__ import annotations

import decimal
import json
import logging
import re
import threading
import traceback
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from .bus import AMZ_JSON, DEPTH_HEADER, EventBus
from .httpd import BodyError, Handler
from .runtime import Functions, UnknownFunction
from .template import ACCOUNT, REGION

log = logging.getLogger("local.lambda")

_INVOKE_PATH = re.compile(r"/2015-03-31/functions/([^/]+)/invocations")
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024  # Lambda's limit for a synchronous invocation's payload


def function_name(path_part: str) -> str:
    """`Name`, `Name:qualifier`, `123456789012:function:Name` or a full ARN -> `Name`."""
    parts = unquote(path_part).split(":")
    return parts[parts.index("function") + 1] if "function" in parts else parts[0]


def _json_default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def error_payload(exc: BaseException, error_type: str | None = None) -> dict[str, Any]:
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "stackTrace": traceback.format_list(traceback.extract_tb(exc.__traceback__)),
    }


class LambdaHandler(Handler):
    def handle_any(self) -> None:
        try:
            body = self.read_body(MAX_PAYLOAD_BYTES)
        except BodyError as exc:
            kind = "RequestTooLargeException" if exc.status == 413 else "InvalidRequestContentException"
            self.send_json(exc.status, {"Type": "User", "Message": exc.message}, headers=[("x-amzn-ErrorType", kind)])
            return
        match = _INVOKE_PATH.fullmatch(self.path.split("?", 1)[0])
        if self.command != "POST":
            self.send_json(404, {"message": "Not Found"})
        elif match:
            self.invoke(function_name(match.group(1)), body)
        elif self.path == "/" and self.headers.get("X-Amz-Target") == "AWSEvents.PutEvents":
            self.put_events(body)
        elif self.path == "/" and self.headers.get("X-Amz-Target"):
            self.send_json(400, {"__type": "UnknownOperationException"}, AMZ_JSON)
        else:
            self.send_json(404, {"message": "Not Found"})

    def invoke(self, name: str, body: bytes) -> None:
        app: LambdaApp = self.server.app
        request_id = str(uuid.uuid4())
        try:
            function = app.functions.get(name)
        except UnknownFunction:
            arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
            self.send_json(404, {"Type": "User", "Message": f"Function not found: {arn}"},
                           headers=[("x-amzn-ErrorType", "ResourceNotFoundException")])
            return
        try:
            event = json.loads(body) if body.strip() else {}
        except json.JSONDecodeError as exc:
            self.send_json(400, {"Type": "User", "Message": f"Could not parse request body into json: {exc}"},
                           headers=[("x-amzn-ErrorType", "InvalidRequestContentException")])
            return
        headers = [("x-amzn-RequestId", request_id), ("X-Amz-Executed-Version", "$LATEST")]
        invocation_type = self.headers.get("X-Amz-Invocation-Type", "RequestResponse")
        if invocation_type == "DryRun":
            self.send(204, b"", headers)
            return
        if invocation_type == "Event":
            threading.Thread(target=self._run_async, args=(function.spec.logical_id, event), daemon=True).start()
            self.send(202, b"", headers)
            return
        try:
            result = function.invoke(event, request_id)
        except Exception as exc:
            log.exception("invoke %s failed", name)
            self.send_json(200, error_payload(exc), headers=[*headers, ("X-Amz-Function-Error", "Unhandled")])
            return
        try:
            payload = json.dumps(result, default=_json_default).encode()
        except (TypeError, ValueError) as exc:
            self.send_json(200, error_payload(exc, "Runtime.MarshalError"),
                           headers=[*headers, ("X-Amz-Function-Error", "Unhandled")])
            return
        self.send(200, payload, [("Content-Type", "application/json"), *headers])

    def _run_async(self, name: str, event: Any) -> None:
        try:
            self.server.app.functions.invoke(name, event)
        except Exception:
            log.exception("async invoke %s failed", name)

    def put_events(self, body: bytes) -> None:
        app: LambdaApp = self.server.app
        try:
            entries = json.loads(body).get("Entries")
            if not isinstance(entries, list) or not 1 <= len(entries) <= 10:
                raise ValueError("Entries must hold 1 to 10 entries")
        except (ValueError, AttributeError) as exc:
            self.send_json(400, {"__type": "ValidationException", "message": str(exc)}, AMZ_JSON)
            return
        depth = int(self.headers.get(DEPTH_HEADER) or 0)
        try:
            answer = app.bus.put_events(entries, depth)
        except Exception:
            log.exception("PutEvents failed")
            self.send_json(500, {"__type": "InternalException"}, AMZ_JSON)
            return
        self.send_json(200, answer, AMZ_JSON)


@dataclass
class LambdaApp:
    functions: Functions
    bus: EventBus
