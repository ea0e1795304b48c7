"""The web editor's ``config.yml`` (Decap CMS, readable by Sveltia CMS), generated from the models.

Nothing here is written by hand twice: each field of the pydantic models (through their JSON Schema)
becomes a widget — closed lists become selects with their French labels, reference lists
(``x-reference``) selects over ``content/referentiels/*.yml`` or a relation to the Maisons, patterns
carry the hint of the model's own error message, descriptions become the hints under each field.
The result is committed as ``admin/config.yml`` (``msap schema`` rewrites it, ``--check`` fails when
it is stale) and written into every build at ``/admin/config.yml``.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from ..content import yamlio
from ..config import Config
from ..schema import KINDS
from ..schema.fields import CRENEAU_RE

# Words of field names whose French spelling needs accents or capitals, for the labels.
_WORDS = {
    "activites": "activités", "accessibilite": "accessibilité", "adaptes": "adaptés", "arrets": "arrêts",
    "complement": "complément", "coordonnees": "coordonnées", "debut": "début", "departement": "département",
    "equipements": "équipements", "frequence": "fréquence", "id": "identifiant", "insee": "INSEE",
    "magnetique": "magnétique", "operateurs": "opérateurs", "pmr": "PMR", "precision": "précision",
    "precisions": "précisions", "referents": "référents", "resume": "résumé", "telephone": "téléphone",
    "themes": "thèmes", "verifie": "vérifiée", "rendez": "rendez-vous", "vous": "",
}
_LABELS = {"date_debut": "Date de début", "date_fin": "Date de fin", "lat": "Latitude", "lon": "Longitude",
           "fs": "FS"}
# Fields the editor leaves alone: kept as they are in the file (the import maintains them).
_HIDDEN = {"maisons": {"source"}}
# How each collection is laid out and named (the rest comes from the model).
_COLLECTIONS = {
    "maisons": {"label": "Maisons", "label_singular": "fiche Maison", "identifier_field": "nom",
                "path": "{{departement}}/{{slug}}", "slug": "{{nom}}", "summary": "{{nom}} ({{departement}})",
                "sortable_fields": ["nom", "departement", "verifie_le"],
                "view_groups": [{"label": "Département", "field": "departement"}],
                "description": "Une fiche par Maison, rangée dans le dossier de son département."},
    "ressources": {"label": "Boîte à outils", "label_singular": "ressource", "identifier_field": "titre",
                   "slug": "{{titre}}", "summary": "{{titre}}", "sortable_fields": ["titre", "date"],
                   "media_folder": "fichiers", "public_folder": "",
                   "description": "Documents, vidéos, kits et modèles partagés dans le réseau."},
    "projets": {"label": "Projets", "label_singular": "projet", "identifier_field": "titre",
                "slug": "{{titre}}", "summary": "{{titre}}", "sortable_fields": ["titre", "date_debut"],
                "description": "Initiatives locales portées par les Maisons."},
}
_BODY_LABEL = {"maisons": "Présentation de la Maison", "ressources": "Contenu de la ressource",
               "projets": "Description du projet"}


def for_form(text: str) -> str:
    """A model's help text, for a form field: the YAML advice (« entre guillemets ») has no object there."""
    text = " ".join(text.split())
    text = re.sub(r",? entre guillemets", "", text)
    text = re.sub(r"écrivez-le(, )?", "", text)
    text = re.sub(r'« "([^"]*)" »', r"« \1 »", text).strip(" ,")
    return text[:1].upper() + text[1:]


def label(name: str) -> str:
    if name in _LABELS:
        return _LABELS[name]
    words = [_WORDS.get(w, w) for w in name.split("_")]
    text = " ".join(w for w in words if w)
    return text[:1].upper() + text[1:]


