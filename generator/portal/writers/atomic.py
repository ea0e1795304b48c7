"""Putting a new site in place in one step, and clearing what killed builds left.

A build writes into a sibling folder (``.<site>.tmp-…``) and only then takes the place of the published one.
Two renames (old away, new in) leave an instant with no site, and a crash between them leaves none at all. On
Linux, ``renameat2(RENAME_EXCHANGE)`` swaps the two folders in one atomic step: a web server reading
``_site/index.html`` finds the old page or the new one, never nothing; the old site is then under the
temporary name and is deleted in the background. Where the system cannot exchange (another kernel, a file
system without it), the two renames are the fallback.

Each build holds a lock (``flock``) on its temporary folder while it works. A folder left by a build that was
killed holds no lock any more: the next build into the same place deletes it (452 MB after 7 kills before).
"""
from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV}


def _renameat2():
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # pragma: no cover - glibc < 2.28, musl, other systems
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


_EXCHANGE = _renameat2()


def exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths atomically; False where the system cannot (then nothing was changed)."""
    if _EXCHANGE is None:  # pragma: no cover - see _renameat2
        return False
    if _EXCHANGE(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in _UNSUPPORTED:
        return False
    raise OSError(err, os.strerror(err), str(b))


def replace(new: Path, target: Path) -> Path | None:
    """Put the folder ``new`` at ``target`` in one step; the previous content of ``target`` ends at ``new``'s
    former path, returned (None when there was none) for the caller to delete."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if not os.path.lexists(target):
        new.rename(target)
        return None
    if exchange(new, target):
        return new
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    os.rmdir(old)
    target.rename(old)  # the fallback: two renames, an instant without a site
    new.rename(target)
    return old


def remove_later(folder: Path) -> None:
    """Delete a folder by a detached process: the command returns now (thousands of files take a while)."""
    try:
        subprocess.Popen(["rm", "-rf", "--", str(folder)], start_new_session=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)


class Workspace:
    """The temporary folder of one build next to ``target``, locked while the build holds it."""

    def __init__(self, target: Path):
        target.parent.mkdir(parents=True, exist_ok=True)
        clear_leftovers(target)
        self.path = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self.path, 0o777 & ~umask)  # mkdtemp makes it private: the published site must be readable
        self._fd = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY)
        fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def discard(self) -> None:
        self.release()
        shutil.rmtree(self.path, ignore_errors=True)


def leftovers(target: Path) -> list[Path]:
    """Folders that builds into ``target`` left behind and that no running build holds."""
    found = []
    for prefix in (f".{target.name}.tmp-", f".{target.name}.old-"):
        for path in sorted(target.parent.glob(glob_escape(prefix) + "*")):
            if path.is_symlink() or not path.is_dir():
                continue
            try:
                fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
            except OSError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:  # held: a build at work
                continue
            finally:
                os.close(fd)
            found.append(path)
    return found


def clear_leftovers(target: Path) -> list[Path]:
    """Delete (in the background) what killed builds left next to ``target``; returns what was found."""
    found = leftovers(target)
    for path in found:
        # renamed first, so that a build starting meanwhile does not count it again, and the name is free
        trash = path.with_name(path.name.replace(".tmp-", ".old-", 1) + "-x") if ".tmp-" in path.name else path
        try:
            if trash != path:
                path.rename(trash)
        except OSError:
            trash = path
        remove_later(trash)
    return found


def glob_escape(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)
