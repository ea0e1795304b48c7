"""One row of the national list -> the data of one fiche Maison.

A row is imported whenever a site can be placed in a commune; everything that
had to be guessed, repaired or left out is noted for the import report, and a
row that cannot be placed at all is rejected with its reason. No row is
dropped silently.
"""
from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from ..content.geo import Commune, Geo, distance_km, fold
from ..hours import HoursError, parse_day
from ..schema.fields import EMAIL_RE, JOURS, URL_RE
from .columns import ColumnMap


@dataclass
class Note:
    line: int
    id_fs: str
    field: str
    message: str

    def text(self, source: str) -> str:
        ident = f" (id_fs {self.id_fs})" if self.id_fs else ""
        what = f"{self.field}: " if self.field else ""
        return f"{source}:{self.line}{ident}: {what}{self.message}"


@dataclass
class Converted:
    id_fs: str
    line: int
    data: dict[str, Any]
    body: str
    slug: str
    notes: list[Note] = field(default_factory=list)


@dataclass
class Rejected:
    line: int
    id_fs: str
    reason: str


def maison_id(id_fs: str) -> str:
    return "fs-" + slugify(id_fs)


def slugify(text: str) -> str:
    return "-".join(fold(text).split())


TYPE_WORDS = {"antenne": "antenne", "principal": "site_principal"}
#: « Multisites » (2024: one structure, several places of welcome) is itinerant in the schema's words; a vehicle
#: of another kind (camping-car, camion) travels like the bus
FORMAT_WORDS = {"bus": "bus", "camion": "bus", "camping": "bus", "vehicule": "bus", "itiner": "itinerant",
                "multisite": "itinerant", "oui": "itinerant", "fixe": "fixe", "non": "fixe"}
#: folded cells that say nothing: « NC », « N/C », « non renseigné », « non communiqué », « inconnu », « ? »
UNSAID = re.compile(r"^(?:n ?c|n ?r|nr|non (?:renseigne|communique|connu)|inconnu|ne sait pas|a definir)$")
_PARTICLE = re.compile(r"^(?:de la |de l |des |du |de |d |a |en )")


def slug_for(nom: str) -> str:
    """« France services de Valserhône » -> « valserhone »: short, readable URLs."""
    words = fold(nom).replace("france services", " ").replace("maison de services au public", " ")
    words = _PARTICLE.sub("", " ".join(words.split()))
    slug = slugify(words) or slugify(nom) or "maison"
    if len(slug) > 60:
        slug = slug[:60].rsplit("-", 1)[0]
    return slug


def clean(text: str | None) -> str:
    """Trim, fold non-breaking spaces, and repair UTF-8 read as Windows-1252 (« LÃ©guillon »)."""
    if not text:
        return ""
    text = text.replace("\xa0", " ")
    if "Ã" in text or "â€" in text:
        for codec in ("cp1252", "latin-1"):
            try:
                text = text.encode(codec).decode("utf-8")
                break
            except UnicodeError:
                continue
    return " ".join(text.split())


