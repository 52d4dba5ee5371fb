"""What the double knows about a model, and how `/api/show` and `/api/tags` describe it.

A `ModelSpec` holds the metadata a real GGUF + manifest would give the daemon. Presets mirror
popular models closely enough for the app's catalog and capability logic; families supply the
chat template and default parameters, as the registry's manifests would.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from typing import Any

from .wire import F32, GoMap, go_float

CAPABILITIES = (
    "completion",
    "tools",
    "insert",
    "vision",
    "embedding",
    "thinking",
    "image",
    "audio",
)

# GGML file types, for general.file_type <-> quantization_level.
FILE_TYPES = {
    0: "F32",
    1: "F16",
    2: "Q4_0",
    3: "Q4_1",
    7: "Q8_0",
    8: "Q5_0",
    9: "Q5_1",
    10: "Q2_K",
    11: "Q3_K_S",
    12: "Q3_K_M",
    13: "Q3_K_L",
    14: "Q4_K_S",
    15: "Q4_K_M",
    16: "Q5_K_S",
    17: "Q5_K_M",
    18: "Q6_K",
    32: "BF16",
}
QUANTIZATION_FILE_TYPES = {name: number for number, name in FILE_TYPES.items()}


@dataclass
class ModelSpec:
    family: str = "llama"
    families: list[str] | None = None  # None: [family]
    parameter_size: str = "3.2B"
    quantization: str = "Q4_K_M"
    format: str = "gguf"
    capabilities: list[str] = field(default_factory=lambda: ["completion"])
    context_length: int = 131072
    embedding_length: int = 3072
    size: int = 2_019_393_189
    block_count: int = 28
    template: str | None = None  # None: the family's template
    parameters: dict[str, Any] | None = None  # None: the family's defaults; {}: none
    system: str = ""
    license: str = ""
    parent_model: str = ""
    model_info: dict[str, Any] = field(default_factory=dict)  # extra/overriding GGUF keys

    def resolved(self) -> ModelSpec:
        """Fills the family defaults in, so every consumer sees concrete values."""
        defaults = FAMILY_DEFAULTS.get(self.family, FAMILY_DEFAULTS["llama"])
        return replace(
            self,
            families=list(self.families) if self.families is not None else [self.family],
            template=self.template if self.template is not None else defaults["template"],
            parameters=dict(self.parameters)
            if self.parameters is not None
            else dict(defaults["parameters"]),
            capabilities=list(self.capabilities),
            model_info=dict(self.model_info),
        )


def spec_fields() -> set[str]:
    return set(ModelSpec.__dataclass_fields__)


# --- families and presets ------------------------------------------------------------------------

_LLAMA_TEMPLATE = """{{- if .System }}<|start_header_id|>system<|end_header_id|>

{{ .System }}<|eot_id|>
{{- end }}
{{- if .Tools }}<|start_header_id|>system<|end_header_id|>

You have access to the following functions: {{ range .Tools }}{{ . }}{{ end }}<|eot_id|>
{{- end }}
{{- range $i, $_ := .Messages }}
{{- $last := eq (len (slice $.Messages $i)) 1 }}<|start_header_id|>{{ .Role }}<|end_header_id|>

{{ .Content }}{{ if not $last }}<|eot_id|>{{ end }}
{{- if and $last (ne .Role "assistant") }}<|eot_id|><|start_header_id|>assistant<|end_header_id|>

