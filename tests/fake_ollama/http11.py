"""A small HTTP/1.1 server on loopback that writes responses the way Go's net/http does.

Written on raw sockets rather than http.server because the double needs control that the
stdlib hides: withholding the status line until the first chunk, noticing a client that hangs
up while nothing is being written (select + MSG_PEEK), dropping a connection mid-body, and
closing every connection at once when the "daemon" stops. Header layout follows net/http:
handler headers sorted by name, then Date, then Content-Length or Transfer-Encoding; bodies
over 2 KiB go out chunked, as Go's 2048-byte response buffer would do.
"""

from __future__ import annotations

import contextlib
import email.utils
import errno
import select
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import unquote, urlsplit

_GO_BUFFER = 2048  # net/http's bufferBeforeChunkingSize
_POLL = 0.01  # how often waits look at the socket and the stop flag
_MAX_HEAD = 1 << 20


def readable(sock: socket.socket, timeout: float) -> bool:
    """select() for one socket; poll() where available, as select() fails above fd 1024."""
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(sock, select.POLLIN | select.POLLPRI | select.POLLHUP | select.POLLERR)
        return bool(poller.poll(int(timeout * 1000)))
    ready, _, _ = select.select([sock], [], [], timeout)
    return bool(ready)


class ClientGone(Exception):
    """The client closed the connection (or the server is stopping): abandon the request."""


class BadRequest(Exception):
    pass


@dataclass
class Request:
    method: str
    target: str
    path: str
    query: str
    version: str
    headers: list[tuple[str, str]]
    body: bytes = b""

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None

    @property
    def wants_close(self) -> bool:
        connection = (self.header("Connection") or "").lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" not in connection
        return "close" in connection


def reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"status code {status}"  # what Go prints for codes it has no text for (499)


Handler = Callable[[Request, "Connection"], None]


