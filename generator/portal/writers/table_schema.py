"""The Table Schema of ``maisons.csv`` (the format of schema.data.gouv.fr and Validata), made from what makes
the CSV: its columns (:func:`.exports.columns`) and, for each, the pydantic field it comes from — its type,
description, pattern, bounds, choices and whether it is required. Never written by hand: ``msap schema``
writes it into ``schemas/`` (checked by ``msap schema --check``), the build publishes it beside the CSV, and
the tests validate the CSV against it with frictionless.
"""
from __future__ import annotations

import json
from typing import Any

from ...schema import Maison
from ...schema.fields import CRENEAU_RE
from .exports import columns

FILE = "maisons.tableschema.json"
CSV_FILE = "maisons.csv"
LICENCE = {"name": "etalab-2.0", "title": "Licence Ouverte / Open Licence version 2.0",
           "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence"}


def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """(the schema of a value, whether it may be empty): ``$ref`` followed, ``anyOf [X, null]`` unwrapped."""
    nullable = False
    if "anyOf" in node:
        options = [o for o in node["anyOf"] if o.get("type") != "null"]
        nullable = len(options) < len(node["anyOf"])
        if len(options) == 1:
            node = {**{k: v for k, v in node.items() if k != "anyOf"}, **options[0]}
    if "$ref" in node:
        node = {**defs[node["$ref"].rsplit("/", 1)[-1]], **{k: v for k, v in node.items() if k != "$ref"}}
    return node, nullable


def _field_schema(schema: dict[str, Any], loc: tuple[str, ...]) -> tuple[dict[str, Any], bool]:
    """The JSON Schema of the field at ``loc`` in a Maison's (``schema``), and whether the CSV requires it."""
    defs, node, required = schema.get("$defs", {}), schema, True
    for name in loc:
        required = required and name in node.get("required", [])
        node, nullable = _resolve(node["properties"][name], defs)
        required = required and not nullable
    return node, required


def _unanchored(pattern: str) -> str:
    return pattern.removeprefix("^").removesuffix("$")


def field(column: Any, schema: dict[str, Any]) -> dict[str, Any]:
    """One column of the Table Schema (``schema``: a Maison's JSON Schema)."""
    out: dict[str, Any] = {"name": column.name, "description": column.doc()}
    if column.name == "opening_hours" or column.loc in (("operateurs",), ("equipements",), ("activites",)):
        out["type"] = "string"
        if column.name != "opening_hours":
            out["description"] += " Identifiants séparés par « ; »."
        return out
    node, required = _field_schema(schema, column.loc)
    constraints: dict[str, Any] = {}
    if column.loc[0] == "horaires":  # the day's slots, joined by « ; »
        slot = _unanchored(CRENEAU_RE.pattern)
        out["type"] = "string"
        constraints["pattern"] = f"{slot}(?: ; {slot})*"
        out["example"] = "09:00-12:00 ; 13:30-17:00"
    elif node.get("format") == "date":
        out["type"] = "date"  # its default format: AAAA-MM-JJ
    elif node.get("type") in ("number", "integer"):
        out["type"] = node["type"]
        for bound in ("minimum", "maximum"):
            if bound in node:
                constraints[bound] = node[bound]
    else:
        out["type"] = "string"
        if "enum" in node:
            constraints["enum"] = node["enum"]
        if "pattern" in node:
            constraints["pattern"] = _unanchored(node["pattern"])
        for bound in ("minLength", "maxLength"):
            if bound in node:
                constraints[bound] = node[bound]
    if required:
        constraints["required"] = True
    if column.name == "id":
        constraints["unique"] = True
    if constraints:
        out["constraints"] = constraints
    if "examples" in node and "example" not in out:
        out["example"] = node["examples"][0]
    return out


def table_schema() -> dict[str, Any]:
    """The whole Table Schema, with the metadata schema.data.gouv.fr asks for."""
    maison = Maison.model_json_schema()
    fields = [field(c, maison) for c in columns()]
    fields.append({"name": "url", "type": "string", "format": "uri", "description": "Page de la Maison sur le portail.",
                   "constraints": {"required": True}})
    return {
        "$schema": "https://frictionlessdata.io/schemas/table-schema.json",
        "name": "msap-maisons",
        "title": "Maisons de services au public (France services)",
        "description": ("Les lieux d'accueil du réseau France services : adresse, position, contacts, horaires (par "
                        "jour et au format opening_hours d'OpenStreetMap), démarches accompagnées, équipements. Une "
                        "ligne par Maison ouverte ; les Maisons retirées de la liste nationale n'y sont plus."),
        "countryCode": "FR",
        "path": CSV_FILE,
        "licenses": [LICENCE],
        "missingValues": [""],
        "primaryKey": "id",
        "fields": fields,
    }


def text() -> str:
    return json.dumps(table_schema(), ensure_ascii=False, indent=2) + "\n"
