"""Known files: the SHA-256 of a large file remembered with the identity the kernel gives it
(device, inode, size, modification and change times), so that the next command trusts the
hash without reading the file again — as git's index and Bazel's digest cache do.

The change time (``ctime``) is what makes this safe: every write, rename, ``chmod`` or
``utime`` sets it to the kernel's clock, and no program can set it back (``cp -p`` and
``rsync`` keep the modification time, not the change time; a file put in place by rename is
another inode). That holds only where the kernel keeps the file's times itself, so a hash is
remembered only on Linux, on the local file systems of :data:`_REAL_CTIME`: FUSE mounts
(sshfs, rclone, s3fs) report the modification time as the change time and number inodes by
path, NFS clients cache attributes, and tmpfs never updates the times of a write through a
shared memory map. A hash is remembered only once the file has been still for two seconds,
so a write in the same clock tick as the read cannot go unseen (git's "racy" entries). The
one edit no time shows, as for git: a program that keeps a file mapped with ``mmap`` and
writes to a page it has already dirtied. Each record is a private file in the zones cache
directory, one per purpose and path.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import time
from functools import cache
from pathlib import Path

from .cache import keep_private, read_private

_FORMAT = 1
_SETTLED_NS = 2_000_000_000
_MAX_BYTES = 4096
_SHA256 = re.compile(r"[0-9a-f]{64}")
# File systems whose inodes and change times the kernel keeps as the file changes.
_REAL_CTIME = frozenset({"ext2", "ext3", "ext4", "xfs", "btrfs", "zfs", "f2fs", "overlay"})
_MOUNTS = "/proc/self/mountinfo"


class Known:
    """The hashes remembered for one ``purpose`` (``"source"``, ``"cache"``) in the
    private directory ``directory``."""

    def __init__(self, directory: Path, purpose: str) -> None:
        self.directory = directory
        self.purpose = purpose

    def recall(self, path: Path, info: os.stat_result,
               after: os.stat_result | None = None) -> str | None:
        """The SHA-256 remembered for the file at ``path`` if it still has identity
        ``info`` (its ``fstat``) — and, for bytes already read, ``after`` (its ``fstat``
        once they were read) — else None."""
        wanted = identity(info)
        if wanted is None or (after is not None and identity(after) != wanted):
            return None
        try:
            found = read_private(self._record(path), _MAX_BYTES)
            record = json.loads(found.data) if found is not None else None
        except (OSError, ValueError, RecursionError):
            return None
        if not isinstance(record, dict) or record.get("format") != _FORMAT \
                or record.get("identity") != wanted:
            return None
        digest = record.get("sha256")
        return digest if isinstance(digest, str) and _SHA256.fullmatch(digest) else None

    def remember(self, path: Path, before: os.stat_result, after: os.stat_result,
                 digest: str) -> None:
        """Best effort: keep ``digest`` as the hash of the file at ``path``, read between
        the ``fstat`` results ``before`` and ``after`` — only if it did not change meanwhile
        and has been still long enough to be sure a change would show."""
        seen = identity(before)
        if seen is None or seen != identity(after):
            return
        if time.time_ns() - max(after.st_mtime_ns, after.st_ctime_ns) < _SETTLED_NS:
            return
        record = {"format": _FORMAT, "identity": seen, "sha256": digest}
        with contextlib.suppress(OSError):
            keep_private(self._record(path), json.dumps(record).encode())

    def forget(self, path: Path) -> None:
        """Drop the record of the file at ``path`` (it proved wrong)."""
        with contextlib.suppress(OSError):
            os.unlink(self._record(path))

    def _record(self, path: Path) -> Path:
        name = hashlib.sha256(os.fsencode(os.path.realpath(path))).hexdigest()[:32]
        return self.directory / f"known-{self.purpose}-{name}.json"


def identity(info: os.stat_result) -> list[int] | None:
    """What a change to a file changes, or None where the fields do not say so."""
    if not info.st_ino or file_system(info.st_dev) not in _REAL_CTIME:
        return None
    return [info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns]


@cache
def file_system(device: int) -> str | None:
    """The type of the file system mounted with device number ``device`` (``ext4``), from
    the kernel's mount table; None where there is none to read (not Linux) or no mount has
    that number (a btrfs subvolume, an overlay reporting its lower layer's device)."""
    if not hasattr(os, "major"):  # not a Unix: no mount table
        return None
    wanted = f"{os.major(device)}:{os.minor(device)}"
    try:
        with open(_MOUNTS, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                fields, _, rest = line.partition(" - ")
                if fields.split()[2:3] == [wanted] and rest:
                    return rest.split()[0]
    except OSError:
        pass
    return None
