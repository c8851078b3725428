"""The wire format between the grader and a sandboxed submission: no pickle, ever.

A message is a UTF-8 JSON header, a NUL byte, then zero or more ``.npy`` arrays written with
``allow_pickle=False``; a large body goes through the sandbox's exchange file instead. The
parent decodes what a child sends with :func:`decode_arrays`, which accepts only plain numeric
arrays within a size budget, so a hostile child can send wrong numbers but never code, objects
or an allocation bomb.
"""

from __future__ import annotations

import builtins
import functools
import io
import json
import math
from typing import Any

import numpy as np

from ..implementation import SANDBOX_SAID

NUMERIC_KINDS = "biufc"
MAX_MESSAGE = 256 * 2**20  # bytes a child may send in one reply
MAX_ELEMENTS = 32 * 2**20
MAX_HEADER = 64 * 2**10  # bytes of JSON: a few fields, a type name, an error message of at most 500 characters
NPY_HEADER_MAX = 12 + 10_000  # magic, version, length, and numpy's own cap on an .npy header
INLINE_MAX = 256 * 2**10
EXCHANGE_SIZE = 32 * 2**20
"""Bytes of a sandbox's exchange file. A body larger than INLINE_MAX and no larger than this is
written there and announced on the socket as ``"exchange": length``: a socket moves 8 MB in
64 KB turns between the two processes, a shared file in one copy each way."""


class ProtocolError(Exception):
    """The other side sent something that is not a valid message. The text is the kit's alone: it
    never quotes what the other side sent (no string, no number of its), so it may be shown as the
    kit's words about any clause."""


def frame(header: dict[str, Any], parts: list[Any]) -> bytes:
    """One message: the JSON header, NUL, then the body's buffers (copied once, into the message)."""
    return b"".join([json.dumps(header).encode(), b"\0", *parts])


def body_parts(arrays: tuple[np.ndarray, ...] | list[np.ndarray]) -> list[Any]:
    """The body's buffers: each array's ``.npy`` header and data, not yet copied anywhere."""
    return [part for a in arrays for part in _npy(a)]


def size_of(parts: list[Any]) -> int:
    return sum(memoryview(p).nbytes for p in parts)


def via_exchange(size: int) -> bool:
    """A body this large travels through the exchange file rather than the socket."""
    return INLINE_MAX < size <= EXCHANGE_SIZE


def exchange_length(header: dict[str, Any], inline: memoryview) -> int | None:
    """The length of a body sent through the exchange file, validated; None for an inline body."""
    if "exchange" not in header:
        return None
    n = header["exchange"]
    if type(n) is not int or not 0 < n <= EXCHANGE_SIZE or len(inline):
        raise ProtocolError("bad exchange length (not a byte count within the exchange file)")
    return n


def _npy(a: np.ndarray) -> list[Any]:
    """An array's ``.npy`` header and a view of its bytes in file order (no pickle, no copy if contiguous)."""
    if a.dtype.hasobject:
        raise ValueError("object arrays are never sent")
    fortran = bool(a.flags.f_contiguous and not a.flags.c_contiguous)
    data = a.T if fortran else np.ascontiguousarray(a)
    head = io.BytesIO()
    meta = {"descr": np.lib.format.dtype_to_descr(a.dtype), "fortran_order": fortran, "shape": a.shape}
    try:
        np.lib.format.write_array_header_1_0(head, meta)
    except ValueError:  # a header too long for format 1.0
        np.lib.format.write_array_header_2_0(head, meta)
    return [head.getvalue(), data.reshape(-1).view(np.uint8).data]


def unpack_header(message: bytes) -> tuple[dict[str, Any], memoryview]:
    end = message.find(b"\0", 0, MAX_HEADER + 1)
    if end < 0:  # a header is never parsed past MAX_HEADER: 200 MB of JSON is gigabytes of objects
        raise ProtocolError(f"no header terminator in the first {MAX_HEADER} bytes")
    head, body = message[:end], memoryview(message)[end + 1 :]  # the arrays are not copied here
    try:
        header = json.loads(head.decode())
    except (ValueError, RecursionError) as exc:  # bad UTF-8 or JSON, a 5000-digit int, nesting 20000 deep
        raise ProtocolError(f"unreadable header ({type(exc).__name__})") from None
    if not isinstance(header, dict):
        raise ProtocolError("header is not an object")
    return header, body


