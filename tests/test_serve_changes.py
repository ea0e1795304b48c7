"""What msap serve rebuilds for the paths its watcher reports (generator/dev/serve.py, rebuild_on_changes): fast,
with a real pipe and real files, the building side recorded."""
from __future__ import annotations

import time
from pathlib import Path

import pytest


class _Recorder:
    """What rebuild_on_changes asks of the building side (a stand-in for Live: the pipe and files are real)."""

    def __init__(self, content: Path):
        self.site = type("S", (), {"content": content})()
        self.changed: list[Path] = []
        self.full_builds = 0

    def fiche_changed(self, path: Path) -> bool:
        self.changed.append(path)
        return True

    def full(self) -> None:
        self.full_builds += 1


def test_only_real_changes_reported_by_the_watcher_are_rebuilt(tmp_path: Path):
    """The paths watchfiles reports: a saved fiche is rebuilt once however many events its save made; an editor's
    temporary file made and gone, a folder, a file whose time did not change are no change; a theme file is a
    full rebuild."""
    import multiprocessing
    import threading

    from generator.dev.serve import rebuild_on_changes

    content = tmp_path / "content"
    fiche = content / "maisons/23/gueret.md"
    fiche.parent.mkdir(parents=True)
    fiche.write_text("---\nid: x\n---\n", encoding="utf-8")
    theme = tmp_path / "theme/portail/maison.html"
    theme.parent.mkdir(parents=True)
    theme.write_text("<p>", encoding="utf-8")
    live = _Recorder(content)
    ours, told = multiprocessing.Pipe(duplex=False)
    worker = threading.Thread(target=rebuild_on_changes, args=(live, ours))
    worker.start()
    def settled(check) -> None:  # noqa: ANN001
        for _ in range(500):
            if check():
                return
            time.sleep(0.01)
        pytest.fail("rien n'a été reconstruit")
    try:
        told.send([str(fiche), str(fiche), str(content / "maisons/23/.gueret.md.swp"), str(fiche.parent)])
        settled(lambda: live.changed)
        told.send([str(fiche)])  # the same save, told again: its time has not changed
        told.send([str(content / "maisons/23/.gueret.md.swp")])
        time.sleep(0.3)
        assert live.changed == [fiche] and live.full_builds == 0
        told.send([str(theme)])
        settled(lambda: live.full_builds)
    finally:
        told.close()
        worker.join(timeout=10)
    assert not worker.is_alive()
    assert live.changed == [fiche] and live.full_builds == 1
