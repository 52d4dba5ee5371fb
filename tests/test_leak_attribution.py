"""The suite reports a socket left open against the test that left it."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]
PROJECT_ROOT = Path(__file__).resolve().parents[1]


def test_a_socket_left_open_fails_the_test_that_left_it(pytester: pytest.Pytester) -> None:
    # Held in a reference cycle, as an asyncio transport holds its socket: only the cyclic
    # garbage collector frees it, so without the suite's collection after each test the
    # warning would surface in whichever later test happened to trigger a collection.
    pytester.makeconftest(
        f"import sys\nsys.path.insert(0, {str(PROJECT_ROOT)!r})\n"
        "from tests.conftest import _leaks_reported_by_the_test_that_made_them  # noqa: F401\n"
    )
    pytester.makepyfile(
        """
        import socket

        def test_leaves_a_socket_open():
            holder = {"socket": socket.socket(socket.AF_INET, socket.SOCK_STREAM)}
            holder["self"] = holder

        def test_innocent():
            pass
        """
    )
    result = pytester.runpytest_subprocess("-W", "error", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_leaves_a_socket_open*"])
