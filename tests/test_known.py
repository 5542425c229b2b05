"""A large zones file's hash, and its cache's proof, are remembered with the file's identity
(device, inode, size, modification and change times): a repeated check reads neither the
50 MB file nor the whole cache again — and any change a copy, an edit, a rename or a
restored modification time makes is seen, and the file hashed again."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import pytest
from test_scale import _parcel_zones

from firecheck.zones import cache as zcache
from firecheck.zones import known
from firecheck.zones.load import load_zones


class _Counting:
    """hashlib as the loaders use it, counting the bytes given to SHA-256."""

    def __init__(self) -> None:
        self.hashed = 0

    def sha256(self, data: bytes = b"") -> object:
        counter = self

        class _Hash:
            def __init__(self) -> None:
                self.inner = hashlib.sha256()
                self.update(data)

            def update(self, more: bytes) -> None:
                counter.hashed += len(more)
                self.inner.update(more)

            def hexdigest(self) -> str:
                return self.inner.hexdigest()

        return _Hash()


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files count as still for two seconds: the clock the records are kept by runs 3 s
    ahead (the files' own times do not move); and the test's temporary directory counts as
    a local file system that keeps change times, whatever it is on."""
    real = time.time_ns
    monkeypatch.setattr(known.time, "time_ns", lambda: real() + 3_000_000_000)
    monkeypatch.setattr(known, "file_system", lambda device: "ext4")


@pytest.fixture
def hashing(monkeypatch: pytest.MonkeyPatch) -> _Counting:
    import firecheck.files

    counting = _Counting()
    monkeypatch.setattr(firecheck.files, "hashlib", counting)
    monkeypatch.setattr(zcache, "hashlib", counting)
    return counting


def _source(tmp_path: Path, base: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FIRECHECK_CACHE", str(tmp_path / "cache"))
    return _parcel_zones(tmp_path, base, 30)


def _records(tmp_path: Path) -> list[str]:
    return sorted(p.name.split("-")[1] for p in (tmp_path / "cache").glob("known-*.json"))


def test_an_unchanged_file_and_its_cache_are_not_read_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, synthetic_zones_path: Path,
        settled: None, hashing: _Counting) -> None:
    """The first load hashes the file and builds the cache, the second proves the cache
    (its hash, every parcel's WKB) and remembers both; the third hashes nothing and does
    not check the parcels' WKB again — and answers with the same zones."""
    source = _source(tmp_path, synthetic_zones_path, monkeypatch)
    checked: list[int] = []
    real_check = zcache._check_wkb
    monkeypatch.setattr(zcache, "_check_wkb", lambda *a: checked.append(1) or real_check(*a))
    first = load_zones(source)
    assert hashing.hashed >= source.stat().st_size and _records(tmp_path) == ["source"]
    second = load_zones(source)
    assert checked == [1] and _records(tmp_path) == ["cache", "source"]
    hashing.hashed = 0
    third = load_zones(source)
    assert hashing.hashed == 0 and checked == [1]
    assert first.version == second.version == third.version == \
        "sha256:" + hashlib.sha256(source.read_bytes()).hexdigest()
    assert not third.notes and third.mapped_ids() == first.mapped_ids()


def _same_times(path: Path, change) -> None:
    """``change(path)``, then the file's modification time set back to what it was."""
    before = path.stat()
    time.sleep(0.02)  # past the file system's clock tick: the change time moves
    change(path)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def _edit_in_place(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-10] = ord("y")  # inside the padding: the same size, still a zones file
    with open(path, "r+b") as fh:
        fh.write(data)


def _replace_like_cp_p(path: Path) -> None:
    """A new file of the same size and modification time put in place (cp -p, rsync)."""
    data = bytearray(path.read_bytes())
    data[-10] = ord("z")
    other = path.with_suffix(".new")
    other.write_bytes(data)
    os.utime(other, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns))
    os.replace(other, path)


