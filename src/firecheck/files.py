"""Files firecheck writes and reads, each done one way.

Every file firecheck writes starts as a temporary file from :func:`temp_file`: an
unpredictable name, created exclusively (``O_EXCL``, never through a symlink), and registered
until it is renamed into place or removed, so :func:`remove_temp_files` — run when a signal
ends the process — leaves nothing behind. :func:`write_atomically` writes a whole file that
way; :func:`target_of` says where output named by a path really goes (a descriptor of this
process such as ``/dev/stdout``, a FIFO or device written through, or a regular file replaced
where the path leads). Data files (zones, rules, mappings) are read by :func:`read_regular`:
a regular file only — never a FIFO that blocks or a device that never ends.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import secrets
import stat
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, NamedTuple, Protocol

from .errors import FirecheckError, InputError
from .text import Text

_LIVE: set[Path] = set()  # temporary files created and not yet renamed or removed
_LOCK = threading.Lock()
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)
_DESCRIPTOR = re.compile(r"/(?:dev/fd|proc/self/fd|proc/(\d+)/fd)/(\d+)")
_STANDARD = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}


def temp_file(directory: Path, suffix: str, mode: int = 0o600) -> tuple[int, Path]:
    """A new, empty file in ``directory`` opened for writing: (descriptor, path). The name
    cannot be guessed, the file is created exclusively and never through a symlink; ``mode``
    is narrowed by the umask."""
    while True:
        path = directory / f".firecheck-{secrets.token_hex(12)}{suffix}"
        with _LOCK:
            _LIVE.add(path)
        try:
            return os.open(path, _CREATE, mode), path
        except FileExistsError:
            settled(path)
        except BaseException:
            settled(path)
            raise


class Reserving:
    """A new file written in order whose disk blocks are reserved ahead of the writes, 64
    MiB at a time (Linux fallocate(2), keeping the file's size; the blocks past the end are
    freed on close). ext4 otherwise allocates blocks write by write: 1.5 GB written here
    took 1.42 s of system time, 0.26 s reserved. Only while the disk has four steps free:
    a nearly full disk is not filled by a reservation (a refused one may still have taken
    blocks, so they are freed at once). Where the call is missing or refused (another
    system, a file system without it) nothing more is reserved and the writes themselves
    go on, failing as they would."""

    def __init__(self, handle: int) -> None:
        self._stream = os.fdopen(handle, "wb")
        self._written = self._reserved = 0
        self._allocate = _fallocate()
        self._asked = False  # a reservation was asked for: blocks past the end may exist

    @property
    def closed(self) -> bool:
        return self._stream.closed

    def write(self, data: bytes | memoryview) -> None:
        end = self._written + memoryview(data).nbytes
        if end > self._reserved and self._allocate is not None:
            self._reserve(max(end - self._reserved, _RESERVE_STEP))
        self._stream.write(data)
        self._written = end

    def _reserve(self, step: int) -> None:
        assert self._allocate is not None
        fd = self._stream.fileno()
        try:
            disk = os.fstatvfs(fd)
            roomy = disk.f_bavail * disk.f_frsize >= 4 * step
        except OSError:
            roomy = False
        if roomy:
            self._asked = True
            if self._allocate(fd, _KEEP_SIZE, self._reserved, step) == 0:
                self._reserved += step
                return
        self._allocate = None
        self._trim()

    def _trim(self) -> None:
        """Free every block past what was written."""
        if self._asked and not self._stream.closed:
            self._stream.flush()  # a failed write still fails
            with contextlib.suppress(OSError):
                os.ftruncate(self._stream.fileno(), self._written)

    def close(self) -> None:
        """Flush, free the reserved blocks past the end, and close."""
        try:
            self._trim()
        finally:
            self._stream.close()


_KEEP_SIZE = 1  # FALLOC_FL_KEEP_SIZE
_RESERVE_STEP = 64 << 20


def _fallocate() -> Callable[[int, int, int, int], int] | None:
    """libc's fallocate(2), or None where there is none."""
    import ctypes  # here: a single check never writes a file, nor loads ctypes

    try:
        call = ctypes.CDLL(None, use_errno=True).fallocate
    except (AttributeError, OSError, TypeError):  # TypeError: no CDLL(None) on Windows
        return None
    call.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int64, ctypes.c_int64]
    call.restype = ctypes.c_int
    return call


