"""Arrow ↔ numpy without pyarrow's pandas-backed conversions (importing pandas, when it is
installed, costs a third of a second per run)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def numpy_of(array: pa.Array, dtype: type) -> np.ndarray:
    """A null-free fixed-width Arrow array as a read-only numpy view of its data buffer."""
    width = np.dtype(dtype).itemsize
    return np.frombuffer(array.buffers()[1], dtype=dtype, count=len(array),
                         offset=array.offset * width)


def bools(array: pa.Array) -> np.ndarray:
    """A null-free boolean Arrow array as numpy."""
    return numpy_of(pc.cast(array, pa.uint8()), np.uint8).astype(bool)


def factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct int64 values (hash-based, in order of first appearance), each row's index
    into them, and the first row of each."""
    encoded = pa.array(values, type=pa.int64()).dictionary_encode()
    inverse = numpy_of(encoded.indices, np.int32).astype(np.int64)
    uniques = numpy_of(encoded.dictionary, np.int64)
    first = np.empty(len(uniques), dtype=np.int64)
    first[inverse[::-1]] = np.arange(len(values) - 1, -1, -1)
    return uniques, inverse, first
