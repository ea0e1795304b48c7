"""Field types shared by every kind of content, each with a French error and hint.

Validators raise :func:`fail`, whose ``indice`` travels in the error context so
that the checker can print « message — Indice : … » without guessing.
"""
from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from .limits import COURRIEL, CRENEAUX, IDENTIFIANT, URL

JOURS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def fail(message: str, hint: str) -> PydanticCustomError:
    return PydanticCustomError("msap", "{message}", {"message": message, "indice": hint})


class Strict(BaseModel):
    """Base of every content model: unknown fields are errors, text is trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=False)


def choice(labels: dict[str, str]) -> Any:
    """A closed list of values; the French label of each is published in the schema (x-libelles)."""
    return Annotated[Literal[tuple(labels)], Field(json_schema_extra={"x-libelles": labels})]  # type: ignore[misc]


def columns(*names: str) -> dict[str, Any]:
    """Columns of the national list (any edition) that feed a field: read by the importer."""
    return {"x-colonnes": list(names)}


def reference(target: str) -> dict[str, Any]:
    """A list of identifiers pointing into a reference list (or « maisons »): checked across files."""
    return {"x-reference": target}


def matching(regex: re.Pattern[str], message: str, hint: str, max_length: int = IDENTIFIANT) -> Any:
    """A text checked against a regular expression (after its length: a huge value never reaches the regular
    expression); ``{value}`` in the message is the text found."""
    def check(value: str) -> str:
        if not regex.match(value):
            raise fail(message.replace("{value}", value), hint)
        return value
    return Annotated[str, AfterValidator(check),
                     Field(max_length=max_length, json_schema_extra={"pattern": regex.pattern, "x-indice": hint})]


# ------------------------------------------------------------------ identifiers

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


Slug = matching(SLUG_RE, "« {value} » n'est pas un identifiant valide",
               "minuscules sans accents, chiffres et tirets, par exemple « maison-de-gueret »")

# ------------------------------------------------------------------ opening hours

CRENEAU_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
_LOOSE_TIME = re.compile(r"(\d{1,2})\s*[:hH]\s*(\d{2})?")


def minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def _suggest_creneau(value: str) -> str:
    times = [(int(h), int(m or 0)) for h, m in _LOOSE_TIME.findall(value)]
    if len(times) == 2 and all(h <= 24 and m < 60 for h, m in times):
        return "-".join(f"{h:02d}:{m:02d}" for h, m in times)
    return "09:00-12:00"


def _creneau(value: str) -> str:
    match = CRENEAU_RE.match(value)
    if not match:
        raise fail(f"« {value} » n'est pas un créneau valide",
                   f"écrivez « {_suggest_creneau(value)} » (heure de début, tiret, heure de fin)")
    start, end = value.split("-")
    if minutes(start) >= minutes(end):
        raise fail(f"le créneau « {value} » finit avant de commencer",
                   f"écrivez l'heure de début en premier, par exemple « {end}-{start} »"
                   if minutes(end) < minutes(start) else "un créneau dure au moins une minute")
    return value


Creneau = Annotated[str, AfterValidator(_creneau),
                    Field(max_length=IDENTIFIANT, json_schema_extra={"pattern": CRENEAU_RE.pattern, "examples": ["09:00-12:00"],
                                             "x-indice": "heure de début, tiret, heure de fin, par exemple 09:00-12:00"})]


def _split_day(value: Any) -> Any:
    """« 09:00-12:00 / 14:00-17:00 » is accepted for a list of two slots."""
    if isinstance(value, str):
        parts = [p.strip() for p in re.split(r"[/,;]| et ", value) if p.strip()]
        return parts
    if value is None:
        return []
    return value


def _ordered(slots: list[str]) -> list[str]:
    for before, after in zip(slots, slots[1:]):
        if minutes(after.split("-")[0]) < minutes(before.split("-")[1]):
            raise fail(f"les créneaux « {before} » et « {after} » se chevauchent ou sont dans le désordre",
                       "listez les créneaux du matin au soir, sans chevauchement")
    return slots


Jour = Annotated[list[Creneau], BeforeValidator(_split_day), AfterValidator(_ordered), Field(max_length=CRENEAUX)]


class Horaires(Strict):
    """Horaires d'une semaine ordinaire ; un jour absent ou vide est un jour de fermeture."""

    lundi: Jour = Field(default_factory=list, description="Créneaux d'ouverture du lundi, par exemple 09:00-12:00.",
                 json_schema_extra=columns("h_lundi", "horaires_lundi"))
    mardi: Jour = Field(default_factory=list, description="Créneaux d'ouverture du mardi.",
                 json_schema_extra=columns("h_mardi", "horaires_mardi"))
    mercredi: Jour = Field(default_factory=list, description="Créneaux d'ouverture du mercredi.",
                    json_schema_extra=columns("h_mercredi", "horaires_mercredi"))
    jeudi: Jour = Field(default_factory=list, description="Créneaux d'ouverture du jeudi.",
                 json_schema_extra=columns("h_jeudi", "horaires_jeudi"))
    vendredi: Jour = Field(default_factory=list, description="Créneaux d'ouverture du vendredi.",
                    json_schema_extra=columns("h_vendredi", "horaires_vendredi"))
    samedi: Jour = Field(default_factory=list, description="Créneaux d'ouverture du samedi.",
                  json_schema_extra=columns("h_samedi", "horaires_samedi"))
    dimanche: Jour = Field(default_factory=list, description="Créneaux d'ouverture du dimanche.",
                    json_schema_extra=columns("h_dimanche", "horaires_dimanche"))

    def is_empty(self) -> bool:
        return not any(getattr(self, j) for j in JOURS)


