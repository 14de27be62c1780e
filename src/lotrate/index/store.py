"""A small, deterministic container for precomputed index tables: named NumPy arrays and a JSON header.

Layout: ``b"LRTABLE1"``, a little-endian ``uint64`` length of the zlib-compressed payload, then the payload.
The payload is a little-endian ``uint32`` header length, the JSON header (sorted keys, each array's name,
dtype, shape and offset) and the arrays' raw little-endian bytes at 8-byte aligned offsets. The same arrays
always give the same payload; the compressed bytes are those of the zlib in use (``scripts/build_index.py
--check`` compares payloads when the compressed bytes differ).

Examples
--------
>>> meta, arrays = unpack(pack({"a": 1}, {"x": np.arange(3, dtype=np.int16)}))
>>> meta["a"], arrays["x"].tolist()
(1, [0, 1, 2])
"""

from __future__ import annotations

import json
import os
import tempfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

MAGIC = b"LRTABLE1"


def payload(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> bytes:
    """The uncompressed payload of :func:`pack`."""
    entries = []
    blobs = []
    offset = 0
    for name, a in arrays.items():
        a = np.ascontiguousarray(a)
        a = a.astype(a.dtype.newbyteorder("<"), copy=False)
        raw = a.tobytes()
        entries.append([name, a.dtype.str, list(a.shape), offset])
        raw += b"\0" * (-len(raw) % 8)
        blobs.append(raw)
        offset += len(raw)
    header = json.dumps({"meta": meta, "arrays": entries}, sort_keys=True, separators=(",", ":")).encode()
    header += b" " * (-(4 + len(header)) % 8)
    return b"".join([len(header).to_bytes(4, "little"), header, *blobs])


def pack(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> bytes:
    """Arrays and a JSON-able ``meta`` as bytes."""
    body = zlib.compress(payload(meta, arrays), 6)
    return MAGIC + len(body).to_bytes(8, "little") + body


def unpack_payload(data: bytes) -> bytes:
    """The payload inside bytes written by :func:`pack`."""
    if data[: len(MAGIC)] != MAGIC:
        raise ValueError("not a lotrate table file")
    size = int.from_bytes(data[len(MAGIC) : len(MAGIC) + 8], "little")
    return zlib.decompress(data[len(MAGIC) + 8 : len(MAGIC) + 8 + size])


def unpack(data: bytes) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """``(meta, arrays)`` from bytes written by :func:`pack`; the arrays are read-only views of one buffer."""
    body = unpack_payload(data)
    hlen = int.from_bytes(body[:4], "little")
    doc = json.loads(body[4 : 4 + hlen])
    base = 4 + hlen
    arrays: dict[str, np.ndarray] = {}
    for name, dtype, shape, offset in doc["arrays"]:
        dt = np.dtype(dtype)
        count = int(np.prod(shape)) if shape else 1
        arrays[name] = np.frombuffer(body, dtype=dt, count=count, offset=base + offset).reshape(shape)
    return doc["meta"], arrays


def cache_dir() -> Path | None:
    """Where tables built for other layers than the built-in ones are kept between processes:
    ``$LOTRATE_CACHE_DIR`` (empty: no cache), else ``$XDG_CACHE_HOME/lotrate`` or ``~/.cache/lotrate``."""
    env = os.environ.get("LOTRATE_CACHE_DIR")
    if env is not None:
        return Path(env) if env.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lotrate"


def read_cached(name: str) -> bytes | None:
    """A cached table file's bytes, or None (no cache, no file, unreadable)."""
    d = cache_dir()
    if d is None:
        return None
    try:
        return (d / name).read_bytes()
    except OSError:
        return None


def write_cached(name: str, data: bytes) -> None:
    """Keep a table file in the cache (best effort: written beside, then renamed into place)."""
    d = cache_dir()
    if d is None:
        return
    try:
        d.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=d, prefix=f".{name}.")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, d / name)
    except OSError:
        pass
