"""POST /api/pull and the blob downloads behind it (§3).

Each blob downloads in a background thread shared by every pull waiting on that digest, and
reference-counted like the daemon's blobDownload: when the last waiter leaves (its client hung
up) the download stops and the bytes so far stay as a partial, which the next pull resumes.
Waiters report progress on a ticker (`progress_interval`) and never send a final 100% line;
a blob that finishes before the first tick is not reported at all.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from .decoding import PULL_REQUEST
from .exchange import JSON_BARE, Exchange, decode_or_reply
from .http11 import ClientGone
from .names import ModelName, parse_name
from .state import DaemonState, Layer

UNKNOWN_MODEL = "pull model manifest: file does not exist"


def progress(status: str, digest: str = "", total: int = 0, completed: int = 0) -> dict[str, Any]:
    """api.ProgressResponse: status always, the rest omitted while empty/zero."""
    out: dict[str, Any] = {"status": status}
    if digest:
        out["digest"] = digest
    if total:
        out["total"] = total
    if completed:
        out["completed"] = completed
    return out


class BlobDownload:
    def __init__(self, layer: Layer, state: DaemonState, rate: float | None) -> None:
        self.layer = layer
        self.state = state
        self.rate = rate
        with state.lock:
            self.completed = min(state.partials.get(layer.digest, 0), layer.size)
        self.done = threading.Event()
        self.cancel = threading.Event()
        self.waiters = 0
        self.thread = threading.Thread(target=self._run, name="fake-ollama-download", daemon=True)

    def _run(self) -> None:
        last = time.monotonic()
        while True:
            if self.rate:
                if self.cancel.wait(0.005):
                    return  # partial bytes stay in state.partials
                now = time.monotonic()
                self.completed = min(
                    self.layer.size, self.completed + int(self.rate * (now - last))
                )
                last = now
            else:
                self.completed = self.layer.size
            with self.state.lock:
                if self.completed >= self.layer.size:
                    self.state.blobs[self.layer.digest] = self.layer.size
                    self.state.partials.pop(self.layer.digest, None)
                    self.done.set()
                    self.state.notify()
                    return
                self.state.partials[self.layer.digest] = self.completed


class Downloads:
    """The daemon's blobDownloadManager: one download per digest, shared by concurrent pulls."""

    def __init__(self, state: DaemonState) -> None:
        self.state = state
        self._lock = threading.Lock()
        self._active: dict[str, BlobDownload] = {}
        self.started = 0  # blob downloads begun (shared pulls start one)

    def acquire(self, layer: Layer, rate: float | None) -> BlobDownload:
        with self._lock:
            download = self._active.get(layer.digest)
            if download is None or download.cancel.is_set():
                download = BlobDownload(layer, self.state, rate)
                self._active[layer.digest] = download
                self.started += 1
                download.thread.start()
            download.waiters += 1
            return download

    def release(self, download: BlobDownload) -> None:
        with self._lock:
            download.waiters -= 1
            stopping = download.waiters <= 0 and not download.done.is_set()
            if download.waiters <= 0:
                if stopping:
                    download.cancel.set()
                if self._active.get(download.layer.digest) is download:
                    del self._active[download.layer.digest]
        if stopping:
            # Wait for the last bytes to be accounted, so the partial is final once we return.
            download.thread.join(2.0)

    def stop_all(self, timeout: float = 2.0) -> None:
        with self._lock:
            downloads = list(self._active.values())
            self._active.clear()
        for download in downloads:
            download.cancel.set()
        for download in downloads:
            download.thread.join(timeout)


def run_pull(ex: Exchange, name: ModelName, emit: Any) -> str | None:
    """Runs the pull, calling emit(progress) per line. Returns an error text, or None on success.
    Raises ClientGone when the client hangs up (the caller counts the cancellation)."""
    daemon = ex.daemon
    state = daemon.state
    beh = daemon.behaviour
    emit(progress("pulling manifest"))
    with state.lock:
        pullable = state.pullable.get(name.key)
    if pullable is None:
        return UNKNOWN_MODEL
    for layer in pullable.layers:
        status = f"pulling {layer.short}"
        with state.lock:
            present = layer.digest in state.blobs
        if present:
            emit(progress(status, layer.digest, layer.size, layer.size))
            continue
        download = daemon.downloads.acquire(layer, beh.pull_rate)
        try:
            while not download.done.is_set():
                if not ex.conn.pause(beh.progress_interval):
                    raise ClientGone()
                if download.done.is_set():
                    break  # Wait returns without a final 100% line
                emit(progress(status, layer.digest, layer.size, download.completed))
        finally:
            daemon.downloads.release(download)
    emit(progress("verifying sha256 digest"))
    emit(progress("writing manifest"))
    existing = state.find(name)
    # modified_at = now, so the model sorts first in /api/tags.
    state.install(
        existing.name if existing else name, pullable.spec, list(pullable.layers), time.time_ns()
    )
    emit(progress("success"))
    return None


def pull(ex: Exchange) -> None:
    body = decode_or_reply(ex, PULL_REQUEST)
    if body is None:
        return
    sent = body.get("model") or body.get("name") or ""
    name = parse_name(sent) if sent else None
    if name is None:
        ex.error(400, "invalid model name")
        return
    streaming = body.get("stream", True)
    if name.scheme == "http" and not body.get("insecure"):
        ex.error(500, "insecure protocol http", JSON_BARE)
        return
    state = ex.daemon.state
    try:
        if streaming:
            stream = ex.stream()
            error = run_pull(ex, name, stream.line)
            if error:
                stream.fail(error)
            else:
                stream.finish()
            return
        latest: list[dict[str, Any]] = []
        error = run_pull(ex, name, latest.append)
        if error:
            ex.error(500, error, JSON_BARE)
        else:
            ex.json(200, latest[-1], JSON_BARE)
    except ClientGone:
        state.mark_cancelled(ex.record, "pull", generation=False)
        raise
