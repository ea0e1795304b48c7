"""Golden test: a small sample tree checks to the expected output, line for line.

Set MSAP_UPDATE_GOLDEN=1 to rewrite the expected files after an intended change, then review the diff.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from conftest import REPO, mirror
from generator.cli import main

GOLDEN = Path(__file__).parent / "golden"


def test_sample_tree_check_output(tmp_path, capsys):
    root = tmp_path / "arbre"
    shutil.copytree(GOLDEN / "arbre", root)
    mirror(REPO / "data" / "geo", root / "data" / "geo")
    code = main(["--root", str(root), "check"])
    out, _ = capsys.readouterr()
    out = re.sub(r" en \d+,\d s$", "", out.rstrip("\n"), flags=re.M) + "\n"
    expected = GOLDEN / "check.txt"
    if os.environ.get("MSAP_UPDATE_GOLDEN"):
        expected.write_text(out, encoding="utf-8")
    assert code == 1
    assert out == expected.read_text(encoding="utf-8")
