"""The wire format between the grader and a sandboxed submission: no pickle, ever.

A message is a UTF-8 JSON header, a NUL byte, then zero or more ``.npy`` arrays written with
``allow_pickle=False``. The parent decodes what a child sends with :func:`decode_arrays`, which
accepts only plain numeric arrays within a size budget, so a hostile child can send wrong
numbers but never code, objects or an allocation bomb.
"""

from __future__ import annotations

import io
import json
import math
from typing import Any

import numpy as np

NUMERIC_KINDS = "biufc"
MAX_MESSAGE = 256 * 2**20  # bytes a child may send in one reply
MAX_ELEMENTS = 32 * 2**20
MAX_HEADER = 64 * 2**10  # bytes of JSON: a few fields, a type name, an error message of at most 500 characters


class ProtocolError(Exception):
    """The other side sent something that is not a valid message."""


def pack(header: dict[str, Any], *arrays: np.ndarray) -> bytes:
    buf = io.BytesIO()
    buf.write(json.dumps(header).encode())
    buf.write(b"\0")
    for a in arrays:
        np.save(buf, a, allow_pickle=False)
    return buf.getvalue()


def unpack_header(message: bytes) -> tuple[dict[str, Any], bytes]:
    end = message.find(b"\0", 0, MAX_HEADER + 1)
    if end < 0:  # a header is never parsed past MAX_HEADER: 200 MB of JSON is gigabytes of objects
        raise ProtocolError(f"no header terminator in the first {MAX_HEADER} bytes")
    head, body = message[:end], message[end + 1 :]
    try:
        header = json.loads(head.decode())
    except (ValueError, RecursionError) as exc:  # bad UTF-8 or JSON, a 5000-digit int, nesting 20000 deep
        raise ProtocolError(f"unreadable header: {exc}") from None
    if not isinstance(header, dict):
        raise ProtocolError("header is not an object")
    return header, body


def decode_arrays(body: bytes, count: int) -> list[np.ndarray]:
    """Exactly ``count`` plain numeric arrays, each checked before its data is touched."""
    stream = io.BytesIO(body)
    out = []
    for _ in range(count):
        try:
            version = np.lib.format.read_magic(stream)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
            else:
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream)
        except (ValueError, OSError) as exc:
            raise ProtocolError(f"not an .npy array: {exc}") from None
        if dtype.kind not in NUMERIC_KINDS or dtype.hasobject or dtype.fields is not None:
            raise ProtocolError(f"array of dtype {dtype} is not numeric")
        n = math.prod(shape)
        if n > MAX_ELEMENTS:
            raise ProtocolError(f"array of shape {shape} is larger than {MAX_ELEMENTS} elements")
        data = stream.read(n * dtype.itemsize)
        if len(data) != n * dtype.itemsize:
            raise ProtocolError("array data is truncated")
        arr = np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C").copy()
        out.append(arr)
    if stream.read(1):
        raise ProtocolError("trailing bytes after the arrays")
    return out


def encode_p(p: Any) -> dict[str, Any]:
    """p with its exact type, so the child rebuilds np.float32(0.25) as np.float32(0.25)."""
    if isinstance(p, np.generic):
        return {"type": type(p).__name__, "value": p.item()}
    return {"type": type(p).__name__, "value": p}


def decode_p(spec: dict[str, Any]) -> Any:
    kind, value = spec["type"], spec["value"]
    if kind in ("float", "int", "bool", "str", "NoneType"):
        return value
    return getattr(np, kind)(value)
