"""Geometry: datums (WGS-84, GCJ-02, BD-09), the county's metric plane, signed distances
to zone edges, and rasters that settle points in bulk."""
