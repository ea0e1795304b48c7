"""The web editor: its configuration is generated from the models (never stale), /admin/ is in every build."""
from __future__ import annotations

import pytest

import re
import socket
import typing
from pathlib import Path

import yaml
from pydantic import BaseModel

from conftest import REPO, Project
from generator.cms.config import cms_config
from generator.config import Config, load_config
from generator.schema import KINDS
from generator.schema.fields import CRENEAU_RE
from generator.content.validation import models_in, labels

# Widgets both Decap CMS and Sveltia CMS know, plus the pin registered by admin/repere.js.
WIDGETS = {"string", "text", "number", "boolean", "select", "list", "object", "datetime", "markdown", "relation",
           "hidden", "repere"}
TOP_LEVEL = {"backend", "publish_mode", "local_backend", "locale", "site_url", "display_url", "media_folder",
             "public_folder", "slug", "collections"}


def config() -> dict:
    return cms_config(REPO, load_config(REPO))


def collection(name: str) -> dict:
    return next(c for c in config()["collections"] if c["name"] == name)


def walk(fields: list[dict], prefix: str = ""):
    for field in fields:
        yield prefix + field["name"], field
        yield from walk(field.get("fields", []), prefix + field["name"] + ".")


def model_fields(model: type[BaseModel], prefix: str = ""):
    for name, info in model.model_fields.items():
        yield prefix + name, info
        for sub in models_in(info.annotation):
            yield from model_fields(sub, prefix + name + ".")


def test_every_field_of_every_model_is_in_the_editor_with_its_required_flag_and_hint():
    for kind, (model, folder, _nested) in KINDS.items():
        coll = collection(kind)
        assert coll["folder"] == f"content/{folder}"
        fields = dict(walk(coll["fields"]))
        for path, info in model_fields(model):
            if kind == "maisons" and path.split(".")[0] == "source":
                assert "source" not in fields  # kept in the file as it is, maintained by the import
                continue
            assert path in fields, f"{kind}: le champ {path} manque dans l'éditeur"
            field = fields[path]
            nullable = type(None) in typing.get_args(info.annotation)
            assert field["required"] == (info.is_required() and not nullable), path
            assert field["hint"] and "guillemets" not in field["hint"], path
            assert field["widget"] in WIDGETS, path
            if labels(info):
                assert [o["value"] for o in field["options"]] == list(labels(info)), path
                assert [o["label"] for o in field["options"]] == list(labels(info).values()), path
        assert fields["body"]["widget"] == "markdown"


def test_hours_are_lists_of_slots_checked_with_the_models_pattern_and_hint():
    horaires = dict(walk(collection("maisons")["fields"]))["horaires"]
    days = [f["name"] for f in horaires["fields"]]
    assert days == ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
    mardi = horaires["fields"][1]
    assert mardi["label"] == "Mardi" and mardi["widget"] == "list" and mardi["label_singular"] == "créneau"
    pattern, hint = mardi["field"]["pattern"]
    assert pattern == CRENEAU_RE.pattern and "09:00-12:00" in hint
    assert re.match(pattern, "09:00-12:30") and not re.match(pattern, "9h-12h")


def test_reference_lists_are_selects_of_the_referentiels_and_projects_point_to_maisons():
    operateurs = yaml.safe_load((REPO / "content/referentiels/operateurs.yml").read_text(encoding="utf-8"))
    maison = dict(walk(collection("maisons")["fields"]))["operateurs"]
    ressource = dict(walk(collection("ressources")["fields"]))["operateurs"]
    assert maison["widget"] == "select" and maison["multiple"] is True
    # a fiche lists only partners beyond the national base; a resource may concern any operator
    assert [o["value"] for o in maison["options"]] == [o["id"] for o in operateurs if not o.get("socle")]
    assert [o["value"] for o in ressource["options"]] == [o["id"] for o in operateurs]
    caf = next(o for o in ressource["options"] if o["value"] == "caf")
    assert caf["label"] == "CAF — Caisse d'allocations familiales"
    maisons = dict(walk(collection("projets")["fields"]))["maisons"]
    assert maisons["widget"] == "relation" and maisons["collection"] == "maisons" and maisons["value_field"] == "id"
    assert dict(walk(collection("maisons")["fields"]))["coordonnees"]["widget"] == "repere"