@pytest.mark.parametrize("change", [_edit_in_place, _replace_like_cp_p])
def test_a_change_that_keeps_size_and_mtime_is_seen(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, synthetic_zones_path: Path,
        settled: None, change) -> None:
    """The same bytes count, the modification time restored: the change time (or the
    inode) differs, so the file is hashed again and its new hash reported."""
    source = _source(tmp_path, synthetic_zones_path, monkeypatch)
    old = load_zones(source).version
    load_zones(source)  # the hash is remembered now
    size = source.stat().st_size
    _same_times(source, change)
    assert source.stat().st_size == size
    new = load_zones(source)
    assert new.version != old
    assert new.version == "sha256:" + hashlib.sha256(source.read_bytes()).hexdigest()


def test_a_file_changed_within_two_seconds_is_not_remembered(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, synthetic_zones_path: Path) -> None:
    """A file just written might be written again within the same clock tick: its hash is
    not kept (the real clock here), so every load hashes it."""
    source = _source(tmp_path, synthetic_zones_path, monkeypatch)
    load_zones(source)
    load_zones(source)
    assert _records(tmp_path) == []


@pytest.mark.parametrize("record", [
    b"not json", b"[]", b'{"format": 1, "identity": [1, 2, 3, 4, 5], "sha256": "00"}',
    b'{"format": 2}', b'{"format": 1, "identity": null, "sha256": 5}', b"SAME IDENTITY"])
def test_a_record_that_does_not_match_is_not_believed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, synthetic_zones_path: Path,
        settled: None, record: bytes) -> None:
    """A record of another file or format, or no record at all: the file is hashed."""
    source = _source(tmp_path, synthetic_zones_path, monkeypatch)
    expected = load_zones(source).version
    path = next((tmp_path / "cache").glob("known-source-*.json"))
    if record == b"SAME IDENTITY":  # this file's identity, a hash that is no SHA-256
        kept = json.loads(path.read_bytes())
        record = json.dumps({**kept, "sha256": "../../elsewhere"}).encode()
    path.write_bytes(record)
    assert known.Known(tmp_path / "cache", "source").recall(source, os.stat(source)) is None
    assert load_zones(source).version == expected


def test_a_record_naming_a_hash_with_no_cache_is_found_wrong_and_dropped(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, synthetic_zones_path: Path,
        settled: None) -> None:
    """A record of this very file with another hash (a bug, a planted file: the private
    cache directory is the boundary, as for the cache itself) names no cache, so the file
    is read — and what it holds counts: its true hash, its cache, and the record dropped."""
    source = _source(tmp_path, synthetic_zones_path, monkeypatch)
    true = load_zones(source).version
    path = next((tmp_path / "cache").glob("known-source-*.json"))
    record = json.loads(path.read_bytes())
    record["sha256"] = "0" * 64
    path.write_text(json.dumps(record))
    assert load_zones(source).version == true
    assert not path.exists()
    caches = sorted(p.name for p in (tmp_path / "cache").glob("zones-*.arrow"))
    assert caches == [zcache.cache_path(true).name]
    assert load_zones(source).version == true and path.exists()


def test_no_record_where_the_cache_directory_is_not_private(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, synthetic_zones_path: Path,
        settled: None) -> None:
    source = _source(tmp_path, synthetic_zones_path, monkeypatch)
    (tmp_path / "cache").mkdir(mode=0o777)
    os.chmod(tmp_path / "cache", 0o777)
    assert load_zones(source).notes and load_zones(source).notes
    assert list((tmp_path / "cache").iterdir()) == []


def test_a_file_that_changes_while_it_is_hashed_is_not_remembered(
        tmp_path: Path, settled: None) -> None:
    """Identity before and after the read differ: nothing is kept."""
    memory = known.Known(tmp_path, "source")
    path = tmp_path / "f"
    path.write_bytes(b"a")
    before = os.stat(path)
    time.sleep(0.02)
    path.write_bytes(b"b")
    memory.remember(path, before, os.stat(path), "f" * 64)
    assert list(tmp_path.glob("known-*")) == []
    memory.remember(path, os.stat(path), os.stat(path), "f" * 64)
    assert memory.recall(path, os.stat(path)) == "f" * 64
    assert memory.recall(path, before, os.stat(path)) is None  # changed while it was read
    assert memory.recall(path, os.stat(path), before) is None


