"""Arrow ↔ numpy without pyarrow's pandas-backed conversions (importing pandas, when it is
installed, costs 0.3–0.4 s per run), and the memory pool of firecheck's own processes."""

from __future__ import annotations

import contextlib
import os
import sys

import numpy as np
import pyarrow as pa

from .. import kernels


def _skip_pandas_probe() -> None:
    """pyarrow imports pandas the first time it converts any Python or numpy value, only to
    ask whether the value is a pandas object (firecheck never passes one): 0.4 s of every
    batch. Let that first probe find no pandas. It is asked once per process; a later
    ``to_pandas()`` imports pandas as usual, so a program that uses both loses nothing."""
    if "pandas" in sys.modules:
        return
    sys.meta_path.insert(0, _NoPandas)
    try:
        pa.array([0])
    finally:
        sys.meta_path.remove(_NoPandas)


def use_returning_pool() -> None:
    """Make jemalloc the process's Arrow memory pool where pyarrow has it (Linux and macOS
    wheels): it hands freed chunk buffers back to the system within a second, where the
    default (mimalloc) keeps them — a 1M-row batch peaks at ~215 MB instead of ~300 MB, no
    slower. For the processes firecheck owns (``batch``, ``serve``); a program using the
    API keeps its own choice, and so does anyone who sets ``ARROW_DEFAULT_MEMORY_POOL``.
    Not with pages other than 4 KiB (aarch64 servers with 64 KiB pages): pyarrow's
    jemalloc is built for 4 KiB and fails there."""
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL") or _page_size() != 4096:
        return
    with contextlib.suppress(NotImplementedError):  # a build without it: the default
        pa.set_memory_pool(pa.jemalloc_memory_pool())


def _page_size() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):  # no sysconf (Windows): no jemalloc anyway
        return 0


class _NoPandas:
    """An import finder under which ``import pandas`` fails."""

    @staticmethod
    def find_spec(name: str, *_: object) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError(name)


_skip_pandas_probe()


def numpy_of(array: pa.Array, dtype: type) -> np.ndarray:
    """A null-free fixed-width Arrow array as a read-only numpy view of its data buffer."""
    width = np.dtype(dtype).itemsize
    return np.frombuffer(array.buffers()[1], dtype=dtype, count=len(array),
                         offset=array.offset * width)


def bools(array: pa.Array) -> np.ndarray:
    """A null-free boolean Arrow array as numpy."""
    return numpy_of(kernels.cast(array, pa.uint8()), np.uint8).astype(bool)


def factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct int64 values (hash-based, in order of first appearance), each row's index
    into them, and the first row of each."""
    encoded = kernels.dictionary_encode(pa.array(values, type=pa.int64()))
    inverse = numpy_of(encoded.indices, np.int32).astype(np.int64)
    uniques = numpy_of(encoded.dictionary, np.int64)
    first = np.empty(len(uniques), dtype=np.int64)
    first[inverse[::-1]] = np.arange(len(values) - 1, -1, -1)
    return uniques, inverse, first


def pair_order(major: np.ndarray, minor: np.ndarray) -> np.ndarray:
    """The order sorting integer pairs by ``major``, then ``minor`` — ``np.lexsort((minor,
    major))``, ties kept in place — as one stable argsort of a combined int64 key: 5–10×
    faster on a chunk's (row, zone) pairs among parcels (millions, already in row order,
    which the sort's runs use)."""
    if not len(major):
        return np.empty(0, dtype=np.int64)
    low, high = int(minor.min()), int(minor.max())
    base, top = int(major.min()), int(major.max())
    span = high - low + 1
    if max(high, top) >= 1 << 63 or top - base >= (1 << 62) // span:  # past int64
        return np.lexsort((minor, major))
    return np.argsort((major.astype(np.int64) - base) * span + (minor.astype(np.int64) - low),
                      kind="stable")