# ------------------------------------------------------------------ contact details

PHONE_RE = re.compile(r"^(?:0\d(?:[ .]?\d{2}){4}|\+\d{2,3}(?:[ .]?\d{1,3}){3,6})$")


def _phone(value: str) -> str:
    if not PHONE_RE.match(value):
        digits = re.sub(r"\D", "", value)
        example = " ".join(digits[i:i + 2] for i in range(0, 10, 2)) if len(digits) == 10 else "05 55 25 76 12"
        raise fail(f"« {value} » n'est pas un numéro de téléphone valide",
                   f"dix chiffres groupés par deux, par exemple « {example} », ou le format international « +33 5 55 25 76 12 »")
    return value


Telephone = Annotated[str, AfterValidator(_phone), Field(max_length=IDENTIFIANT, json_schema_extra={
    "pattern": PHONE_RE.pattern,
    "x-indice": "dix chiffres groupés par deux, par exemple « 05 55 25 76 12 », ou « +33 5 55 25 76 12 »"})]

EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")


Courriel = matching(EMAIL_RE, "« {value} » n'est pas une adresse électronique valide",
                   "une seule adresse, sans espace, de la forme « accueil@exemple.fr »", COURRIEL)

URL_RE = re.compile(r"^https?://[A-Za-z0-9.-]+(?::\d+)?(?:[/?#][^\s<>\"]*)?$")


Url = matching(URL_RE, "« {value} » n'est pas une adresse web acceptée",
               "une adresse complète qui commence par « https:// » (ou « http:// »), sans espace", URL)

HANDLE_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")


def _handle(value: str) -> str:
    value = value.removeprefix("@")
    if not HANDLE_RE.match(value):
        raise fail(f"« {value} » n'est pas un identifiant de compte valide",
                   "l'identifiant du compte sur la forge, par exemple « marie-dupont » (sans espace)")
    return value


Identifiant = Annotated[str, AfterValidator(_handle), Field(max_length=IDENTIFIANT)]

# ------------------------------------------------------------------ places

CODE_POSTAL_RE = re.compile(r"^\d{5}$")
CODE_INSEE_RE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")
DEPARTEMENT_RE = re.compile(r"^(?:\d{2}|2[AB]|97\d)$")


def _code(regex: re.Pattern[str], what: str, example: str) -> Any:
    return matching(regex, f"« {{value}} » n'est pas {what}", f"écrivez-le entre guillemets, par exemple « \"{example}\" »")


CodePostal = _code(CODE_POSTAL_RE, "un code postal", "23000")
CodeInsee = _code(CODE_INSEE_RE, "un code commune INSEE", "23096")
CodeDepartement = _code(DEPARTEMENT_RE, "un code de département", "23")


class Coordonnees(Strict):
    """Point en WGS 84 (le système des GPS et des cartes en ligne)."""

    lat: float = Field(ge=-90, le=90, description="Latitude en degrés décimaux (WGS 84), par exemple 46.1713.")
    lon: float = Field(ge=-180, le=180, description="Longitude en degrés décimaux (WGS 84), par exemple 1.8719.")
    precision: choice({"adresse": "Adresse exacte", "commune": "Centre de la commune (approximatif)"}) = Field(
        "adresse", description="Précision du repère : à l'adresse, ou seulement au centre de la commune.")
