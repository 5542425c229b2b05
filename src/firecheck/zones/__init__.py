"""Zones: the model, the geometry index, the zones file (checking, loading, caching),
importing official files, the gazetteer of place names and the nearest zones of a place."""
