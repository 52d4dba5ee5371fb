"""Model names as the daemon parses them (`types/model/name.go`).

`[scheme://][host/][namespace/]model[:tag]`, defaults `registry.ollama.ai`, `library`,
`latest`. Installed models are matched case-insensitively; tags/ps show `display`
(DisplayShortest) and capability errors quote `full`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_HOST = "registry.ollama.ai"
DEFAULT_NAMESPACE = "library"
DEFAULT_TAG = "latest"

_HOST = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:-]{0,349}")
_NAMESPACE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,79}")
_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,79}")


@dataclass(frozen=True)
class ModelName:
    host: str
    namespace: str
    model: str
    tag: str
    scheme: str = "https"

    @property
    def display(self) -> str:
        """DisplayShortest: hides the default host and `library/`, always shows the tag."""
        if self.host.lower() != DEFAULT_HOST:
            return f"{self.host}/{self.namespace}/{self.model}:{self.tag}"
        if self.namespace.lower() != DEFAULT_NAMESPACE:
            return f"{self.namespace}/{self.model}:{self.tag}"
        return f"{self.model}:{self.tag}"

    @property
    def full(self) -> str:
        return f"{self.host}/{self.namespace}/{self.model}:{self.tag}"

    @property
    def key(self) -> str:
        """Identity for lookups: the daemon compares names with EqualFold."""
        return self.full.lower()


def parse_name(raw: str) -> ModelName | None:
    """Returns None where the daemon would answer `invalid model name`."""
    text = raw.strip()
    scheme = "https"
    if "://" in text:
        scheme, text = text.split("://", 1)
    tag = DEFAULT_TAG
    colon, slash = text.rfind(":"), text.rfind("/")
    if colon > slash:
        text, tag = text[:colon], text[colon + 1 :]
    pieces = text.split("/")
    if len(pieces) > 3:
        return None
    model = pieces[-1]
    namespace = pieces[-2] if len(pieces) >= 2 else DEFAULT_NAMESPACE
    host = pieces[-3] if len(pieces) == 3 else DEFAULT_HOST
    checks = ((_HOST, host), (_NAMESPACE, namespace), (_PART, model), (_PART, tag))
    if not all(pattern.fullmatch(value) for pattern, value in checks):
        return None
    return ModelName(host=host, namespace=namespace, model=model, tag=tag, scheme=scheme)
