"""`msap import`: bring an edition of the national list into content/maisons/.

Plan first, write last: every row is converted, validated and merged in memory;
only then are fiches written (each atomically) and the import state saved. An
unreadable existing fiche stops the import before anything is written, because
its site would otherwise be imported a second time under another name.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from pydantic import ValidationError

from ..config import Config
from ..diagnostics import Problem
from ..content.geo import Geo, fold
from ..content.reader import read
from ..schema import Maison
from .columns import map_columns, schema_columns
from .merge import BODY, fingerprint, imported_state, merge, ordered, render, write_atomic
from .rows import Converted, Note, Rejected, RowConverter
from .identity import Match, rematch
from .source import Malformed, SourceError, read_source
from ..diagnostics import CommandError


class ImportFailure(CommandError):
    """The import cannot start; the message ends with a hint."""


@dataclass
class Change:
    id: str
    path: str
    fields: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    source: str
    rows: int = 0
    new: list[Change] = field(default_factory=list)
    updated: list[Change] = field(default_factory=list)
    unchanged: int = 0
    kept: list[Change] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    disappeared: list[Change] = field(default_factory=list)
    rematched: list[Match] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    encoding_note: str = ""
    hours_cells: int = 0
    hours_read: int = 0
    writes: dict[Path, str] = field(default_factory=dict)
    removals: list[Path] = field(default_factory=list)

    @property
    def fiches(self) -> int:
        return len(self.new) + len(self.updated) + self.unchanged


#: more sites than this missing from a file (and more than this share of the imported ones) is not an edition
#: of the whole list: an extract, a filtered export; the import stops unless told the withdrawals are real
WITHDRAWALS_MAX, WITHDRAWALS_SHARE = 10, 0.2


def run_import(csv_path: Path, root: Path, config: Config, progress: Iterable | None = None,
               today: dt.date | None = None, accept_withdrawals: bool = False) -> ImportResult:
    today = today or dt.date.today()
    try:
        table = read_source(csv_path)
    except SourceError as exc:
        raise ImportFailure(str(exc)) from None
    headers, rows = table.headers, table.rows
    cmap = map_columns(headers)
    if cmap.id_column is None or "nom" not in cmap.fields:
        expected = " ou ".join(f"« {c} »" for c in schema_columns()["source.id_fs"][:2] + ["MATRICULE"])
        names = " ou ".join(f"« {c} »" for c in schema_columns()["nom"][:2] + ["lib_france_services"])
        missing = [what for what, ok in ((f"l'identifiant ({expected})", cmap.id_column is not None),
                                         (f"le nom du site ({names})", "nom" in cmap.fields)) if not ok]
        raise ImportFailure(
            f"{csv_path.name}: colonnes introuvables : {' et '.join(missing)} ; colonnes du fichier : "
            f"{', '.join(headers[:12])}{'…' if len(headers) > 12 else ''} — Indice : ce fichier n'est pas une édition "
            "de la liste nationale des France services, ou ses colonnes ont été renommées (docs/champs.md : colonnes reconnues)")
    result = ImportResult(csv_path.name, rows=len(rows), unknown_columns=cmap.unknown, encoding_note=table.note)
    maisons_dir = root / config.content_dir / "maisons"
    existing = _existing(maisons_dir, root)
    state_path = root / config.import_state
    state = _load_state(state_path)
    converter = RowConverter(cmap, Geo(root / config.geo_dir), config.distance_max_km)
    taken = {p for p, _, _ in existing.values()}
    seen_ids: dict[str, int] = {}
    seen_places: dict[tuple[str, str], int] = {}
    new_state: dict[str, Any] = dict(state.get("fiches", {}))
    untouched: set[str] = set()  # ids of rejected rows: their fiche stays, and is not reported gone
    planned: list[Converted] = []
    for line, row in (progress(rows) if progress else rows):
        if isinstance(row, Malformed):
            ident = row.cell(headers, cmap.id_column)
            result.rejected.append(Rejected(line, ident, row.reason))
            untouched.add(ident)
            continue
        got = converter.convert(row, line)
        if isinstance(got, Rejected):
            result.rejected.append(got)
            untouched.add(got.id_fs)
            continue
        if got.id_fs in seen_ids:
            result.rejected.append(Rejected(line, got.id_fs, f"identifiant déjà vu à la ligne {seen_ids[got.id_fs]}"))
            continue
        seen_ids[got.id_fs] = line
        place = (fold(got.data["nom"]), got.data["adresse"]["code_insee"])
        if place in seen_places:
            got.notes.append(Note(line, got.id_fs, "", f"doublon probable de la ligne {seen_places[place]} (même nom, même commune)"))
        seen_places.setdefault(place, line)
        if not _validate(got):
            result.rejected.append(Rejected(line, got.id_fs, "; ".join(n.message for n in got.notes[-3:])))
            untouched.add(got.id_fs)
            continue
        result.notes.extend(got.notes)
        planned.append(got)
    # a site whose id changed keeps its fiche (identity.py): its row is planned over that fiche
    matches, ambiguous = rematch(planned, existing, set(seen_ids))
    for match in matches:
        path, meta, body = existing.pop(match.old_id)
        existing[match.new_id] = (path, meta, body)
        got = next(g for g in planned if g.id_fs == match.new_id)
        got.data["id"] = meta.get("id", got.data["id"])
        before = list((meta.get("source") or {}).get("id_fs_precedents") or [])
        got.data["source"]["id_fs_precedents"] = before + [match.old_id]
        result.rematched.append(match)
    result.notes.extend(Note(line, ident, "source.id_fs", text) for line, ident, text in ambiguous)
    for got in planned:
        _plan(got, existing, state.get("fiches", {}), new_state, taken, maisons_dir, root, result)
    result.hours_cells, result.hours_read = converter.hours_cells, converter.hours_read
    gone = set(existing) - set(seen_ids) - untouched
    if len(gone) > max(WITHDRAWALS_MAX, WITHDRAWALS_SHARE * len(existing)) and not accept_withdrawals:
        raise ImportFailure(
            f"{csv_path.name}: {len(gone)} des {len(existing)} sites importés sont absents de ce fichier : ce n'est "
            "sans doute pas une édition complète de la liste (un extrait, un export filtré) ; rien n'a été écrit — "
            "Indice : importez l'édition nationale entière ; si ces sites ont vraiment quitté la liste, relancez "
            "avec --accepter-retraits")
    result.disappeared = [Change(existing[i][1].get("id", ""), _rel(existing[i][0], root)) for i in sorted(gone)]
    for id_fs in sorted(gone):  # withdrawn: kept, no longer published as open (issue 16); once only
        path, meta, body = existing[id_fs]
        if meta.get("retiree_le"):
            continue
        withdrawn = {**meta, "retiree_le": today}
        result.writes[path] = render(ordered(withdrawn), body)
        mid = str(meta.get("id", ""))
        record = dict(new_state.get(mid) or {"champs": {}, "corps": ""})
        record["champs"] = {**record.get("champs", {}), "retiree_le": fingerprint(today)}
        new_state[mid] = record
    new_state_doc = {"edition": csv_path.name, "fiches": dict(sorted(new_state.items()))}
    if new_state_doc != state:
        result.writes[state_path] = json.dumps(new_state_doc, ensure_ascii=False, indent=0, sort_keys=False) + "\n"
    return result


def apply(result: ImportResult) -> None:
    """Write what was planned: fiches first, the state last."""
    items = sorted(result.writes.items(), key=lambda kv: kv[0].suffix == ".json")
    for path, text in items:
        write_atomic(path, text)
    for path in result.removals:
        path.unlink(missing_ok=True)


def _existing(maisons_dir: Path, root: Path) -> dict[str, tuple[Path, dict[str, Any], str]]:
    """Existing imported fiches by id_fs. Any unreadable fiche stops the import."""
    found: dict[str, tuple[Path, dict[str, Any], str]] = {}
    broken: list[Problem] = []
    for path in sorted(maisons_dir.glob("*/*.md")):
        doc = read(path, root)
        if isinstance(doc, Problem):
            broken.append(doc)
            continue
        source = doc.meta.get("source")
        if isinstance(source, dict) and source.get("id_fs"):
            found[str(source["id_fs"])] = (path, doc.meta, doc.body)
    if broken:
        lines = "\n".join(p.text() for p in broken)
        raise ImportFailure(f"{lines}\nimport interrompu, rien n'a été écrit — Indice : corrigez ces fiches "
                            "(msap check les décrit) puis relancez l'import")
    return found


def _load_state(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ImportFailure(f"{path}: état d'import illisible ({exc}) — Indice : restaurez-le depuis Git "
                            "(git checkout -- " + path.name + ")") from None


def _validate(got: Converted) -> bool:
    """Drop optional fields the schema refuses (noted); False if the fiche still cannot stand."""
    for _ in range(5):
        try:
            Maison.model_validate(got.data)
            return True
        except ValidationError as exc:
            for err in exc.errors():
                top = str(err["loc"][0]) if err["loc"] else ""
                if top in ("id", "nom", "departement", "adresse") or top not in got.data:
                    got.notes.append(Note(got.line, got.id_fs, top, f"valeur refusée par le modèle : {err['msg']}"))
                    return False
                got.notes.append(Note(got.line, got.id_fs, top, f"« {got.data.pop(top)} » refusé ({err['msg']}) : non repris"))
    return False


def _plan(got: Converted, existing, base_state, new_state, taken: set[Path], maisons_dir: Path, root: Path,
          result: ImportResult) -> None:
    mid = got.data["id"]
    if got.id_fs in existing:
        path, meta, body = existing[got.id_fs]
        earlier = (meta.get("source") or {}).get("id_fs_precedents")
        if earlier and not got.data["source"].get("id_fs_precedents"):
            got.data["source"]["id_fs_precedents"] = list(earlier)  # known from an earlier import: kept
        outcome = merge(meta, body, got.data, got.body, base_state.get(mid))
        new_state[mid] = outcome.state
        if outcome.kept:
            result.kept.append(Change(mid, _rel(path, root), [_label(f) for f in outcome.kept]))
        target = path
        dep = outcome.meta.get("departement")
        if dep and path.parent.name != dep:
            target = _free_path(maisons_dir / dep, path.stem, got.id_fs, taken)
            result.removals.append(path)
            taken.add(target)
        if outcome.changed or target != path:
            result.writes[target] = render(outcome.meta, outcome.body)
            result.updated.append(Change(mid, _rel(target, root), [_label(f) for f in outcome.changed]))
        else:
            result.unchanged += 1
        return
    path = _free_path(maisons_dir / got.data["departement"], got.slug, got.id_fs, taken)
    taken.add(path)
    meta = ordered(got.data)
    result.writes[path] = render(meta, got.body)
    result.new.append(Change(mid, _rel(path, root)))
    new_state[mid] = imported_state(got.data, got.body)


def _free_path(folder: Path, slug: str, id_fs: str, taken: set[Path]) -> Path:
    path = folder / f"{slug}.md"
    if path in taken:
        path = folder / f"{slug}-{'-'.join(fold(id_fs).split())}.md"
    return path


def _label(field_path: str) -> str:
    return "corps" if field_path == BODY else field_path


def _rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