def decode_arrays(body: bytes | memoryview, count: int) -> list[np.ndarray]:
    """Exactly ``count`` plain numeric arrays, each checked before its data is touched, each a private copy."""
    view = memoryview(body)
    pos = 0
    out = []
    for _ in range(count):
        lead = view[pos : pos + 12].tobytes()
        if len(lead) < 12 or lead[:6] != b"\x93NUMPY" or lead[6] not in (1, 2):
            raise ProtocolError("not an .npy array (format 1.0 or 2.0)")
        length = 10 + int.from_bytes(lead[8:10], "little") if lead[6] == 1 else 12 + int.from_bytes(lead[8:12], "little")
        if length > NPY_HEADER_MAX or pos + length > len(view):
            raise ProtocolError("not an .npy array: a header of more bytes than allowed or sent")
        shape, fortran, dtype = _npy_header(view[pos : pos + length].tobytes())
        n = math.prod(shape)
        if n > MAX_ELEMENTS:
            raise ProtocolError(f"an array larger than {MAX_ELEMENTS} elements")
        pos += length
        size = n * dtype.itemsize
        if len(view) - pos < size:
            raise ProtocolError("array data is truncated")
        flat = np.frombuffer(view, dtype=dtype, count=n, offset=pos) if n else np.empty(0, dtype)
        out.append(flat.reshape(shape, order="F" if fortran else "C").copy(order="K"))
        pos += size
    if pos != len(view):
        raise ProtocolError("trailing bytes after the arrays")
    return out


@functools.lru_cache(maxsize=256)
def _npy_header(raw: bytes) -> tuple[tuple[int, ...], bool, np.dtype]:
    """numpy's own parse of one whole ``.npy`` header (a grader sees the same few shapes again and again)."""
    stream = io.BytesIO(raw)
    try:
        version = np.lib.format.read_magic(stream)
        read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read(stream)
    except (ValueError, OSError, SyntaxError) as exc:
        raise ProtocolError(f"not an .npy array: unreadable header ({type(exc).__name__})") from None
    if any(d < 0 for d in shape):
        raise ProtocolError("an array shape with a negative dimension")
    if stream.tell() != len(raw):
        raise ProtocolError("not an .npy array: header length mismatch")
    if dtype.kind not in NUMERIC_KINDS or dtype.hasobject or dtype.fields is not None:
        raise ProtocolError("an array whose dtype is not numeric")
    return shape, fortran, dtype


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


class RemoteError(Exception):
    """An exception raised in the sandbox whose type is not a builtin: carries its name."""


def remote_exception(header: dict[str, Any]) -> Exception:
    """Rebuild an exception of the nearest builtin type (ValueError stays ValueError), never a
    BaseException, with text ``TypeName: message``. What the submission's exception said (its own
    type's name, its text, or its first leaf's for a group, and the line that raised it) rides along
    as the ``sandbox_said`` attribute. All of it is the child's say: only strs, capped, never evaluated."""
    name, text = _said(header.get("error"), 100) or "?", _said(header.get("message"), 500)
    message = f"{name}: {text}"
    said = (_said(header.get("said_type"), 100) or name,
            _said(header.get("said_text"), 700) if "said_text" in header else text,
            _said(header.get("where"), 200))
    exc = _nearest_builtin(header.get("mro"), message)
    setattr(exc, SANDBOX_SAID, said)
    return exc


def _nearest_builtin(mro: Any, message: str) -> Exception:
    for name in mro if isinstance(mro, list) else []:
        if not isinstance(name, str):
            continue
        cls = getattr(builtins, name, None)
        if isinstance(cls, type) and issubclass(cls, Exception) and cls is not Exception:
            try:
                return cls(message)
            except Exception:  # noqa: BLE001 - builtins with odd constructors
                break
    return RemoteError(message)


def _said(value: Any, limit: int) -> str:
    """A str the child sent, capped, with what a UTF-8 file cannot hold escaped; "" for anything else."""
    if not isinstance(value, str):
        return ""
    return value[:limit].encode("utf-8", "backslashreplace").decode("utf-8")
