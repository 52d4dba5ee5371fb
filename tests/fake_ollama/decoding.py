"""Request bodies decoded the way Gin's ShouldBindJSON + Go's encoding/json would.

Only what clients can observe is reproduced: which inputs are rejected and with which message
(`missing request body`, `json: cannot unmarshal ...`, `illegal base64 data at input byte N`,
`time: missing unit in duration "-1"`, ...). Go matches field names case-insensitively,
ignores unknown fields and trailing data after the first JSON value, and treats `null` as
"not set". Messages for malformed JSON follow Go's wording for the common cases.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any


class EmptyBody(Exception):
    """io.EOF from the decoder: the daemon answers `missing request body`."""


class DecodeError(Exception):
    """A decoder error; str(err) is the message the daemon puts in {"error": ...}."""


class _Literal(float):
    """A JSON number that remembers how it was written, for Go's `number 1.5` messages."""

    literal: str

    def __new__(cls, text: str) -> _Literal:
        value = super().__new__(cls, float(text))
        value.literal = text
        return value


# --- schema ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    name: str  # string bool int float map any array struct base64 duration think
    go_type: str
    elem: Kind | None = None
    struct: Struct | None = None


@dataclass(frozen=True)
class Struct:
    name: str  # Go type name without package, e.g. "ChatRequest"
    fields: dict[str, Kind] = field(default_factory=dict)


STRING = Kind("string", "string")
BOOL = Kind("bool", "bool")
INT = Kind("int", "int")
FLOAT = Kind("float", "float64")
ANY = Kind("any", "interface {}")
MAP = Kind("map", "map[string]interface {}")
DURATION = Kind("duration", "api.Duration")
THINK = Kind("think", "api.ThinkValue")
IMAGES = Kind("array", "[]api.ImageData", elem=Kind("base64", "api.ImageData"))
ANY_LIST = Kind("array", "[]interface {}", elem=ANY)


def array_of(struct: Struct, go_type: str) -> Kind:
    return Kind("array", go_type, elem=Kind("struct", f"api.{struct.name}", struct=struct))


MESSAGE = Struct(
    "Message",
    {
        "role": STRING,
        "content": STRING,
        "thinking": STRING,
        "images": IMAGES,
        "tool_calls": ANY_LIST,
        "tool_name": STRING,
        "tool_call_id": STRING,
    },
)

_GENERATION_COMMON = {
    "model": STRING,
    "stream": BOOL,
    "format": ANY,
    "options": MAP,
    "keep_alive": DURATION,
    "think": THINK,
    "truncate": BOOL,
    "shift": BOOL,
    "logprobs": BOOL,
    "top_logprobs": INT,
}

CHAT_REQUEST = Struct(
    "ChatRequest",
    {
        **_GENERATION_COMMON,
        "messages": array_of(MESSAGE, "[]api.Message"),
        "tools": ANY_LIST,
    },
)

GENERATE_REQUEST = Struct(
    "GenerateRequest",
    {
        **_GENERATION_COMMON,
        "prompt": STRING,
        "suffix": STRING,
        "system": STRING,
        "template": STRING,
        "context": Kind("array", "[]int", elem=INT),
        "raw": BOOL,
        "images": IMAGES,
    },
)

