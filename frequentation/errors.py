"""Errors the API answers: a French reason, a hint, and for refused fields one line per field."""
from __future__ import annotations

from typing import Any

MESSAGES = {
    "missing": "champ obligatoire manquant",
    "extra_forbidden": "champ inconnu",
    "literal_error": "valeur inconnue ; valeurs possibles : {expected}",
    "int_parsing": "un nombre entier est attendu",
    "int_type": "un nombre entier est attendu",
    "greater_than_equal": "doit valoir au moins {ge}",
    "less_than_equal": "doit valoir au plus {le}",
    "string_too_short": "trop court (au moins {min_length} caractère(s))",
    "string_too_long": "trop long (au plus {max_length} caractères)",
    "string_pattern_mismatch": "format non reconnu (attendu : {pattern})",
    "string_type": "une chaîne de caractères est attendue",
    "quand_format": "date et heure illisibles (attendu : AAAA-MM-JJTHH:MM, de 2000 à 2099, à l'heure locale de la "
                    "Maison ou avec un décalage comme « +01:00 » ou « Z »)",
    "datetime_parsing": "date et heure illisibles (attendu : AAAA-MM-JJTHH:MM)",
    "datetime_from_date_parsing": "date et heure illisibles (attendu : AAAA-MM-JJTHH:MM)",
    "datetime_type": "date et heure attendues (AAAA-MM-JJTHH:MM)",
    "date_parsing": "date illisible (attendu : AAAA-MM-JJ)",
    "date_from_datetime_parsing": "date illisible (attendu : AAAA-MM-JJ)",
    "list_type": "une liste est attendue",
    "too_short": "la liste est vide",
    "too_long": "trop d'éléments (au plus {max_length}) : découpez l'envoi en plusieurs lots",
    "int_from_float": "un nombre entier est attendu",
    "bool_type": "vrai ou faux (true, false) est attendu",
    "json_invalid": "JSON illisible",
    "model_attributes_type": "un objet JSON est attendu",
    "dict_type": "un objet JSON est attendu",
}


class ApiError(Exception):
    def __init__(self, status: int, erreur: str, indice: str = "", headers: dict | None = None,
                 details: list | None = None):
        super().__init__(erreur)
        self.status, self.erreur, self.indice = status, erreur, indice
        self.headers, self.details = headers, details or []

    def body(self) -> dict[str, Any]:
        return {"erreur": self.erreur, "indice": self.indice, "details": self.details}


def french_details(errors: list[dict]) -> list[dict[str, str]]:
    """pydantic's errors as {champ, message} in French (the field's path without « body »)."""
    out = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path", "header")]
        template = MESSAGES.get(error.get("type", ""))
        try:
            ctx = {k: str(v).replace("' or '", "' ou '") for k, v in (error.get("ctx") or {}).items()}
            message = template.format(**ctx) if template else error.get("msg", "")
        except (KeyError, IndexError):
            message = error.get("msg", "")
        out.append({"champ": ".".join(loc), "message": message})
    return out
