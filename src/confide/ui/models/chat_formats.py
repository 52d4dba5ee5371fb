"""Chat formats to lend an imported GGUF file that does not carry its own.

A model only answers sensibly when the conversation is laid out the way it was trained
(its "chat template"). Most GGUF files embed one and Ollama uses it; for those that do not,
the user can borrow the format of the family the file comes from. The table is short on
purpose: four well-documented layouts, written in Ollama's simple template form
(``.System``, ``.Prompt``, ``.Response``), each with the stop markers that end a turn.
Anything more exotic should come as a file with its own template.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP


@dataclass(frozen=True)
class ChatFormat:
    id: str
    #: Shown in the combo (translated there): the family names a person would recognise.
    label: str
    template: str
    parameters: Mapping[str, Any] = field(default_factory=dict)


_LLAMA3 = (
    "{{ if .System }}<|start_header_id|>system<|end_header_id|>\n\n"
    "{{ .System }}<|eot_id|>{{ end }}"
    "{{ if .Prompt }}<|start_header_id|>user<|end_header_id|>\n\n"
    "{{ .Prompt }}<|eot_id|>{{ end }}"
    "<|start_header_id|>assistant<|end_header_id|>\n\n"
    "{{ .Response }}<|eot_id|>"
)

_GEMMA = (
    "<start_of_turn>user\n"
    "{{ if .System }}{{ .System }}\n\n{{ end }}"
    "{{ .Prompt }}<end_of_turn>\n"
    "<start_of_turn>model\n"
    "{{ .Response }}<end_of_turn>\n"
)

# ChatML: Qwen's layout, also used by Bielik and many community fine-tunes.
_CHATML = (
    "{{ if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}"
    "{{ if .Prompt }}<|im_start|>user\n{{ .Prompt }}<|im_end|>\n{{ end }}"
    "<|im_start|>assistant\n{{ .Response }}<|im_end|>\n"
)

_MISTRAL = "[INST] {{ if .System }}{{ .System }}\n\n{{ end }}{{ .Prompt }} [/INST]{{ .Response }}"

CHAT_FORMATS: tuple[ChatFormat, ...] = (
    ChatFormat(
        "llama3",
        str(
            QT_TRANSLATE_NOOP("ModelLibrary", "Llama 3 (Llama 3.1, 3.2, 3.3 and their fine-tunes)")
        ),
        _LLAMA3,
        {"stop": ["<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]},
    ),
    ChatFormat(
        "gemma",
        str(QT_TRANSLATE_NOOP("ModelLibrary", "Gemma (Gemma 2 and 3, BgGPT)")),
        _GEMMA,
        {"stop": ["<end_of_turn>"]},
    ),
    ChatFormat(
        "chatml",
        str(QT_TRANSLATE_NOOP("ModelLibrary", "ChatML (Qwen, Bielik and many fine-tunes)")),
        _CHATML,
        {"stop": ["<|im_start|>", "<|im_end|>"]},
    ),
    ChatFormat(
        "mistral",
        str(QT_TRANSLATE_NOOP("ModelLibrary", "Mistral (Mistral 7B, Mistral Nemo, BioMistral)")),
        _MISTRAL,
        {"stop": ["[INST]", "[/INST]"]},
    ),
)

#: Catalog family id -> chat format id, for the families whose format we are sure of.
FAMILY_FORMATS: Mapping[str, str] = {
    "llama3.1": "llama3",
    "llama3.2": "llama3",
    "llama3.3": "llama3",
    "pllum": "llama3",
    "gemma3": "gemma",
    "bggpt": "gemma",
    "qwen3": "chatml",
    "qwen2.5-coder": "chatml",
    "bielik": "chatml",
    "mistral": "mistral",
    "mistral-nemo": "mistral",
    "biomistral": "mistral",
}

#: GGUF ``general.architecture`` -> a likely format. Only a first guess: a Mistral model is
#: "llama" inside, so the dialog asks the user to check it.
ARCHITECTURE_GUESS: Mapping[str, str] = {
    "llama": "llama3",
    "gemma2": "gemma",
    "gemma3": "gemma",
    "qwen2": "chatml",
    "qwen3": "chatml",
}


def chat_format(format_id: str) -> ChatFormat | None:
    return next((item for item in CHAT_FORMATS if item.id == format_id), None)
