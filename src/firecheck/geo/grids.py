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
        flat = self._cells(y, self.oy, rows) * (cols + 2) + self._cells(x, self.ox, cols)
        return self._padded.ravel().take(flat.astype(np.int64))

    def _cells(self, value: np.ndarray, origin: float, count: int) -> np.ndarray:
        """Each value's cell along one axis as a float, 1 … count for the raster's own, 0
        before them (NaN and -inf too) and count + 1 after them (inf too)."""
        cell = np.subtract(value, origin)
        cell *= 1.0 / self.cell_m  # off by ulps at a cell's side: within _SLACK_M
        with np.errstate(invalid="ignore"):
            np.floor(cell, out=cell)
        np.fmax(cell, -1.0, out=cell)  # fmax takes -1 for NaN
        np.fmin(cell, count, out=cell)
        cell += 1.0
        return cell


def box_cover(x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray,
              cell_m: float = 250.0) -> Grid:
    """True in every cell that some box [x0, x1] × [y0, y1], grown by _SLACK_M, touches
    (so a point on a box's side is in a true cell however its lookup rounds)."""
    x0, y0, x1, y1 = x0 - _SLACK_M, y0 - _SLACK_M, x1 + _SLACK_M, y1 + _SLACK_M
    ox, oy = float(x0.min()), float(y0.min())
    cols = int((x1.max() - ox) // cell_m) + 1
    rows = int((y1.max() - oy) // cell_m) + 1
    i0, i1 = ((x0 - ox) // cell_m).astype(np.int64), ((x1 - ox) // cell_m).astype(np.int64)
    j0, j1 = ((y0 - oy) // cell_m).astype(np.int64), ((y1 - oy) // cell_m).astype(np.int64)
    diff = np.zeros((rows + 1, cols + 1), dtype=np.int32)
    for rr, cc, sign in ((j0, i0, 1), (j0, i1 + 1, -1), (j1 + 1, i0, -1), (j1 + 1, i1 + 1, 1)):
        np.add.at(diff, (rr, cc), sign)
    return Grid(ox, oy, cell_m, diff.cumsum(axis=0).cumsum(axis=1)[:rows, :cols] > 0, False)


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
