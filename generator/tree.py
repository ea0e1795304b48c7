"""What the build may read: regular files inside the project tree, and nothing else.

A pull request can carry a symbolic link (Git stores it as a one-line file that the checkout turns into a
link): ``content/ressources/fichiers/guide.pdf`` pointing to ``/proc/self/environ`` would publish the build
machine's environment, deploy secrets included. So every folder the build reads from contributors —
``content/``, ``pages/``, ``theme/``, ``data/`` — is walked without following links, and anything that is not
a plain file or folder is a problem with its path and a hint: symbolic links, pipes, sockets, devices. The
files are then listed from this walk (never with a glob, which follows links) and opened without following
a link either (:func:`open_regular`).

A name holding a control character (a line break makes a CI log line of its own) is refused too.
"""
from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path

from .diagnostics import Report, shown

#: the folders a pull request can change and the build reads (besides the content folder of the configuration)
READ_FOLDERS = ("pages", "theme", "data")
#: single files at the root that the build reads
READ_FILES = ("mkdocs.yml",)

LINK_HINT = ("le portail ne publie que des fichiers ordinaires : remplacez le lien par le fichier lui-même "
             "(« git rm » du lien, puis « git add » du vrai fichier)")


@dataclass
class Walk:
    """The regular files found under the walked folders (absolute paths), and the refused entries."""

    files: list[Path] = field(default_factory=list)
    refused: set[Path] = field(default_factory=set)


def _kind(mode: int) -> str | None:
    """What a non-regular entry is, in French; None for a plain file or folder."""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    if stat.S_ISLNK(mode):
        return "lien symbolique"
    if stat.S_ISFIFO(mode):
        return "tube nommé (FIFO)"
    if stat.S_ISSOCK(mode):
        return "prise de communication (socket)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "fichier de périphérique"
    return "fichier spécial"


def _refuse(path: Path, root: Path, mode: int, report: Report) -> None:
    rel = _rel(path, root)
    kind = _kind(mode)
    if stat.S_ISLNK(mode):
        try:
            target = os.readlink(path)
        except OSError:  # pragma: no cover - it was a link a moment ago
            target = "?"
        report.add(rel, 0, "", f"{kind} vers « {shown(target)} » : il n'est ni lu ni publié", LINK_HINT)
    else:
        report.add(rel, 0, "", f"{kind} : il n'est ni lu ni publié",
                   "le dépôt ne doit contenir que des fichiers ordinaires : supprimez-le")


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def bad_name(name: str) -> bool:
    """Whether a file name holds a character a log would act on (see :func:`generator.diagnostics.shown`)."""
    return shown(name) != name


def walk(folder: Path, root: Path, report: Report) -> Walk:
    """Every regular file under ``folder`` (itself included in the check), links never followed."""
    found = Walk()
    try:
        mode = os.lstat(folder).st_mode
    except FileNotFoundError:
        return found
    except OSError as exc:
        report.add(_rel(folder, root), 0, "", f"dossier illisible ({exc.strerror})", "vérifiez ses droits de lecture")
        return found
    if not stat.S_ISDIR(mode):
        if stat.S_ISREG(mode):
            found.files.append(folder)
        else:
            _refuse(folder, root, mode, report)
            found.refused.add(folder)
        return found
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            entries = sorted(os.scandir(current), key=lambda e: e.name)
        except OSError as exc:
            report.add(_rel(current, root), 0, "", f"dossier illisible ({exc.strerror})",
                       "vérifiez ses droits de lecture")
            continue
        for entry in entries:
            path = Path(entry.path)
            if bad_name(entry.name):
                report.add(_rel(path, root), 0, "", "le nom du fichier contient un caractère de contrôle "
                           "(retour à la ligne, tabulation…)", "renommez-le avec des lettres, chiffres et tirets")
                found.refused.add(path)
                continue
            try:
                mode = entry.stat(follow_symlinks=False).st_mode
            except OSError:  # gone meanwhile
                continue
            if stat.S_ISDIR(mode):
                pending.append(path)
            elif stat.S_ISREG(mode):
                found.files.append(path)
            else:
                _refuse(path, root, mode, report)
                found.refused.add(path)
    found.files.sort()
    return found


def check_tree(root: Path, report: Report) -> None:
    """The folders and files other than the content that the build reads (the content folder is walked when it
    is loaded, :func:`generator.content.site.load_site`)."""
    for name in READ_FOLDERS + READ_FILES:
        walk(root / name, root, report)


def _open_regular(path: Path) -> int:
    """A descriptor of a regular file, opened without following a link at its last step, without blocking on a
    pipe; anything else is an OSError."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise IsADirectoryError(f"{path} n'est pas un fichier ordinaire")
    return fd


def open_regular(path: Path) -> bytes:
    """The bytes of a file, refusing to follow a link at its last step (the walk vetted the folders above it):
    a link put in place after the walk is an OSError, not another file's content."""
    fd = _open_regular(path)
    try:
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    finally:
        os.close(fd)


def copy_regular(source: Path, target: Path) -> None:
    """Copy a file that must be a regular one (opened without following a link) to ``target``."""
    with os.fdopen(_open_regular(source), "rb") as src:
        with open(target, "wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
