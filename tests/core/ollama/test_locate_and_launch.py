"""Finding Ollama on each platform, and choosing how to start it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from confide.core.ollama.host import DEFAULT_ENDPOINT, parse_ollama_host
from confide.core.ollama.launcher import LaunchError, LaunchMethod, plan_launch
from confide.core.ollama.locate import OllamaInstallation, OllamaLocator, candidate_executables


def _executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_platform_install_locations(tmp_path: Path) -> None:
    env = {"LOCALAPPDATA": r"C:\Users\anna\AppData\Local"}
    windows = candidate_executables("win32", env, tmp_path)
    assert windows == [Path(r"C:\Users\anna\AppData\Local") / "Programs" / "Ollama" / "ollama.exe"]
    mac = candidate_executables("darwin", {}, tmp_path)
    assert Path("/Applications/Ollama.app/Contents/Resources/ollama") in mac
    assert Path("/usr/local/bin/ollama") in mac and Path("/opt/homebrew/bin/ollama") in mac
    linux = candidate_executables("linux", {}, tmp_path)
    assert linux == [Path("/usr/local/bin/ollama"), Path("/usr/bin/ollama")]


def test_path_wins_over_default_locations(tmp_path: Path) -> None:
    on_path = _executable(tmp_path / "bin" / "ollama")
    locator = OllamaLocator(
        platform="linux", environ={}, home=tmp_path, which=lambda _: str(on_path)
    )
    assert locator.locate().executable == on_path


def test_windows_install_folder_and_desktop_app(tmp_path: Path) -> None:
    local = tmp_path / "Local"
    exe = _executable(local / "Programs" / "Ollama" / "ollama.exe")
    app = _executable(local / "Programs" / "Ollama" / "ollama app.exe")
    locator = OllamaLocator(
        platform="win32", environ={"LOCALAPPDATA": str(local)}, home=tmp_path, which=lambda _: None
    )
    found = locator.locate()
    assert found.executable == exe
    assert found.desktop_app == app


def test_remembered_location_is_used_first(tmp_path: Path) -> None:
    remembered = _executable(tmp_path / "odd place" / "ollama")
    locator = OllamaLocator(
        platform="linux",
        environ={},
        home=tmp_path,
        which=lambda _: "/usr/bin/ollama",
        remembered=lambda: remembered,
    )
    assert locator.locate().executable == remembered


def test_nothing_installed(tmp_path: Path) -> None:
    locator = OllamaLocator(platform="linux", environ={}, home=tmp_path, which=lambda _: None)
    if any(p.exists() for p in candidate_executables("linux", {}, tmp_path)):
        pytest.fail("this machine has a real Ollama installed; the test assumes none")
    assert not locator.locate().found


def test_official_app_preferred_at_the_default_address() -> None:
    install = OllamaInstallation(Path("/usr/local/bin/ollama"), Path("/Applications/Ollama.app"))
    plan = plan_launch(install, DEFAULT_ENDPOINT, platform="darwin", base_environment={})
    assert plan.method is LaunchMethod.DESKTOP_APP
    assert plan.command[:4] == ("/usr/bin/open", "-j", "-a", "/Applications/Ollama.app")

    windows = OllamaInstallation(Path("C:/o/ollama.exe"), Path("C:/o/ollama app.exe"))
    plan = plan_launch(windows, DEFAULT_ENDPOINT, platform="win32", base_environment={})
    assert plan.method is LaunchMethod.DESKTOP_APP
    assert "--hide" in plan.command


def test_serve_on_loopback_for_a_custom_port() -> None:
    install = OllamaInstallation(Path("/usr/local/bin/ollama"), Path("/Applications/Ollama.app"))
    endpoint = parse_ollama_host("0.0.0.0:11500")  # user wants "everywhere": we still bind loopback
    plan = plan_launch(install, endpoint, platform="darwin", base_environment={"PATH": "/bin"})
    assert plan.method is LaunchMethod.SERVE
    assert plan.command == ("/usr/local/bin/ollama", "serve")
    assert plan.environment["OLLAMA_HOST"] == "127.0.0.1:11500"
    assert plan.environment["PATH"] == "/bin"


def test_never_starts_for_another_computer() -> None:
    install = OllamaInstallation(Path("/usr/bin/ollama"), None)
    with pytest.raises(LaunchError):
        plan_launch(install, parse_ollama_host("192.168.1.5"), platform="linux")


def test_cannot_start_what_is_not_installed() -> None:
    with pytest.raises(LaunchError):
        plan_launch(OllamaInstallation(None, None), DEFAULT_ENDPOINT, platform="linux")


def test_environment_is_inherited_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OLLAMA_MODELS", "/srv/models")
    plan = plan_launch(
        OllamaInstallation(Path("/usr/bin/ollama"), None), DEFAULT_ENDPOINT, platform="linux"
    )
    assert plan.environment["OLLAMA_MODELS"] == "/srv/models"
    assert os.environ.get("OLLAMA_HOST") is None  # we never change our own environment
