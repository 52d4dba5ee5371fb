"""Is Ollama there? One probe, and the state the user sees.

The probe asks ``GET /api/version``, as the official desktop app does for readiness.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import httpx

from confide.core.ollama.errors import OllamaError
from confide.core.ollama.host import OllamaEndpoint, endpoint_from_environment
from confide.core.ollama.launcher import DaemonLauncher
from confide.core.ollama.locate import OllamaInstallation, OllamaLocator

PROBE_CONNECT_TIMEOUT_S = 1.5
PROBE_READ_TIMEOUT_S = 3.0
# How long after "Start Ollama" a refused connection still means "starting", not "not running".
STARTUP_GRACE_S = 30.0


class DaemonState(enum.Enum):
    CONNECTED = "connected"
    STARTING = "starting"
    NOT_RUNNING = "not_running"
    NOT_INSTALLED = "not_installed"
    INCOMPATIBLE = "incompatible"  # a port that answers, but not as Ollama
    UNRESPONSIVE = "unresponsive"  # accepts connections, never answers
    INVALID_HOST = "invalid_host"
    REMOTE_BLOCKED = "remote_blocked"

    @property
    def usable(self) -> bool:
        return self is DaemonState.CONNECTED


@dataclass(frozen=True)
class DaemonStatus:
    state: DaemonState
    address: str  # what to show the user: "127.0.0.1:11434", or the raw OLLAMA_HOST text
    version: str = ""
    detail: str = ""  # English, for the log and the "details" line
    installation: OllamaInstallation | None = None


@dataclass(frozen=True)
class EndpointResolution:
    endpoint: OllamaEndpoint | None
    problem: DaemonStatus | None


def resolve_endpoint(
    allowed_remote: str | None, environ: Mapping[str, str] | None = None
) -> EndpointResolution:
    """Reads OLLAMA_HOST and applies the loopback-only rule (unless the user allowed a host)."""
    try:
        endpoint = endpoint_from_environment(environ)
    except OllamaError as exc:
        raw = exc.host or ""
        return EndpointResolution(
            None, DaemonStatus(DaemonState.INVALID_HOST, raw, detail=exc.detail)
        )
    if not endpoint.is_loopback and endpoint.display != allowed_remote:
        status = DaemonStatus(
            DaemonState.REMOTE_BLOCKED, endpoint.display, detail="non-loopback host not allowed"
        )
        return EndpointResolution(endpoint, status)
    return EndpointResolution(endpoint, None)


async def probe_version(
    endpoint: OllamaEndpoint,
    *,
    connect_timeout: float = PROBE_CONNECT_TIMEOUT_S,
    read_timeout: float = PROBE_READ_TIMEOUT_S,
) -> tuple[DaemonState, str, str]:
    """Returns (state, version, detail) for whatever listens at ``endpoint``."""
    timeout = httpx.Timeout(
        connect=connect_timeout, read=read_timeout, write=read_timeout, pool=connect_timeout
    )
    try:
        async with httpx.AsyncClient(
            base_url=endpoint.base_url, timeout=timeout, trust_env=False
        ) as http:
            response = await http.get("/api/version")
    except httpx.ConnectTimeout as exc:
        return DaemonState.UNRESPONSIVE, "", f"connect timeout: {exc}"
    except httpx.ConnectError as exc:
        return DaemonState.NOT_RUNNING, "", f"connect error: {exc}"
    except httpx.TimeoutException as exc:
        return DaemonState.UNRESPONSIVE, "", f"no answer within {read_timeout:.1f} s: {exc!r}"
    except httpx.HTTPError as exc:
        return DaemonState.INCOMPATIBLE, "", f"{type(exc).__name__}: {exc}"
    content_type = response.headers.get("content-type", "")
    if response.status_code == 200 and "json" in content_type:
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if isinstance(payload, dict) and isinstance(payload.get("version"), str):
            return DaemonState.CONNECTED, payload["version"], ""
    return (
        DaemonState.INCOMPATIBLE,
        "",
        f"HTTP {response.status_code} {content_type or '(no content type)'} from /api/version",
    )


class DaemonSupervisor:
    """Combines the probe, the installation and what Confide launched into one status."""

    def __init__(
        self,
        resolution: EndpointResolution,
        locator: OllamaLocator,
        launcher: DaemonLauncher,
        *,
        clock: Callable[[], float] = time.monotonic,
        connect_timeout: float = PROBE_CONNECT_TIMEOUT_S,
        read_timeout: float = PROBE_READ_TIMEOUT_S,
    ) -> None:
        self.resolution = resolution
        self.locator = locator
        self.launcher = launcher
        self._clock = clock
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._launched_at: float | None = None
        # Once Ollama answered in this session, it is installed, even if Confide cannot find
        # the program (a service account, a container, an unusual folder).
        self._seen_running = False

    def note_launch(self) -> None:
        self._launched_at = self._clock()

    async def check(self) -> DaemonStatus:
        if self.resolution.problem is not None:
            return self.resolution.problem
        endpoint = self.resolution.endpoint
        assert endpoint is not None
        state, version, detail = await probe_version(
            endpoint, connect_timeout=self._connect_timeout, read_timeout=self._read_timeout
        )
        if state is DaemonState.CONNECTED:
            self._launched_at = None
            self._seen_running = True
            return DaemonStatus(state, endpoint.display, version=version)
        if state is not DaemonState.NOT_RUNNING:
            return DaemonStatus(state, endpoint.display, detail=detail)
        installation = self.locator.locate()
        if self._starting():
            return DaemonStatus(DaemonState.STARTING, endpoint.display, installation=installation)
        exit_code = self.launcher.owned_process_exit_code
        if exit_code is not None:
            detail = f"the Ollama that Confide started exited with code {exit_code}"
        if not installation.found and endpoint.is_loopback and not self._seen_running:
            return DaemonStatus(
                DaemonState.NOT_INSTALLED,
                endpoint.display,
                detail=detail,
                installation=installation,
            )
        return DaemonStatus(
            DaemonState.NOT_RUNNING, endpoint.display, detail=detail, installation=installation
        )

    def _starting(self) -> bool:
        if self._launched_at is None or self.launcher.owned_process_exit_code is not None:
            return False  # never launched, or it died: say so instead of "starting"
        return self._clock() - self._launched_at < STARTUP_GRACE_S
