"""The wire format: arrays survive the trip with dtype, shape and memory order; anything else is refused."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from dropout_conformance.sandbox.protocol import (
    EXCHANGE_SIZE,
    INLINE_MAX,
    ProtocolError,
    body_parts,
    decode_arrays,
    exchange_length,
    frame,
    unpack_header,
    via_exchange,
)

ARRAYS = {
    "large": np.random.default_rng(0).random((1024, 1024)),
    "fortran": np.asfortranarray(np.arange(35.0).reshape(5, 7)),
    "strided": np.arange(30.0).reshape(10, 3)[::2, ::-1],
    "0-d": np.array(3.5),
    "empty": np.zeros((0, 3), dtype=np.float32),
    "big-endian": np.arange(6, dtype=">i4").reshape(2, 3),
    "bool": np.array([True, False]),
    "float16": np.float16([1.5, -2.0]),
}


@pytest.mark.parametrize("name", ARRAYS)
def test_an_array_comes_back_equal_private_and_in_its_memory_order(name: str) -> None:
    a = ARRAYS[name]
    header, body = unpack_header(frame({"op": "forward"}, body_parts([a])))
    (b,) = decode_arrays(body, 1)
    assert header == {"op": "forward"}
    assert (b.dtype, b.shape) == (a.dtype, a.shape) and np.array_equal(a, b)
    assert b.flags.writeable and b.flags.owndata
    assert b.flags.f_contiguous if name == "fortran" else b.flags.c_contiguous  # a strided view arrives compacted


def _npy(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a, allow_pickle=False)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (_npy(np.ones(3))[:-1], "truncated"),
        (_npy(np.ones(3)) + b"x", "trailing"),
        (b"\x93NUMPY\x03\x00" + b"\0" * 20, "not an .npy"),
        (_npy(np.array([(1, 2.0)], dtype=[("a", "i4"), ("b", "f8")])), "not numeric"),
        (_npy(np.array(["text"])), "not numeric"),
        (b"\x93NUMPY\x01\x00\xff\xff" + b" " * 100, "header of"),
        (_npy(np.ones(3)).replace(b"(3,)", b"(-1,)"), "negative dimension"),
        (_npy(np.ones((2, 3))).replace(b"(2, 3)", b"(-2, -3)"), "negative dimension"),
    ],
)
def test_a_body_that_is_not_plain_numeric_npy_is_refused(body: bytes, why: str) -> None:
    with pytest.raises(ProtocolError, match=why):
        decode_arrays(body, 1)


def test_an_array_over_the_element_budget_is_refused_from_its_header() -> None:
    header = _npy(np.ones(1))
    huge = header.replace(b"(1,)", b"(99999999999,)")
    with pytest.raises(ProtocolError, match="larger than"):
        decode_arrays(huge, 1)


@pytest.mark.parametrize("length", [0, -1, EXCHANGE_SIZE + 1, 2**40, "12", 1.5, True, None])
def test_an_exchange_length_outside_the_file_is_refused(length: object) -> None:
    message = json.dumps({"ok": True, "exchange": length}).encode() + b"\0"
    header, body = unpack_header(message)
    with pytest.raises(ProtocolError, match="bad exchange length"):
        exchange_length(header, body)


def test_an_exchange_length_with_an_inline_body_is_refused() -> None:
    header, body = unpack_header(json.dumps({"exchange": 8}).encode() + b"\0" + b"12345678")
    with pytest.raises(ProtocolError):
        exchange_length(header, body)


def test_only_large_bodies_use_the_exchange_file() -> None:
    assert not via_exchange(INLINE_MAX) and via_exchange(INLINE_MAX + 1)
    assert via_exchange(EXCHANGE_SIZE) and not via_exchange(EXCHANGE_SIZE + 1)


def test_a_sandbox_moves_large_arrays_through_its_exchange_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dropout_conformance.sandbox import probe
    from dropout_conformance.sandbox.parent import Limits, SandboxedFactory

    used = {"written": 0, "read": 0}
    write, read = SandboxedFactory._write_exchange, SandboxedFactory._read_exchange

    def spy_write(self: SandboxedFactory, parts: list[object]) -> bool:
        used["written"] += 1
        return write(self, parts)

    def spy_read(self: SandboxedFactory, length: int) -> memoryview:
        used["read"] += 1
        return read(self, length)

    monkeypatch.setattr(SandboxedFactory, "_write_exchange", spy_write)
    monkeypatch.setattr(SandboxedFactory, "_read_exchange", spy_read)
    source = tmp_path / "affine.py"
    source.write_text(
        "class DropoutLayer:\n"
        "    def __init__(self, p):\n        self.p = p\n"
        "    def forward(self, x, training=True):\n        return 2 * x + 1\n"
        "    def backward(self, grad):\n        return grad\n"
    )
    factory = SandboxedFactory(source, "affine.py", "DropoutLayer", Limits(isolation=probe.best()))
    try:
        layer = factory.build(0.5)
        assert factory.exchange is not None, "the child could not map the exchange file"
        assert not (factory.tmp / "run1" / "exchange").exists(), "the exchange file's name is gone once the child is ready"
        x = ARRAYS["large"]
        assert via_exchange(x.nbytes)
        np.testing.assert_array_equal(layer.forward(x.copy()), 2 * x + 1)
        assert used == {"written": 1, "read": 1}, "the 8 MB went by socket in some direction"
        small = np.arange(4.0)
        np.testing.assert_array_equal(layer.forward(small), 2 * small + 1)
        assert used == {"written": 1, "read": 1}, "a small body went through the exchange file"
    finally:
        factory.close()
