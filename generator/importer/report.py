"""The import report, in French: what changed, what is new, what vanished, what was repaired."""
from __future__ import annotations

from ..diagnostics import plural, shown
from .run import ImportResult


def render_report(result: ImportResult, dry_run: bool = False) -> str:
    out: list[str] = []
    src = result.source
    if result.encoding_note:
        out.append(f"{src}: {result.encoding_note}")
    if result.unknown_columns:
        out.append(f"{src}: colonnes inconnues conservées dans source.autres_colonnes : "
                   + ", ".join(result.unknown_columns))
    section(out, "Lignes rejetées", [f"{src}:{r.line}" + (f" (id_fs {r.id_fs})" if r.id_fs else "") + f": {r.reason}"
                                     for r in result.rejected])
    section(out, "Remarques (ligne importée, valeur réparée ou à vérifier)", [n.text(src) for n in result.notes])
    section(out, "Sites ré-identifiés (nouvel identifiant dans la liste, même site : la fiche est gardée)",
            [f"{m.path.parent.name}/{m.path.name} : id_fs {m.old_id} → {m.new_id} (ligne {m.line} ; mêmes commune, "
             f"{', '.join(m.evidence)})" for m in result.rematched])
    section(out, "Fiches nouvelles", [f"{c.path} ({c.id})" for c in result.new], limit=30)
    section(out, "Fiches mises à jour", [f"{c.path}: {', '.join(c.fields)}" for c in result.updated])
    section(out, "Modifications faites à la main, conservées (la liste nationale diffère)",
            [f"{c.path}: {', '.join(c.fields)}" for c in result.kept])
    section(out, "Sites absents de cette édition (fiches gardées, marquées « retiree_le » : plus publiées comme "
                 "ouvertes)",
            [f"{c.path} ({c.id})" for c in result.disappeared])
    if result.hours_cells:
        rate = f"{100 * result.hours_read / result.hours_cells:.2f}".replace(".", ",")
        out.append(f"Horaires lus : {result.hours_read} cellules sur {result.hours_cells} non vides ({rate} %).")
    verb = "seraient écrits (--dry-run : rien n'a été écrit)" if dry_run else "écrit(s)"
    out.append(
        f"{plural(result.rows, 'ligne')} lue(s) = {plural(result.fiches, 'fiche')} + "
        f"{plural(len(result.rejected), 'ligne')} rejetée(s) ; {plural(len(result.new), 'nouvelle')}, "
        f"{plural(len(result.updated), 'mise')} à jour, {result.unchanged} inchangée(s) ; "
        f"{plural(len(result.kept), 'fiche')} avec des modifications manuelles conservées ; "
        f"{plural(len(result.disappeared), 'site')} disparu(s) ; {plural(len(result.notes), 'remarque')} ; "
        f"{plural(len(result.writes), 'fichier')} {verb}.")
    return "\n".join(shown(line) for line in out)  # a value of the list never starts a line of its own


def section(out: list[str], title: str, lines: list[str], limit: int | None = None) -> None:
    if not lines:
        return
    out.append(f"## {title} ({len(lines)})")
    shown = lines if limit is None else lines[:limit]
    out.extend(shown)
    if len(shown) < len(lines):
        out.append(f"… et {len(lines) - len(shown)} autres")
