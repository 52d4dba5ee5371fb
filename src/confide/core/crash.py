"""Crash reports: written to the log folder, shown locally, never uploaded."""

from __future__ import annotations

import faulthandler
import platform
import sys
import traceback
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import IO

from confide import __version__

_fault_file: IO[str] | None = None


def enable_fault_handler(log_dir: Path) -> Path:
    """Hard crashes (segfaults in native code) leave a trace in this file."""
    global _fault_file
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "native-crash.log"
    if _fault_file is None:
        _fault_file = path.open("a", encoding="utf-8")
        faulthandler.enable(_fault_file)
    return path


def disable_fault_handler() -> None:
    """Stops writing native crashes to the log folder and closes the file, so that the
    folder can be deleted ("Delete all my data"; Windows refuses to delete an open file)."""
    global _fault_file
    if _fault_file is None:
        return
    faulthandler.disable()
    _fault_file.close()
    _fault_file = None


def format_report(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> str:
    # The exception text is left out on purpose: it could quote what the user typed or what
    # a document contains. The type and the stack are enough to find the bug.
    frames = "".join(traceback.format_tb(tb))
    lines = [
        f"Confide {__version__} crash report",
        f"time: {datetime.now(timezone.utc).isoformat(timespec='seconds')}",
        f"python: {sys.version.split()[0]} ({platform.python_implementation()})",
        f"system: {platform.system()} {platform.release()} ({platform.machine()})",
        "",
        "Traceback (most recent call last):",
        frames.rstrip(),
        f"{exc_type.__module__}.{exc_type.__qualname__}",
    ]
    return "\n".join(lines) + "\n"


def describe_exception(exc: BaseException) -> str:
    """The type and stack of an exception, for the log: never its message (see format_report)."""
    frames = "".join(traceback.format_tb(exc.__traceback__)).rstrip()
    kind = type(exc)
    return f"{kind.__module__}.{kind.__qualname__}\n{frames}"


def write_report(log_dir: Path, report: str) -> Path:
    log_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    path = log_dir / f"crash-{stamp}.txt"
    path.write_text(report, encoding="utf-8")
    return path