def test_a_cache_changed_while_it_is_read_is_checked_in_full(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, synthetic_zones_path: Path,
        settled: None) -> None:
    """The cache's proof is recalled only if the file kept its identity from before its
    bytes were read to after: a write meanwhile (by anything but firecheck, which only
    replaces caches by rename) and its hash and parcels are checked again."""
    source = _source(tmp_path, synthetic_zones_path, monkeypatch)
    load_zones(source)
    load_zones(source)  # the cache proven and remembered
    checked: list[int] = []
    real_check, real_read = zcache._check_wkb, zcache.read_private
    monkeypatch.setattr(zcache, "_check_wkb", lambda *a: checked.append(1) or real_check(*a))

    def read_then_touch(path: Path, *args: object, **kwargs: object) -> zcache.Read | None:
        read = real_read(path, *args, **kwargs)
        if read is not None and path.name.startswith("zones-"):
            time.sleep(0.02)
            os.utime(path)
            return read._replace(after=os.stat(path))
        return read

    monkeypatch.setattr(zcache, "read_private", read_then_touch)
    again = load_zones(source)
    assert checked == [1] and not again.notes


def test_a_cache_header_without_a_hash_is_not_trusted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, synthetic_zones_path: Path) -> None:
    """A header whose payload hash is null is no proof, remembered or not (it once matched
    the absence of a record and skipped every check): the cache is rebuilt, with a note."""
    source = _source(tmp_path, synthetic_zones_path, monkeypatch)
    true = load_zones(source).version
    cached = next((tmp_path / "cache").glob("zones-*.arrow"))
    data = cached.read_bytes()
    start = data.index(b"\n") + 1
    end = data.index(b"\n", start)
    header = json.loads(data[start:end])
    header["sha256"] = None
    cached.write_bytes(data[:start] + json.dumps(header).encode() + data[end:])
    again = load_zones(source)
    assert again.version == true
    assert any(str(cached) in note.en for note in again.notes)


@pytest.mark.parametrize(("kind", "kept"), [
    ("ext4", True), ("xfs", True), ("overlay", True), ("tmpfs", False), ("fuse.sshfs", False),
    ("nfs4", False), (None, False)])
def test_a_hash_is_remembered_only_where_the_kernel_keeps_the_times(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, synthetic_zones_path: Path,
        kind: str | None, kept: bool) -> None:
    """sshfs and other FUSE mounts report the modification time as the change time, NFS
    clients cache attributes, tmpfs leaves a write through a memory map untimed: there the
    file is hashed on every load."""
    real = time.time_ns
    monkeypatch.setattr(known.time, "time_ns", lambda: real() + 3_000_000_000)
    monkeypatch.setattr(known, "file_system", lambda device: kind)
    source = _source(tmp_path, synthetic_zones_path, monkeypatch)
    load_zones(source)
    assert bool(_records(tmp_path)) is kept


def test_the_file_system_is_read_from_the_mount_table(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    table = tmp_path / "mountinfo"
    table.write_text(
        "25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=24683792k\n"
        "36 35 8:1 / /mnt\\040point rw,noatime master:1 - ext4 /dev/sda1 rw\n"
        "40 35 0:51 / /remote rw,nosuid shared:7 - fuse.sshfs host:/srv rw,user_id=0\n")
    monkeypatch.setattr(known, "_MOUNTS", str(table))
    look = known.file_system.__wrapped__
    assert look(os.makedev(8, 1)) == "ext4"
    assert look(os.makedev(0, 23)) == "tmpfs"
    assert look(os.makedev(0, 51)) == "fuse.sshfs"
    assert look(os.makedev(9, 9)) is None
    monkeypatch.setattr(known, "_MOUNTS", str(tmp_path / "none"))
    assert look(os.makedev(8, 1)) is None
