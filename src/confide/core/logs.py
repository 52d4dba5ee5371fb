"""The log file: rotating, in the platform log folder, never holding message content.

Modules log events and identifiers (model names, statuses, error kinds), never what the
user typed, what a model answered or what a document contains.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

MAX_BYTES = 1_000_000
BACKUPS = 4


def configure_logging(log_file: Path, level: int = logging.INFO) -> logging.Handler:
    log_file.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        log_file, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.setLevel(level)
    root.addHandler(handler)
    # httpx logs every request URL at INFO; useful, but only at DEBUG level here.
    logging.getLogger("httpx").setLevel(max(level, logging.WARNING))
    logging.getLogger("httpcore").setLevel(max(level, logging.WARNING))
    # markdown-it logs every block rule it tries: thousands of lines per answer at DEBUG,
    # which would rotate Confide's own lines out of the file.
    logging.getLogger("markdown_it").setLevel(max(level, logging.INFO))
    return handler
