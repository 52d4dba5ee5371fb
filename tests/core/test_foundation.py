"""Paths, preferences, crash reports, bundled resources and the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from confide.core.crash import format_report, write_report
from confide.core.paths import AppPaths
from confide.core.resources import resource_path, resources_root
from confide.core.settings import Preferences, PreferencesStore

REPO = Path(__file__).resolve().parents[2]


def test_portable_data_dir_holds_everything(tmp_path: Path) -> None:
    paths = AppPaths.resolve(tmp_path / "portable").ensure()
    for folder in paths.all_dirs():
        assert folder.is_dir()
        assert folder.is_relative_to(tmp_path / "portable")
    for file in (paths.database_file, paths.settings_file, paths.log_file, paths.daemon_log_file):
        assert file.is_relative_to(tmp_path / "portable")


def test_default_paths_use_the_app_name() -> None:
    paths = AppPaths.default()
    assert all("Confide" in str(folder) or "confide" in str(folder) for folder in paths.all_dirs())


def test_preferences_round_trip_and_survive_damage(tmp_path: Path) -> None:
    store = PreferencesStore(tmp_path / "settings.json")
    assert store.load() == Preferences()
    store.save(Preferences(ollama_executable="/opt/ollama", allowed_remote_host="10.0.0.2:11434"))
    assert store.load().allowed_remote_host == "10.0.0.2:11434"
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]  # no temp file left behind
    (tmp_path / "settings.json").write_text("{not json")
    assert store.load() == Preferences()
    (tmp_path / "settings.json").write_text(json.dumps({"last_model": "x", "unknown": 1}))
    assert store.load().last_model == "x"


def test_crash_report_leaves_the_exception_text_out(tmp_path: Path) -> None:
    secret = "".join(["client Kowalski ", "owes 40,000 PLN"])  # not in any source line
    try:
        raise ValueError(secret)
    except ValueError as exc:
        report = format_report(type(exc), exc, exc.__traceback__)
    assert "builtins.ValueError" in report
    assert "test_crash_report_leaves_the_exception_text_out" in report
    assert secret not in report
    path = write_report(tmp_path, report)
    assert path.parent == tmp_path and path.read_text() == report


def test_resources_resolve_in_the_source_tree() -> None:
    assert resources_root() == REPO / "resources"
    assert resource_path("styles/confide.qss").is_file()
    with pytest.raises(FileNotFoundError):
        resource_path("nope/missing.txt")


def test_resources_resolve_from_a_built_wheel(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path / "dist"),
            str(REPO),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = (tmp_path / "dist").glob("confide-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(tmp_path / "site")
    assert "confide/resources/styles/confide.qss" in names
    assert "confide/resources/icons/confide.svg" in names
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import confide; from confide.core.resources import resources_root, resource_path;"
        "print(confide.__file__); print(resources_root());"
        "print(resource_path('icons/confide.svg'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path / "site")],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    module_file, root, icon = result.stdout.split()
    site = str(tmp_path / "site")
    assert module_file.startswith(site)
    assert root == os.path.join(site, "confide", "resources")
    assert Path(icon).is_file()


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_version_and_help_need_no_display(flag: str) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    result = subprocess.run(
        [sys.executable, "-m", "confide", flag],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0
    assert "Confide" in result.stdout or "confide" in result.stdout
    if flag == "--version":
        assert result.stdout.strip().startswith("Confide 0.")


def test_core_never_imports_qt() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    if not lint_imports.exists():
        pytest.fail("import-linter is not installed: install the dev extras")
    result = subprocess.run(
        [str(lint_imports), "--config", str(REPO / "pyproject.toml")],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "The core never imports Qt KEPT" in result.stdout
