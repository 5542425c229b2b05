"""The index cache: kept rasters and rings are read instead of built, give the very answers
a build gives, and are built again when they cannot be trusted."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import numpy as np
import pytest
import shapely

from firecheck.batch.engine import BatchEngine
from firecheck.batch.requests import Requests
from firecheck.geo import grids
from firecheck.geo.projection import to_wgs84
from firecheck.rules.model import RuleSet
from firecheck.zones import index_cache
from firecheck.zones.load import default_zones_path, load_zones
from firecheck.zones.model import ZoneSet

KEPT = ("county_rings", "county_grid", "extent_rings", "extent_grids", "reach_grid", "box_slack")


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("FIRECHECK_CACHE", str(folder))
    return folder


def _answers(rules: RuleSet, zones: ZoneSet) -> tuple:
    """Statuses, named zones and distances of points all over the county and beyond it,
    its line and the shipped sketches' reach included."""
    rng = np.random.default_rng(11)
    n = 20_000
    lon, lat = to_wgs84(rng.uniform(-70_000, 70_000, n), rng.uniform(-65_000, 65_000, n))
    days = np.full(n, date(2023, 4, 1).toordinal())
    req = Requests(lat, lon, np.zeros(n, np.int8), days, days.copy(),
                   rng.integers(0, len(rules.activities.by_id), n), np.zeros(n, dtype=bool))
    engine = BatchEngine(rules, zones)
    engine.warm()
    out = engine.evaluate(req)
    return ([out.answers[g].status for g in out.group], out.zone_ids.to_pylist(),
            np.nan_to_num(out.distance_m, nan=-1.0).tolist())


def _built(zones: ZoneSet) -> list[str]:
    zones.index().county_grid  # noqa: B018 - builds (or reads) the parts a batch warms
    zones.index()._extent_tests  # noqa: B018
    zones.index()._reach_grid  # noqa: B018
    return sorted(zones._shared._parts)


def test_kept_parts_are_read_and_answer_as_built(rules: RuleSet, cache: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    first = load_zones(default_zones_path())
    built = _answers(rules, first)
    files = sorted(p.name.rsplit("-", 1)[1] for p in cache.glob("index-*.bin"))
    assert files == sorted(f"{name}.bin" for name in KEPT)

    def no_building(*_: object, **__: object) -> None:
        raise AssertionError("built, not read")

    monkeypatch.setattr(grids, "quadtree", no_building)
    monkeypatch.setattr("firecheck.zones.index.quadtree", no_building)
    monkeypatch.setattr("firecheck.zones.index.box_cover", no_building)
    again = load_zones(default_zones_path())
    assert _answers(rules, again) == built
    fresh, kept = first.index(), again.index()
    assert np.array_equal(fresh.county_grid.values, kept.county_grid.values)
    assert all(a.equals_exact(b, 0) for a, b in zip(fresh.county_rings, kept.county_rings,
                                                    strict=True))


@pytest.mark.parametrize("damage", ["truncated", "garbage", "other arrays", "other values",
                                    "empty raster", "huge shape", "huge header",
                                    "other source", "a directory", "symlink"])
def test_a_part_that_cannot_be_trusted_is_built_again(rules: RuleSet, cache: Path,
                                                      tmp_path: Path, damage: str) -> None:
    """Whatever is at a part's place — damaged, of another shape or source, values no build
    gives (each with a header and hash that match), a directory, a link — the part is built
    again: the same answers, no traceback."""
    first = load_zones(default_zones_path())
    built = _answers(rules, first)
    path = next(cache.glob("index-*-county_grid.bin"))
    kept = index_cache.IndexCache(first.version)
    grid = dict(kept.load("county_grid") or {})
    assert set(grid) == {"values0", "frame0"}
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:1000])
    elif damage == "garbage":
        path.write_bytes(os.urandom(path.stat().st_size))
    elif damage == "other arrays":
        kept.save("county_grid", {"values0": np.ones((3, 3)), "frame0": grid["frame0"]})
    elif damage == "other values":  # a class no raster holds
        kept.save("county_grid", {"values0": np.full_like(grid["values0"], 7),
                                  "frame0": grid["frame0"]})
    elif damage == "empty raster":
        kept.save("county_grid", {"values0": np.zeros((0, 0), np.int8), "frame0": grid["frame0"]})
    elif damage in ("huge shape", "huge header"):  # the array list is not under the hash
        head, _, payload = path.read_bytes().partition(b"\n{")
        header = json.loads(b"{" + payload.split(b"\n", 1)[0])
        if damage == "huge shape":
            header["arrays"][0][2] = [2**100, 1]
        else:
            header["padding"] = [{}] * 100_000
        path.write_bytes(head + b"\n" + json.dumps(header).encode() + b"\n"
                         + payload.split(b"\n", 1)[1])
    elif damage == "other source":  # the same name, made from a file whose hash starts alike
        other = index_cache.IndexCache(first.version[:23] + "0" * 48)
        other.save("county_grid", {"values0": np.zeros_like(grid["values0"]),
                                   "frame0": grid["frame0"]})  # all "inside the county"
    elif damage == "a directory":
        path.unlink()
        path.mkdir()
    else:
        elsewhere = tmp_path / "planted.bin"
        path.rename(elsewhere)
        path.symlink_to(elsewhere)
    assert index_cache.IndexCache(first.version).load("county_grid") is None or damage in (
        "other arrays", "other values", "empty raster")
    again = load_zones(default_zones_path())
    assert _answers(rules, again) == built
    assert "county_grid" in _built(again)
    if damage not in ("symlink", "a directory"):  # rewritten: the next run reads it
        assert np.array_equal(index_cache.IndexCache(first.version).load("county_grid")[
            "values0"], again.index().county_grid.values)


