"""The local run's HTTP edge, as API Gateway's: any method a path lacks is a JSON 404, a request the server cannot
parse is answered in JSON, and a body that is too large or badly framed is a 4xx before any function runs."""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest

import local
from local import http_api
from tests.support.throwaway_app import run_app

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  EchoFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/echo/
      Handler: app.handler
      Events:
        Echo:
          Type: HttpApi
          Properties: {Path: /v1/echo, Method: POST, Auth: {Authorizer: NONE}}
        Read:
          Type: HttpApi
          Properties: {Path: /v1/echo, Method: GET, Auth: {Authorizer: NONE}}
"""

ECHO = """
import json


def handler(event, context):
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"body": event.get("body"), "base64": event["isBase64Encoded"]})}
"""

NOT_FOUND = (404, "application/json", {"message": "Not Found"})


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[local.Runner]:
    yield from run_app(tmp_path_factory.mktemp("app"), TEMPLATE, {"echo": ECHO})


@pytest.fixture
def invoked(runner: local.Runner, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The functions the API invokes, in order."""
    calls: list[str] = []
    original = runner.functions.invoke

    def record(logical_id: str, event: Any, request_id: str | None = None) -> Any:
        calls.append(logical_id)
        return original(logical_id, event, request_id)

    monkeypatch.setattr(runner.functions, "invoke", record)
    return calls


def exchange(runner: local.Runner, request: bytes, close_write: bool = False) -> tuple[int, str, Any]:
    """Send raw bytes, read one answer: status, Content-Type and the JSON body."""
    host, port = runner.api_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(request)
        if close_write:
            sock.shutdown(socket.SHUT_WR)
        answer = http.client.HTTPResponse(sock)
        answer.begin()
        return answer.status, answer.getheader("Content-Type", ""), json.loads(answer.read())


def post(body: bytes, *headers: str) -> bytes:
    head = "".join(f"{h}\r\n" for h in headers)
    return f"POST /v1/echo HTTP/1.1\r\nHost: local\r\n{head}\r\n".encode() + body


@pytest.mark.parametrize(("method", "path"), [("TRACE", "/v1/echo"), ("CONNECT", "/v1/echo"), ("PROPFIND", "/v1/echo"),
                                              ("PUT", "/v1/echo"), ("DELETE", "/v1/echo"), ("M-SEARCH", "/v1/echo"),
                                              ("GET", "/v1/nothing")])
def test_a_method_the_path_lacks_is_a_json_404(runner: local.Runner, invoked: list[str], method: str, path: str) -> None:
    assert exchange(runner, f"{method} {path} HTTP/1.1\r\nHost: local\r\n\r\n".encode()) == NOT_FOUND
    assert invoked == []


@pytest.mark.parametrize(("request_line", "status", "message"), [
    (b"GARBAGE\r\n", 400, "Bad Request"),
    (b"GET /v1/echo HTTP/x\r\n", 400, "Bad Request"),
    (b"GET /v1/echo HTTP/2.0\r\n", 505, "HTTP Version Not Supported"),
    (b"GET /v1/echo HTTP/1.1\r\nX-Long: " + b"a" * 70_000 + b"\r\n", 431, "Request Header Fields Too Large"),
])
def test_a_request_the_server_cannot_parse_is_answered_in_json(runner: local.Runner, request_line: bytes, status: int,
                                                               message: str) -> None:
    assert exchange(runner, request_line + b"\r\n") == (status, "application/json", {"message": message})


def test_a_body_over_64_kb_is_413_and_the_function_is_not_invoked(runner: local.Runner, invoked: list[str]) -> None:
    limit = 64 * 1024
    status, _, doc = exchange(runner, post(b"x" * (limit + 1), f"Content-Length: {limit + 1}"))
    assert (status, doc["error"]["code"]) == (413, "PAYLOAD_TOO_LARGE")
    assert str(limit) in doc["error"]["message"]
    assert invoked == []
    status, _, doc = exchange(runner, post(b"x" * limit, f"Content-Length: {limit}"))
    assert (status, len(doc["body"]), invoked) == (200, limit, ["EchoFunction"])


