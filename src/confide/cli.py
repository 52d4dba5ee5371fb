"""Command-line arguments. Parsed before Qt is imported, so --help/--version need no display."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from confide import __version__


@dataclass(frozen=True)
class Options:
    data_dir: Path | None
    debug: bool


def parse_args(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        prog="confide",
        description="Confide: private chat with open language models, on your own computer. "
        "It talks only to the Ollama daemon on this machine (OLLAMA_HOST is honoured; "
        "another computer must be allowed in the app first).",
    )
    parser.add_argument("--version", action="version", version=f"Confide {__version__}")
    parser.add_argument(
        "--data-dir",
        type=Path,
        metavar="FOLDER",
        help="keep all data, settings and logs in FOLDER (portable use, tests)",
    )
    parser.add_argument("--debug", action="store_true", help="write detailed logs")
    # Qt's own arguments (e.g. -platform) are passed through to QApplication.
    namespace, _unknown = parser.parse_known_args(argv)
    return Options(data_dir=namespace.data_dir, debug=namespace.debug)
