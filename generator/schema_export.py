"""Everything derived from the models, generated and committed: never written by hand.

- ``schemas/<kind>.schema.json``: JSON Schema of each kind (editors, CMS, other tools);
- ``schemas/maisons.tableschema.json``: the Table Schema of the open-data CSV (generator/portal/writers/table_schema.py);
- ``docs/champs.md``: every field of every kind, its type and its French description;
- ``docs/configuration.md``: every option of the ``extra.msap`` section of mkdocs.yml;
- ``docs/hebergement.md``: the HTTP headers the web host sends (generator/portal/writers/headers.py);
- ``admin/config.yml``: the web editor's configuration (Decap CMS), see :mod:`generator.cms.config`.
"""
from __future__ import annotations

import json
import sys
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from .config import Config
from .schema import KINDS, LISTS, Publics, Relecteurs
from .schema.limits import documentation
from .content.validation import models_in, labels


def json_schemas() -> dict[str, str]:
    models: dict[str, type[BaseModel]] = {folder[:-1]: model for model, folder, _ in KINDS.values()}
    models.update({f"referentiel-{name}": model for name, model in LISTS.items()})
    models["referentiel-publics"] = Publics
    models["referentiel-relecteurs"] = Relecteurs
    from .schema.export import ExportMaisons
    models["maisons-json"] = ExportMaisons
    out = {}
    for name, model in models.items():
        schema = model.model_json_schema(by_alias=True)
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"{name}.schema.json", **schema}
        out[f"schemas/{name}.schema.json"] = json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return out


def _type_name(annotation: Any) -> str:
    text = str(annotation).replace("typing.", "").replace("datetime.date", "date")
    for model in models_in(annotation):
        text = text.replace(f"{model.__module__}.{model.__name__}", model.__name__)
    text = text.replace("Annotated[", "").replace("Literal[", "un de [")
    return text.split(", AfterValidator")[0].split(", FieldInfo")[0].split(", BeforeValidator")[0]


def _max_len(metadata: Any) -> int | None:
    for item in metadata:
        if getattr(item, "max_length", None) is not None:
            return item.max_length
        inner = _max_len(getattr(item, "metadata", ()))
        if inner is not None:
            return inner
    return None


def _limit(info: FieldInfo) -> str:
    """« 200 caractères », « 100 éléments, 100 caractères chacun » (the field's ``max_length`` and its items')."""
    own = _max_len(info.metadata)
    items = [m for arg in typing.get_args(info.annotation) for m in _inner_limits(arg)]
    container = typing.get_origin(info.annotation) in (list, dict)
    out = []
    if own is not None:
        out.append(f"{own:,} {'éléments' if container else 'caractères'}".replace(",", " "))
    if container and items:
        out.append(f"{items[0]:,} caractères chacun".replace(",", " "))
    elif not container and own is None and items:
        out.append(f"{items[0]:,} caractères".replace(",", " "))
    return ", ".join(out)


def _inner_limits(annotation: Any) -> list[int]:
    if typing.get_origin(annotation) is typing.Annotated:
        found = _max_len(annotation.__metadata__)
        return [found] if found is not None else []
    return [m for arg in typing.get_args(annotation) for m in _inner_limits(arg)]


def _document(model: type[BaseModel], prefix: str, rows: list[str], seen: set[type]) -> None:
    for name, info in model.model_fields.items():
        path = prefix + name
        required = "oui" if info.is_required() else ""
        values = " ; ".join(f"`{k}` ({v})" for k, v in labels(info).items())
        description = (info.description or "").replace("|", "\\|")
        rows.append(f"| `{path}` | {required} | {description} | {_limit(info)} | {values} |")
        for sub in models_in(info.annotation):
            if sub not in seen:
                _document(sub, path + ("[]." if "list" in str(info.annotation) else "."), rows, seen | {sub})


def fields_doc() -> str:
    out = ["# Champs du contenu", "",
           "Document généré par `msap schema` depuis les modèles (`generator/schema/`) : ne pas le modifier à la main.",
           "Dans les messages de `msap check`, les positions dans une liste comptent à partir de 1 "
           "(`horaires.mardi.2` = le 2e créneau du mardi).", "",
           "Chaque champ a une taille maximale (colonne « au plus ») : une valeur plus longue est refusée par "
           "`msap check`, avec sa longueur. Aucune valeur ne peut contenir de caractère de contrôle (sauf la "
           "tabulation et le retour à la ligne), quelle que soit la façon de l'écrire. Les fichiers aussi ont "
           "leurs limites :", "", *documentation(), ""]
    sections = [("Fiche Maison — `content/maisons/<département>/<slug>.md`", KINDS["maisons"][0]),
                ("Ressource — `content/ressources/<slug>.md`", KINDS["ressources"][0]),
                ("Projet — `content/projets/<slug>.md`", KINDS["projets"][0])]
    sections += [(f"Référentiel — `content/referentiels/{name}.yml` (une liste)", model) for name, model in LISTS.items()]
    sections.append(("Référentiel — `content/referentiels/publics.yml`", Publics))
    sections.append(("Relecteurs — `content/referentiels/relecteurs.yml` (`msap codeowners`, `msap stale`)",
                     Relecteurs))
    for title, model in sections:
        out += [f"## {title}", "", (model.__doc__ or "").strip().split("\n")[0], "",
                "| champ | obligatoire | description | au plus | valeurs possibles |", "|---|---|---|---|---|"]
        rows: list[str] = []
        _document(model, "", rows, {model})
        out += rows + [""]
    return "\n".join(out)


def config_doc() -> str:
    out = ["# Configuration", "", "Options de la section `extra.msap` de `mkdocs.yml`. Document généré par "
           "`msap schema` depuis `generator/config.py` : ne pas le modifier à la main.", "",
           "| option | défaut | description |", "|---|---|---|"]
    for name, info in Config.model_fields.items():
        description = " ".join((info.description or "").split()).replace("|", "\\|")
        default = info.get_default(call_default_factory=True)
        shown = f"{len(default)} entrées" if isinstance(default, list) else f"`{default}`"
        out.append(f"| `{name}` | {shown} | {description} |")
    return "\n".join(out) + "\n"


def generated(root: Path | None = None) -> dict[str, str]:
    """Every generated file by path; with ``root``, also the web editor's configuration (it lists the
    project's reference lists and reads its mkdocs.yml)."""
    files = json_schemas()
    files["docs/champs.md"] = fields_doc()
    files["docs/configuration.md"] = config_doc()
    from .portal.writers.headers import documentation
    from .portal.writers import table_schema
    files["docs/hebergement.md"] = documentation(Config())
    files[f"schemas/{table_schema.FILE}"] = table_schema.text()
    if root is not None:
        from .cms.config import config_yaml
        from .config import load_config
        from .portal.engines.mkdocs_adapter import settings

        files["admin/config.yml"] = config_yaml(root, load_config(root), settings(root).get("site_url") or "")
    return files


def cmd_schema(root: Path, check: bool) -> int:
    stale = []
    for rel, text in generated(root).items():
        path = root / rel
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(rel)
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if check and stale:
        print("fichiers générés périmés : " + ", ".join(stale) + " — Indice : lancez « msap schema » et "
              "enregistrez le résultat avec vos modifications du modèle", file=sys.stderr)
        return 1
    print(f"{len(stale)} fichier(s) {'à régénérer' if check else 'régénéré(s)'}" if stale else "fichiers générés à jour")
    return 0