PULL_REQUEST = Struct(
    "PullRequest",
    {
        "model": STRING,
        "name": STRING,
        "insecure": BOOL,
        "stream": BOOL,
        "username": STRING,
        "password": STRING,
    },
)
SHOW_REQUEST = Struct(
    "ShowRequest",
    {
        "model": STRING,
        "name": STRING,
        "system": STRING,
        "template": STRING,
        "verbose": BOOL,
        "options": MAP,
    },
)
DELETE_REQUEST = Struct("DeleteRequest", {"model": STRING, "name": STRING})
COPY_REQUEST = Struct("CopyRequest", {"source": STRING, "destination": STRING})
CREATE_REQUEST = Struct(
    "CreateRequest",
    {
        "model": STRING,
        "name": STRING,
        "from": STRING,
        "files": Kind("map", "map[string]string"),
        "adapters": Kind("map", "map[string]string"),
        "template": STRING,
        "license": ANY,
        "system": STRING,
        "parameters": MAP,
        "messages": array_of(MESSAGE, "[]api.Message"),
        "quantize": STRING,
        "stream": BOOL,
    },
)
EMBED_REQUEST = Struct(
    "EmbedRequest",
    {
        "model": STRING,
        "input": ANY,
        "truncate": BOOL,
        "dimensions": INT,
        "keep_alive": DURATION,
        "options": MAP,
    },
)
EMBEDDINGS_REQUEST = Struct(
    "EmbeddingRequest",
    {"model": STRING, "prompt": STRING, "keep_alive": DURATION, "options": MAP},
)


# --- entry point -----------------------------------------------------------------------------


def parse_json(raw: bytes) -> Any:
    """The first JSON value in the body, as Go's json.Decoder reads it."""
    text = raw.decode("utf-8", errors="replace")
    stripped = text.lstrip(" \t\r\n")
    if not stripped:
        raise EmptyBody()
    decoder = json.JSONDecoder(parse_float=_Literal, parse_constant=_reject_constant)
    try:
        value, _end = decoder.raw_decode(stripped)
    except json.JSONDecodeError as err:
        raise DecodeError(_go_syntax_message(err, stripped)) from None
    except _ConstantError as err:
        raise DecodeError(
            f"invalid character '{err.args[0][0]}' looking for beginning of value"
        ) from None
    return value


def decode(raw: bytes, schema: Struct) -> dict[str, Any]:
    """Decodes into `schema`; returns known fields only, with canonical (lower-case) names."""
    value = parse_json(raw)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise DecodeError(
            f"json: cannot unmarshal {_json_type(value)} into Go value of type api.{schema.name}"
        )
    state = _State()
    result = _decode_struct(value, schema, [], state)
    if state.saved is not None:
        raise DecodeError(state.saved)
    return result


