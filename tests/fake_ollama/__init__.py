"""A faithful fake of the Ollama daemon on the wire, for the app's tests.

    with FakeOllama() as fake:            # or the `fake_ollama` pytest fixture
        fake.behaviour.token_rate = 50    # global knobs (see behaviours.Behaviour)
        fake.script("qwen3", once=True, error_after=3)   # per-model / one-shot overrides
        ... point the app at fake.url ...
        assert fake.last_request("/api/chat").body["messages"][0]["role"] == "system"

Run by hand: `python -m tests.fake_ollama --port 11434`, or as a stand-in `ollama serve`.
"""

from __future__ import annotations

from .behaviours import BUSY, RUNNER_DIED, RUNNER_ERROR, Behaviour, Script
from .gguf import build_gguf
from .models import DEFAULT_INSTALLED, DEFAULT_PULLABLE, PRESETS, ModelSpec
from .server import FakeOllama
from .state import RecordedRequest

__all__ = [
    "BUSY",
    "DEFAULT_INSTALLED",
    "DEFAULT_PULLABLE",
    "PRESETS",
    "RUNNER_DIED",
    "RUNNER_ERROR",
    "Behaviour",
    "FakeOllama",
    "ModelSpec",
    "RecordedRequest",
    "Script",
    "build_gguf",
]
