"""Ollama model names: parse, validate, normalise and compare.

The grammar is the daemon's own (``types/model/name.go`` in ollama/ollama, summarised in
shared/ollama-api.md §3.1)::

    [scheme://][host/][namespace/]model[:tag]

Checking a name here, before it is sent, lets the app say *which part* is wrong in plain
words instead of relaying the daemon's bare "invalid model name".

We are deliberately a little stricter than the daemon in two places, both only for text a
person typed: an empty tag (``"llama3:"``) and an empty path part (``"/llama3"``) are
rejected, where the daemon would quietly fill in defaults. Names the daemon itself reports
(``/api/tags``) never have these shapes, so nothing installed is ever refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_HOST = "registry.ollama.ai"
DEFAULT_NAMESPACE = "library"
DEFAULT_TAG = "latest"
DEFAULT_SCHEME = "https"

# Hosts that serve GGUF files straight from Hugging Face repositories.
HUGGING_FACE_HOSTS = frozenset({"hf.co", "huggingface.co"})

_HOST_MAX = 350
_PART_MAX = 80

# One character class per part, exactly as the daemon defines them. The first character
# may never be punctuation, so names like ".hidden" or "-x" cannot be made.
_HOST_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:-]*")
_NAMESPACE_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*")
_MODEL_OR_TAG_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
_SCHEMES = ("https", "http")


class InvalidModelName(ValueError):
    """A model name that the daemon would refuse; ``reason`` says why, in plain English."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ModelName:
    """A parsed model name with every default filled in."""

    host: str = DEFAULT_HOST
    namespace: str = DEFAULT_NAMESPACE
    model: str = ""
    tag: str = DEFAULT_TAG
    scheme: str = DEFAULT_SCHEME

    def display_shortest(self) -> str:
        """The form the daemon lists models under (``/api/tags`` ``name``).

        The default host and namespace are hidden, the tag is always shown, and the scheme
        is dropped because the daemon never reports it.
        """
        base = f"{self.model}:{self.tag}"
        if self.host.casefold() != DEFAULT_HOST:
            return f"{self.host}/{self.namespace}/{base}"
        if self.namespace.casefold() != DEFAULT_NAMESPACE:
            return f"{self.namespace}/{base}"
        return base

    def display_full(self) -> str:
        """Every part spelt out, scheme included: useful in logs and error reports."""
        return f"{self.scheme}://{self.host}/{self.namespace}/{self.model}:{self.tag}"

    @property
    def is_hugging_face(self) -> bool:
        return self.host.casefold() in HUGGING_FACE_HOSTS

    @property
    def is_default_registry(self) -> bool:
        return self.host.casefold() == DEFAULT_HOST

    @property
    def is_official_library(self) -> bool:
        """True for names like ``llama3.2:3b`` (no user namespace, default registry)."""
        return self.is_default_registry and self.namespace.casefold() == DEFAULT_NAMESPACE

    def comparison_key(self) -> str:
        """Case-insensitive identity, the way the daemon matches installed models."""
        return self.display_shortest().casefold()


def _check_part(value: str, what: str, pattern: re.Pattern[str], max_len: int, hint: str) -> None:
    if not value:
        raise InvalidModelName(f"The {what} is empty.")
    if len(value) > max_len:
        raise InvalidModelName(
            f"The {what} is {len(value)} characters long; at most {max_len} are allowed."
        )
    if not pattern.fullmatch(value):
        raise InvalidModelName(f"The {what} {value!r} is not allowed: {hint}")


def _check_host(host: str) -> None:
    _check_part(
        host,
        "server name",
        _HOST_RE,
        _HOST_MAX,
        "use letters, digits, '_', '.', ':' and '-', starting with a letter or digit.",
    )


def _check_namespace(namespace: str) -> None:
    if "." in namespace:
        # The commonest mistake: a server name with no namespace after it ("example.com/m").
        raise InvalidModelName(
            f"The namespace {namespace!r} contains a dot, which is not allowed. If it is a "
            "server name, write server/namespace/model."
        )
    _check_part(
        namespace,
        "namespace",
        _NAMESPACE_RE,
        _PART_MAX,
        "use letters, digits, '_' and '-', starting with a letter or digit.",
    )


def _check_model(model: str) -> None:
    _check_part(
        model,
        "model name",
        _MODEL_OR_TAG_RE,
        _PART_MAX,
        "use letters, digits, '_', '.' and '-', starting with a letter or digit.",
    )


def _check_tag(tag: str) -> None:
    _check_part(
        tag,
        "tag (the part after ':')",
        _MODEL_OR_TAG_RE,
        _PART_MAX,
        "use letters, digits, '_', '.' and '-', starting with a letter or digit.",
    )


def parse_model_name(text: str) -> ModelName:
    """Parse ``text`` into a :class:`ModelName`, or raise :class:`InvalidModelName`.

    Surrounding whitespace is forgiven (it comes from copy and paste); whitespace inside the
    name is not, because the daemon would refuse it.
    """
    name = text.strip()
    if not name:
        raise InvalidModelName("The model name is empty.")
    if any(ch.isspace() for ch in name):
        raise InvalidModelName("The model name contains a space; model names have no spaces.")

    scheme = DEFAULT_SCHEME
    has_scheme = "://" in name
    if has_scheme:
        scheme, name = name.split("://", 1)
        if scheme.lower() not in _SCHEMES:
            raise InvalidModelName(
                f"The address starts with {scheme + '://'!r}; only https:// or http:// can be used."
            )
        scheme = scheme.lower()

    # "/" can never appear in a tag, so a ":" that comes before the last "/" belongs to a
    # host with a port ("host:5000/ns/m"), not to a tag.
    tag = DEFAULT_TAG
    colon, slash = name.rfind(":"), name.rfind("/")
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
        _check_tag(tag)

    parts = name.split("/")
    if any(part == "" for part in parts):
        raise InvalidModelName(
            "The model name has an empty part: check for a slash at the start or end, or two "
            "slashes in a row."
        )
    if len(parts) > 3:
        raise InvalidModelName(
            "The model name has too many parts; the most it can have is server/namespace/model."
        )
    if has_scheme and len(parts) != 3:
        # The daemon reads the scheme only in front of a full server/namespace/model name.
        raise InvalidModelName(
            f"A name starting with {scheme}:// must be written as server/namespace/model."
        )

    host, namespace = DEFAULT_HOST, DEFAULT_NAMESPACE
    if len(parts) == 3:
        host, namespace, model = parts
        _check_host(host)
    elif len(parts) == 2:
        namespace, model = parts
    else:
        (model,) = parts
    _check_namespace(namespace)
    _check_model(model)
    return ModelName(host=host, namespace=namespace, model=model, tag=tag, scheme=scheme)


def is_valid_model_name(text: str) -> bool:
    try:
        parse_model_name(text)
    except InvalidModelName:
        return False
    return True


def normalise(name: str) -> str:
    """The daemon's listing form of ``name``: ``llama3.2`` becomes ``llama3.2:latest``.

    Case is kept, so the result can be shown to the user; compare with :func:`same_model`.
    """
    return parse_model_name(name).display_shortest()


def same_model(a: str, b: str) -> bool:
    """Whether two names refer to the same model, ignoring case and spelt-out defaults.

    ``hf.co`` and ``huggingface.co`` stay different: the daemon stores them under different
    folders, so they are different installed models.
    """
    try:
        return parse_model_name(a).comparison_key() == parse_model_name(b).comparison_key()
    except InvalidModelName:
        return False