def test_a_route_can_have_its_own_limit(runner: local.Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(http_api.BODY_LIMITS, "POST /v1/echo", 100 * 1024)
    status, _, doc = exchange(runner, post(b"x" * 80_000, "Content-Length: 80000"))
    assert (status, len(doc["body"])) == (200, 80_000)


def test_the_connection_serves_the_next_request_after_a_413(runner: local.Runner) -> None:
    host, port = runner.api_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.request("POST", "/v1/echo", body=b"x" * 70_000)
    refused = connection.getresponse()
    assert (refused.status, refused.will_close) == (413, False)  # the body was read: the connection is still framed
    refused.read()
    sock = connection.sock
    connection.request("POST", "/v1/echo", body=b'{"a": 1}')
    assert json.loads(connection.getresponse().read()) == {"body": '{"a": 1}', "base64": False}
    assert connection.sock is sock
    connection.close()


def test_a_body_over_api_gateways_10_mb_is_refused_before_it_is_sent(runner: local.Runner, invoked: list[str]) -> None:
    status, _, doc = exchange(runner, post(b"", "Content-Length: 20000000"))  # nothing follows: no wait for it
    assert (status, doc["error"]["code"], invoked) == (413, "PAYLOAD_TOO_LARGE", [])


def test_a_body_that_is_not_utf8_reaches_the_function_base64_encoded(runner: local.Runner) -> None:
    status, _, doc = exchange(runner, post(b"\xff\xfe{}", "Content-Length: 4"))
    assert (status, doc) == (200, {"body": "//57fQ==", "base64": True})


@pytest.mark.parametrize("length", ["abc", "-1", "1e3", "4, 5"])
def test_an_invalid_content_length_is_400(runner: local.Runner, invoked: list[str], length: str) -> None:
    status, _, doc = exchange(runner, post(b"{}{}{}", f"Content-Length: {length}"))
    assert (status, doc["error"]["code"], invoked) == (400, "INVALID_REQUEST", [])


def test_two_different_content_lengths_are_400(runner: local.Runner) -> None:
    status, _, doc = exchange(runner, post(b"{}{}", "Content-Length: 2", "Content-Length: 4"))
    assert (status, doc["error"]["code"]) == (400, "INVALID_REQUEST")


def test_without_content_length_there_is_no_body(runner: local.Runner) -> None:
    assert exchange(runner, post(b"")) == (200, "application/json", {"body": None, "base64": False})


def test_a_body_shorter_than_its_content_length_is_400(runner: local.Runner, invoked: list[str]) -> None:
    status, _, doc = exchange(runner, post(b'{"a"', "Content-Length: 50"), close_write=True)
    assert (status, doc["error"]["code"], invoked) == (400, "INVALID_REQUEST", [])


def test_a_chunked_body_reaches_the_function_whole(runner: local.Runner) -> None:
    chunks = b'4;ext=1\r\n{"a"\r\n5\r\n: 12}\r\n0\r\nX-Trailer: t\r\n\r\n'
    status, _, doc = exchange(runner, post(chunks, "Transfer-Encoding: chunked"))
    assert (status, doc) == (200, {"body": '{"a": 12}', "base64": False})


@pytest.mark.parametrize(("chunks", "status"), [
    (b"zz\r\n{}\r\n0\r\n\r\n", 400),  # not a size
    (b"-2\r\n{}\r\n0\r\n\r\n", 400),
    (b"10\r\n{}\r\n", 400),  # shorter than its size, then the client stops
    (b"8000\r\n" + b"x" * 0x8000 + b"\r\n" + b"8001\r\n" + b"x" * 0x8001 + b"\r\n0\r\n\r\n", 413),  # 64 KB + 1
])
def test_a_bad_chunked_body_is_a_4xx(runner: local.Runner, invoked: list[str], chunks: bytes, status: int) -> None:
    answer = exchange(runner, post(chunks, "Transfer-Encoding: chunked"), close_write=True)
    assert (answer[0], invoked) == (status, [])


def test_another_transfer_coding_is_400(runner: local.Runner) -> None:
    status, _, doc = exchange(runner, post(b"", "Transfer-Encoding: gzip"))
    assert (status, doc["error"]["code"]) == (400, "INVALID_REQUEST")


def test_the_lambda_endpoint_answers_other_methods_with_a_json_404(runner: local.Runner) -> None:
    host, port = runner.lambda_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.request("TRACE", "/2015-03-31/functions/EchoFunction/invocations")
    answer = connection.getresponse()
    assert (answer.status, answer.getheader("Content-Type"), json.loads(answer.read())) == NOT_FOUND
    connection.close()
