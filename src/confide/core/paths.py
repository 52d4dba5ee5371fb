"""Every on-disk location Confide uses, in one place.

The defaults follow each platform's conventions (through platformdirs). A single data
directory given with ``--data-dir`` (portable installs, tests) moves everything under it,
so that nothing is ever written elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import platformdirs

from confide import APP_NAME


@dataclass(frozen=True)
class AppPaths:
    """The folders Confide writes to. Create them with :meth:`ensure`."""

    data_dir: Path
    config_dir: Path
    log_dir: Path
    cache_dir: Path

    @classmethod
    def default(cls) -> AppPaths:
        # appauthor=False keeps Windows paths as %LOCALAPPDATA%\Confide instead of a
        # vendor sub-folder the user would never guess.
        dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False, roaming=False)
        return cls(
            data_dir=Path(dirs.user_data_dir),
            config_dir=Path(dirs.user_config_dir),
            log_dir=Path(dirs.user_log_dir),
            cache_dir=Path(dirs.user_cache_dir),
        )

    @classmethod
    def portable(cls, root: Path) -> AppPaths:
        root = root.expanduser().resolve()
        return cls(
            data_dir=root / "data",
            config_dir=root / "config",
            log_dir=root / "logs",
            cache_dir=root / "cache",
        )

    @classmethod
    def resolve(cls, data_dir_override: Path | None) -> AppPaths:
        return cls.portable(data_dir_override) if data_dir_override else cls.default()

    def ensure(self) -> AppPaths:
        for folder in self.all_dirs():
            folder.mkdir(parents=True, exist_ok=True)
        return self

    def all_dirs(self) -> tuple[Path, ...]:
        return (self.data_dir, self.config_dir, self.log_dir, self.cache_dir)

    # Named files, so that no module invents its own location.
    @property
    def database_file(self) -> Path:
        return self.data_dir / "confide.db"

    @property
    def backup_dir(self) -> Path:
        return self.data_dir / "backups"

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "confide.log"

    @property
    def daemon_log_file(self) -> Path:
        """Output of an ``ollama serve`` that Confide started itself."""
        return self.log_dir / "ollama-serve.log"
