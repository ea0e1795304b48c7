"""Meta-tests: the schema is the single source of truth and every field is documented."""
from __future__ import annotations

from pydantic import BaseModel

from conftest import REPO
from generator.config import Config
from generator.schema import KINDS, LISTS, Publics
from generator.schema_export import generated
from generator.content.validation import models_in


def all_models() -> set[type[BaseModel]]:
    todo = [m for m, _, _ in KINDS.values()] + list(LISTS.values()) + [Publics]
    seen: set[type[BaseModel]] = set()
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        for info in model.model_fields.values():
            todo.extend(models_in(info.annotation))
    return seen


def test_every_field_has_a_french_description():
    missing = [f"{m.__name__}.{name}" for m in all_models() for name, info in m.model_fields.items()
               if not info.description or len(info.description) < 10]
    assert missing == []


def test_every_config_option_is_documented():
    assert all(info.description for info in Config.model_fields.values())


def test_generated_files_are_up_to_date():
    stale = [rel for rel, text in generated(REPO).items()
             if not (REPO / rel).exists() or (REPO / rel).read_text(encoding="utf-8") != text]
    assert stale == [], "lancez « msap schema » et enregistrez les fichiers régénérés"


def test_every_field_appears_in_the_field_documentation():
    doc = (REPO / "docs" / "champs.md").read_text(encoding="utf-8")
    for model in all_models():
        for name in model.model_fields:
            assert f"{name}`" in doc, f"{model.__name__}.{name} absent de docs/champs.md"


def test_import_columns_come_from_the_schema():
    from generator.importer.columns import schema_columns
    columns = schema_columns()
    assert columns["nom"][0] == "lib_fs" and columns["source.id_fs"][0] == "id_fs"
    assert columns["horaires.lundi"] == ["h_lundi", "horaires_lundi"]
