"""The daemon's memory: installed models, blobs and partial downloads, loaded runners with
their keep-alive timers, request slots, and the log of what reached the daemon.

Everything here survives `FakeOllama.stop()` except the loaded runners, just as models and
`-partial` files on disk survive a daemon restart while loaded models do not.
All access goes through one re-entrant lock; `changed` is notified on every state change.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .models import ModelSpec, fake_digest
from .names import ModelName

NS = 1_000_000_000
_FOREVER_NS = 2**63 - 1  # Go's time.Duration(math.MaxInt64): "forever" is ~292 years


@dataclass(frozen=True)
class Layer:
    digest: str  # "sha256:<64 hex>"
    size: int
    media_type: str

    @property
    def short(self) -> str:
        """The `<12hex>` in `pulling <12hex>`: digest[7:19]."""
        return self.digest[7:19]


@dataclass
class Installed:
    name: ModelName
    spec: ModelSpec  # resolved (family defaults filled in)
    layers: list[Layer]
    modified_ns: int

    @property
    def display(self) -> str:
        return self.name.display

    @property
    def size(self) -> int:
        return sum(layer.size for layer in self.layers)

    @property
    def digest(self) -> str:
        """sha256 of the manifest JSON, 64 hex, no prefix (what tags and ps show)."""
        manifest = {
            "schemaVersion": 2,
            "layers": [
                {"digest": lay.digest, "size": lay.size, "mediaType": lay.media_type}
                for lay in self.layers
            ],
        }
        return hashlib.sha256(json.dumps(manifest).encode()).hexdigest()

    @property
    def model_layer(self) -> Layer:
        for layer in self.layers:
            if layer.media_type.endswith(".model"):
                return layer
        return self.layers[0]


@dataclass
class Pullable:
    name: ModelName
    spec: ModelSpec
    layers: list[Layer]


@dataclass
class Runner:
    """A loaded model (what /api/ps lists)."""

    model: Installed
    num_ctx: int
    keep_alive: float  # seconds; math.inf = forever
    loading: bool = True
    active: int = 0
    expires_ns: int = 0
    loaded_ns: int = field(default_factory=time.time_ns)

    def expires_at_ns(self, now_ns: int) -> int:
        # While a request is in flight the timer is not armed: the daemon reports now + keep_alive.
        if self.active or self.loading:
            return now_ns + _keep_alive_ns(self.keep_alive)
        return self.expires_ns


def _keep_alive_ns(seconds: float) -> int:
    if math.isinf(seconds):
        return _FOREVER_NS
    return int(seconds * NS)


@dataclass
class RecordedRequest:
    """One request as it reached the daemon."""

    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    raw_body: bytes
    timestamp: float  # time.time() at arrival
    body: Any = None  # the JSON body parsed (None if absent or not JSON)
    status: int | None = None  # status line sent (None if the client left before headers)
    cancelled: bool = False  # the client hung up before the daemon was done
    cancelled_during: str | None = None  # "queue", "load", "stream", "pull"
    finished: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def json(self) -> Any:
        return self.body


class DaemonState:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.installed: dict[str, Installed] = {}
        self.pullable: dict[str, Pullable] = {}
        self.blobs: dict[str, int] = {}  # digest -> size of complete blobs
        self.blob_heads: dict[str, bytes] = {}  # first bytes of uploaded blobs (GGUF header)
        self.partials: dict[str, int] = {}  # digest -> bytes already downloaded
        self.runners: dict[str, Runner] = {}
        self._busy: dict[str, int] = {}
        self.pending = 0
        self.requests: list[RecordedRequest] = []
        self.generation_cancelled = 0
        self.generations_completed = 0
        self.pulls_cancelled = 0
        self.internal_errors: list[BaseException] = []

    def notify(self) -> None:
        with self.changed:
            self.changed.notify_all()

    # --- models -------------------------------------------------------------------------------

    def install(
        self, name: ModelName, spec: ModelSpec, layers: list[Layer], modified_ns: int | None = None
    ) -> Installed:
        model = Installed(name, spec, layers, modified_ns or time.time_ns())
        with self.lock:
            self.installed[name.key] = model
            for layer in layers:
                self.blobs[layer.digest] = layer.size
                self.partials.pop(layer.digest, None)
            self.notify()
        return model

    def find(self, name: ModelName) -> Installed | None:
        with self.lock:
            return self.installed.get(name.key)

    def remove(self, name: ModelName) -> Installed | None:
        with self.lock:
            model = self.installed.pop(name.key, None)
            if model is not None:
                in_use = {lay.digest for m in self.installed.values() for lay in m.layers}
                for layer in model.layers:
                    if layer.digest not in in_use:
                        self.blobs.pop(layer.digest, None)
                        self.blob_heads.pop(layer.digest, None)
            self.notify()
            return model

    def listing(self) -> list[Installed]:
        """Newest first, as /api/tags sorts."""
        with self.lock:
            return sorted(self.installed.values(), key=lambda m: m.modified_ns, reverse=True)

    # --- request log --------------------------------------------------------------------------

    def record(self, entry: RecordedRequest) -> None:
        with self.lock:
            self.requests.append(entry)
            self.notify()

    def mark_cancelled(self, entry: RecordedRequest, phase: str, *, generation: bool) -> None:
        with self.lock:
            if not entry.cancelled:
                entry.cancelled = True
                entry.cancelled_during = phase
                if generation:
                    self.generation_cancelled += 1
                else:
                    self.pulls_cancelled += 1
            self.notify()

    def wait_for(self, predicate: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self.changed:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self.changed.wait(min(remaining, 0.05))
            return True

    # --- request slots (OLLAMA_NUM_PARALLEL / OLLAMA_MAX_QUEUE) -------------------------------

    def acquire_slot(
        self, key: str, parallel: int, max_queue: int, alive: Callable[[], bool]
    ) -> str:
        """'ok' once a slot is held, 'busy' if the queue is full, 'gone' if the client left."""
        with self.lock:
            if self._busy.get(key, 0) < parallel:
                self._busy[key] = self._busy.get(key, 0) + 1
                return "ok"
            if self.pending >= max_queue:
                return "busy"
            self.pending += 1
        try:
            while True:
                with self.changed:
                    if self._busy.get(key, 0) < parallel:
                        self._busy[key] = self._busy.get(key, 0) + 1
                        return "ok"
                    self.changed.wait(0.01)
                if not alive():
                    return "gone"
        finally:
            with self.lock:
                self.pending -= 1

    def release_slot(self, key: str) -> None:
        with self.lock:
            self._busy[key] = max(0, self._busy.get(key, 0) - 1)
            self.notify()

    # --- runners and keep-alive ---------------------------------------------------------------

    def _purge_expired(self) -> None:
        now = time.time_ns()
        for key, runner in list(self.runners.items()):
            if not runner.active and not runner.loading and runner.expires_ns <= now:
                del self.runners[key]

    def claim_runner(
        self, model: Installed, num_ctx: int, keep_alive: float
    ) -> tuple[Runner, bool]:
        """The runner for this request, and whether it must load (first use or new num_ctx)."""
        with self.lock:
            self._purge_expired()
            runner = self.runners.get(model.name.key)
            needs_load = runner is None or runner.num_ctx != num_ctx or runner.model is not model
            if needs_load:
                runner = Runner(model=model, num_ctx=num_ctx, keep_alive=keep_alive)
                self.runners[model.name.key] = runner
            assert runner is not None
            runner.active += 1
            runner.keep_alive = keep_alive
            self.notify()
            return runner, needs_load

    def runner_loaded(self, runner: Runner) -> None:
        with self.lock:
            runner.loading = False
            runner.loaded_ns = time.time_ns()
            self.notify()

    def release_runner(self, runner: Runner, *, failed_load: bool = False) -> None:
        with self.lock:
            runner.active = max(0, runner.active - 1)
            current = self.runners.get(runner.model.name.key)
            if failed_load and runner.loading:
                if current is runner:
                    del self.runners[runner.model.name.key]
            elif not runner.active:
                runner.expires_ns = time.time_ns() + _keep_alive_ns(runner.keep_alive)
                if runner.keep_alive == 0 and current is runner:
                    del self.runners[runner.model.name.key]
            self.notify()

    def unload(self, name: ModelName) -> None:
        with self.lock:
            runner = self.runners.get(name.key)
            if runner is not None:
                runner.keep_alive = 0
                if not runner.active and not runner.loading:
                    del self.runners[name.key]
            self.notify()

    def any_loading(self) -> bool:
        with self.lock:
            return any(r.loading for r in self.runners.values())

    def loaded(self) -> list[tuple[Runner, int]]:
        """(runner, expires_at_ns) sorted by expiry, latest first."""
        with self.lock:
            self._purge_expired()
            now = time.time_ns()
            rows = [(r, r.expires_at_ns(now)) for r in self.runners.values() if not r.loading]
        return sorted(rows, key=lambda row: row[1], reverse=True)

    def forget_runners(self) -> None:
        with self.lock:
            self.runners.clear()
            self._busy.clear()
            self.notify()


def standard_layers(name: str, spec: ModelSpec, model_digest: str | None = None) -> list[Layer]:
    """A manifest like the registry's: weights, then template/license/params, then config.

    Digests are derived from the content, so two models with the same weights share blobs.
    """
    pieces: list[Layer] = []
    if spec.template:
        size = len(spec.template.encode())
        pieces.append(
            Layer(
                f"sha256:{fake_digest('template', spec.template)}",
                size,
                "application/vnd.ollama.image.template",
            )
        )
    if spec.system:
        pieces.append(
            Layer(
                f"sha256:{fake_digest('system', spec.system)}",
                len(spec.system.encode()),
                "application/vnd.ollama.image.system",
            )
        )
    if spec.license:
        pieces.append(
            Layer(
                f"sha256:{fake_digest('license', spec.license)}",
                len(spec.license.encode()),
                "application/vnd.ollama.image.license",
            )
        )
    if spec.parameters:
        params = json.dumps(spec.parameters, sort_keys=True)
        pieces.append(
            Layer(
                f"sha256:{fake_digest('params', params)}",
                len(params),
                "application/vnd.ollama.image.params",
            )
        )
    config = json.dumps({"model_format": spec.format, "model_family": spec.family, "name": name})
    pieces.append(
        Layer(
            f"sha256:{fake_digest('config', config)}",
            487,
            "application/vnd.docker.container.image.v1+json",
        )
    )
    small = sum(layer.size for layer in pieces)
    weights_id = fake_digest(
        "weights", spec.family, spec.parameter_size, spec.quantization, spec.size
    )
    weights = Layer(
        model_digest or f"sha256:{weights_id}",
        max(1, spec.size - small),
        "application/vnd.ollama.image.model",
    )
    return [weights, *pieces]
