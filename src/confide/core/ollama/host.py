"""Where the Ollama daemon is: ``OLLAMA_HOST`` read exactly as the official clients read it.

Valid values give the same base URL as the official Python client (``ollama._client._parse_host``,
which mirrors the daemon's ``envconfig.Host``): quotes and spaces trimmed, default scheme http
and port 11434, ``http://`` implies port 80 and ``https://`` port 443, ``:port`` means loopback.
Values the official client would silently turn into something else (a port that is not a
number, a missing host) are refused with a clear error instead, so the user never ends up
talking to a different address than they think.
"""

from __future__ import annotations

import ipaddress
import os
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass

from confide.core.ollama.errors import OllamaError, OllamaErrorKind

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 11434
ENV_VAR = "OLLAMA_HOST"

# The daemon treats these as "listen on every interface"; a client must connect to loopback
# instead (the daemon's ConnectableHost does the same; Windows cannot connect to 0.0.0.0).
_UNSPECIFIED_TO_LOOPBACK = {"0.0.0.0": "127.0.0.1", "::": "::1"}


@dataclass(frozen=True)
class OllamaEndpoint:
    scheme: str
    host: str
    port: int
    path: str = ""

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}{self.path}"

    @property
    def display(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def is_loopback(self) -> bool:
        if self.host.lower() == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    @property
    def is_default(self) -> bool:
        return self.is_loopback and self.port == DEFAULT_PORT and not self.path


DEFAULT_ENDPOINT = OllamaEndpoint("http", DEFAULT_HOST, DEFAULT_PORT)


def _invalid(raw: str, why: str) -> OllamaError:
    return OllamaError(OllamaErrorKind.INVALID_HOST, f"OLLAMA_HOST={raw!r}: {why}", host=raw)


def parse_ollama_host(value: str | None) -> OllamaEndpoint:
    raw = value or ""
    text = raw.strip().strip("\"'").strip()
    if not text:
        return DEFAULT_ENDPOINT
    if any(ch.isspace() for ch in text):
        raise _invalid(raw, "contains spaces")

    port = DEFAULT_PORT
    scheme, sep, hostport = text.partition("://")
    if not sep:
        scheme, hostport = "http", text
    elif scheme == "http":
        port = 80
    elif scheme == "https":
        port = 443
    else:
        raise _invalid(raw, f"unsupported scheme {scheme!r}")

    try:
        split = urllib.parse.urlsplit(f"{scheme}://{hostport}")
        explicit_port = split.port
    except ValueError as exc:
        raise _invalid(raw, f"not a valid address ({exc})") from exc
    hostname = split.hostname
    if hostname is None:
        if hostport.startswith(":"):
            hostname = DEFAULT_HOST  # ":port", as the Python client reads it
        else:
            raise _invalid(raw, "no host name")
    if split.query or split.fragment or "@" in split.netloc:
        raise _invalid(raw, "unexpected characters")
    if not _looks_like_host(hostname):
        raise _invalid(raw, f"{hostname!r} is not a host name or IP address")
    hostname = _UNSPECIFIED_TO_LOOPBACK.get(hostname, hostname)
    path = split.path.rstrip("/")
    return OllamaEndpoint(scheme, hostname, explicit_port or port, path)


def _looks_like_host(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        pass
    labels = name.split(".")
    return all(
        label and len(label) <= 63 and all(ch.isalnum() or ch in "-_" for ch in label)
        for label in labels
    )


def endpoint_from_environment(environ: Mapping[str, str] | None = None) -> OllamaEndpoint:
    env = os.environ if environ is None else environ
    return parse_ollama_host(env.get(ENV_VAR))
