"""Signed distance to a zone's edge: the one measure every answer rests on.

Negative inside an area (minus the depth of the place), positive outside it, and for lines
and points the plain distance; and where that distance lies against a line drawn with some
uncertainty (:func:`relation`). The engine, the batch and ``near`` all measure with these,
so they cannot disagree.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import shapely


def signed_edge_m(shapes: np.ndarray, edges: np.ndarray, areal: np.ndarray,
                  geometries: np.ndarray) -> np.ndarray:
    """Signed metres from each geometry to the edge of the shape beside it (pairwise,
    broadcasting): ``edges`` are the shapes' boundaries (the shapes themselves for lines
    and points), ``areal`` says which shapes are areas. A point inside an area gets minus
    its depth; a line or polygon that crosses the edge gets 0, and one wholly inside gets
    minus its shallowest depth."""
    distance = np.asarray(shapely.distance(edges, geometries), dtype=float)
    return with_sign(distance, areal & (distance > 0) & shapely.contains(shapes, geometries))


def with_sign(distance: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """``distance`` made negative where ``inside`` (a place on the edge stays at 0)."""
    return np.where(inside & (distance > 0), -distance, distance)


Relation = Literal["certain", "near", "beyond"]
RELATIONS: tuple[Relation, ...] = ("certain", "near", "beyond")


def relation(edge_m: float, buffer_m: float, band: float) -> Relation:
    """Whether a place at signed ``edge_m`` from a zone edge is surely within ``buffer_m``
    of it, within the uncertainty ``band`` of that line, or surely beyond it."""
    if edge_m <= buffer_m - band:
        return "certain"
    if edge_m <= buffer_m + band:
        return "near"
    return "beyond"


def relations(edge_m: np.ndarray, buffer_m: np.ndarray, band: np.ndarray) -> np.ndarray:
    """:func:`relation` for arrays, as indices into :data:`RELATIONS` (0 certain, 1 near,
    2 beyond), with the same float comparisons."""
    return np.where(edge_m <= buffer_m - band, 0, np.where(edge_m <= buffer_m + band, 1, 2))
