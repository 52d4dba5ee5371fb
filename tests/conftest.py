"""Suite-wide guards: offscreen Qt, and no connection may leave this machine."""

from __future__ import annotations

import gc
import ipaddress
import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from tests.fake_ollama.fixtures import *  # noqa: F403  (the Ollama double's fixtures)
from tests.keyring_double import MemoryKeyring

# Set before any Qt import, so that no test ever needs a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The app must never pick proxies up from the environment; tests prove it, so make sure a
# developer's own proxy settings cannot make them pass or fail by accident.
for _proxy_var in (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
):
    os.environ.pop(_proxy_var, None)
os.environ.pop("OLLAMA_HOST", None)


class OffLoopbackConnection(AssertionError):
    """Raised when code under test tries to reach anything but loopback."""


_violations: list[str] = []
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _is_loopback_host(host: Any) -> bool:
    if host in (None, "", "localhost"):
        return True
    if isinstance(host, bytes):
        host = host.decode()
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return str(host).endswith(".localhost")


def _check_address(sock: socket.socket, address: Any) -> None:
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return  # Unix sockets and socketpairs stay on this machine.
    host = address[0] if isinstance(address, tuple) else address
    if not _is_loopback_host(host):
        message = f"test tried to connect off loopback: {address!r}"
        _violations.append(message)
        raise OffLoopbackConnection(message)


def _guarded_connect(self: socket.socket, address: Any) -> None:
    _check_address(self, address)
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    _check_address(self, address)
    return _real_connect_ex(self, address)


def _guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    # Name resolution itself would send packets to a resolver; only loopback names resolve.
    if not _is_loopback_host(host):
        message = f"test tried to resolve a non-loopback name: {host!r}"
        _violations.append(message)
        raise OffLoopbackConnection(message)
    return _real_getaddrinfo(host, *args, **kwargs)


def pytest_configure(config: pytest.Config) -> None:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = _guarded_getaddrinfo


@pytest.fixture(scope="session", autouse=True)
def _import_model_tester_early() -> None:
    # pytest rewrites the asserts of pytest-qt's model tester when it is first imported; doing
    # that deep inside a running test trips a CPython 3.11.7 bug ("AST constructor recursion
    # depth mismatch"). Importing it once, early, keeps the stack shallow.
    import pytestqt.modeltest  # noqa: F401


@pytest.fixture(scope="session", autouse=True)
def _collected_objects_frozen() -> None:
    # The modules and objects that exist once tests are collected live for the whole run;
    # left out of the collection after each test (below), it costs a fifth as much.
    gc.freeze()


@pytest.fixture(autouse=True)
def _leaks_reported_by_the_test_that_made_them() -> Iterator[None]:
    """A socket or transport left open is only noticed when the garbage collector frees it,
    which may be many tests later: CI once failed an unrelated test that way. Collecting
    after every test (its fixtures already torn down) reports it against the test that left it."""
    yield
    gc.collect()


@pytest.fixture(autouse=True)
def _no_connection_off_loopback() -> Iterator[None]:
    """Fails the test if anything tried to leave the machine, even if the error was swallowed."""
    start = len(_violations)
    yield
    new = _violations[start:]
    if new:
        pytest.fail("; ".join(new), pytrace=False)


@pytest.fixture(autouse=True)
def _memory_keyring() -> Iterator[MemoryKeyring]:
    """No test may touch the machine's keyring: every test gets an empty one in memory."""
    import keyring

    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)
