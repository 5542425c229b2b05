"""Coarse rasters over local metres that settle most points of a batch with one array
lookup. A cell holds an answer only when it holds for every point of the cell; points in
the other cells go on to the exact geometric test, so a raster never changes an answer.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

UNSETTLED = -1  # a cell whose points need the exact test
# Boxes are tested grown by a micrometre: a point that rounding puts in a cell by
# floor((x - ox) / cell_m) may lie a few ulps outside the box ox + i * cell_m … tested for it.
_SLACK_M = 1e-6

Classify = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray]


class Grid:
    """Square cells of ``cell_m`` metres from (ox, oy); ``values[row, col]``; every place
    beyond the raster has the value ``outside``."""

    def __init__(self, ox: float, oy: float, cell_m: float, values: np.ndarray,
                 outside: bool | int) -> None:
        self.ox, self.oy, self.cell_m = ox, oy, cell_m
        self.values = values
        self.outside = outside
        # A border of `outside` cells, so a clipped index needs no mask.
        self._padded = np.pad(values, 1, constant_values=outside)

    def lookup(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The value of each point's cell: a place beyond the raster, or with no projected
        coordinates (NaN, inf), falls in the border."""
        rows, cols = self.values.shape
        return self._padded.ravel().take(_padded_cells(x, y, self.ox, self.oy, self.cell_m,
                                                       rows, cols))


def _padded_cells(x: np.ndarray, y: np.ndarray, ox: float, oy: float, cell_m: float,
                  rows: int, cols: int) -> np.ndarray:
    """Each point's cell in a raster of rows × cols cells from (ox, oy) with a border of
    one cell, as a flat index of the bordered raster."""
    return (_cells(y, oy, cell_m, rows) * (cols + 2)
            + _cells(x, ox, cell_m, cols)).astype(np.int64)


def _cells(value: np.ndarray, origin: float, cell_m: float, count: int) -> np.ndarray:
    """Each value's cell along one axis as a float, 1 … count for the raster's own, 0
    before them (NaN and -inf too) and count + 1 after them (inf too)."""
    cell = np.subtract(value, origin)
    cell *= 1.0 / cell_m  # off by ulps at a cell's side: within _SLACK_M
    with np.errstate(invalid="ignore"):
        np.floor(cell, out=cell)
    np.fmax(cell, -1.0, out=cell)  # fmax takes -1 for NaN
    np.fmin(cell, count, out=cell)
    cell += 1.0
    return cell