def _referentiel(root: Path, config: Config, name: str, socle: bool = True) -> list[dict[str, str]]:
    path = root / config.content_dir / "referentiels" / f"{name}.yml"
    try:  # read as the content is (YAML 1.2, libyaml); a broken list is msap check's to report
        entries = yamlio.load(path.read_text(encoding="utf-8"), lines=False).data if path.exists() else []
    except yamlio.YamlProblem:
        entries = []
    return [{"label": f"{e['nom_court']} — {e['nom']}" if e.get("nom_court") not in (None, e["nom"]) else e["nom"],
             "value": e["id"]}
            for e in entries or [] if isinstance(e, dict) and "id" in e and (socle or not e.get("socle"))]


class _Fields:
    """Turns the JSON Schema of one kind into Decap fields."""

    def __init__(self, schema: dict[str, Any], kind: str, root: Path, config: Config):
        self.defs = schema.get("$defs", {})
        self.kind, self.root, self.config = kind, root, config

    def resolve(self, prop: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """The property without its ``$ref`` and ``null`` alternative; whether it may be null."""
        nullable = False
        if "anyOf" in prop:
            options = [p for p in prop["anyOf"] if p.get("type") != "null"]
            nullable = len(options) < len(prop["anyOf"])
            prop = {**{k: v for k, v in prop.items() if k != "anyOf"}, **options[0]}
        if "$ref" in prop:
            target = self.defs[prop["$ref"].rsplit("/", 1)[-1]]
            prop = {**target, **{k: v for k, v in prop.items() if k != "$ref"}}
        return prop, nullable

    def of_object(self, prop: dict[str, Any]) -> list[dict[str, Any]]:
        required = set(prop.get("required", []))
        hidden = _HIDDEN.get(self.kind, set()) if prop is self.top else set()
        return [self.field(name, sub, name in required)
                for name, sub in prop.get("properties", {}).items() if name not in hidden]

    def top_fields(self, schema: dict[str, Any]) -> list[dict[str, Any]]:
        self.top = schema
        return self.of_object(schema)

    def field(self, name: str, raw: dict[str, Any], required: bool) -> dict[str, Any]:
        prop, nullable = self.resolve(raw)
        out: dict[str, Any] = {"name": name, "label": label(name), "required": required and not nullable}
        description = raw.get("description") or prop.get("description")
        if description:
            out["hint"] = for_form(description)
        out.update(self.widget(name, prop))
        if "default" in raw and raw["default"] not in (None, [], {}) and out["widget"] != "list":
            out["default"] = raw["default"]
        return out

    def widget(self, name: str, prop: dict[str, Any]) -> dict[str, Any]:
        kind = prop.get("type")
        if "x-libelles" in prop:  # in the model's order (the schema's mapping is sorted)
            names = prop["x-libelles"]
            return {"widget": "select", "options": [{"label": names[k], "value": k} for k in prop.get("enum", names)]}
        if kind == "array":
            return self.array(name, prop)
        if set(prop.get("properties", ())) >= {"lat", "lon"}:  # a point: the pin on a map (admin/repere.js)
            return {"widget": "repere", "fields": self.of_object(prop)}
        if kind == "object" or "properties" in prop:
            if "properties" not in prop:  # a free mapping (columns kept by the import): not editable
                return {"widget": "hidden"}
            return {"widget": "object", "fields": self.of_object(prop)}
        if kind == "boolean":
            return {"widget": "boolean"}
        if kind in ("number", "integer"):
            out = {"widget": "number", "value_type": "float" if kind == "number" else "int"}
            for key, option in (("minimum", "min"), ("maximum", "max")):
                if key in prop:
                    out[option] = prop[key]
            return out
        if prop.get("format") == "date":
            return {"widget": "datetime", "format": "YYYY-MM-DD", "date_format": "DD/MM/YYYY",
                    "time_format": False, "picker_utc": True}
        out = {"widget": "string"}
        if "pattern" in prop:
            out["pattern"] = [prop["pattern"], for_form(prop.get("x-indice", "format non accepté"))]
        return out

    def array(self, name: str, prop: dict[str, Any]) -> dict[str, Any]:
        target = prop.get("x-reference")
        if target == "maisons":
            return {"widget": "relation", "collection": "maisons", "value_field": "id", "multiple": True,
                    "search_fields": ["nom", "adresse.commune", "id"], "display_fields": ["nom"],
                    **({"min": prop["minItems"]} if "minItems" in prop else {})}
        if target:
            options = _referentiel(self.root, self.config, target, socle=self.kind != "maisons")
            return {"widget": "select", "multiple": True, "options": options}
        items, _ = self.resolve(prop.get("items", {}))
        if items.get("type") == "object" or "properties" in items:
            fields = self.of_object(items)
            first = fields[0]["name"] if fields else ""
            return {"widget": "list", "collapsed": True, "summary": "{{fields.%s}}" % first, "fields": fields}
        if items.get("pattern") == CRENEAU_RE.pattern:
            single = {"name": "creneau", "label": "Créneau", **self.widget(name, items)}
            return {"widget": "list", "label_singular": "créneau", "collapsed": False, "field": single}
        single = {"name": "valeur", "label": label(name), **self.widget(name, items)}
        return {"widget": "list", "collapsed": False, "field": single}


def collection(kind: str, root: Path, config: Config) -> dict[str, Any]:
    model, folder, _nested = KINDS[kind]
    schema = model.model_json_schema()
    fields = _Fields(schema, kind, root, config).top_fields(schema)
    fields.append({"name": "body", "label": _BODY_LABEL[kind], "widget": "markdown", "required": False,
                   "hint": "Texte libre en Markdown. Le HTML et les images ne sont pas publiés ; les liens "
                           "commencent par https://, mailto: ou tel:.",
                   "buttons": ["bold", "italic", "link", "heading-three", "heading-four", "bulleted-list",
                               "numbered-list", "quote"],
                   "editor_components": [], "sanitize_preview": True})
    layout = dict(_COLLECTIONS[kind])
    return {"name": kind, "label": layout.pop("label"), "label_singular": layout.pop("label_singular"),
            "folder": f"{config.content_dir}/{folder}", "extension": "md", "format": "frontmatter",
            "create": True, "delete": False, **layout, "fields": fields}


def cms_config(root: Path, config: Config, site_url: str = "") -> dict[str, Any]:
    """The whole editor configuration, as data."""
    backend: dict[str, Any] = {"name": config.cms_backend, "repo": config.cms_depot, "branch": config.cms_branche,
                               "squash_merges": True,
                               "commit_messages": {
                                   "create": "Création de {{collection}} « {{slug}} »",
                                   "update": "Mise à jour de {{collection}} « {{slug}} »",
                                   "delete": "Suppression de {{collection}} « {{slug}} »",
                                   "uploadMedia": "Ajout du fichier « {{path}} »",
                                   "deleteMedia": "Suppression du fichier « {{path}} »",
                                   "openAuthoring": "{{message}}"}}
    if config.cms_auth_url:
        backend["base_url"] = config.cms_auth_url
    out: dict[str, Any] = {"backend": backend, "publish_mode": "editorial_workflow", "local_backend": True,
                           "locale": "fr"}
    if site_url:
        out["site_url"] = out["display_url"] = site_url
    out.update({"media_folder": f"{config.content_dir}/ressources/fichiers", "public_folder": "",
                "slug": {"encoding": "ascii", "clean_accents": True, "sanitize_replacement": "-"},
                "collections": [collection(kind, root, config) for kind in ("maisons", "ressources", "projets")]})
    return out


HEADER = ("# Configuration de l'éditeur en ligne (Decap CMS, lisible aussi par Sveltia CMS).\n"
          "# Générée par « msap schema » depuis les modèles (generator/schema/) et les référentiels : ne pas la\n"
          "# modifier à la main. « msap schema --check » échoue quand elle n'est plus à jour.\n")


def config_yaml(root: Path, config: Config, site_url: str = "") -> str:
    data = cms_config(root, config, site_url)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml: same text, five times faster on every build
    return HEADER + yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False, width=110)
