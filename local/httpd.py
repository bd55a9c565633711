"""A threaded HTTP server and a request handler base shared by the API and the Lambda/EventBridge endpoints.

Every method reaches `handle_any` (the subclass answers a method it does not serve), and every error the standard
library would answer with an HTML page is answered with JSON instead. Request bodies are framed by Content-Length
or chunked transfer coding; a body that cannot be read is a `BodyError` (a 4xx), never a hang or a 500.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

log = logging.getLogger("local.http")

BODY_TIMEOUT = 30.0  # seconds a client may pause while sending a body (a short body must not hold a thread forever)
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,8}")
_LENGTH = re.compile(r"[0-9]{1,12}")


class BodyError(Exception):
    """A request body that cannot be taken: its status, a contract error code and why."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the listen backlog: bursts of concurrent clients must not be refused

    def __init__(self, host: str, port: int, handler: type[BaseHTTPRequestHandler], app: Any) -> None:
        super().__init__((host, port), handler)
        self.app = app
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self.serve_forever, name=f"http-{self.url}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self.shutdown()
            self._thread.join()
        self.server_close()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; every answer carries a Content-Length
    server: Server

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes: without this, Nagle + delayed ACK add 40 ms per keep-alive request.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def __getattr__(self, name: str) -> Callable[[], None]:
        # BaseHTTPRequestHandler dispatches on do_<METHOD> and answers 501 (HTML) when there is none: route them all
        if name.startswith("do_"):
            return self.handle_any
        raise AttributeError(name)

    def handle_any(self) -> None:
        raise NotImplementedError  # each endpoint answers every method itself

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """What the standard library answers itself (a malformed request line, headers too long): JSON, not HTML."""
        self.log_error("code %d, message %s", code, message)
        self.close_connection = True  # the request could not be framed: nothing after it can be either
        self.request_version = "HTTP/1.1"  # not the stdlib's HTTP/0.9 guess, which would drop the status line
        self.send_json(code, {"message": self.responses.get(code, ("Error",))[0]}, headers=[("Connection", "close")])

    def read_body(self, limit: int) -> bytes:
        """The request body, at most `limit` bytes, or a BodyError. A body the connection cannot skip closes it."""
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        if self.headers.get("Transfer-Encoding") and not chunked:
            raise self._unframed(400, "INVALID_REQUEST", "only the chunked transfer coding is understood")
        self.connection.settimeout(BODY_TIMEOUT)
        try:
            return self._read_chunked(limit) if chunked else self._read_sized(limit)
        except TimeoutError:
            raise self._unframed(408, "INVALID_REQUEST", f"the body stalled for {BODY_TIMEOUT:.0f} s") from None
        finally:
            self.connection.settimeout(None)

    def _unframed(self, status: int, code: str, message: str) -> BodyError:
        self.close_connection = True  # the rest of the body, if any, is still on the connection
        return BodyError(status, code, message)

    def _read_sized(self, limit: int) -> bytes:
        values = {v.strip() for v in self.headers.get_all("Content-Length") or []}
        if not values:
            return b""  # neither length nor chunks: no body (RFC 9112 6.3)
        text = values.pop()
        if values or not _LENGTH.fullmatch(text):
            raise self._unframed(400, "INVALID_REQUEST", "Content-Length is not one number of bytes")
        length = int(text)
        if length > limit:
            raise self._unframed(413, "PAYLOAD_TOO_LARGE", f"the body has {length} bytes; at most {limit}")
        body = self.rfile.read(length)
        if len(body) < length:
            raise self._unframed(400, "INVALID_REQUEST", f"the body ended after {len(body)} of {length} bytes")
        return body

    def _read_chunked(self, limit: int) -> bytes:
        body = bytearray()
        while size := self._chunk_size():
            if len(body) + size > limit:
                raise self._unframed(413, "PAYLOAD_TOO_LARGE", f"the body has more than {limit} bytes; at most {limit}")
            chunk = self.rfile.read(size)
            if len(chunk) < size or self.rfile.readline(3) not in (b"\r\n", b"\n"):
                raise self._unframed(400, "INVALID_REQUEST", "a chunk is shorter than its size")
            body += chunk
        while self.rfile.readline(8192) not in (b"\r\n", b"\n", b""):
            pass  # trailer fields: not passed on, as API Gateway does not
        return bytes(body)

    def _chunk_size(self) -> int:
        size = self.rfile.readline(1024).split(b";", 1)[0].strip()  # chunk extensions are ignored
        if not _CHUNK_SIZE.fullmatch(size):
            raise self._unframed(400, "INVALID_REQUEST", "a chunk size is not hexadecimal")
        return int(size, 16)

    def send(self, status: int, body: bytes, headers: list[tuple[str, str]] | None = None) -> None:
        self.send_response(status)
        for name, value in headers or []:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting; nothing to answer
                self.close_connection = True

    def send_json(self, status: int, doc: Any, content_type: str = "application/json",
                  headers: list[tuple[str, str]] | None = None) -> None:
        self.send(status, json.dumps(doc).encode(), [("Content-Type", content_type), *(headers or [])])

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.client_address[0], *args)