@dataclass(eq=False)  # identity semantics: connections live in a set
class Connection:
    """One client socket. Used only by its own thread, except `shutdown()` from stop()."""

    sock: socket.socket
    stopping: threading.Event
    _buf: bytearray = field(default_factory=bytearray)
    closed: bool = False
    headers_sent: bool = False
    _chunked: bool = False
    _close_after: bool = False

    # --- reading -------------------------------------------------------------------------------

    def _fill(self) -> bool:
        try:
            data = self.sock.recv(65536)
        except OSError:
            data = b""
        if not data:
            return False
        self._buf += data
        return True

    def _read_line(self) -> bytes | None:
        while True:
            end = self._buf.find(b"\n")
            if end >= 0:
                line = bytes(self._buf[: end + 1])
                del self._buf[: end + 1]
                return line.rstrip(b"\r\n")
            if len(self._buf) > _MAX_HEAD:
                raise BadRequest("header too large")
            if not self._fill():
                return None

    def _read_exact(self, count: int) -> bytes:
        while len(self._buf) < count:
            if not self._fill():
                raise BadRequest("unexpected EOF in body")
        data = bytes(self._buf[:count])
        del self._buf[:count]
        return data

    def read_request(self) -> Request | None:
        """The next request, or None at a clean end of the connection."""
        line = self._read_line()
        while line == b"":  # tolerate stray CRLF between requests, like net/http
            line = self._read_line()
        if line is None:
            return None
        try:
            method, target, version = line.decode("latin-1").split(" ")
        except ValueError:
            raise BadRequest("malformed request line") from None
        if not version.startswith("HTTP/1."):
            raise BadRequest("unsupported protocol version")
        headers: list[tuple[str, str]] = []
        while True:
            raw = self._read_line()
            if raw is None:
                raise BadRequest("unexpected EOF in headers")
            if raw == b"":
                break
            name, sep, value = raw.decode("latin-1").partition(":")
            if not sep or not name or name != name.strip():
                raise BadRequest("malformed header line")
            headers.append((name, value.strip()))
        parts = urlsplit(target)
        request = Request(method, target, unquote(parts.path or "/"), parts.query, version, headers)
        if (request.header("Expect") or "").lower() == "100-continue":
            self._send_raw(b"HTTP/1.1 100 Continue\r\n\r\n")
        request.body = self._read_body(request)
        return request

    def _read_body(self, request: Request) -> bytes:
        if "chunked" in (request.header("Transfer-Encoding") or "").lower():
            body = bytearray()
            while True:
                size_line = self._read_line()
                if size_line is None:
                    raise BadRequest("unexpected EOF in chunked body")
                try:
                    size = int(size_line.split(b";")[0].strip(), 16)
                except ValueError:
                    raise BadRequest("bad chunk size") from None
                if size == 0:
                    while self._read_line() not in (b"", None):
                        pass  # trailers
                    return bytes(body)
                body += self._read_exact(size)
                self._read_exact(2)
        length = request.header("Content-Length")
        if length is None:
            return b""
        try:
            count = int(length)
        except ValueError:
            raise BadRequest("bad Content-Length") from None
        return self._read_exact(count) if count > 0 else b""

    # --- liveness ------------------------------------------------------------------------------

    def gone(self) -> bool:
        """True once the client has hung up (or the server is stopping). Never blocks."""
        if self.closed or self.stopping.is_set():
            return True
        try:
            if not readable(self.sock, 0):
                return False
            return self.sock.recv(1, socket.MSG_PEEK) == b""
        except BlockingIOError:
            return False
        except (OSError, ValueError):
            return True

    def pause(self, seconds: float) -> bool:
        """Waits, watching the socket; False as soon as the client is gone or the server stops."""
        deadline = time.monotonic() + max(0.0, seconds)
        while True:
            if self.gone():
                return False
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return True
            try:
                has_data = readable(self.sock, min(remaining, _POLL))
            except (OSError, ValueError):
                return False
            if has_data and not self.gone():
                # Bytes are waiting that are not EOF (a pipelined request): plain sleep instead.
                self.stopping.wait(min(remaining, _POLL))

    def check(self) -> None:
        if self.gone():
            raise ClientGone()

    # --- writing -------------------------------------------------------------------------------

    def _send_raw(self, data: bytes) -> None:
        if self.closed:
            raise ClientGone()
        try:
            self.sock.sendall(data)
        except OSError:
            self.closed = True
            raise ClientGone() from None

    def _head(
        self, status: int, headers: dict[str, str], extra: Iterable[tuple[str, str]]
    ) -> bytes:
        lines = [f"HTTP/1.1 {status} {reason(status)}"]
        lines += [f"{name}: {value}" for name, value in sorted(headers.items())]
        lines.append(f"Date: {email.utils.formatdate(usegmt=True)}")
        lines += [f"{name}: {value}" for name, value in extra]
        if self._close_after:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def send_response(
        self, status: int, headers: dict[str, str], body: bytes = b"", *, head: bool = False
    ) -> None:
        """A complete response. `head` sends the headers GET would have, without the body."""
        no_body = status in (204, 304) or 100 <= status < 200
        if no_body:
            extra: list[tuple[str, str]] = []
        elif len(body) > _GO_BUFFER:
            extra = [] if head else [("Transfer-Encoding", "chunked")]
        else:
            extra = [("Content-Length", str(len(body)))]
        data = self._head(status, headers, extra)
        if not (head or no_body):
            if len(body) > _GO_BUFFER:
                data += b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n"
            else:
                data += body
        self.headers_sent = True
        self._send_raw(data)

    def start_chunked(self, status: int, headers: dict[str, str]) -> None:
        self.headers_sent = True
        self._chunked = True
        self._send_raw(self._head(status, headers, [("Transfer-Encoding", "chunked")]))

    def write_chunk(self, data: bytes) -> None:
        if data:
            self._send_raw(b"%x\r\n" % len(data) + data + b"\r\n")

    def end_chunked(self) -> None:
        self._chunked = False
        self._send_raw(b"0\r\n\r\n")

    def drop(self) -> None:
        """Hangs up without finishing the response (a crashed daemon)."""
        self.closed = True
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)

    def shutdown(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)

    # --- lifecycle -----------------------------------------------------------------------------

    def serve(self, handler: Handler, on_error: Callable[[BaseException], None]) -> None:
        try:
            while not self.closed and not self.stopping.is_set():
                try:
                    request = self.read_request()
                except BadRequest:
                    self._close_after = True
                    with contextlib.suppress(ClientGone):
                        self.send_response(
                            400, {"Content-Type": "text/plain; charset=utf-8"}, b"400 Bad Request"
                        )
                    break
                if request is None:
                    break
                self.headers_sent = False
                self._close_after = request.wants_close
                try:
                    handler(request, self)
                except ClientGone:
                    break
                except OSError:
                    break
                except Exception as err:  # a bug in the double: record it, answer 500
                    on_error(err)
                    if not self.headers_sent:
                        with contextlib.suppress(ClientGone):
                            self._close_after = True
                            self.send_response(
                                500,
                                {"Content-Type": "application/json; charset=utf-8"},
                                b'{"error":"fake ollama internal error"}',
                            )
                    break
                if self._chunked or self._close_after:
                    break
        finally:
            self.closed = True
            with contextlib.suppress(OSError):
                self.sock.close()


