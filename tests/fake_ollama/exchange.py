"""One request/response pair, with the daemon's ways of answering.

The helpers encode the framing rules of §1.2/§6.1: `c.JSON` answers carry
`application/json; charset=utf-8`; an error before the first NDJSON line uses its real status
with a bare `application/json`; after the first line an error is one more `{"error":...}` line
under the 200 already sent. NDJSON headers go out with the first line, never before.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .decoding import DecodeError, EmptyBody, Struct, decode
from .http11 import Connection, Request
from .state import RecordedRequest
from .wire import encode_bytes

if TYPE_CHECKING:
    from .server import FakeOllama

JSON_UTF8 = "application/json; charset=utf-8"
JSON_BARE = "application/json"
NDJSON = "application/x-ndjson"
TEXT_UTF8 = "text/plain; charset=utf-8"


@dataclass
class Exchange:
    daemon: FakeOllama
    request: Request
    conn: Connection
    record: RecordedRequest
    extra_headers: dict[str, str] = field(default_factory=dict)  # CORS headers, Allow
    params: dict[str, str] = field(default_factory=dict)  # route parameters (:digest)
    arrival_ns: int = field(default_factory=time.monotonic_ns)  # for total_duration

    @property
    def head(self) -> bool:
        return self.request.method == "HEAD"

    def _headers(self, content_type: str | None) -> dict[str, str]:
        headers = dict(self.extra_headers)
        if content_type:
            headers["Content-Type"] = content_type
        return headers

    def send(self, status: int, body: bytes, content_type: str | None) -> None:
        self.record.status = status
        self.conn.send_response(status, self._headers(content_type), body, head=self.head)

    def json(self, status: int, value: Any, content_type: str = JSON_UTF8) -> None:
        self.send(status, encode_bytes(value), content_type)

    def error(self, status: int, message: str, content_type: str = JSON_UTF8) -> None:
        self.json(status, {"error": message}, content_type)

    def text(self, status: int, text: str, content_type: str = TEXT_UTF8) -> None:
        self.send(status, text.encode(), content_type)

    def empty(self, status: int) -> None:
        self.send(status, b"", None)

    def stream(self) -> NdjsonStream:
        return NdjsonStream(self)


class NdjsonStream:
    """streamResponse: headers with the first line, one flushed chunk per line."""

    def __init__(self, exchange: Exchange) -> None:
        self.exchange = exchange
        self.started = False
        self.lines = 0

    def _start(self) -> None:
        if not self.started:
            self.started = True
            self.exchange.record.status = 200
            self.exchange.conn.start_chunked(200, self.exchange._headers(NDJSON))

    def line(self, value: Any) -> None:
        self._start()
        self.exchange.conn.write_chunk(encode_bytes(value) + b"\n")
        self.lines += 1

    def fail(self, message: str, status: int = 500) -> None:
        """An error: as its own response if nothing was sent yet, else as the last line."""
        if self.started:
            self.exchange.conn.write_chunk(encode_bytes({"error": message}) + b"\n")
            self.finish()
        else:
            self.exchange.error(status, message, JSON_BARE)

    def finish(self) -> None:
        if self.started:
            self.exchange.conn.end_chunked()
        else:
            # A stream that produced nothing: net/http sends an empty 200.
            self.exchange.send(200, b"", NDJSON)

    def drop(self) -> None:
        self.exchange.conn.drop()


def decode_or_reply(ex: Exchange, schema: Struct) -> dict[str, Any] | None:
    """The decoded body, or None after answering 400 like ShouldBindJSON's caller does."""
    try:
        return decode(ex.request.body, schema)
    except EmptyBody:
        ex.error(400, "missing request body")
    except DecodeError as err:
        ex.error(400, str(err))
    return None
