"""Visit statistics from the companion API (docs/frequentation.md): fetch, snapshot, small-count suppression.

``msap build`` asks the API once (``statistiques_url``, or the environment variable ``MSAP_STATISTIQUES_URL``).
A valid answer is kept in ``.cache/statistiques.json`` with the day it was fetched, so that a build while the
API is down or answers nonsense still shows the last figures, dated; with no snapshot the pages say the
statistics are unavailable. The build never fails because of the API.

The payload is untrusted: its shape is checked here, its ids are only ever shown escaped, and whatever the
API sent, counts from 1 to ``seuil - 1`` are masked again (``None``, shown « moins de 5 »).
"""
from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Optional

from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError

from frequentation.referentiel import DIMENSIONS

from ...formats import date_fr

SNAPSHOT = Path(".cache") / "statistiques.json"
ENV = "MSAP_STATISTIQUES_URL"
TIMEOUT = 10.0  # seconds: a slow API must not hold the build
MAX_BYTES = 64_000_000
MOIS = r"^\d{4}-(0[1-9]|1[0-2])$"
HINT = ("Indice : vérifiez statistiques_url (mkdocs.yml) ou MSAP_STATISTIQUES_URL, et que l'API tourne "
        "(msap api serve)")

Compte = Optional[Annotated[int, Field(strict=True, ge=0)]]  # None: masked (1 to seuil - 1)
Id = Annotated[str, Field(min_length=1, max_length=200)]


