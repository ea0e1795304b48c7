"""The pure functions of the portal's browser scripts, tested under Node (``node --test tests/js/``), with the
real commune index written here by the Python code that writes it for the site."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from conftest import REPO
from generator.content.geo import Geo
from generator.portal.features.localisateur import commune_shards, search_key, shard_of

pytestmark = pytest.mark.lent


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js absent")
def test_the_browser_scripts_pass_their_node_tests(tmp_path):
    geo = Geo(REPO / "data/geo")
    (tmp_path / "communes").mkdir()
    for name, text in commune_shards(geo).items():
        (tmp_path / "communes" / f"{name}.tsv").write_text(text, encoding="utf-8")
    rows = [f"{c.nom}\t{search_key(c.nom)}\t{shard_of(search_key(c.nom))}" for c in geo.communes.values()]
    (tmp_path / "cles.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    files = sorted(str(p) for p in (REPO / "tests/js").glob("*.test.mjs"))
    done = subprocess.run([shutil.which("node"), "--test", *files], capture_output=True, text=True, timeout=300,
                          env={"MSAP_JS_DONNEES": str(tmp_path), "TZ": "UTC"})  # the machine's zone plays no part
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "# fail 0" in done.stdout and "# pass 8" in done.stdout
