"""The index cache: parts of a zone set's geometry index that take a batch's threads 0.1–
0.3 s to build at every start (the county's and the extents' rasters and rings; among
parcels, each zone's box slack and the reach raster) and depend on nothing but the zones
file and the code that builds them, kept between runs.

Each part is one ``.npz`` file of plain arrays (read without pickle) in the zones cache
directory (:func:`.cache.cache_dir`, used only when :func:`.cache.usable_dir` finds it
private). It is named by the first 64 bits of the zones file's SHA-256 and by a hash of
the modules that build and read the parts (and firecheck's, shapely's, GEOS's and numpy's
versions), and it holds the whole SHA-256, checked on every read: a part made from other
data or by other code is never read, and a new version's parts replace the old ones. A part
that cannot be read — missing, truncated, a bad CRC, arrays of the wrong shape — is built
again and rewritten; writes go through an exclusive temporary file, as the zones cache's.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import stat
import zipfile
from pathlib import Path

import numpy as np
import shapely

from .. import __version__
from ..files import discard, settled, temp_file
from .cache import _PROJECTION, _private, cache_dir, usable_dir

Arrays = dict[str, np.ndarray]
_SOURCE = "source"  # the array of a part that holds its zones file's full hash


class IndexCache:
    """The kept index parts of the zones file with SHA-256 ``version`` (``sha256:...``);
    the cache directory is looked at when a part is first asked for."""

    def __init__(self, version: str) -> None:
        self.prefix = f"index-{version[7:23]}-"
        self._source = np.frombuffer(version.encode(), dtype=np.uint8)  # held by every part

    @functools.cached_property
    def directory(self) -> Path | None:
        directory = cache_dir()
        return directory if usable_dir(directory) is None else None

    def load(self, name: str) -> Arrays | None:
        """The arrays of part ``name``, or None when there is no readable one."""
        if self.directory is None:
            return None
        try:
            fd = os.open(self._path(name), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK
                         | os.O_CLOEXEC)
        except OSError:
            return None
        with os.fdopen(fd, "rb") as fh:
            info = os.fstat(fh.fileno())
            if not stat.S_ISREG(info.st_mode) or not _private(info):
                return None
            try:
                with np.load(fh, allow_pickle=False) as data:
                    found = {key: data[key] for key in data.files}
            except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile):
                return None
        source = found.pop(_SOURCE, None)  # the file name holds 64 bits of the hash only
        if source is None or not np.array_equal(source, self._source):
            return None
        return found

    def save(self, name: str, arrays: Arrays) -> None:
        """Keep part ``name`` (best effort: a part not kept is only built again), and
        remove the same part made by other code."""
        if self.directory is None:
            return
        try:
            handle, tmp = temp_file(self.directory, ".npz.part")
        except OSError:
            return
        try:
            with os.fdopen(handle, "wb") as out:
                np.savez(out, **arrays, **{_SOURCE: self._source})
            os.replace(tmp, self._path(name))
            settled(tmp)
        except OSError:
            discard(tmp)
            return
        except BaseException:
            discard(tmp)
            raise
        for old in self.directory.glob(f"{self.prefix}*-{name}.npz"):
            if old != self._path(name):
                with contextlib.suppress(OSError):
                    old.unlink()

    def _path(self, name: str) -> Path:
        assert self.directory is not None
        return self.directory / f"{self.prefix}{_code_key()}-{name}.npz"


@functools.cache
def _code_key() -> str:
    """A hash of firecheck's version, the projection, the versions of shapely, GEOS and
    numpy, and the source of the modules that build and read the kept parts."""
    from ..geo import grids, projection
    from . import index

    digest = hashlib.sha256(f"{__version__} {_PROJECTION} {shapely.__version__} "
                            f"{shapely.geos_version_string} {np.__version__}".encode())
    for module in (index, grids, projection):
        digest.update(Path(module.__file__ or "").read_bytes())
    return digest.hexdigest()[:16]