class _Modele(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


# The leaves are typed dicts, not models: a national answer holds some 150,000 of them, validated ten times
# faster as dicts (0.07 s instead of 0.7 s); the templates read ``e.visites`` the same either way.
class Entree(TypedDict):
    id: Id
    visites: Compte


class Mois(TypedDict):
    mois: Annotated[str, Field(pattern=MOIS)]
    visites: Compte


class Agregat(_Modele):
    visites: Compte
    par_mois: list[Mois]
    canaux: list[Entree] = []
    operateurs: list[Entree] = []
    themes: list[Entree] = []
    niveaux: list[Entree] = []
    resultats: list[Entree] = []
    tranches_age: list[Entree] = []
    situations: list[Entree] = []
    taux_resolution: Optional[Annotated[float, Field(ge=0, le=1)]] = None


class Periode(_Modele):
    de: Annotated[str, Field(pattern=MOIS)]
    a: Annotated[str, Field(pattern=MOIS)]


class Reponse(_Modele):
    genere_le: Optional[str] = None
    periode: Periode
    seuil: Annotated[int, Field(strict=True, ge=1)]
    demonstration: StrictBool = False
    national: Agregat
    departements: dict[Annotated[str, Field(min_length=1, max_length=10)], Agregat]
    maisons: dict[Id, Agregat]


class Injoignable(Exception):
    """The API did not answer (network, HTTP error, time-out)."""


class Invalide(Exception):
    """The API answered something that is not the statistics of docs/frequentation.md."""


@dataclass(frozen=True)
class Statistiques:
    """What the pages show: the (masked) figures, or why there are none."""

    donnees: Reponse | None = None
    recupere_le: dt.date | None = None
    seuil: int = 5  # the larger of the configured threshold and the API's
    api: str = ""  # the API's address ("": none configured)
    ancien: bool = False  # the API was asked and failed: the figures are the last snapshot's
    avertissement: str = ""

    @property
    def disponibles(self) -> bool:
        return self.donnees is not None

    @property
    def demonstration(self) -> bool:
        return self.donnees is not None and self.donnees.demonstration

    @property
    def national(self) -> Agregat | None:
        return self.donnees.national if self.donnees else None

    def maison(self, maison_id: str) -> Agregat | None:
        return self.donnees.maisons.get(maison_id) if self.donnees else None

    def departement(self, code: str) -> Agregat | None:
        return self.donnees.departements.get(code) if self.donnees else None


def api_url(config: Any) -> str:
    url = (os.environ.get(ENV) or config.statistiques_url or "").strip()
    return url if not url or url.endswith("/") else url + "/"


def periode(today: dt.date, mois: int) -> tuple[str, str]:
    """The last ``mois`` months, the current one included: (« 2025-12 », « 2026-11 ») on 26 November 2026."""
    first = today.year * 12 + today.month - 1 - (mois - 1)
    return f"{first // 12:04d}-{first % 12 + 1:02d}", f"{today.year:04d}-{today.month:02d}"


def fetch(url: str, de: str, mois: int, seuil: int, timeout: float = TIMEOUT) -> Reponse:
    """GET {url}api/v1/statistiques: ``mois`` months from ``de``; raises :class:`Injoignable` or :class:`Invalide`."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise Injoignable(f"adresse « {url} » invalide : elle doit commencer par http:// ou https://")
    query = urllib.parse.urlencode({"de": de, "mois": mois, "seuil": seuil})
    request = urllib.request.Request(f"{url}api/v1/statistiques?{query}",
                                     headers={"Accept": "application/json", "User-Agent": "msap-build"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 - http(s) checked above
            body = answer.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise Injoignable(f"l'API répond par l'erreur HTTP {exc.code}") from None
    except urllib.error.URLError as exc:
        raise Injoignable(f"l'API ne répond pas ({exc.reason})") from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise Injoignable(f"l'API ne répond pas ({exc.__class__.__name__} : {exc})") from None
    if len(body) > MAX_BYTES:
        raise Invalide(f"réponse de plus de {MAX_BYTES // 1_000_000} Mo")
    try:
        return validate(json.loads(body.decode("utf-8")))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Invalide(f"ce n'est pas du JSON ({exc.__class__.__name__})") from None


def validate(data: Any) -> Reponse:
    try:
        return Reponse.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "la réponse"
        more = f" (et {exc.error_count() - 1} autre(s))" if exc.error_count() > 1 else ""
        raise Invalide(f"champ « {where} » non conforme à docs/frequentation.md{more}") from None


def mask(reponse: Reponse, seuil: int) -> Reponse:
    """Every count from 1 to ``seuil - 1`` becomes None, and a resolution rate computed from one goes too
    (a rate of a masked total, or of masked outcomes, would tell what the mask hides)."""

    def count(value: int | None) -> int | None:
        return None if value is None or 0 < value < seuil else value

    def aggregate(a: Agregat) -> Agregat:
        lists = {dim: [Entree(id=e["id"], visites=count(e["visites"])) for e in getattr(a, dim)]
                 for dim in DIMENSIONS}
        known = [e for e in lists["resultats"] if e["id"] != "en-cours"]
        total = count(a.visites)
        rate = None if total is None or any(e["visites"] is None for e in known) else a.taux_resolution
        return a.model_copy(update={
            "visites": total, "taux_resolution": rate,
            "par_mois": [Mois(mois=m["mois"], visites=count(m["visites"])) for m in a.par_mois], **lists})

    return reponse.model_copy(update={
        "seuil": seuil, "national": aggregate(reponse.national),
        "departements": {k: aggregate(v) for k, v in reponse.departements.items()},
        "maisons": {k: aggregate(v) for k, v in reponse.maisons.items()}})


def write_snapshot(path: Path, reponse: Reponse, day: dt.date) -> None:
    """Atomically: a reader sees the old snapshot or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"recupere_le": day.isoformat(), "donnees": reponse.model_dump(mode="json")}
    fd, tmp = tempfile.mkstemp(prefix=".statistiques-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False, separators=(",", ":"))
        os.chmod(tmp, 0o644)  # mkstemp makes it private; these are public figures
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_snapshot(path: Path) -> tuple[Reponse, dt.date]:
    """The last snapshot; raises :class:`Invalide` if it cannot be used, FileNotFoundError if there is none."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        day = dt.date.fromisoformat(data["recupere_le"])
        return validate(data["donnees"]), day
    except FileNotFoundError:
        raise
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise Invalide(f"{exc.__class__.__name__} : {exc}") from None


def load(root: Path, config: Any, today: dt.date) -> Statistiques:
    """Ask the API (if one is configured), else fall back on the last snapshot; never raises."""
    url = api_url(config)
    snapshot = root / SNAPSHOT
    problem = ""
    if url:
        de, _a = periode(today, config.statistiques_mois)
        try:
            reponse = fetch(url, de, config.statistiques_mois, config.statistiques_seuil)
        except Injoignable as exc:
            problem = str(exc)
        except Invalide as exc:
            problem = f"l'API a répondu des données mal formées : {exc}"
        else:
            try:
                write_snapshot(snapshot, reponse, today)
                note = ""
            except OSError as exc:
                note = f"statistiques de fréquentation : relevé non gardé dans {SNAPSHOT} ({exc.strerror or exc})"
            return _shown(reponse, today, config, url, False, note)
    try:
        reponse, day = read_snapshot(snapshot)
    except FileNotFoundError:
        if not problem:
            return Statistiques(seuil=config.statistiques_seuil)
        return Statistiques(seuil=config.statistiques_seuil, api=url, avertissement=(
            f"statistiques de fréquentation : {problem} ({url}) et aucun relevé précédent dans {SNAPSHOT} : "
            f"les pages indiquent que les statistiques sont indisponibles — {HINT}"))
    except Invalide as exc:
        bad = f"le relevé {SNAPSHOT} est illisible ({exc})"
        message = f"{problem} ({url}) et {bad}" if problem else bad
        return Statistiques(seuil=config.statistiques_seuil, api=url, avertissement=(
            f"statistiques de fréquentation : {message} : les pages indiquent que les statistiques sont "
            f"indisponibles — {HINT if problem else 'Indice : supprimez ce fichier'}"))
    note = ""
    if problem:
        note = (f"statistiques de fréquentation : {problem} ({url}) : les pages montrent le relevé du "
                f"{date_fr(day)} — {HINT}")
    return _shown(reponse, day, config, url, bool(problem), note)


def _shown(reponse: Reponse, day: dt.date, config: Any, url: str, ancien: bool, note: str) -> Statistiques:
    seuil = max(config.statistiques_seuil, reponse.seuil)
    return Statistiques(mask(reponse, seuil), day, seuil, url, ancien, note)


def warn(stats: Statistiques) -> None:
    if stats.avertissement:
        print(f"Avertissement : {stats.avertissement}", file=sys.stderr, flush=True)
