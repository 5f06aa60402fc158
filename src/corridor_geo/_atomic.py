"""Atomic writes shared by every writer of the package (private).

One helper, so that every file corridor_geo writes behaves the same way:

- it is written under a temporary name in its destination folder and renamed over the
  target once complete (:func:`write_atomic`), so a reader sees the old file or the new
  one, never a part of either;
- it gets the permissions a plain ``open()`` would give, ``0o666`` minus the umask
  (``tempfile.mkstemp`` would leave ``0o600``), whatever library created it;
- a set of files that only make sense together (a Shapefile's ``.shp``, ``.shx``,
  ``.dbf``...) is written into a temporary folder and moved in as a set
  (:func:`replace_file_set`): a failure part-way puts the old set back;
- temporary names carry the host and process id of their writer, so the leftovers of a
  killed process are recognised and removed by the next write into the same folder
  (:func:`clean_stale`).

Temporary names look like ``.<name>.cgtmp-<host>-<pid>-<random><suffix>``: hidden, and
with the target's suffix, because GDAL picks the format from it.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import re
import secrets
import shutil
import socket
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from ._errors import DataFileError

log = logging.getLogger(__name__)

TMP_TAG = "cgtmp"
_UMASK_LOCK = threading.Lock()
_TMP_RE = re.compile(r"\.cg[a-z]+-(?P<host>[0-9a-f]{8})-(?P<pid>\d+)-[0-9a-f]{8}")
_MANIFEST = ".manifest"
_OLD = ".old"


def current_umask() -> int:
    """The process's umask (read from /proc on Linux, without changing it)."""
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status", "rb") as fh:
        for line in fh:
            if line.startswith(b"Umask:"):
                return int(line.split()[1], 8)
    with _UMASK_LOCK:  # elsewhere the only way to read it is to set it
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def file_mode() -> int:
    """Mode of a new file: what ``open(path, "w")`` gives (``0o644`` under umask 022)."""
    return 0o666 & ~current_umask()


def dir_mode() -> int:
    """Mode of a new folder: what ``os.mkdir`` gives (``0o755`` under umask 022)."""
    return 0o777 & ~current_umask()