class RowConverter:
    """Converts the rows of one edition, given its column map and the reference geography."""

    def __init__(self, cmap: ColumnMap, geo: Geo, distance_max_km: float):
        self.cmap, self.geo, self.max_km = cmap, geo, distance_max_km
        self.hours_cells = self.hours_read = 0  # non-empty hour cells seen / read into slots

    def convert(self, row: dict[str, str], line: int) -> Converted | Rejected:
        cmap = self.cmap
        id_fs = clean(cmap.first(row, "source.id_fs"))
        notes: list[Note] = []

        def note(field_: str, message: str) -> None:
            notes.append(Note(line, id_fs, field_, message))

        if not id_fs:
            return Rejected(line, "", "pas d'identifiant (colonne id_fs vide) : impossible de suivre ce site d'une édition à l'autre")
        raw_nom = cmap.first(row, "nom")
        nom = clean(raw_nom)
        if nom != " ".join(raw_nom.split()):
            note("nom", f"« {raw_nom} » réparé en « {nom} »")
        if len(nom) < 3:
            return Rejected(line, id_fs, "pas de nom de site (colonne lib_fs vide)")
        commune, departement = self._commune(row, nom, note)
        if commune is None:
            return Rejected(line, id_fs, "impossible de situer le site : pas de code commune valide, et ni le "
                                         "code postal ni le nom ne désignent une commune du département")
        data: dict[str, Any] = {"id": maison_id(id_fs), "nom": nom}
        # format_fs holds the type in 2022 and the format from 2024: a cell is unknown only to both vocabularies
        data["type"] = self._classify(row, "type", TYPE_WORDS, note, "site_principal", FORMAT_WORDS)
        fmt = self._classify(row, "format", FORMAT_WORDS, note, "fixe", TYPE_WORDS)
        if re.search(r"(^| )bus( |$)", fold(nom)):
            fmt = "bus"
        data["format"] = fmt
        if groupe := clean(cmap.first(row, "groupe")):
            data["groupe"] = groupe
        data["departement"] = departement
        data["adresse"] = self._adresse(row, commune, note)
        data["coordonnees"] = self._coordonnees(row, commune, note)
        for key, value in (("telephone", self._phone(row, note)), ("courriel", self._email(row, note)),
                           ("site_web", self._website(row, note))):
            if value:
                data[key] = value
        horaires, unread = self._horaires(row, note)
        if horaires is not None:
            data["horaires"] = horaires
        comment = "\n".join(cell for cell in ((row.get(c) or "").strip() for c in cmap.body_columns) if cell)
        if politique := self._rendez_vous(row, comment, note):
            data["rendez_vous"] = {"politique": politique}
        if labellisation := self._date(cmap.first(row, "labellisation"), note):
            data["labellisation"] = labellisation
        source: dict[str, Any] = {"id_fs": id_fs}
        extra = {h: row[h].strip() for h in cmap.unknown if (row.get(h) or "").strip()}
        if extra:
            source["autres_colonnes"] = extra
        data["source"] = source
        body = ""
        if comment or unread:
            parts = [clean(p) for p in comment.splitlines() if p.strip()]
            parts += [f"Horaires du {day} à vérifier (liste nationale : « {text} »)." for day, text in unread]
            body = "## Informations pratiques\n\n" + "\n\n".join(parts) + "\n"
        return Converted(id_fs, line, data, body, slug_for(nom), notes)

    # ---------------------------------------------------------------- commune

    def _commune(self, row, nom, note) -> tuple[Commune | None, str]:
        geo, cmap = self.geo, self.cmap
        dep = clean(cmap.first(row, "departement")).upper()
        if dep.isdigit() and len(dep) == 1:
            dep = "0" + dep
        code = clean(cmap.first(row, "adresse.code_insee")).upper()
        if code.isdigit() and len(code) == 4:
            code = "0" + code
        cp = clean(cmap.first(row, "adresse.code_postal"))
        name = clean(cmap.first(row, "adresse.commune"))
        commune = geo.communes.get(code)
        if dep not in geo.departements:
            if commune is None:
                return None, dep
            note("departement", f"département « {dep} » inconnu : {commune.departement} d'après la commune")
            dep = commune.departement
        if commune is not None:
            if commune.departement != dep:
                note("adresse.code_insee", f"la commune {commune.nom} ({code}) n'est pas dans le département {dep} : "
                                           f"département corrigé en {commune.departement}")
            return commune, commune.departement
        found, how = None, ""
        in_dep = [c for c in geo.by_postcode.get(cp, []) if c.departement == dep]
        if len(in_dep) > 1 and name:
            in_dep = [c for c in in_dep if fold(c.nom) == fold(name)] or in_dep
        if len(in_dep) > 1:
            pin = self._pin(row)
            if pin:
                in_dep.sort(key=lambda c: distance_km(pin[0], pin[1], c.lat or 0, c.lon or 0))
        if in_dep:
            found, how = in_dep[0], f"d'après le code postal {cp}"
        if found is None and name:
            by_name = geo.by_name.get((dep, fold(name)))
            if by_name:
                found, how = by_name[0], f"d'après le nom « {name} »"
        if found is None:
            found = geo.find_in_text(dep, f"{name} {nom}")
            how = "d'après le nom du site"
        if found is None:
            names = {fold(c.nom): c for (d, _), cs in geo.by_name.items() if d == dep for c in cs}
            for candidate in (name, nom):
                close = difflib.get_close_matches(fold(candidate), list(names), n=1, cutoff=0.85) if candidate else []
                if close:
                    found, how = names[close[0]], f"d'après le nom « {candidate} » (orthographe approchée)"
                    break
        if found is not None:
            why = f"code commune « {code} » inconnu (commune fusionnée ?)" if code else "code commune absent"
            note("adresse.code_insee", f"{why} : rattaché à {found.nom} ({found.code_insee}) {how}")
        return found, (found.departement if found else dep)

    def _pin(self, row) -> tuple[float, float] | None:
        cells = [row.get(h, "") for h in self.cmap.fields.get("coordonnees", [])]
        if len(cells) != 2:
            return None
        try:
            lat, lon = (float(c.strip().replace(",", ".")) for c in cells)
        except ValueError:
            return None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat, lon) == (0, 0):
            return None
        return lat, lon

    # ---------------------------------------------------------------- fields

    def _adresse(self, row, commune: Commune, note) -> dict[str, Any]:
        cmap = self.cmap
        cp = clean(cmap.first(row, "adresse.code_postal"))
        if cp.isdigit() and len(cp) == 4:
            cp = "0" + cp
        if not re.fullmatch(r"\d{5}", cp):
            guess = commune.codes_postaux[0] if commune.codes_postaux else ""
            note("adresse.code_postal", f"code postal « {cp} » absent ou invalide : {guess} d'après la commune")
            cp = guess
        elif cp not in commune.codes_postaux:
            note("adresse.code_postal", f"le code postal {cp} n'est pas un code de {commune.nom} "
                                        f"({', '.join(commune.codes_postaux)}) : conservé, à vérifier")
        adresse: dict[str, Any] = {}
        if voie := clean(cmap.first(row, "adresse.voie")):
            adresse["voie"] = voie
        if complement := clean(cmap.first(row, "adresse.complement")):
            adresse["complement"] = complement
        adresse.update(code_postal=cp, commune=commune.nom, code_insee=commune.code_insee)
        return adresse

    def _coordonnees(self, row, commune: Commune, note) -> dict[str, Any] | None:
        pin = self._pin(row)
        centre = (commune.lat, commune.lon) if commune.lat is not None else None
        if pin and centre:
            km = distance_km(*pin, *centre)
            if km > self.max_km and distance_km(pin[1], pin[0], *centre) <= self.max_km:
                note("coordonnees", "latitude et longitude inversées : remises dans l'ordre")
                pin = (pin[1], pin[0])
            elif km > self.max_km and self.geo.in_departement(commune.departement, *pin) is False:
                # outside the département and far from the commune: a wrong value, not a remote village
                note("coordonnees", f"repère ({pin[0]} ; {pin[1]}) hors du département {commune.departement}, à "
                                    f"{km:.0f} km de {commune.nom} : rejeté, site placé au centre de la commune")
                pin = None
            elif km > self.max_km:
                note("coordonnees", f"repère à {km:.1f} km du centre de {commune.nom} : conservé, à vérifier".replace(".", ",", 1))
        if pin:
            return {"lat": round(pin[0], 6), "lon": round(pin[1], 6)}
        if centre:
            note("coordonnees", f"pas de repère : placé au centre de {commune.nom} (position approximative)")
            return {"lat": centre[0], "lon": centre[1], "precision": "commune"}
        note("coordonnees", "pas de repère, et la commune n'a pas de centre connu : absente de la carte")
        return None

    def _classify(self, row, path: str, vocabulary: dict[str, str], note=None, default: str | None = None,
                  other: dict[str, str] | None = None) -> str | None:
        """The value the first cell of ``path`` names, by the words of ``vocabulary``; when no cell names one, the
        cell of the field's own column is reported (when ``note`` is given) unless it is a word of ``other``, and
        ``default`` kept. « NC », « non renseigné » count as empty."""
        unknown = ""
        for rank, column in enumerate(self.cmap.fields.get(path, [])):
            cell = (row.get(column) or "").strip()
            folded = fold(cell)
            if not folded or UNSAID.match(folded):
                continue
            for word, value in vocabulary.items():
                if re.search(rf"(^| ){word}", folded):
                    return value
            # only the field's own column is reported: a fallback column may hold another field's values
            if rank == 0 and not any(re.search(rf"(^| ){word}", folded) for word in other or ()):
                unknown = cell
        if unknown and note is not None:
            note(path, f"valeur « {unknown} » inconnue : " + (f"« {default} » retenu" if default else "non reprise"))
        return default

    def _phone(self, row, note) -> str | None:
        raw = clean(self.cmap.first(row, "telephone"))
        if not raw:
            return None
        digits = re.sub(r"\D", "", raw)
        if digits.startswith("33") and len(digits) == 11:
            digits = "0" + digits[2:]
        if len(digits) > 10 and digits.startswith("0") and re.fullmatch(r"0\d{9}", digits[:10]):
            note("telephone", f"plusieurs numéros « {raw} » : seul le premier est repris")
            digits = digits[:10]
        if re.fullmatch(r"0\d{9}", digits):
            return " ".join(digits[i:i + 2] for i in range(0, 10, 2))
        note("telephone", f"numéro « {raw} » illisible : non repris")
        return None

    def _email(self, row, note) -> str | None:
        raw = clean(self.cmap.first(row, "courriel"))
        if not raw:
            return None
        candidates = [c for c in re.split(r"[\s,;/]+|\s-\s", raw) if "@" in c]
        valid = [c.lower() for c in candidates if EMAIL_RE.match(c)]
        if not valid:
            note("courriel", f"adresse « {raw} » invalide : non reprise")
            return None
        if len(candidates) > 1:
            note("courriel", f"plusieurs adresses « {raw} » : seule « {valid[0]} » est reprise")
        return valid[0]

    def _website(self, row, note) -> str | None:
        raw = clean(self.cmap.first(row, "site_web"))
        if not raw:
            return None
        url = raw if re.match(r"^https?://", raw, re.I) else "https://" + raw
        if URL_RE.match(url):
            return url
        note("site_web", f"adresse web « {raw} » invalide : non reprise")
        return None

    def _horaires(self, row, note) -> tuple[dict[str, list[str]] | None, list[tuple[str, str]]]:
        week: dict[str, list[str]] = {}
        unread: list[tuple[str, str]] = []
        seen_any = False
        for day in JOURS:
            cells = self.cmap.values(row, f"horaires.{day}")
            if cells:
                seen_any = True
                self.hours_cells += 1
            try:
                slots, remark = parse_day(cells[0] if cells else "")
                self.hours_read += bool(cells)
            except HoursError as exc:
                note(f"horaires.{day}", f"{exc} : jour laissé vide, texte recopié dans la fiche")
                unread.append((day, cells[0]))
                slots, remark = [], None
            if remark:
                note(f"horaires.{day}", remark)
            week[day] = slots
        return (week if seen_any else None), unread

    def _rendez_vous(self, row, comment: str, note=None) -> str | None:
        politique = self._classify(row, "rendez_vous.politique", {
            "avec ou sans": "possible", "obligatoire": "obligatoire", "uniquement": "obligatoire",
            "sur rendez": "obligatoire", "sur rdv": "obligatoire", "conseill": "conseille",
            "recommand": "conseille", "sans": "sans", "non": "sans", "oui": "possible", "possible": "possible"}, note)
        said = self._rendez_vous_du_texte(comment)
        if politique and said and said != politique and note is not None:
            # The comment is the site's own words, written for its visitors: when it says « uniquement sur
            # rendez-vous » it wins over a yes/no column; any other disagreement keeps the column. Both reported.
            wins = said if said == "obligatoire" else politique
            cell = self.cmap.first(row, "rendez_vous.politique")
            note("rendez_vous.politique", f"la colonne dit « {cell} », le commentaire dit « {said} » : « {wins} » retenu")
            return wins
        return politique or said

    @staticmethod
    def _rendez_vous_du_texte(comment: str) -> str | None:
        text = fold(comment)
        if re.search(r"(uniquement|exclusivement|seulement) sur (rendez vous|rdv)|sur (rendez vous|rdv) uniquement", text):
            return "obligatoire"
        if re.search(r"(rendez vous|rdv) (est |sont )?(conseill|recommand|souhait|prefer)", text):
            return "conseille"
        if re.search(r"sans (rendez vous|rdv)", text):
            return "possible" if re.search(r"(avec|sur) (rendez vous|rdv)", text) else "sans"
        if re.search(r"rendez vous|rdv", text):
            return "possible"
        return None

    def _date(self, text: str, note) -> dt.date | None:
        if not text:
            return None
        m = re.search(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
        iso = re.search(r"(\d{4})-(\d{2})-(\d{2})", text)
        month = re.fullmatch(r"\s*(\d{1,2})/(\d{4})\s*", text)  # the 2020 editions: « 09/2019 »
        try:
            if m:
                return dt.date(int(m[3]), int(m[2]), int(m[1]))
            if iso:
                return dt.date(int(iso[1]), int(iso[2]), int(iso[3]))
            if month:
                return dt.date(int(month[2]), int(month[1]), 1)
        except ValueError:
            pass
        note("labellisation", f"date « {text} » illisible : non reprise")
        return None
