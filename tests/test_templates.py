"""The templates only read: their page's context (said in ``generator/portal/pages.py``), the network's indexes
(``P``) and the statistics (``S``), and call nothing but URL builders, formatting helpers and macros.

What a page shows is then said in one place, where ``msap serve`` also learns which fiches it shows; a template
that computed (``P.operateurs_of(fiche)``, a nearest-place search, a cache read inside a render process) would
show what no page's sources name.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import Environment, nodes

THEME = Path(__file__).resolve().parents[1] / "theme"

#: what a template may call: URL builders (``u``, ``link``), macros (``m``, ``st``, ``super``, ``caller``),
#: formatting helpers of a fiche's hours (``horaires.week``, ``.label``) or of the statistics (charts and rows),
#: the Python writers of long lists of rows (``lignes_communes``, ``lieux_proches``), the export columns' docs
ROOTS = {"u", "link", "m", "st", "super", "caller", "horaires.week", "horaires.label", "S.departement",
         "S.maison", "graphique", "graphique_mois", "lignes", "tableau", "legende", "editor_link",
         "lignes_communes", "lieux_proches"}
#: reading methods of the values in a context (dicts, lists, dates, the export columns' documentation)
READING = {"get", "items", "values", "keys", "append", "strftime", "doc"}


def _dotted(node: nodes.Node) -> tuple[str, str]:
    """(the name a call's target starts from, the whole dotted name): ``P.by_id.get`` -> ("P", "P.by_id.get")."""
    parts = []
    while isinstance(node, nodes.Getattr):
        parts.append(node.attr)
        node = node.node
    root = node.name if isinstance(node, nodes.Name) else "<valeur>"
    return root, ".".join([root, *reversed(parts)])


def calls_outside_rules(source: str, macros: set[str]) -> list[str]:
    """The calls of a template that compute instead of reading (the dotted names)."""
    bad = []
    for call in Environment().parse(source).find_all(nodes.Call):
        root, name = _dotted(call.node)
        last = name.rsplit(".", 1)[-1]
        if root == "P" and last not in READING:
            bad.append(name)  # the model: the page's context gives it (pages.py)
        elif root != "P" and not (root in ROOTS or name in ROOTS or root in macros
                                  or (name != root and last in READING and not name.startswith("horaires."))):
            bad.append(name)
    return bad


def _templates() -> list[Path]:
    return sorted(THEME.rglob("*.html"))


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(THEME)))
def test_template_only_reads(path: Path):
    source = path.read_text(encoding="utf-8")
    ast = Environment().parse(source)
    macros = {m.name for m in ast.find_all(nodes.Macro)} | {c.target for c in ast.find_all(nodes.Import)}
    assert calls_outside_rules(source, macros) == [], (
        f"{path.relative_to(THEME)} calcule pendant le rendu : mettez la valeur dans le contexte de la page "
        "(generator/portal/pages.py)")


@pytest.mark.parametrize("template, expected", [
    ("{% set ops = P.operateurs_of(fiche) %}", ["P.operateurs_of"]),
    ("{% set c = P.voisinage.par_departement(departement) %}", ["P.voisinage.par_departement"]),
    ("{{ choroplethe() }}", ["choroplethe"]),
    ("{{ horaires.browser_data(d, P.today) }}", ["horaires.browser_data"]),
    ("{{ P.by_id.get(id) }} {{ link(u.maison(f)) }} {{ m.ariane(link, []) }}", []),
])
def test_the_rule_catches_a_template_that_computes(template: str, expected: list[str]):
    assert calls_outside_rules(template, {"m"}) == expected


def test_every_theme_template_is_checked():
    names = {str(p.relative_to(THEME)) for p in _templates()}
    assert {"portail/maison.html", "portail/liste_maisons.html", "portail/couverture.html",
            "portail/recherche/maison.html", "main.html"} <= names
