"""The services the windows use, built once at start-up and passed in (no globals)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from confide.core.async_loop import LoopThread
from confide.core.ollama.client import OllamaClient
from confide.core.ollama.launcher import DaemonLauncher
from confide.core.ollama.locate import OllamaLocator
from confide.core.ollama.status import (
    PROBE_READ_TIMEOUT_S,
    DaemonSupervisor,
    EndpointResolution,
    resolve_endpoint,
)
from confide.core.paths import AppPaths
from confide.core.settings import PreferencesStore
from confide.core.store import KeyStore, ScryptParams
from confide.ui.store_gateway import StoreGateway
from confide.ui.tasks import TaskRunner

log = logging.getLogger(__name__)


class ClientHolder:
    """The one client for the current endpoint; rebuilt when the endpoint changes."""

    def __init__(self, loop_thread: LoopThread) -> None:
        self._loop_thread = loop_thread
        self._client: OllamaClient | None = None
        self._resolution: EndpointResolution | None = None

    def set_resolution(self, resolution: EndpointResolution) -> None:
        self._resolution = resolution
        old, self._client = self._client, None
        if old is not None:
            # Only when the user changes which daemon to use; a request still running on the
            # old client ends with a connection error, which the chat shows with Retry.
            self._loop_thread.submit(old.aclose())

    def get(self) -> OllamaClient | None:
        resolution = self._resolution
        if resolution is None or resolution.endpoint is None or resolution.problem is not None:
            return None
        if self._client is None:
            self._client = OllamaClient(resolution.endpoint)
        return self._client

    def close(self, timeout: float = 2.0) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                self._loop_thread.submit(client.aclose()).result(timeout)
            except (concurrent.futures.TimeoutError, asyncio.CancelledError, RuntimeError):
                log.warning("the Ollama client did not close in time")


@dataclass
class AppServices:
    paths: AppPaths
    preferences: PreferencesStore
    runner: TaskRunner
    supervisor: DaemonSupervisor
    clients: ClientHolder
    key_store: KeyStore
    gateway: StoreGateway
    environ: Mapping[str, str] | None = None

    def refresh_endpoint(self) -> EndpointResolution:
        """Re-reads OLLAMA_HOST and the remote-host permission, and applies them."""
        allowed = self.preferences.load().allowed_remote_host
        resolution = resolve_endpoint(allowed, self.environ)
        self.supervisor.resolution = resolution
        self.clients.set_resolution(resolution)
        return resolution

    def shutdown(self) -> None:
        # Order matters: streams must finish closing before their client's connections go.
        self.runner.cancel_all()
        self.runner.loop_thread.cancel_pending()
        self.gateway.close()
        self.clients.close()
        self.runner.shutdown()
        self.supervisor.launcher.stop_owned()


def build_services(
    paths: AppPaths,
    environ: Mapping[str, str] | None = None,
    *,
    probe_read_timeout: float = PROBE_READ_TIMEOUT_S,
    scrypt: ScryptParams | None = None,
) -> AppServices:
    """Everything but the store itself, which opens only once the user has unlocked it."""
    preferences = PreferencesStore(paths.settings_file)

    def remembered_executable() -> Path | None:
        location = preferences.load().ollama_executable
        return Path(location) if location else None

    loop_thread = LoopThread()
    runner = TaskRunner(loop_thread)
    locator = OllamaLocator(remembered=remembered_executable, environ=environ)
    launcher = DaemonLauncher(paths.daemon_log_file)
    resolution = resolve_endpoint(preferences.load().allowed_remote_host, environ)
    supervisor = DaemonSupervisor(resolution, locator, launcher, read_timeout=probe_read_timeout)
    clients = ClientHolder(loop_thread)
    clients.set_resolution(resolution)
    key_store = (
        KeyStore.for_paths(paths) if scrypt is None else KeyStore.for_paths(paths, scrypt=scrypt)
    )
    gateway = StoreGateway(runner)
    return AppServices(paths, preferences, runner, supervisor, clients, key_store, gateway, environ)
