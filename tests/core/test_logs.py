"""The log file: Confide's own events at DEBUG, without the noise of the libraries it uses."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from confide.core.logs import configure_logging
from confide.core.markdown import render_markdown


@pytest.fixture
def debug_log(tmp_path: Path) -> Iterator[Path]:
    root = logging.getLogger()
    level = root.level
    quiet = {name: logging.getLogger(name).level for name in ("httpx", "httpcore", "markdown_it")}
    log_file = tmp_path / "logs" / "confide.log"
    handler = configure_logging(log_file, logging.DEBUG)
    yield log_file
    root.removeHandler(handler)
    handler.close()
    root.setLevel(level)
    for name, was in quiet.items():
        logging.getLogger(name).setLevel(was)


def test_debug_keeps_our_events_and_leaves_out_the_markdown_parsers_steps(
    debug_log: Path,
) -> None:
    logging.getLogger("confide.test").debug("answer rendered")
    render_markdown("# Title\n\n- one\n- two\n\n```python\nx = 1\n```\n\n> quote\n")
    logging.getLogger("markdown_it.test").info("kept: markdown-it's own warnings and above")
    written = debug_log.read_text(encoding="utf-8")
    assert "DEBUG confide.test: answer rendered" in written
    assert "INFO markdown_it.test" in written
    assert "DEBUG markdown_it" not in written
