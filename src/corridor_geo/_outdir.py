"""Output folders that are always one whole run, old or new (private).

Every command and :func:`corridor_geo.report.build_report` write through
:func:`output_folder`:

1. the target is checked: an empty name, an existing file, the current folder (or one
   that contains it) and a non-empty folder that corridor_geo did not write (no
   ``.corridor_geo.json`` marker) are refused with a message saying what to do;
2. a lock file beside the target (``.<name>.corridor_geo.lock``, holding the process id,
   host and start time) is taken atomically, with ``flock`` where the system has it;
   a second run into the same folder is refused while the first runs, and the lock of
   a run that was killed is taken over, with a log line;
3. leftovers of killed runs beside the target (staging folders, temporary files) are
   removed, and a swap that was cut short is rolled back;
4. the run writes into a fresh staging folder beside the target (same file system);
5. at the end the marker is written and the staging folder is swapped in: with Linux's
   ``renameat2(RENAME_EXCHANGE)`` the two folders trade places in one atomic step, so
   the target is never missing; elsewhere the old folder is renamed aside and the new
   one renamed in (two atomic steps: for an instant the target is absent, and if the
   process dies in that instant the next run puts the old folder back).

A process killed at any moment therefore leaves the target as the complete old run (or
absent if there was none) or the complete new run, never a mix.

Why a foreign non-empty folder is refused rather than overwritten with ``--force``: the
swap replaces the folder as a whole, so writing "into" it would delete the user's other
files, and writing beside them would mix two things in one folder.  A wrong ``--out``
(``--out ~``) must never cost data; removing a folder one no longer needs is a
deliberate ``rm`` away.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import errno
import json
import logging
import os
import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from . import _atomic
from ._errors import InputError
from ._version import __version__

log = logging.getLogger(__name__)

MARKER = ".corridor_geo.json"
LOCK_SUFFIX = ".corridor_geo.lock"
STAGE = "cgstage"
OLD = "cgold"


@dataclass(frozen=True)
class OutputFolder:
    """Where a run writes (``path``, the staging folder) and where it ends up (``final``)."""

    final: Path
    path: Path

    def published(self, path: str | os.PathLike[str]) -> Path:
        """The final path of a file written under :attr:`path`.

        Examples
        --------
        >>> f = OutputFolder(Path("/data/out"), Path("/data/.out.cgstage-0-1-2"))
        >>> f.published(f.path / "tables" / "a.csv").as_posix()
        '/data/out/tables/a.csv'
        """
        return self.final / Path(path).relative_to(self.path)


def resolve_target(out: str | os.PathLike[str] | None, *, option: str = "out_dir") -> Path:
    """The absolute, symlink-free output folder named by ``out``, or a clear error.

    Examples
    --------
    >>> resolve_target("")
    Traceback (most recent call last):
    ...
    corridor_geo._errors.InputError: out_dir is empty: name the output folder, e.g. corridor-output
    """
    if out is None:
        raise InputError(f"{option} is missing: name the output folder, e.g. corridor-output")
    text = os.fsdecode(os.fspath(out))
    if not text.strip():
        raise InputError(f"{option} is empty: name the output folder, e.g. corridor-output")
    if "\0" in text:
        raise InputError(f"{option} {text!r} contains a NUL character")
    final = Path(os.path.realpath(os.path.abspath(os.path.expanduser(text))))
    if final == final.parent:
        raise InputError(f"{option} {text!r} is the root of the file system: name a folder")
    cwd = Path.cwd().resolve()
    if final == cwd or final in cwd.parents:
        raise InputError(
            f"{option} {text!r} is the current folder or contains it: a run replaces its "
            f"output folder as a whole, so name a subfolder such as {option} corridor-output"
        )
    if final.exists() and not final.is_dir():
        raise InputError(
            f"{option} {text!r} is a file, not a folder: name a folder (created if missing, "
            "replaced as a whole if an earlier run made it)"
        )
    for parent in final.parents:
        if parent.exists():
            if not parent.is_dir():
                raise InputError(f"{option} {text!r}: {str(parent)!r} is a file, not a folder")
            break
    return final


def check_target(out: str | os.PathLike[str] | None, *, option: str = "out_dir") -> Path:
    """Fail early if ``out`` cannot be an output folder (:func:`output_folder` checks again).

    Examples
    --------
    >>> import tempfile
    >>> check_target(Path(tempfile.mkdtemp()) / "new").name
    'new'
    """
    final = resolve_target(out, option=option)
    _check_reusable(final, option)
    return final


def is_corridor_geo_output(folder: Path) -> bool:
    """True if ``folder`` holds the marker a corridor_geo run writes when it completes."""
    try:
        info = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(info, dict) and info.get("written_by") == "corridor_geo"


def _check_reusable(final: Path, option: str) -> None:
    if not final.is_dir():
        return
    try:
        entries = os.listdir(final)
    except OSError as exc:
        raise InputError(f"cannot read the output folder {str(final)!r}: {exc.strerror}") from exc
    if entries and not is_corridor_geo_output(final):
        raise InputError(
            f"{option} {str(final)!r} exists, is not empty and was not written by corridor_geo "
            f"(no {MARKER} in it): a run replaces its output folder as a whole, so it will "
            "not write there. Choose a new or empty folder, or delete this one first."
        )


@contextlib.contextmanager
def output_folder(
    out: str | os.PathLike[str] | None, *, option: str = "out_dir", command: str = ""
) -> Iterator[OutputFolder]:
    """Write a run into a staging folder and swap it in as a whole at the end.

    ``option`` names the argument in messages (``--out`` on the command line);
    ``command`` is recorded in the marker.  If the body raises, the staging folder is
    removed and the target is left as it was.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "run"
    >>> with output_folder(target) as folder:
    ...     _ = (folder.path / "a.txt").write_text("new")
    >>> sorted(p.name for p in target.iterdir())
    ['.corridor_geo.json', 'a.txt']
    >>> with output_folder(target) as folder:
    ...     raise RuntimeError("the run failed")
    Traceback (most recent call last):
    ...
    RuntimeError: the run failed
    >>> (target / "a.txt").read_text()
    'new'
    """
    final = resolve_target(out, option=option)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"cannot create the folder {str(final.parent)!r} for {option}: {exc.strerror}"
        ) from exc
    with _Lock(final, option=option):
        _recover(final)
        _check_reusable(final, option)
        try:
            staging = _atomic.temporary_name(final, STAGE, suffix="")
            staging.mkdir(mode=0o700)
        except OSError as exc:
            raise InputError(
                f"cannot write in {str(final.parent)!r} for {option}: {exc.strerror}"
            ) from exc
        try:
            yield OutputFolder(final, staging)
            _write_marker(staging, command)
            _atomic.checkpoint("output folder: complete, not yet swapped in")
            _swap(staging, final)
        finally:
            _atomic.remove(staging)  # the failed run, or the old run after an exchange


def _write_marker(folder: Path, command: str) -> None:
    info = {
        "written_by": "corridor_geo",
        "version": __version__,
        "command": command,
        "finished_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "host": socket.gethostname(),
        "pid": os.getpid(),
    }
    _atomic.write_atomic(
        folder / MARKER,
        lambda tmp: tmp.write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8"),
    )


def _swap(staging: Path, final: Path) -> None:
    os.chmod(staging, _atomic.dir_mode())
    if not final.exists():
        os.rename(staging, final)
        _atomic.checkpoint("output folder: swapped in")
        return
    if exchange(staging, final):
        _atomic.checkpoint("output folder: swapped in, old run not yet removed")
        return  # the old run now sits at the staging name, removed by the caller
    trash = _atomic.temporary_name(final, OLD, suffix="")
    os.rename(final, trash)
    _atomic.checkpoint("output folder: old run moved aside")
    os.rename(staging, final)
    _atomic.checkpoint("output folder: swapped in, old run not yet removed")
    _atomic.remove(trash)


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2(RENAME_EXCHANGE)``); False if unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    renameat2.argtypes += [ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _ours(name: str, final: Path) -> bool:
    prefix = f".{final.name[:80]}."
    return name.startswith(prefix) and name[len(prefix) :].startswith((STAGE + "-", OLD + "-"))


def _recover(final: Path) -> None:
    """Clean up after killed runs into ``final`` (called with the lock held)."""
    parent = final.parent
    try:
        names = os.listdir(parent)
    except OSError:
        return
    leftovers = [n for n in names if _ours(n, final) and _atomic.is_stale(n)]
    if not final.exists():
        old = [n for n in leftovers if n.startswith(f".{final.name[:80]}.{OLD}-")]
        if old:
            os.rename(parent / old[0], final)
            leftovers.remove(old[0])
            log.warning(
                "put back %s: the run that was replacing it was killed mid-swap", final.name
            )
    for name in leftovers:
        _atomic.remove(parent / name)
        log.warning("removed %s, left by a corridor_geo run that was killed", parent / name)
    _atomic.clean_stale(parent)


class _Lock:
    """An exclusive lock on one output folder, as a file beside it."""

    def __init__(self, final: Path, *, option: str) -> None:
        self.final = final
        self.option = option
        self.path = final.parent / f".{final.name}{LOCK_SUFFIX}"
        self.fd: int | None = None

    def _content(self) -> bytes:
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        }
        return (json.dumps(info) + "\n").encode("utf-8")

    def _busy(self, holder: dict) -> InputError:
        who = (
            f"process {holder.get('pid', '?')} on {holder.get('host', '?')}, started "
            f"{holder.get('started_utc', '?')}"
            if holder
            else "another process"
        )
        return InputError(
            f"another corridor_geo run ({who}) is writing {str(self.final)!r}: wait for it to "
            f"finish or choose another {self.option}"
        )

    def __enter__(self) -> _Lock:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            return self._enter_exclusive()
        for _ in range(10):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            except OSError as exc:
                raise InputError(
                    f"cannot write in {str(self.final.parent)!r} for {self.option}: {exc.strerror}"
                ) from exc
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                holder = _parse(_read_fd(fd))
                os.close(fd)
                if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise self._busy(holder) from None
                raise
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if not same:  # the previous holder removed the file meanwhile: try again
                os.close(fd)
                continue
            self._take_over(_parse(_read_fd(fd)))
            os.ftruncate(fd, 0)
            os.pwrite(fd, self._content(), 0)
            self.fd = fd
            return self
        raise InputError(f"could not lock {str(self.final)!r}: too much contention, try again")

    def _take_over(self, holder: dict) -> None:
        if holder:
            log.warning(
                "taking over the lock on %s left by process %s on %s (started %s), which is "
                "no longer running",
                self.final,
                holder.get("pid", "?"),
                holder.get("host", "?"),
                holder.get("started_utc", "?"),
            )

    def _enter_exclusive(self) -> _Lock:  # pragma: no cover - systems without flock
        for _ in range(10):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)
            except FileExistsError:
                holder = _parse(self.path.read_bytes() if self.path.exists() else b"")
                same_host = holder.get("host") == socket.gethostname()
                if same_host and not _atomic.pid_alive(int(holder.get("pid", 0))):
                    self._take_over(holder)
                    with contextlib.suppress(FileNotFoundError):
                        self.path.unlink()
                    continue
                raise self._busy(holder) from None
            os.write(fd, self._content())
            self.fd = fd
            return self
        raise InputError(f"could not lock {str(self.final)!r}: too much contention, try again")

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def _read_fd(fd: int) -> bytes:
    try:
        return os.pread(fd, 4096, 0)
    except OSError:
        return b""


def _parse(raw: bytes) -> dict:
    try:
        info = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}