def test_parts_of_other_code_are_not_read_and_are_removed_when_stale(rules: RuleSet, cache: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    load_zones(default_zones_path()).index().county_grid  # noqa: B018
    old = next(cache.glob("index-*-county_grid.bin"))
    monkeypatch.setattr(index_cache, "_code_key", lambda: "0123456789abcdef" * 4)
    again = load_zones(default_zones_path())
    again.index().county_grid  # noqa: B018  (built: the kept part is of other code)
    assert old.exists()  # another install's, still in use: kept for a day
    os.utime(old, (0, 0))  # unused for a day: removed when the part is next kept
    next(p for p in cache.glob("index-*-county_grid.bin") if p != old).unlink()
    load_zones(default_zones_path()).index().county_grid  # noqa: B018
    assert not old.exists()
    assert [p.name.split("-")[2] for p in cache.glob("index-*-county_grid.bin")] == [
        "0123456789abcdef"]


def test_no_part_is_kept_where_others_can_write(rules: RuleSet, cache: Path) -> None:
    cache.mkdir(mode=0o700)
    cache.chmod(0o777)
    zones = load_zones(default_zones_path())
    assert "county_grid" in _built(zones)
    assert not list(cache.glob("index-*"))


def test_every_part_kept_round_trips(rules: RuleSet, cache: Path, zones: ZoneSet) -> None:
    """The codecs give back exactly what they were given (rasters of both value types,
    rings by WKB) and refuse arrays of another count."""
    from firecheck.zones.index import UNSETTLED, _grids_codec, _one, _rings_codec, _slack_codec

    index = zones.index()
    grid = _one(_grids_codec(1, (0, 1, 2, UNSETTLED), 2))
    back = grid.decode(grid.encode(index.county_grid))
    assert np.array_equal(back.values, index.county_grid.values) and back.outside == 2
    reach = _one(_grids_codec(1, None, False))
    assert reach.decode(reach.encode(index._reach_grid)).outside is False
    rings = list(index.county_rings)
    assert all(a.equals_exact(b, 0) for a, b in zip(
        _rings_codec(4).decode(_rings_codec(4).encode(rings)), rings, strict=True))
    assert _rings_codec(0).decode(_rings_codec(0).encode([])) == []
    for wrong in (lambda: _rings_codec(3).decode(_rings_codec(4).encode(rings)),
                  lambda: _rings_codec(1).decode(_rings_codec(1).encode([shapely.Point(0, 0)])),
                  lambda: _slack_codec(4).decode({"values": np.zeros(5)}),
                  lambda: _slack_codec(2).decode({"values": np.array([1.0, -1.0])}),
                  lambda: grid.decode({"values0": index.county_grid.values,
                                       "frame0": np.array([0.0, 0.0, 1e-3, 2.0])})):
        with pytest.raises(ValueError):
            wrong()


def test_the_code_hash_covers_every_module(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every module of firecheck goes into the code hash (a reach formula in model.py, the
    projection of zones in load.py decide the parts as much as index.py does)."""
    import firecheck

    root = Path(firecheck.__file__).parent
    read: list[Path] = []
    real = Path.read_bytes

    def recording(path: Path) -> bytes:
        read.append(path)
        return real(path)

    monkeypatch.setattr(Path, "read_bytes", recording)
    index_cache._code_key.cache_clear()
    try:
        index_cache._code_key()
    finally:
        index_cache._code_key.cache_clear()
    assert set(read) == set(root.rglob("*.py"))
    assert {root / "zones" / "model.py", root / "zones" / "load.py"} <= set(read)


def test_no_part_is_kept_without_all_of_the_source(rules: RuleSet, cache: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A module that cannot be read (a dangling editor lock file is skipped: it is hidden)
    leaves no code to name a part by: nothing is kept, and the batch answers as built."""
    real = Path.read_bytes

    def failing(path: Path) -> bytes:
        if path.name == "model.py":
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(Path, "read_bytes", failing)
    index_cache._code_key.cache_clear()
    try:
        zones = load_zones(default_zones_path())
        assert "county_grid" in _built(zones)
    finally:
        index_cache._code_key.cache_clear()
    assert not list(cache.glob("index-*"))


def test_a_part_read_is_marked_in_use(cache: Path) -> None:
    """Reading a part touches it, so another install's cleanup (parts unused for a day)
    leaves a part in use alone."""
    load_zones(default_zones_path()).index().county_grid  # noqa: B018
    path = next(cache.glob("index-*-county_grid.bin"))
    os.utime(path, (0, 0))
    load_zones(default_zones_path()).index().county_grid  # noqa: B018
    assert path.stat().st_mtime > 1e9