def test_layout_editorial_workflow_and_a_configuration_sveltia_reads_too():
    data = config()
    assert set(data) <= TOP_LEVEL
    assert data["publish_mode"] == "editorial_workflow" and data["locale"] == "fr"
    defaults = Config()
    assert data["backend"]["name"] == defaults.cms_backend and data["backend"]["repo"] == defaults.cms_depot
    maisons = collection("maisons")
    assert maisons["path"] == "{{departement}}/{{slug}}"  # one folder per département, as in content/
    # the « Modifier cette fiche » link of the portal opens the entry at this path
    assert defaults.editeur_url.format(collection="maisons", chemin="19/ayen", id="x") == \
        "admin/#/collections/maisons/entries/19/ayen"
    assert "nested" not in maisons  # Decap's nested collections are not understood by Sveltia


def test_schema_check_fails_when_the_editor_configuration_is_stale(tmp_path: Path, capsys):
    project = Project(tmp_path / "projet")
    (project.root / "mkdocs.yml").write_text((REPO / "mkdocs.yml").read_text(encoding="utf-8"), encoding="utf-8")
    assert project.msap("schema", capsys=capsys)[0] == 0
    assert project.msap("schema", "--check", capsys=capsys)[0] == 0
    with (project.root / "content/referentiels/operateurs.yml").open("a", encoding="utf-8") as f:
        f.write("- id: msa-test\n  nom: Mutualité sociale agricole (test)\n  nom_court: MSA test\n")
    code, out, err = project.msap("schema", "--check", capsys=capsys)
    assert code == 1 and "admin/config.yml" in err and "msap schema" in err
    assert project.msap("schema", capsys=capsys)[0] == 0
    assert "msa-test" in (project.root / "admin/config.yml").read_text(encoding="utf-8")


@pytest.mark.lent
def test_every_build_serves_the_editor_and_decap_from_the_site(sample_site: Path):
    admin = sample_site / "admin"
    page = (admin / "index.html").read_text(encoding="utf-8")
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all("://" not in s and not s.startswith("//") for s in sources)
    for source in sources:
        assert (admin / source).resolve().is_file(), source
    built = yaml.safe_load((admin / "config.yml").read_text(encoding="utf-8"))
    assert built["site_url"] == "https://portail.test/" and built["collections"][0]["name"] == "maisons"
    vendor = sample_site / "assets/vendor/decap-cms"
    assert (vendor / "decap-cms.js").stat().st_size > 1_000_000
    assert "MIT" in (vendor / "LICENSE").read_text(encoding="utf-8")
    assert (vendor / "VERSION").read_text(encoding="utf-8").startswith("decap-cms 3.")
    assert "Disallow: /admin/" in (sample_site / "robots.txt").read_text(encoding="utf-8")


@pytest.mark.lent
def test_msap_cms_says_when_its_port_is_taken(tmp_path: Path, capsys):
    project = Project(tmp_path / "projet")
    (project.root / "node_modules").symlink_to(REPO / "node_modules", target_is_directory=True)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, out, err = project.msap("cms", "--cms-port", str(port), capsys=capsys)
    assert code == 2 and "decap-server" in err and "Indice" in err and "Traceback" not in err


def test_msap_cms_without_node_modules_gives_a_hint(tmp_path: Path, capsys):
    project = Project(tmp_path / "projet")
    code, out, err = project.msap("cms", capsys=capsys)
    assert code == 2 and "make setup" in err


def test_admin_publishes_only_what_the_editor_loads(sample_site):
    """Decap's bundle, its on-demand chunks, the WebAssembly modules they fetch and the licences: no source map,
    no second build (6.5 MB of the package's 67.7 MB)."""
    import re

    folder = sample_site / "assets/vendor/decap-cms"
    names = sorted(p.name for p in folder.iterdir())
    assert not [n for n in names if n.endswith(".map") or n.startswith("cms.") or re.fullmatch(r"\d+\.cms\.js", n)]
    assert {"decap-cms.js", "decap-cms.js.LICENSE.txt", "LICENSE", "VERSION"} <= set(names)
    bundle = (folder / "decap-cms.js").read_text(encoding="utf-8")
    chunks = {n for n in names if re.fullmatch(r"\d+\.decap-cms\.js", n)}
    assert len(chunks) > 50 and all(n.split(".")[0] in bundle for n in chunks)  # each one the bundle can ask for
    assert sum(p.stat().st_size for p in folder.iterdir()) < 8_000_000
