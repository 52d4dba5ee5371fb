"""Go `encoding/json` and `time.Time` output, byte for byte.

The daemon is written in Go, so clients see Go's encoder: struct field order, compact
separators, raw UTF-8 but `<`, `>`, `&`, U+2028 and U+2029 escaped, floats in Go's shortest
form (`1e-7`, `1000000`, never `1000000.0`), and RFC 3339 timestamps with up to nine
fractional digits. Python dicts keep insertion order, so a dict built in struct order encodes
like the struct; `GoMap` marks values that are Go maps, which Go always emits with sorted keys.
"""

from __future__ import annotations

import json
import math
import struct
import time
from decimal import Decimal
from typing import Any

_HTML_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


class F32(float):
    """A float Go holds as float32 (embeddings, GGUF metadata): printed at float32 precision."""


class GoMap(dict[str, Any]):
    """A Go map: the encoder sorts its keys, as Go does."""


def _encode_string(value: str) -> str:
    out = json.dumps(value, ensure_ascii=False)
    if any(ch in out for ch in _HTML_ESCAPES):
        out = "".join(_HTML_ESCAPES.get(ch, ch) for ch in out)
    return out


def _shortest_digits(value: float, bits: int) -> str:
    """The shortest decimal string that reads back as the same float of the given width."""
    if bits == 64:
        return repr(value)
    target = _to_f32(value)
    for precision in range(1, 10):
        text = f"{target:.{precision}g}"
        if _to_f32(float(text)) == target:
            return text
    return repr(target)


def _to_f32(value: float) -> float:
    return float(struct.unpack("<f", struct.pack("<f", value))[0])


def go_float(value: float, bits: int = 64) -> str:
    """Formats like Go's floatEncoder: 'f' notation except for tiny or huge magnitudes."""
    if math.isnan(value) or math.isinf(value):
        raise ValueError(f"json: unsupported value: {value!r}")
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    digits = Decimal(_shortest_digits(value, bits)).normalize()
    low, high = 1e-6, 1e21
    magnitude = abs(value)
    if bits == 32:
        # Go compares in float32, where the constant 1e-6 itself rounds down a little.
        low, high, magnitude = (_to_f32(x) for x in (low, high, magnitude))
    if magnitude < low or magnitude >= high:
        sign, coefficient, exponent = digits.as_tuple()
        assert isinstance(exponent, int)
        mantissa = "".join(str(d) for d in coefficient)
        exp10 = exponent + len(mantissa) - 1
        body = mantissa[0] + ("." + mantissa[1:] if len(mantissa) > 1 else "")
        # Go prints at least two exponent digits, then trims "e-07" to "e-7" (but keeps "e+21").
        text = f"{body}e{'-' if exp10 < 0 else '+'}{abs(exp10):02d}"
        if exp10 < 0 and abs(exp10) < 10:
            text = f"{body}e-{abs(exp10)}"
        return ("-" if sign else "") + text
    return format(digits, "f")


def encode(value: Any) -> str:
    """Go's json.Marshal of `value` (without the trailing newline)."""
    parts: list[str] = []
    _encode_into(value, parts)
    return "".join(parts)


def encode_bytes(value: Any) -> bytes:
    return encode(value).encode("utf-8")


def _encode_into(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_encode_string(value))
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, F32):
        out.append(go_float(float(value), 32))
    elif isinstance(value, float):
        out.append(go_float(value, 64))
    elif isinstance(value, dict):
        items = sorted(value.items()) if isinstance(value, GoMap) else list(value.items())
        out.append("{")
        for index, (key, item) in enumerate(items):
            if index:
                out.append(",")
            out.append(_encode_string(str(key)))
            out.append(":")
            _encode_into(item, out)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _encode_into(item, out)
        out.append("]")
    else:
        raise TypeError(f"cannot encode {type(value).__name__} as Go JSON")


# --- time.Time -------------------------------------------------------------------------------


def _fraction(ns: int) -> str:
    """Go's RFC3339Nano fraction: up to nine digits, trailing zeros (and a bare dot) dropped."""
    frac = f"{ns % 1_000_000_000:09d}".rstrip("0")
    return f".{frac}" if frac else ""


def utc_timestamp(ns: int | None = None) -> str:
    """`time.Now().UTC()` as JSON: e.g. `2026-08-21T17:15:24.097767Z` (used for created_at)."""
    ns = time.time_ns() if ns is None else ns
    seconds = ns // 1_000_000_000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + _fraction(ns) + "Z"


def local_timestamp(ns: int | None = None) -> str:
    """A local-time `time.Time` as JSON (modified_at, expires_at): offset, or `Z` when UTC."""
    ns = time.time_ns() if ns is None else ns
    seconds = ns // 1_000_000_000
    try:
        local = time.localtime(seconds)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", local)
        offset = local.tm_gmtoff
    except (OverflowError, OSError, ValueError):
        # Infinite keep-alive lands ~292 years out, beyond what some C libraries handle.
        return _far_future(ns)
    if offset == 0:
        zone = "Z"
    else:
        sign = "+" if offset > 0 else "-"
        hours, minutes = divmod(abs(offset) // 60, 60)
        zone = f"{sign}{hours:02d}:{minutes:02d}"
    return stamp + _fraction(ns) + zone


def _far_future(ns: int) -> str:
    import datetime as _dt

    stamp = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc) + _dt.timedelta(
        microseconds=ns // 1000
    )
    return stamp.strftime("%Y-%m-%dT%H:%M:%S") + _fraction(ns) + "Z"