class LoopbackHTTPServer:
    """Accepts on 127.0.0.1 in a background thread; one thread per connection."""

    def __init__(
        self,
        handler: Handler,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        self.handler = handler
        self.host = host
        self.port = port
        self.on_error = on_error or (lambda err: None)
        self.stopping = threading.Event()
        self._listener: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._connections: set[Connection] = set()
        self._threads: set[threading.Thread] = set()

    @property
    def running(self) -> bool:
        return self._listener is not None

    def start(self) -> None:
        """Binds (raising OSError EADDRINUSE if taken) and starts accepting."""
        if self._listener is not None:
            return
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            if sys.platform == "win32":
                # On Windows SO_REUSEADDR lets two servers share a port: bind exclusively.
                listener.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)  # type: ignore[attr-defined]
            else:
                # Lets stop() + start() rebind the same port despite TIME_WAIT connections.
                listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((self.host, self.port))
            listener.listen(128)
        except OSError:
            listener.close()
            raise
        self.port = listener.getsockname()[1]
        # A fresh flag per run, so a straggler from the previous run stays stopped.
        self.stopping = threading.Event()
        self._listener = listener
        self._accept_thread = threading.Thread(
            target=self._accept_loop, args=(listener,), name="fake-ollama-accept", daemon=True
        )
        self._accept_thread.start()

    def _accept_loop(self, listener: socket.socket) -> None:
        while not self.stopping.is_set():
            try:
                if not readable(listener, 0.02):
                    continue
                sock, _addr = listener.accept()
            except OSError as err:
                if (
                    err.errno in (errno.EBADF, errno.EINVAL, errno.ENOTSOCK)
                    or self.stopping.is_set()
                ):
                    return
                continue
            except ValueError:  # listener closed under us
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection = Connection(sock, self.stopping)
            thread = threading.Thread(
                target=self._run_connection,
                args=(connection,),
                name="fake-ollama-conn",
                daemon=True,
            )
            with self._lock:
                if self.stopping.is_set():
                    sock.close()
                    return
                self._connections.add(connection)
                self._threads.add(thread)
            thread.start()

    def _run_connection(self, connection: Connection) -> None:
        try:
            connection.serve(self.handler, self.on_error)
        finally:
            with self._lock:
                self._connections.discard(connection)
                self._threads.discard(threading.current_thread())

    def stop(self, timeout: float = 5.0) -> None:
        """Stops accepting and hangs up on every client, like a daemon that went away."""
        if self._listener is None:
            return
        self.stopping.set()
        if self._accept_thread is not None:
            self._accept_thread.join(timeout)
        self._listener.close()
        self._listener = None
        with self._lock:
            connections = list(self._connections)
            threads = list(self._threads)
        for connection in connections:
            connection.shutdown()
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