{{ end }}
{{- end }}"""

_QWEN3_TEMPLATE = """{{- if .System }}<|im_start|>system
{{ .System }}<|im_end|>
{{ end }}
{{- if .Tools }}<|im_start|>system
# Tools
{{ range .Tools }}{{ . }}
{{ end }}<|im_end|>
{{ end }}
{{- range $i, $_ := .Messages }}
{{- $last := eq (len (slice $.Messages $i)) 1 -}}
<|im_start|>{{ .Role }}
{{ if and $.IsThinkSet (not $.Think) $last }}/no_think {{ end }}{{ .Content }}<|im_end|>
{{ if and $last (ne .Role "assistant") }}<|im_start|>assistant
{{ if .Thinking }}<think>{{ .Thinking }}</think>{{ end }}
{{ end }}
{{- end }}"""

_GEMMA3_TEMPLATE = """{{- range $i, $_ := .Messages }}
{{- $last := eq (len (slice $.Messages $i)) 1 }}
{{- if or (eq .Role "user") (eq .Role "system") }}<start_of_turn>user
{{ .Content }}<end_of_turn>
{{ if $last }}<start_of_turn>model
{{ end }}
{{- else if eq .Role "assistant" }}<start_of_turn>model
{{ .Content }}{{ if not $last }}<end_of_turn>
{{ end }}
{{- end }}
{{- end }}"""

FAMILY_DEFAULTS: dict[str, dict[str, Any]] = {
    "llama": {
        "template": _LLAMA_TEMPLATE,
        "parameters": {"stop": ["<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]},
    },
    "qwen3": {
        "template": _QWEN3_TEMPLATE,
        "parameters": {
            "repeat_penalty": 1,
            "stop": ["<|im_start|>", "<|im_end|>"],
            "temperature": 0.6,
            "top_k": 20,
            "top_p": 0.95,
        },
    },
    "gemma3": {
        "template": _GEMMA3_TEMPLATE,
        "parameters": {"stop": ["<end_of_turn>"], "temperature": 1, "top_k": 64, "top_p": 0.95},
    },
    "nomic-bert": {"template": "{{ .Prompt }}", "parameters": {"num_ctx": 8192}},
}

_LLAMA_LICENSE = (
    "LLAMA 3.2 COMMUNITY LICENSE AGREEMENT\nLlama 3.2 Version Release Date: September 25, 2024"
)

PRESETS: dict[str, ModelSpec] = {
    "llama3.2:latest": ModelSpec(
        family="llama",
        parameter_size="3.2B",
        quantization="Q4_K_M",
        capabilities=["completion", "tools"],
        context_length=131072,
        embedding_length=3072,
        size=2_019_393_189,
        block_count=28,
        license=_LLAMA_LICENSE,
    ),
    "llama3.2:1b": ModelSpec(
        family="llama",
        parameter_size="1.2B",
        quantization="Q8_0",
        capabilities=["completion", "tools"],
        context_length=131072,
        embedding_length=2048,
        size=1_321_098_329,
        block_count=16,
        license=_LLAMA_LICENSE,
    ),
    "qwen3:latest": ModelSpec(
        family="qwen3",
        parameter_size="8.2B",
        quantization="Q4_K_M",
        capabilities=["completion", "tools", "thinking"],
        context_length=40960,
        embedding_length=4096,
        size=5_225_388_164,
        block_count=36,
        license="Apache License\nVersion 2.0, January 2004",
    ),
    "qwen3:0.6b": ModelSpec(
        family="qwen3",
        parameter_size="751.63M",
        quantization="Q4_K_M",
        capabilities=["completion", "tools", "thinking"],
        context_length=40960,
        embedding_length=1024,
        size=522_653_767,
        block_count=28,
        license="Apache License\nVersion 2.0, January 2004",
    ),
    "gemma3:latest": ModelSpec(
        family="gemma3",
        parameter_size="4.3B",
        quantization="Q4_K_M",
        capabilities=["completion", "vision"],
        context_length=131072,
        embedding_length=2560,
        size=3_338_801_804,
        block_count=34,
        license="Gemma Terms of Use\nLast modified: February 21, 2024",
        model_info={
            "gemma3.vision.block_count": 27,
            "gemma3.vision.embedding_length": 1152,
            "gemma3.vision.image_size": 896,
            "gemma3.vision.patch_size": 14,
        },
    ),
    "gemma3:1b": ModelSpec(
        family="gemma3",
        parameter_size="999.89M",
        quantization="Q4_K_M",
        capabilities=["completion"],
        context_length=32768,
        embedding_length=1152,
        size=815_319_791,
        block_count=26,
        license="Gemma Terms of Use\nLast modified: February 21, 2024",
    ),
    "nomic-embed-text:latest": ModelSpec(
        family="nomic-bert",
        parameter_size="137M",
        quantization="F16",
        capabilities=["embedding"],
        context_length=2048,
        embedding_length=768,
        size=274_302_450,
        block_count=12,
        license="Apache License\nVersion 2.0, January 2004",
        model_info={"nomic-bert.pooling_type": 1},
    ),
}

# Installed by default in the fixture and the hand-run server.
DEFAULT_INSTALLED = ("llama3.2:latest", "qwen3:latest", "gemma3:latest", "nomic-embed-text:latest")
# Offered for download by default (besides the installed ones).
DEFAULT_PULLABLE = ("llama3.2:1b", "qwen3:0.6b", "gemma3:1b")


# --- numbers -------------------------------------------------------------------------------------


def parse_parameter_size(text: str) -> int:
    """'3.2B' -> 3_200_000_000 (general.parameter_count is exact in a real GGUF)."""
    scale = {"K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}
    text = text.strip().upper()
    try:
        if text and text[-1] in scale:
            return int(float(text[:-1]) * scale[text[-1]])
        return int(float(text))
    except ValueError:
        return 0


def human_parameter_count(count: int) -> str:
    """The daemon's parameter_size string: '8.0B', '268.10M' (format.HumanNumber)."""
    for limit, suffix in ((1e12, "T"), (1e9, "B")):
        if count >= limit:
            number = count / limit
            return f"{number:.0f}{suffix}" if number == int(number) else f"{number:.1f}{suffix}"
    if count >= 1e6:
        return f"{count / 1e6:.2f}M"
    if count >= 1e3:
        return f"{count / 1e3:.2f}K"
    return str(count)


