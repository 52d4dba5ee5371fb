"""The guard itself: off-loopback connections fail, loopback ones work."""

from __future__ import annotations

import socket

import pytest

from tests.conftest import OffLoopbackConnection, _violations


def test_connecting_off_loopback_is_refused() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(OffLoopbackConnection):
            sock.connect(("192.0.2.1", 80))  # TEST-NET-1: never routed
    finally:
        sock.close()
        _violations.clear()  # this test provoked it on purpose


def test_resolving_a_public_name_is_refused() -> None:
    with pytest.raises(OffLoopbackConnection):
        socket.getaddrinfo("example.com", 443)
    _violations.clear()


def test_loopback_is_allowed() -> None:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = socket.create_connection(server.getsockname(), timeout=2)
    client.close()
    server.close()