class Buckets:
    """Square cells of ``cell_m`` metres from (ox, oy), rows × cols of them in a border of
    empty cells, each listing the boxes that touch it (ascending): a point's candidate
    boxes are its cell's. Flat: cell ``c`` (of the bordered raster) lists
    ``items[starts[c]:starts[c + 1]]``."""

    def __init__(self, ox: float, oy: float, cell_m: float, rows: int, cols: int,
                 starts: np.ndarray, items: np.ndarray) -> None:
        self.ox, self.oy, self.cell_m, self.rows, self.cols = ox, oy, cell_m, rows, cols
        self.starts, self.items = starts, items
        self._counts = np.diff(starts)

    def occupied(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Whether each point's cell lists any box (a point in another touches none)."""
        return self._counts.take(self._cells(x, y)) > 0

    def candidates(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(point, box) of every box listed in each point's cell: by point, then box."""
        cell = self._cells(x, y)
        start, count = self.starts.take(cell), self._counts.take(cell)
        point = np.repeat(np.arange(len(cell)), count)
        # The k-th pair of a point is item start + k: each pair's position, from the
        # running count of pairs before its point.
        position = np.arange(len(point)) + np.repeat(start - (np.cumsum(count) - count), count)
        return point, self.items.take(position).astype(np.int64)

    def _cells(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return _padded_cells(x, y, self.ox, self.oy, self.cell_m, self.rows, self.cols)


# A bucket raster's cells and (box, cell) entries at most: past either, cells are doubled;
# so are they past 12 entries per box (and 2**20 in all), as little memory as the boxes'
# own coordinates take. 100,000 parcels of ~1.2 km reach boxes: 3.1M entries in 250 m
# cells, 1.1M in 500 m ones, whose candidates cost ~25% more to test than the 250 m ones'.
MAX_BUCKET_ENTRIES, MAX_BUCKET_CELLS = 1 << 24, 1 << 22
_ENTRIES_PER_BOX, _FEW_ENTRIES = 12, 1 << 20


def bucket_boxes(x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray,
                 cell_m: float = 250.0) -> Buckets:
    """The :class:`Buckets` of boxes [x0, x1] × [y0, y1], each grown by _SLACK_M (so a
    point on a box's side is in a cell that lists it however its cell rounds): cells of
    ``cell_m`` metres, doubled until the raster holds at most MAX_BUCKET_CELLS cells and
    as many (box, cell) entries as the budget above allows."""
    x0, y0, x1, y1 = x0 - _SLACK_M, y0 - _SLACK_M, x1 + _SLACK_M, y1 + _SLACK_M
    ox, oy = (float(x0.min()), float(y0.min())) if len(x0) else (0.0, 0.0)
    while True:
        cols = int((x1.max() - ox) // cell_m) + 1 if len(x0) else 1
        rows = int((y1.max() - oy) // cell_m) + 1 if len(x0) else 1
        # Each box's cells, bordered raster: columns i0..i1, rows j0..j1 (from 1).
        i0, i1 = ((x0 - ox) // cell_m).astype(np.int64) + 1, ((x1 - ox) // cell_m).astype(np.int64) + 1
        j0, j1 = ((y0 - oy) // cell_m).astype(np.int64) + 1, ((y1 - oy) // cell_m).astype(np.int64) + 1
        width = i1 - i0 + 1
        count = width * (j1 - j0 + 1)
        budget = min(MAX_BUCKET_ENTRIES, max(_FEW_ENTRIES, _ENTRIES_PER_BOX * len(x0)))
        if (rows + 2) * (cols + 2) <= MAX_BUCKET_CELLS and count.sum() <= budget:
            break
        cell_m *= 2
    cells, boxes = [], []
    for first in range(0, len(count), 8192):  # a block of boxes at a time: memory stays low
        block = slice(first, first + 8192)
        n = count[block]
        box = np.repeat(np.arange(first, first + len(n), dtype=np.int32), n)
        k = np.arange(len(box)) - np.repeat(np.cumsum(n) - n, n)  # the k-th cell of its box
        dj, di = np.divmod(k, np.repeat(width[block], n))
        cells.append(((np.repeat(j0[block], n) + dj) * (cols + 2)
                      + np.repeat(i0[block], n) + di).astype(np.int32))
        boxes.append(box)
    cell = np.concatenate(cells) if cells else np.empty(0, np.int32)
    order = np.argsort(cell, kind="stable")  # by cell; boxes ascending within each
    starts = np.zeros((rows + 2) * (cols + 2) + 1, dtype=np.int64)
    np.cumsum(np.bincount(cell, minlength=len(starts) - 1), out=starts[1:])
    items = np.concatenate(boxes)[order] if boxes else np.empty(0, np.int32)
    return Buckets(ox, oy, cell_m, rows, cols, starts, items)


def quadtree(classify: Classify, bounds: tuple[float, float, float, float], outside: int,
             cell_m: float, levels: int) -> Grid:
    """A raster of ``classify(x0, y0, x1, y1)``: per box, a class that holds for all of
    it, or UNSETTLED. Cells start ``2**levels`` × ``cell_m`` wide and only unsettled ones
    are split in four, so the tests are spent where classes meet. The raster covers
    ``bounds``; every place beyond it (or without finite coordinates) must be of class
    ``outside``."""
    size = cell_m * 2**levels
    ox, oy = bounds[0], bounds[1]
    cols = int((bounds[2] - ox) // size) + 1
    rows = int((bounds[3] - oy) // size) + 1
    values = np.full((rows, cols), UNSETTLED, dtype=np.int8)
    j, i = np.divmod(np.arange(rows * cols), cols)
    for level in range(levels + 1):
        if level:
            size /= 2
            values = values.repeat(2, axis=0).repeat(2, axis=1)
            j = (2 * j[:, None] + np.array([0, 0, 1, 1])).ravel()
            i = (2 * i[:, None] + np.array([0, 1, 0, 1])).ravel()
        x0, y0 = ox + i * size - _SLACK_M, oy + j * size - _SLACK_M
        found = classify(x0, y0, x0 + size + 2 * _SLACK_M, y0 + size + 2 * _SLACK_M)
        found = found.astype(np.int8)
        values[j, i] = found
        j, i = j[found == UNSETTLED], i[found == UNSETTLED]
    return Grid(ox, oy, size, values, outside)
