"""Starting Ollama when it is not running, and stopping only what Confide itself started."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import IO

from confide.core.ollama.host import OllamaEndpoint
from confide.core.ollama.locate import OllamaInstallation

log = logging.getLogger(__name__)

GRACEFUL_STOP_S = 5.0


class LaunchMethod(Enum):
    DESKTOP_APP = "desktop_app"  # the official app, which supervises its own daemon
    SERVE = "serve"  # `ollama serve`, owned by Confide


class LaunchError(Exception):
    pass


@dataclass(frozen=True)
class LaunchPlan:
    method: LaunchMethod
    command: tuple[str, ...]
    environment: Mapping[str, str]


def plan_launch(
    installation: OllamaInstallation,
    endpoint: OllamaEndpoint,
    *,
    platform: str = sys.platform,
    base_environment: Mapping[str, str] | None = None,
) -> LaunchPlan:
    """Chooses how to start Ollama.

    The official app is preferred where it is installed and Confide uses the default
    address: the app restarts its daemon when it dies, and if it finds a foreign
    ``ollama serve`` on its port it kills it (ollama-api.md §4.4), so running our own serve
    next to it would be fragile. For any other address, Confide runs ``ollama serve`` bound
    to loopback on that port.
    """
    if not endpoint.is_loopback:
        raise LaunchError("Confide only starts Ollama on this computer")
    environment = dict(os.environ if base_environment is None else base_environment)
    app = installation.desktop_app
    if app is not None and endpoint.is_default:
        if platform == "darwin":
            command: tuple[str, ...] = (
                "/usr/bin/open",
                "-j",
                "-a",
                str(app),
                "--args",
                "--fast-startup",
            )
            return LaunchPlan(LaunchMethod.DESKTOP_APP, command, environment)
        if platform == "win32":
            command = (str(app), "--hide", "--fast-startup")
            return LaunchPlan(LaunchMethod.DESKTOP_APP, command, environment)
    if installation.executable is None:
        raise LaunchError("Ollama is not installed")
    # Bind to loopback even if the user's OLLAMA_HOST says 0.0.0.0: nothing leaves this machine.
    environment["OLLAMA_HOST"] = f"{endpoint.host}:{endpoint.port}"
    return LaunchPlan(LaunchMethod.SERVE, (str(installation.executable), "serve"), environment)


class DaemonLauncher:
    """Runs a launch plan; remembers the process only if Confide owns it."""

    def __init__(self, log_file: Path, *, graceful_stop_s: float = GRACEFUL_STOP_S) -> None:
        self._log_file = log_file
        self._graceful_stop_s = graceful_stop_s
        self._owned: subprocess.Popen[bytes] | None = None

    @property
    def owns_daemon(self) -> bool:
        return self._owned is not None and self._owned.poll() is None

    @property
    def owned_process_exit_code(self) -> int | None:
        return None if self._owned is None else self._owned.poll()

    def start(self, plan: LaunchPlan) -> None:
        if self.owns_daemon:
            return
        log.info("starting Ollama via %s", plan.method.value)
        self._log_file.parent.mkdir(parents=True, exist_ok=True)
        try:
            if plan.method is LaunchMethod.DESKTOP_APP:
                # The app detaches and supervises its own daemon; it is the user's, not ours.
                _spawn(plan, subprocess.DEVNULL)
                return
            with self._log_file.open("ab") as output:
                self._owned = _spawn(plan, output)
        except OSError as exc:
            raise LaunchError(f"could not run {plan.command[0]}: {exc.strerror}") from exc

    def stop_owned(self) -> None:
        """Stops the daemon Confide started: gracefully, then by force after a grace period."""
        process, self._owned = self._owned, None
        if process is None or process.poll() is not None:
            return
        log.info("stopping the Ollama daemon Confide started (pid %s)", process.pid)
        try:
            if sys.platform == "win32":
                process.send_signal(signal.CTRL_BREAK_EVENT)  # type: ignore[attr-defined,unused-ignore]
            else:
                process.send_signal(signal.SIGINT)
            process.wait(self._graceful_stop_s)
        except subprocess.TimeoutExpired:
            log.warning("Ollama did not stop in %.0f s; killing it", self._graceful_stop_s)
            process.kill()
            process.wait()
        except OSError:
            process.wait()


def _spawn(plan: LaunchPlan, output: int | IO[bytes]) -> subprocess.Popen[bytes]:
    command, environment = list(plan.command), dict(plan.environment)
    if sys.platform == "win32":
        flags = subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.CREATE_NO_WINDOW  # type: ignore[attr-defined,unused-ignore]
        return subprocess.Popen(
            command,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            creationflags=flags,
        )
    # Its own session: a Ctrl+C meant for a terminal that started Confide must not hit it.
    return subprocess.Popen(
        command,
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