def spool(suffix: str, write: Callable[[BinaryIO], object]) -> Path:
    """A private file in the temporary directory that ``write`` fills (removed again if
    writing fails or is interrupted; a failed write is an InputError naming it)."""
    handle, tmp = temp_file(Path(tempfile.gettempdir()), suffix)
    try:
        with os.fdopen(handle, "wb") as out:
            write(out)
    except OSError as exc:
        discard(tmp)
        raise write_error(tmp, exc) from exc
    except BaseException:
        discard(tmp)
        raise
    return tmp


def settled(path: Path) -> None:
    """``path`` was renamed into place or removed: no longer ours to clean up."""
    with _LOCK:
        _LIVE.discard(path)


def discard(path: Path) -> None:
    """Remove a temporary file (if it still exists)."""
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)
    settled(path)


def remove_temp_files() -> None:
    """Remove every temporary file still registered (a run ended before its cleanup)."""
    with _LOCK:
        paths = list(_LIVE)
    for path in paths:
        discard(path)


def write_error(name: str | Path, exc: OSError) -> InputError:
    """The one wording of a failed write (a full disk, a missing directory…)."""
    reason = exc.strerror or str(exc)
    return InputError(f"无法写入 {name}：{reason}", f"cannot write {name}: {reason}")


@dataclass(frozen=True)
class Target:
    """Where output named by a path goes: one of this process's descriptors (``fd``), a
    FIFO or a device written through (``through``), or a regular file (or a new one)
    replaced at ``final``, where any symlink leads."""

    name: str
    fd: int | None = None
    through: bool = False
    final: Path | None = None


def target_of(name: str) -> Target:
    """Classify an output path. Raises InputError for a directory or a symlink loop."""
    fd = _descriptor(name)
    if fd is not None:
        return Target(name, fd=fd)
    path = Path(name)
    try:
        with contextlib.suppress(FileNotFoundError):
            os.stat(path)  # a symlink loop raises ELOOP here
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        if path.exists() and not path.is_file():
            return Target(name, through=True)
        return Target(name, final=Path(os.path.realpath(path, strict=False)))
    except RuntimeError as exc:  # Python 3.11 raises it for a symlink loop
        raise InputError(f"无法解析路径 {name}：{exc}", f"cannot follow {name}: {exc}") from exc
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError(f"无法解析路径 {name}：{exc.strerror}",
                             f"cannot follow {name}: {exc.strerror}") from exc
        raise write_error(name, exc) from exc


def _descriptor(name: str) -> int | None:
    """The descriptor a path names (/dev/stdout, /dev/fd/N, /proc/self/fd/N, or a symlink
    leading to one of these), else None."""
    current = os.path.abspath(name)
    for _ in range(40):
        if current in _STANDARD:
            return _STANDARD[current]
        found = _DESCRIPTOR.fullmatch(current)
        if found and found.group(1) in (None, str(os.getpid())):
            return int(found.group(2))
        try:
            link = os.readlink(current)
        except OSError:
            return None
        current = os.path.normpath(os.path.join(os.path.dirname(current), link))
    return None


def write_atomically(name: str | Path, write: Callable[[BinaryIO], None]) -> None:
    """Write a whole file: through a temporary file renamed over the target (keeping an
    existing file's permissions), or written through to a descriptor, FIFO or device.
    Raises InputError naming the target when it cannot be written."""
    target = target_of(str(name))
    try:
        if target.fd is not None:
            flush_standard_streams()
            with open(target.fd, "wb", closefd=False) as out:
                write(out)
            return
        if target.through:
            with open(target.name, "wb") as out:
                write(out)
            return
        assert target.final is not None
        handle, tmp = temp_file(target.final.parent, ".part", 0o666)
        try:
            keep_mode(tmp, target.final)
            with os.fdopen(handle, "wb") as out:
                write(out)
            os.replace(tmp, target.final)
            settled(tmp)
        except BaseException:
            discard(tmp)
            raise
    except OSError as exc:
        raise write_error(name, exc) from exc


def silence(fd: int) -> None:
    """Point descriptor ``fd`` at /dev/null (its reader left: nothing later fails on it)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def flush_standard_streams() -> None:
    """Flush text already printed to stdout and stderr before writing their descriptors."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()


