"""Finding an installed Ollama: the command-line executable and the official desktop app."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

DOWNLOAD_ADDRESS = "https://ollama.com/download"


@dataclass(frozen=True)
class OllamaInstallation:
    executable: Path | None
    desktop_app: Path | None  # Ollama.app on macOS, "ollama app.exe" on Windows

    @property
    def found(self) -> bool:
        return self.executable is not None or self.desktop_app is not None


def candidate_executables(platform: str, environ: Mapping[str, str], home: Path) -> list[Path]:
    """Where installers put the executable, per platform, in the order to try them."""
    if platform == "win32":
        local = Path(environ.get("LOCALAPPDATA", home / "AppData" / "Local"))
        return [local / "Programs" / "Ollama" / "ollama.exe"]
    if platform == "darwin":
        return [
            Path("/Applications/Ollama.app/Contents/Resources/ollama"),
            home / "Applications" / "Ollama.app" / "Contents" / "Resources" / "ollama",
            Path("/usr/local/bin/ollama"),
            Path("/opt/homebrew/bin/ollama"),
        ]
    return [Path("/usr/local/bin/ollama"), Path("/usr/bin/ollama")]


def candidate_desktop_apps(platform: str, environ: Mapping[str, str], home: Path) -> list[Path]:
    if platform == "win32":
        local = Path(environ.get("LOCALAPPDATA", home / "AppData" / "Local"))
        return [
            local / "Programs" / "Ollama" / "ollama app.exe",
            local / "Ollama" / "ollama app.exe",
        ]
    if platform == "darwin":
        return [Path("/Applications/Ollama.app"), home / "Applications" / "Ollama.app"]
    return []


class OllamaLocator:
    """Finds Ollama. Every input is injectable so that each platform's rules can be tested."""

    def __init__(
        self,
        *,
        platform: str = sys.platform,
        environ: Mapping[str, str] | None = None,
        home: Path | None = None,
        which: Callable[[str], str | None] = shutil.which,
        remembered: Callable[[], Path | None] = lambda: None,
    ) -> None:
        self._platform = platform
        self._environ = os.environ if environ is None else environ
        self._home = home or Path.home()
        self._which = which
        self._remembered = remembered

    def locate(self) -> OllamaInstallation:
        executable = self._find_executable()
        app = _first_existing(candidate_desktop_apps(self._platform, self._environ, self._home))
        if app is None and executable is not None and self._platform == "win32":
            sibling = executable.with_name("ollama app.exe")
            app = sibling if sibling.is_file() else None
        return OllamaInstallation(executable, app)

    def _find_executable(self) -> Path | None:
        remembered = self._remembered()
        if remembered is not None and is_usable_executable(remembered):
            return remembered
        on_path = self._which("ollama")
        if on_path:
            return Path(on_path)
        return _first_existing(candidate_executables(self._platform, self._environ, self._home))


def is_usable_executable(path: Path) -> bool:
    return path.is_file() and (sys.platform == "win32" or os.access(path, os.X_OK))


def _first_existing(paths: Sequence[Path]) -> Path | None:
    return next((path for path in paths if path.exists()), None)
