"""`FakeOllama`: the test double's public face.

A real HTTP/1.1 server on 127.0.0.1 that answers like the Ollama daemon (see
/work/shared/ollama-api.md), plus the knobs tests use to script it and the log they use to
check what reached it. State (installed models, blobs, partial downloads) survives
`stop()`/`start()`, which reuse the same port, as a restarted daemon would find its disk.
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
import os
import time
from collections.abc import Iterable
from dataclasses import fields
from typing import Any

from . import routes
from .api_pull import Downloads
from .behaviours import Behaviour, Script, Scripts
from .http11 import Connection, LoopbackHTTPServer, Request
from .models import DEFAULT_INSTALLED, DEFAULT_PULLABLE, PRESETS, ModelSpec, fake_digest
from .names import ModelName, parse_name
from .state import DaemonState, Layer, Pullable, RecordedRequest, standard_layers

_SPEC_FIELDS = {f.name for f in fields(ModelSpec)}


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _name(raw: str) -> ModelName:
    name = parse_name(raw)
    if name is None:
        raise ValueError(f"invalid model name: {raw!r}")
    return name


def _spec(name: ModelName, given: dict[str, Any]) -> ModelSpec:
    overrides = {k: v for k, v in given.items() if v is not None}
    unknown = set(overrides) - _SPEC_FIELDS
    if unknown:
        raise TypeError(f"unknown model field(s): {', '.join(sorted(unknown))}")
    preset = PRESETS.get(name.display.lower())
    base = preset if preset is not None and "family" not in overrides else ModelSpec()
    values = {f: getattr(base, f) for f in _SPEC_FIELDS}
    if preset is None or "family" in overrides:
        # A custom model takes nothing from a preset, not even a license.
        values["license"] = ""
        values["model_info"] = {}
    values.update(overrides)
    return ModelSpec(**values).resolved()


def _epoch_ns(value: float | _dt.datetime | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        return int(value.timestamp() * 1e9)
    return int(value * 1e9)


class FakeOllama:
    """A fake Ollama daemon on loopback. Use as a context manager or start()/stop()."""

    def __init__(
        self,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        models: Iterable[str] | None = DEFAULT_INSTALLED,
        pullable: Iterable[str] | None = DEFAULT_PULLABLE,
        models_dir: str | None = None,
        **knobs: Any,
    ) -> None:
        if not is_loopback(host):
            raise ValueError(f"the fake daemon only listens on loopback, not {host!r}")
        self.state = DaemonState()
        self.behaviour = Behaviour(**knobs)
        self.scripts = Scripts()
        self.downloads = Downloads(self.state)
        self.models_dir = models_dir or os.path.join(os.path.expanduser("~"), ".ollama", "models")
        self._http = LoopbackHTTPServer(
            self._handle,
            host="127.0.0.1" if host == "localhost" else host,
            port=port,
            on_error=self._on_error,
        )
        for index, name in enumerate(models or ()):
            # Presets get distinct, increasing mtimes so /api/tags order is stable.
            self.add_model(name, modified_at=time.time() - 3600 + index)
        for name in [*(models or ()), *(pullable or ())]:
            self.add_pullable(name)

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> FakeOllama:
        self._http.start()
        return self

    def stop(self) -> None:
        """Hangs up on every client and stops listening; loaded models are forgotten."""
        self._http.stop()
        self.downloads.stop_all()
        self.state.forget_runners()

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def running(self) -> bool:
        return self._http.running

    def __enter__(self) -> FakeOllama:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._http.port

    @property
    def host_port(self) -> str:
        """'127.0.0.1:PORT', the OLLAMA_HOST form."""
        return f"{self._http.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.host_port}"

    def _handle(self, request: Request, conn: Connection) -> None:
        routes.dispatch(self, request, conn)

    def _on_error(self, err: BaseException) -> None:
        with self.state.lock:
            self.state.internal_errors.append(err)

    @property
    def internal_errors(self) -> list[BaseException]:
        """Exceptions raised inside the double (bugs in the double, not in the app)."""
        with self.state.lock:
            return list(self.state.internal_errors)

    # --- models ----------------------------------------------------------------------------------

    def add_model(
        self,
        name: str,
        *,
        family: str | None = None,
        parameter_size: str | None = None,
        quantization: str | None = None,
        capabilities: list[str] | None = None,
        context_length: int | None = None,
        size: int | None = None,
        modified_at: float | _dt.datetime | None = None,
        **spec: Any,
    ) -> str:
        """Installs a model; returns its display name ('llama3.2:latest').

        A preset name (see models.PRESETS) starts from the preset; passing `family` starts from
        scratch. Other ModelSpec fields (template, system, parameters, license,
        embedding_length, block_count, model_info, families, format) go in **spec.
        `modified_at` is epoch seconds or a datetime (default: now, so it lists first).
        """
        parsed = _name(name)
        model_spec = _spec(
            parsed,
            {
                "family": family,
                "parameter_size": parameter_size,
                "quantization": quantization,
                "capabilities": capabilities,
                "context_length": context_length,
                "size": size,
                **spec,
            },
        )
        layers = standard_layers(parsed.display, model_spec)
        self.state.install(parsed, model_spec, layers, _epoch_ns(modified_at))
        return parsed.display

    def remove_model(self, name: str) -> None:
        self.state.remove(_name(name))

    def add_pullable(self, name: str, layers: list[int] | None = None, **spec: Any) -> list[str]:
        """Offers a model in the fake registry; returns its blob digests in pull order.

        `layers` are blob sizes in bytes (the first is the weights); default: the preset's
        manifest (weights, template, license, params, config).
        """
        parsed = _name(name)
        if layers is not None:
            spec.setdefault("size", sum(layers))
        model_spec = _spec(parsed, spec)
        if layers is None:
            blobs = standard_layers(parsed.display, model_spec)
        else:
            kinds = ["model"] + ["params"] * (len(layers) - 1)
            blobs = [
                Layer(
                    f"sha256:{fake_digest('pull', parsed.key, i, size)}",
                    size,
                    f"application/vnd.ollama.image.{kind}",
                )
                for i, (size, kind) in enumerate(zip(layers, kinds, strict=True))
            ]
        with self.state.lock:
            self.state.pullable[parsed.key] = Pullable(parsed, model_spec, blobs)
        return [blob.digest for blob in blobs]

    def remove_pullable(self, name: str) -> None:
        with self.state.lock:
            self.state.pullable.pop(_name(name).key, None)

    def installed_models(self) -> list[str]:
        return [m.display for m in self.state.listing()]

    def loaded_models(self) -> list[str]:
        return [runner.model.display for runner, _ in self.state.loaded()]

    def unload_all(self) -> None:
        self.state.forget_runners()

    def partial_bytes(self, name: str) -> int:
        """Bytes kept from interrupted downloads of that pullable model (0 if none)."""
        parsed = _name(name)
        with self.state.lock:
            pullable = self.state.pullable.get(parsed.key)
            if pullable is None:
                return 0
            return sum(self.state.partials.get(blob.digest, 0) for blob in pullable.layers)

    def has_blob(self, digest: str) -> bool:
        with self.state.lock:
            return digest in self.state.blobs

    # --- behaviour -------------------------------------------------------------------------------

    def script(self, model: str | None = None, *, once: bool = False, **knobs: Any) -> Script:
        """Overrides Behaviour knobs for `model` (all models if None); `once` = next request only.
        Returns a handle with .remove()."""
        return self.scripts.add(model, once, knobs)

    def resolve_behaviour(self, model: str, *, consume: bool = False) -> Behaviour:
        return self.scripts.resolve(self.behaviour, model, consume=consume)

    # --- observation -----------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self.state.lock:
            return list(self.state.requests)

    def requests_to(self, path: str, method: str | None = None) -> list[RecordedRequest]:
        return [
            r for r in self.requests if r.path == path and (method is None or r.method == method)
        ]

    def last_request(self, path: str | None = None) -> RecordedRequest | None:
        matching = self.requests if path is None else self.requests_to(path)
        return matching[-1] if matching else None

    def clear_requests(self) -> None:
        with self.state.lock:
            self.state.requests.clear()

    def wait_for_request(self, path: str, count: int = 1, timeout: float = 5.0) -> RecordedRequest:
        """Blocks until `count` requests to `path` have arrived; returns the last of them."""
        if not self.state.wait_for(lambda: len(self.requests_to(path)) >= count, timeout):
            raise TimeoutError(f"no request #{count} to {path} within {timeout}s")
        return self.requests_to(path)[count - 1]

    @property
    def generation_cancelled(self) -> int:
        """Chat/generate/embed requests abandoned because the client hung up (any phase)."""
        with self.state.lock:
            return self.state.generation_cancelled

    @property
    def generations_completed(self) -> int:
        with self.state.lock:
            return self.state.generations_completed

    @property
    def pulls_cancelled(self) -> int:
        with self.state.lock:
            return self.state.pulls_cancelled

    def wait_for_cancelled(self, count: int = 1, timeout: float = 5.0) -> bool:
        return self.state.wait_for(lambda: self.state.generation_cancelled >= count, timeout)

    def wait_for_pull_cancelled(self, count: int = 1, timeout: float = 5.0) -> bool:
        return self.state.wait_for(lambda: self.state.pulls_cancelled >= count, timeout)

    def wait_until(self, predicate: Any, timeout: float = 5.0) -> bool:
        """Waits for any condition on the double's state (re-checked on every change)."""
        return self.state.wait_for(predicate, timeout)