class _ConstantError(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _ConstantError(name)


@dataclass
class _State:
    saved: str | None = None  # Go keeps the first type error and reports it at the end

    def save(self, message: str) -> None:
        if self.saved is None:
            self.saved = message


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def _type_error(value: Any, kind: Kind, struct: Struct, path: list[str]) -> str:
    shown = _json_type(value)
    if kind.name == "int" and isinstance(value, float):
        shown = f"number {getattr(value, 'literal', repr(value))}"
    return (
        f"json: cannot unmarshal {shown} into Go struct field "
        f"{struct.name}.{'.'.join(path)} of type {kind.go_type}"
    )


def _match_field(key: str, struct: Struct) -> str | None:
    if key in struct.fields:
        return key
    folded = key.casefold()
    for name in struct.fields:
        if name.casefold() == folded:
            return name
    return None


def _decode_struct(
    obj: dict[str, Any], struct: Struct, path: list[str], state: _State
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in obj.items():
        name = _match_field(key, struct)
        if name is None or value is None:
            continue
        converted = _decode_value(value, struct.fields[name], struct, [*path, name], state)
        if converted is not _SKIP:
            out[name] = converted
    return out


_SKIP: Any = object()


def _decode_value(value: Any, kind: Kind, struct: Struct, path: list[str], state: _State) -> Any:
    if kind.name == "duration":
        return parse_keep_alive(value)
    if kind.name == "think":
        return parse_think(value)
    ok: bool
    if kind.name == "any":
        return value
    if kind.name == "string":
        ok = isinstance(value, str)
    elif kind.name == "bool":
        ok = isinstance(value, bool)
    elif kind.name == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind.name == "float":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif kind.name == "map":
        ok = isinstance(value, dict)
        if ok and kind.go_type == "map[string]string":
            bad = [v for v in value.values() if not isinstance(v, str)]
            if bad:
                state.save(_type_error(bad[0], STRING, struct, path))
                return _SKIP
    elif kind.name == "base64":
        if not isinstance(value, str):
            state.save(_type_error(value, kind, struct, path))
            return _SKIP
        try:
            return go_base64_decode(value)
        except DecodeError as err:
            state.save(str(err))
            return _SKIP
    elif kind.name == "array":
        if not isinstance(value, list):
            state.save(_type_error(value, kind, struct, path))
            return _SKIP
        assert kind.elem is not None
        items = []
        for item in value:
            if item is None:
                continue
            converted = _decode_value(item, kind.elem, struct, path, state)
            if converted is not _SKIP:
                items.append(converted)
        return items
    elif kind.name == "struct":
        assert kind.struct is not None
        if not isinstance(value, dict):
            state.save(_type_error(value, kind, struct, path))
            return _SKIP
        return _decode_struct(value, kind.struct, path, state)
    else:
        raise AssertionError(kind.name)
    if not ok:
        state.save(_type_error(value, kind, struct, path))
        return _SKIP
    return float(value) if kind.name == "float" else value


# --- custom Go unmarshalers --------------------------------------------------------------------

FOREVER = math.inf


def parse_keep_alive(value: Any) -> float:
    """api.Duration.UnmarshalJSON, in seconds; negative means forever (math.inf)."""
    if isinstance(value, bool):
        raise DecodeError("Unsupported type: 'bool'")
    if isinstance(value, (int, float)):
        return FOREVER if value < 0 else float(value)
    if isinstance(value, str):
        seconds = parse_go_duration(value)
        return FOREVER if seconds < 0 else seconds
    go_type = "[]interface {}" if isinstance(value, list) else "map[string]interface {}"
    raise DecodeError(f"Unsupported type: '{go_type}'")


def parse_think(value: Any) -> bool | str:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        if value not in ("high", "medium", "low", "max"):
            raise DecodeError(
                f'invalid think value: "{value}" '
                '(must be "high", "medium", "low", "max", true, or false)'
            )
        return value
    raise DecodeError(
        'think must be a boolean or string ("high", "medium", "low", "max", true, or false)'
    )


_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "\u00b5s": 1e-6,
    "\u03bcs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}


def parse_go_duration(text: str) -> float:
    """time.ParseDuration, returning seconds, with Go's error messages."""
    original = text
    invalid = DecodeError(f'time: invalid duration "{original}"')
    negative = False
    if text[:1] in ("-", "+"):
        negative = text[0] == "-"
        text = text[1:]
    if text == "0":
        return 0.0
    if not text:
        raise invalid
    total = 0.0
    while text:
        if not (text[0] == "." or text[0].isdigit()):
            raise invalid
        i = 0
        while i < len(text) and text[i].isdigit():
            i += 1
        whole, text = text[:i], text[i:]
        fraction = ""
        if text.startswith("."):
            j = 1
            while j < len(text) and text[j].isdigit():
                j += 1
            fraction, text = text[1:j], text[j:]
        if not whole and not fraction:
            raise invalid
        k = 0
        while k < len(text) and not (text[k] == "." or text[k].isdigit()):
            k += 1
        if k == 0:
            raise DecodeError(f'time: missing unit in duration "{original}"')
        unit, text = text[:k], text[k:]
        if unit not in _UNITS:
            raise DecodeError(f'time: unknown unit "{unit}" in duration "{original}"')
        total += float(f"{whole or '0'}.{fraction or '0'}") * _UNITS[unit]
    return -total if negative else total


# --- base64 (Go's encoding/base64 StdEncoding) ---------------------------------------------------

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_DECODE_MAP = {ord(ch): index for index, ch in enumerate(_ALPHABET)}


def go_base64_decode(text: str) -> bytes:
    """Standard padded base64 with Go's error positions (`illegal base64 data at input byte N`).

    Follows Go's quantum-by-quantum decoder: CR/LF are skipped, padding must be complete,
    nothing may follow the padding.
    """
    src = text.encode("utf-8", errors="surrogatepass")
    out = bytearray()
    si = 0
    while si < len(src):
        si, chunk = _decode_quantum(src, si)
        out += chunk
        if len(chunk) < 3:
            break
    return bytes(out)


def _corrupt(index: int) -> DecodeError:
    return DecodeError(f"illegal base64 data at input byte {index}")


def _decode_quantum(src: bytes, si: int) -> tuple[int, bytes]:
    values = [0, 0, 0, 0]
    length = 4
    j = 0
    while j < 4:
        if si == len(src):
            if j == 0:
                return si, b""
            # StdEncoding has padding, so a short final quantum is always an error.
            raise _corrupt(si - j)
        byte = src[si]
        si += 1
        if byte in _DECODE_MAP:
            values[j] = _DECODE_MAP[byte]
            j += 1
            continue
        if byte in (0x0A, 0x0D):
            continue
        if byte != ord("="):
            raise _corrupt(si - 1)
        if j in (0, 1):
            raise _corrupt(si - 1)
        if j == 2:
            while si < len(src) and src[si] in (0x0A, 0x0D):
                si += 1
            if si == len(src):
                raise _corrupt(len(src))
            if src[si] != ord("="):
                raise _corrupt(si - 1)
            si += 1
        while si < len(src) and src[si] in (0x0A, 0x0D):
            si += 1
        if si < len(src):
            raise _corrupt(si)
        length = j
        break
    number = (values[0] << 18) | (values[1] << 12) | (values[2] << 6) | values[3]
    decoded = number.to_bytes(3, "big")
    return si, decoded[: length - 1]


# --- malformed JSON ----------------------------------------------------------------------------


def _quote_char(ch: str) -> str:
    if ch == "'":
        return "'\\''"
    if ch == '"':
        return "'\"'"
    escaped = json.dumps(ch)[1:-1]
    return f"'{escaped}'"


def _innermost_container(doc: str, pos: int) -> str:
    stack: list[str] = []
    in_string = escape = False
    for ch in doc[:pos]:
        if in_string:
            if escape:
                escape = False
            elif ch == "\\":
                escape = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            stack.append(ch)
        elif ch in "]}" and stack:
            stack.pop()
    return stack[-1] if stack else ""


def _go_syntax_message(err: json.JSONDecodeError, doc: str) -> str:
    pos = err.pos
    if pos >= len(doc.rstrip(" \t\r\n")) or err.msg.startswith("Unterminated string"):
        return "unexpected EOF"
    ch = _quote_char(doc[pos])
    if err.msg.startswith("Expecting property name"):
        return f"invalid character {ch} looking for beginning of object key string"
    if err.msg.startswith("Expecting ':'"):
        return f"invalid character {ch} after object key"
    if err.msg.startswith("Expecting ','"):
        where = (
            "object key:value pair" if _innermost_container(doc, pos) == "{" else "array element"
        )
        return f"invalid character {ch} after {where}"
    if err.msg.startswith("Invalid control character"):
        return f"invalid character {ch} in string literal"
    if err.msg.startswith("Expecting value") and doc[pos] in "tfn":
        literal = {"t": "true", "f": "false", "n": "null"}[doc[pos]]
        for offset, expected in enumerate(literal):
            if pos + offset >= len(doc):
                return "unexpected EOF"
            if doc[pos + offset] != expected:
                got = _quote_char(doc[pos + offset])
                return f"invalid character {got} in literal {literal} (expecting '{expected}')"
    if err.msg.startswith("Invalid \\escape"):
        return (
            f"invalid character {_quote_char(doc[pos + 1 : pos + 2] or ' ')} in string escape code"
        )
    return f"invalid character {ch} looking for beginning of value"
