"""maisons.csv against its published Table Schema (frictionless, the validator of schema.data.gouv.fr's tools):
valid on the sample and on the real network, refused when a value breaks a rule the model states."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from frictionless import Resource, Schema, validate

from conftest import FROZEN_TODAY, REPO, make_portal_project
from generator.config import load_config
from generator.portal.build import build
from generator.portal.writers import exports, table_schema


def errors(folder: Path, csv_name: str = "maisons.csv") -> list[tuple[str, str | None, int | None]]:
    """(error type, column, row) of the CSV against the schema published beside it."""
    schema = Schema.from_descriptor(json.loads((folder / table_schema.FILE).read_text(encoding="utf-8")))
    # frictionless refuses absolute paths (« not safe »): read from the folder
    report = validate(Resource(path=csv_name, basepath=str(folder), schema=schema))
    return [(e.type, getattr(e, "field_name", None), getattr(e, "row_number", None))
            for task in report.tasks for e in task.errors]


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("schema")
    root = make_portal_project(tmp / "projet", statistiques=False)
    fiche = root / "content/maisons/23/gueret.md"  # an international number stays a number (no apostrophe)
    fiche.write_text(fiche.read_text(encoding="utf-8").replace("telephone: 05 55 51 00 00",
                                                               "telephone: +33 5 55 51 00 00"), encoding="utf-8")
    return build(root, load_config(root), tmp / "site", today=FROZEN_TODAY, search=False).site_dir / "donnees"


def test_the_sample_csv_is_valid(sample: Path):
    assert errors(sample) == []
    rows = list(csv.DictReader(io.StringIO((sample / "maisons.csv").read_text(encoding="utf-8"))))
    assert next(r for r in rows if r["id"] == "fs-9001")["telephone"] == "+33 5 55 51 00 00"


def test_the_schema_is_the_committed_one_and_names_every_column_in_order(sample: Path):
    published = json.loads((sample / table_schema.FILE).read_text(encoding="utf-8"))
    assert published == table_schema.table_schema()
    assert (REPO / "schemas" / table_schema.FILE).read_text(encoding="utf-8") == table_schema.text()
    header = (sample / "maisons.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert [f["name"] for f in published["fields"]] == header == [c.name for c in exports.columns()] + ["url"]
    assert all(f["description"] for f in published["fields"])  # documented, from the model
    for key in ("title", "description", "countryCode", "licenses", "primaryKey", "path"):
        assert published[key]


@pytest.mark.parametrize("column, value, expected", [
    ("code_postal", "2300", "constraint-error"),
    ("departement", "2C", "constraint-error"),
    ("latitude", "quarante-six", "type-error"),
    ("latitude", "146.2", "constraint-error"),
    ("type", "bureau", "constraint-error"),
    ("lundi", "9h-12h", "constraint-error"),
    ("verifie_le", "26/11/2026", "type-error"),
    ("id", "", "constraint-error"),
])
def test_a_broken_value_is_refused(sample: Path, tmp_path: Path, column: str, value: str, expected: str):
    rows = list(csv.reader(io.StringIO((sample / "maisons.csv").read_text(encoding="utf-8"))))
    index = rows[0].index(column)
    rows[2][index] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    (tmp_path / "maisons.csv").write_text(out.getvalue(), encoding="utf-8")
    (tmp_path / table_schema.FILE).write_bytes((sample / table_schema.FILE).read_bytes())
    assert (expected, column, 3) in errors(tmp_path)


def test_two_rows_of_one_id_are_refused(sample: Path, tmp_path: Path):
    lines = (sample / "maisons.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (tmp_path / "maisons.csv").write_text("".join(lines + lines[1:2]), encoding="utf-8")
    (tmp_path / table_schema.FILE).write_bytes((sample / table_schema.FILE).read_bytes())
    assert any(kind in ("primary-key", "unique-error") for kind, _, _ in errors(tmp_path))


@pytest.mark.lent
@pytest.mark.reseau
def test_the_real_network_csv_is_valid(tmp_path: Path):
    site = build(REPO, load_config(REPO), tmp_path / "site", today=FROZEN_TODAY, search=False).site_dir
    assert errors(site / "donnees") == []
    count = sum(1 for _ in (REPO / "content/maisons").glob("*/*.md"))
    assert len((site / "donnees/maisons.csv").read_text(encoding="utf-8").splitlines()) == count + 1


def json_errors(folder: Path) -> list[str]:
    """maisons.json against the schema published beside it (JSON Schema 2020-12)."""
    from jsonschema import Draft202012Validator

    data = json.loads((folder / "maisons.json").read_text(encoding="utf-8"))
    schema = json.loads((folder / data["schema"]).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in Draft202012Validator(schema).iter_errors(data)]


def test_the_json_export_is_valid_against_its_schema(sample: Path):
    assert json_errors(sample) == []
    data = json.loads((sample / "maisons.json").read_text(encoding="utf-8"))
    assert data["schema"] == "maisons-json.schema.json" and (REPO / "schemas" / data["schema"]).is_file()


def test_a_broken_json_export_is_refused(sample: Path, tmp_path: Path):
    data = json.loads((sample / "maisons.json").read_text(encoding="utf-8"))
    data["maisons"][0]["departement"] = "99X"
    data["maisons"][0]["inconnu"] = 1
    (tmp_path / "maisons.json").write_text(json.dumps(data), encoding="utf-8")
    (tmp_path / data["schema"]).write_bytes((sample / data["schema"]).read_bytes())
    found = json_errors(tmp_path)
    assert any(e.startswith("maisons/0/departement") for e in found) and any("inconnu" in e for e in found)


@pytest.mark.lent
@pytest.mark.reseau
def test_the_real_network_json_is_valid(tmp_path: Path):
    site = build(REPO, load_config(REPO), tmp_path / "site", today=FROZEN_TODAY, search=False).site_dir
    assert json_errors(site / "donnees") == []