def fake_digest(*parts: object) -> str:
    """A stable 64-hex digest for made-up content."""
    return hashlib.sha256("\x00".join(str(p) for p in parts).encode()).hexdigest()


# --- /api/show pieces ----------------------------------------------------------------------------


def details(spec: ModelSpec, *, with_lengths: bool = False) -> dict[str, Any]:
    """api.ModelDetails in struct order; tags add the omitempty context/embedding lengths."""
    out: dict[str, Any] = {
        "parent_model": spec.parent_model,
        "format": spec.format,
        "family": spec.family,
        "families": spec.families,
        "parameter_size": spec.parameter_size,
        "quantization_level": spec.quantization,
    }
    if with_lengths:
        if spec.context_length:
            out["context_length"] = spec.context_length
        if spec.embedding_length:
            out["embedding_length"] = spec.embedding_length
    return out


def model_info(spec: ModelSpec, *, verbose: bool = False) -> GoMap:
    """GGUF key/values as show returns them (a Go map, so sorted on the wire).

    Without `verbose`, long arrays (vocabulary, merges) come back as null, as in the captured
    show.json; with it the double returns a short stand-in vocabulary.
    """
    arch = spec.family
    heads = max(1, spec.embedding_length // 128)
    info: dict[str, Any] = {
        "general.architecture": arch,
        "general.basename": arch,
        "general.file_type": QUANTIZATION_FILE_TYPES.get(spec.quantization.upper(), 15),
        "general.parameter_count": parse_parameter_size(spec.parameter_size),
        "general.quantization_version": 2,
        "general.size_label": spec.parameter_size,
        "general.type": "model",
        f"{arch}.attention.head_count": heads,
        f"{arch}.attention.head_count_kv": max(1, heads // 4),
        f"{arch}.attention.layer_norm_rms_epsilon": F32(1e-6),
        f"{arch}.block_count": spec.block_count,
        f"{arch}.context_length": spec.context_length,
        f"{arch}.embedding_length": spec.embedding_length,
        f"{arch}.feed_forward_length": spec.embedding_length * 4,
        f"{arch}.rope.freq_base": F32(1_000_000),
        "tokenizer.ggml.add_bos_token": True,
        "tokenizer.ggml.add_eos_token": False,
        "tokenizer.ggml.bos_token_id": 2,
        "tokenizer.ggml.eos_token_id": 1,
        "tokenizer.ggml.model": "llama" if arch == "gemma3" else "gpt2",
        "tokenizer.ggml.padding_token_id": 0,
        "tokenizer.ggml.pre": "default",
        "tokenizer.ggml.scores": [0.0, 0.0, 0.0, -1.0, -2.0, -3.0, -4.0, -5.0] if verbose else None,
        "tokenizer.ggml.token_type": [1, 3, 3, 6, 6, 6, 1, 1] if verbose else None,
        "tokenizer.ggml.tokens": ["<pad>", "<eos>", "<bos>", "a", "b", "c", "d", "e"]
        if verbose
        else None,
    }
    if spec.license:
        info["general.license"] = spec.license.split("\n", 1)[0]
    info.update(spec.model_info)
    return GoMap(info)


def tensors(spec: ModelSpec) -> list[dict[str, Any]]:
    """A plausible tensor table ({name, type, shape}) for the architecture."""
    width = spec.embedding_length
    quant = "Q4_K" if spec.quantization.startswith("Q4") else spec.quantization.split("_")[0]
    rows: list[dict[str, Any]] = [
        {"name": "output_norm.weight", "type": "F32", "shape": [width]},
        {"name": "token_embd.weight", "type": "Q6_K", "shape": [width, 32000]},
    ]
    for block in range(spec.block_count):
        for suffix, kind, shape in (
            ("attn_k.weight", quant, [width, width // 4]),
            ("attn_norm.weight", "F32", [width]),
            ("attn_output.weight", quant, [width, width]),
            ("attn_q.weight", quant, [width, width]),
            ("attn_v.weight", "Q6_K", [width, width // 4]),
            ("ffn_down.weight", "Q6_K", [width * 4, width]),
            ("ffn_gate.weight", quant, [width, width * 4]),
            ("ffn_norm.weight", "F32", [width]),
            ("ffn_up.weight", quant, [width, width * 4]),
        ):
            rows.append({"name": f"blk.{block}.{suffix}", "type": kind, "shape": shape})
    return rows


def _go_value(value: Any) -> str:
    """Go's %#v for a Modelfile parameter value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return go_float(value)
    return json.dumps(str(value), ensure_ascii=False)


def _parameter_items(parameters: dict[str, Any]) -> list[tuple[str, Any]]:
    items: list[tuple[str, Any]] = []
    for key, value in parameters.items():
        for item in value if isinstance(value, list) else [value]:
            items.append((key, item))
    return items


def parameters_text(parameters: dict[str, Any]) -> str:
    """show's `parameters`: lines formatted `%-30s %#v`, no trailing newline."""
    return "\n".join(f"{key:<30} {_go_value(value)}" for key, value in _parameter_items(parameters))


def modelfile(display: str, spec: ModelSpec, blob_path: str) -> str:
    lines = [
        '# Modelfile generated by "ollama show"',
        "# To build a new Modelfile based on this, replace FROM with:",
        f"# FROM {display}",
        "",
        f"FROM {blob_path}",
    ]
    if spec.template:
        lines.append(f'TEMPLATE """{spec.template}"""')
    if spec.system:
        lines.append(f'SYSTEM """{spec.system}"""')
    for key, value in _parameter_items(spec.parameters or {}):
        shown = value if isinstance(value, str) else _go_value(value)
        lines.append(f"PARAMETER {key} {shown}")
    if spec.license:
        lines.append(f'LICENSE """{spec.license}"""')
    return "\n".join(lines) + "\n"
