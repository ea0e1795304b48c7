"""Read-only access to two revisions of the project through the ``git`` command.

Nothing here touches the user's working tree, index or branches: revisions are
resolved with ``rev-parse``, files are read with ``cat-file --batch`` and a
whole folder is materialised in a temporary directory with ``git archive``.
Every failure is a :class:`GitError` carrying a French message and a hint.
"""
from __future__ import annotations

import io
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path
from ..diagnostics import CommandError

SHALLOW_HINT = ("dans une intégration continue, récupérez tout l'historique "
                "(GitHub Actions : « fetch-depth: 0 » ; GitLab CI : « GIT_DEPTH: 0 »)")


class GitError(CommandError):
    """Git refused or is missing: the message and its hint."""


@dataclass(frozen=True)
class Change:
    """One changed path: status A (added), D (deleted), M (modified), R (renamed or moved), T (type changed)."""

    status: str
    path: str  # the path at the proposed revision (at the base one for a deletion)
    old_path: str | None = None  # the path at the base revision, for renames
    mode: str = "100644"  # Git's mode at the proposed revision: 120000 is a symbolic link, 160000 a submodule

    @property
    def special(self) -> str | None:
        """What the proposed file is when it is not a plain file (« lien symbolique », « sous-module »)."""
        if self.status == "D":
            return None
        return {"120000": "lien symbolique", "160000": "sous-module"}.get(self.mode)

    @property
    def base_path(self) -> str | None:
        return None if self.status == "A" else (self.old_path or self.path)

    @property
    def head_path(self) -> str | None:
        return None if self.status == "D" else self.path


class Repo:
    """The Git repository holding the project folder ``root`` (maybe a sub-folder of the repository)."""

    def __init__(self, root: Path):
        self.root = root
        try:
            inside = self._git("rev-parse", "--is-inside-work-tree", check=False)
        except FileNotFoundError:
            raise GitError("la commande « git » est introuvable",
                           "installez Git (paquet « git ») puis relancez la commande") from None
        if inside.returncode != 0 or inside.stdout.strip() != b"true":
            raise GitError(f"le dossier {root} n'est pas dans un dépôt Git",
                           "lancez la commande depuis un clone du dépôt du portail, ou indiquez-le avec --root")
        self.prefix = self._git("rev-parse", "--show-prefix").stdout.decode().strip()
        self.shallow = self._git("rev-parse", "--is-shallow-repository").stdout.strip() == b"true"

    def _git(self, *args: str, check: bool = True, data: bytes | None = None) -> subprocess.CompletedProcess:
        done = subprocess.run(["git", "-c", "core.quotepath=off", *args], cwd=self.root, input=data,
                              capture_output=True)
        if check and done.returncode != 0:
            detail = done.stderr.decode(errors="replace").strip().splitlines()
            raise GitError(f"git {args[0]} a échoué ({detail[-1] if detail else done.returncode})",
                           "vérifiez que le dépôt n'est pas abîmé : « git fsck »")
        return done

    def resolve(self, revision: str, what: str) -> str:
        """The commit id of a revision name; a French error naming ``what`` (« de départ », « proposée »)."""
        if not revision or revision.startswith("-"):
            raise GitError(f"« {revision} » n'est pas un nom de révision ({what})",
                           "donnez une branche, une étiquette ou un identifiant de commit, par exemple « origin/main »")
        done = self._git("rev-parse", "--verify", "--quiet", "--end-of-options", revision + "^{commit}", check=False)
        if done.returncode != 0:
            hint = ("vérifiez le nom (« git branch -a » liste les branches) ; " + SHALLOW_HINT if self.shallow else
                    "vérifiez le nom : « git branch -a » liste les branches, « git log --oneline » les commits ; "
                    "une branche distante s'écrit « origin/main » et doit avoir été récupérée (« git fetch »)")
            raise GitError(f"la révision {what} « {revision} » est introuvable dans ce dépôt", hint)
        return done.stdout.decode().strip()

    def merge_base(self, base: str, head: str) -> str:
        """Where the proposed branch left the base one; the base itself when the histories are unrelated."""
        done = self._git("merge-base", base, head, check=False)
        return done.stdout.decode().strip() if done.returncode == 0 else base

    def changes(self, base: str, head: str) -> list[Change]:
        """Paths changed between two commits, relative to the project folder, renames detected."""
        out = self._git("diff", "--raw", "-z", "-M", "--no-abbrev", "--no-ext-diff", "--relative", base, head,
                        "--").stdout
        fields = out.decode("utf-8", errors="surrogateescape").split("\0")
        changes, i = [], 0
        while i < len(fields) and fields[i]:
            meta = fields[i].lstrip(":").split()  # old mode, new mode, old blob, new blob, status
            status, mode = meta[4][0], meta[1]
            if status in "RC":
                changes.append(Change("R" if status == "R" else "A", fields[i + 2], fields[i + 1], mode))
                i += 3
            else:
                changes.append(Change(status, fields[i + 1], mode=mode))
                i += 2
        return changes

    def read(self, commit: str, paths: list[str]) -> dict[str, bytes | None]:
        """Contents of files at a commit, in one ``git cat-file --batch`` (None for a missing path)."""
        paths = [p for p in paths if "\n" not in p]  # a name with a line break cannot be asked in a batch
        if not paths:
            return {}
        query = "".join(f"{commit}:{self.prefix}{p}\n" for p in paths).encode("utf-8", errors="surrogateescape")
        out = self._git("cat-file", "--batch", data=query).stdout
        result, pos = {}, 0
        for path in paths:
            end = out.index(b"\n", pos)
            header = out[pos:end].split()
            pos = end + 1
            if len(header) == 3 and header[1] == b"blob":
                size = int(header[2])
                result[path] = out[pos:pos + size]
                pos += size + 1
            else:  # "<name> missing", or a tree/submodule where a file was expected
                if len(header) == 3:
                    pos += int(header[2]) + 1
                result[path] = None
        return result

    def extract(self, commit: str, folder: str, dest: Path) -> None:
        """Write ``folder`` (relative to the project) as it is at ``commit`` under ``dest``."""
        dest.mkdir(parents=True, exist_ok=True)
        tree = f"{commit}:{self.prefix}"
        if self._git("cat-file", "-e", f"{tree}{folder}", check=False).returncode != 0:
            return
        archive = self._git("archive", "--format=tar", tree, "--", folder).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            if hasattr(tarfile, "tar_filter"):  # Python ≥ 3.11.4: refuse paths leaving dest
                tar.extractall(dest, filter="tar")
            else:  # pragma: no cover - older 3.11
                tar.extractall(dest, members=[m for m in tar.getmembers()
                                              if not m.name.startswith("/") and ".." not in m.name.split("/")])

    def describe(self, commit: str) -> str:
        """Short id of a commit, for the summary's second line."""
        return self._git("log", "-1", "--format=%h", commit).stdout.decode().strip()