def host_tag() -> str:
    """Eight hex digits naming this host in temporary names (host names may be anything)."""
    return hashlib.sha1(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this host."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    except OSError:  # pragma: no cover - Windows reports a dead pid this way
        return False
    return True


def temporary_name(target: Path, kind: str = TMP_TAG, *, suffix: str | None = None) -> Path:
    """A fresh hidden name beside ``target`` that :func:`clean_stale` can attribute."""
    if suffix is None:  # a file: keep its suffix last, as GDAL wants
        suffix = target.suffix
        stem = target.name[: -len(suffix)] if suffix else target.name
    else:  # a folder: its whole name
        stem = target.name
    token = secrets.token_hex(4)
    return target.with_name(f".{stem[:80]}.{kind}-{host_tag()}-{os.getpid()}-{token}{suffix}")


def owner_of(name: str) -> tuple[str, int] | None:
    """(host tag, pid) encoded in a temporary name, or None for any other name."""
    match = _TMP_RE.search(name)
    if match is None:
        return None
    return match["host"], int(match["pid"])


def is_stale(name: str) -> bool:
    """A temporary name of a process of this host that no longer runs."""
    owner = owner_of(name)
    return owner is not None and owner[0] == host_tag() and not pid_alive(owner[1])


def remove(path: Path) -> None:
    """Delete a file, a link or a folder tree; missing is fine."""
    with contextlib.suppress(FileNotFoundError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


def clean_stale(folder: Path, *, kinds: tuple[str, ...] = (TMP_TAG,)) -> list[Path]:
    """Remove the temporary files and folders that killed writers left in ``folder``.

    Only names of the given kinds, made by a process of this host that is no longer
    running, are touched.  A file set whose swap was interrupted
    (:func:`replace_file_set`) is first put back as it was before the swap.  Returns what
    was removed.
    """
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(".") or not any(f".{k}-" in entry.name for k in kinds):
            continue
        if not is_stale(entry.name):
            continue
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False) and (path / _MANIFEST).is_file():
            _roll_back_set(path, folder)
        remove(path)
        log.info("removed %s, left by a writer that no longer runs", path)
        removed.append(path)
    return removed


def writable_folder(folder: Path, target: Path) -> None:
    """Create ``folder`` if missing and make sure a file can be created in it.

    Raises :class:`~corridor_geo.DataFileError` naming the folder (not a temporary name,
    nor a GDAL message about an SQLite database) when it cannot be.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = temporary_name(target)  # a killed run's leftover is cleaned as stale
        os.close(os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        os.unlink(probe)
    except (FileExistsError, NotADirectoryError) as exc:
        where = next((p for p in (folder, *folder.parents) if p.is_file()), folder)
        raise DataFileError(
            f"cannot write {target.name}: {str(where)!r} is a file, not a folder; choose "
            "another output path"
        ) from exc
    except OSError as exc:
        raise DataFileError(
            f"cannot write {target.name} into {str(folder)!r}: "
            f"{exc.strerror or type(exc).__name__} (a read-only folder or file system, or "
            "one you may not write to); choose another output folder"
        ) from exc


def write_atomic(target: str | os.PathLike[str], write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)`` to create a temporary file, then rename it over ``target``.

    ``write`` receives a path that does not exist yet (GDAL wants to create its files
    itself) in the target's folder, with the target's suffix.  The file is given the mode
    a plain ``open()`` would give.  On any error the temporary file is removed and the
    previous ``target``, if any, is left untouched.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> write_atomic(out, lambda tmp: tmp.write_text("x")).read_text()
    'x'
    >>> oct(out.stat().st_mode & 0o777) == oct(file_mode())
    True
    """
    target = Path(target)
    if target.is_dir():
        raise DataFileError(
            f"cannot write {str(target)!r}: it is a folder; name a file (e.g. "
            f"{str(target / ('out' + (target.suffix or '.csv')))!r})"
        )
    writable_folder(target.parent, target)
    clean_stale(target.parent)
    tmp = temporary_name(target)
    try:
        write(tmp)
        if not tmp.exists():
            raise FileNotFoundError(errno.ENOENT, "the writer created no file", str(tmp))
        os.chmod(tmp, file_mode())
        os.replace(tmp, target)
    finally:
        remove(tmp)
    return target


@contextlib.contextmanager
def staged_folder(beside: Path) -> Iterator[Path]:
    """A fresh temporary folder beside ``beside`` (same file system), removed at the end."""
    writable_folder(beside.parent, beside)
    clean_stale(beside.parent)
    tmp = temporary_name(beside, suffix="")
    tmp.mkdir(mode=0o700)
    try:
        yield tmp
    finally:
        remove(tmp)


def replace_file_set(
    staged: Path, targets: Mapping[str, Path], *, extra: tuple[Path, ...] = ()
) -> None:
    """Move the files of ``staged`` (a :func:`staged_folder`) over ``targets`` as one set.

    ``targets`` maps a file name in ``staged`` to its destination.  Every existing
    destination, and every path of ``extra`` (old companions the new set must not be
    mixed with, such as a Shapefile's spatial index), is first moved into the staged
    folder; then the new files are moved in.  An error part-way moves everything back,
    so the destination holds the whole old set; a process killed part-way is rolled
    back the same way by the next :func:`clean_stale` of that folder.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.one").write_text("old"), (d / "a.two").write_text("old")
    >>> with staged_folder(d / "a") as tmp:
    ...     _ = (tmp / "x.one").write_text("new"), (tmp / "x.two").write_text("new")
    ...     replace_file_set(tmp, {"x.one": d / "a.one", "x.two": d / "a.two"})
    >>> sorted(p.read_text() for p in d.iterdir())
    ['new', 'new']
    """
    for name in targets:
        os.chmod(staged / name, file_mode())
    rows = [(name, dest) for name, dest in targets.items()]
    rows += [("", dest) for dest in extra if dest not in targets.values()]
    # The manifest says where everything goes back; it is complete before anything moves.
    text = "".join(f"{i}\t{name}\t{dest}\n" for i, (name, dest) in enumerate(rows))
    (staged / ".manifest.part").write_text(text, encoding="utf-8")
    os.replace(staged / ".manifest.part", staged / _MANIFEST)
    old = staged / _OLD
    old.mkdir()
    try:
        for i, (_, dest) in enumerate(rows):
            if dest.exists() or dest.is_symlink():
                os.replace(dest, old / str(i))
                checkpoint("file set: an old part moved aside")
        for name, dest in targets.items():
            os.replace(staged / name, dest)
            checkpoint("file set: a new part moved in")
    except BaseException:
        _roll_back_set(staged, None)
        raise
    (staged / _MANIFEST).unlink()


def _roll_back_set(staged: Path, folder: Path | None) -> None:
    """Undo an interrupted :func:`replace_file_set`: new parts out, old parts back."""
    manifest = staged / _MANIFEST
    old = staged / _OLD
    if not manifest.is_file() or not old.is_dir():
        return  # nothing had moved yet
    rows = []
    for line in manifest.read_text(encoding="utf-8").splitlines():
        index, name, dest = line.split("\t", 2)
        rows.append((int(index), name, Path(dest)))
    if folder is not None and any(dest.parent != folder for _, _, dest in rows):
        log.warning("not rolling back %s: its manifest names files elsewhere", staged)
        return
    for _, name, dest in rows:
        if name and not (staged / name).exists():  # this new part was moved in
            with contextlib.suppress(FileNotFoundError):
                os.replace(dest, staged / name)
    for index, _, dest in rows:
        if (old / str(index)).exists():
            os.replace(old / str(index), dest)
    manifest.unlink()


def checkpoint(name: str) -> None:
    """A named point of a swap, logged at debug level; tests replace it to stop there."""
    log.debug("atomic write: %s", name)