def keep_mode(tmp: Path, target: Path) -> None:
    """Give a temporary file the permissions of the file it will replace, if any."""
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        return
    os.chmod(tmp, mode)


def read_regular(path: Path, what: Text, error: type[FirecheckError]) -> bytes:
    """The bytes of a regular file; ``error`` (naming ``what`` and the path) for anything
    else — a missing file, a directory, a FIFO (which would block), a device such as
    /dev/zero (which would never end)."""
    with _open_regular(path, what, error) as fh:
        try:
            return fh.read()
        except OSError as exc:
            raise _read_error(path, what, exc.strerror or str(exc), error) from exc


_DIGEST_BLOCK = 8 << 20


class Memory(Protocol):
    """Where hashes of unchanged files are remembered (:class:`firecheck.zones.known.Known`)."""

    def recall(self, path: Path, info: os.stat_result) -> str | None: ...

    def remember(self, path: Path, before: os.stat_result, after: os.stat_result,
                 digest: str) -> None: ...


class Digest(NamedTuple):
    """A file's SHA-256 (hex) and size; ``recalled`` if the hash was remembered, not read."""

    sha256: str
    size: int
    recalled: bool


def digest_regular(path: Path, what: Text, error: type[FirecheckError],
                   memory: Memory | None = None) -> Digest:
    """The SHA-256 of a regular file — the hash ``memory`` recalls for it unchanged, else
    read in 8 MiB blocks (a 50 MB file is not held in memory) and given to ``memory``; the
    errors of :func:`read_regular`. Each block releases the GIL twice (read, hash) and may
    wait to take it back while another thread runs Python (a check imports pyarrow
    meanwhile): hashlib.file_digest's 256 KiB blocks made that 400 waits for 50 MB, 15 ms
    more than these."""
    with _open_regular(path, what, error) as fh:
        before = os.fstat(fh.fileno())
        if memory is not None and (known := memory.recall(path, before)) is not None:
            return Digest(known, before.st_size, True)
        try:
            digest, block = hashlib.sha256(), bytearray(_DIGEST_BLOCK)
            view = memoryview(block)
            while count := fh.readinto(block):
                digest.update(view[:count])
            found = digest.hexdigest()
        except OSError as exc:
            raise _read_error(path, what, exc.strerror or str(exc), error) from exc
        if memory is not None:
            memory.remember(path, before, os.fstat(fh.fileno()), found)
        return Digest(found, fh.tell(), False)


@contextlib.contextmanager
def _open_regular(path: Path, what: Text, error: type[FirecheckError]) -> Iterator[BinaryIO]:
    """A regular file opened for reading (never blocking on a FIFO), or ``error``."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise _read_error(path, what, exc.strerror or str(exc), error) from exc
    if not stat.S_ISREG(os.fstat(fd).st_mode):  # before fdopen, which refuses a directory
        os.close(fd)
        raise _read_error(path, what, None, error)
    with os.fdopen(fd, "rb") as fh:
        os.set_blocking(fd, True)
        yield fh


def _read_error(path: Path, what: Text, reason: str | None,
                error: type[FirecheckError]) -> FirecheckError:
    zh = reason or "不是普通文件（FIFO、设备或目录）"
    en = reason or "not a regular file (a FIFO, a device or a directory)"
    return error(f"无法读取{what.zh} {path}：{zh}", f"cannot read {what.en} {path}: {en}")


def same_file(target: str, inputs: Iterable[str | Path | int]) -> str | Path | int | None:
    """The first of ``inputs`` (paths, or descriptors such as 0 for stdin) that ``target``
    already is — the same file whatever the names or links, or the same path when neither
    exists yet — else None."""
    try:
        mine = os.stat(target)
    except (OSError, ValueError):
        mine = None
    for item in inputs:
        try:
            if mine is None:
                if not isinstance(item, int) and os.path.realpath(item) == os.path.realpath(
                        target):
                    return item
                continue
            theirs = os.fstat(item) if isinstance(item, int) else os.stat(item)
        except (OSError, ValueError):
            continue
        if stat.S_ISREG(theirs.st_mode) and os.path.samestat(mine, theirs):
            return item
    return None
