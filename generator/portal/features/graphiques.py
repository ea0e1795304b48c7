"""Bar charts as inline SVG: no script, no library, a few hundred bytes each.

The SVG has no viewBox: it is as wide as its container and its text keeps its size (x and widths in %, y and
heights in px), so the charts stay readable on a phone. Each chart is an image (``role="img"``, named by its
``aria-label`` and ``<title>``); the page gives the same figures in a table right after it. Every label may
come from the API's payload: all text is escaped here.
"""
from __future__ import annotations

from html import escape

MOIS_COURTS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")
HAUTEUR = 140  # px: the tallest month's bar
HAUT = 22  # px above the bars: the scale's label
BAS = 20  # px under the bars: the months
LIGNE = 36  # px per bar of a horizontal chart
LARGEUR_MAX = 72  # % of the width for the longest horizontal bar; the rest holds its figure


def mois_court(mois: str) -> str:
    """« 2026-01 » → « janv. » ; January also gets its year (« janv. 26 ») so the axis reads across years."""
    year, month = int(mois[:4]), int(mois[5:7])
    return MOIS_COURTS[month - 1] + (f" {year % 100:02d}" if month == 1 else "")


def _svg(titre: str, height: int, body: list[str]) -> str:
    label = escape(f"{titre} (les chiffres sont dans le tableau qui suit)")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="msap-graphique" width="100%" height="{height}" '
            f'role="img" aria-label="{label}"><title>{label}</title>{"".join(body)}</svg>')


def colonnes(rows: list[tuple[str, str, int | None, str]], titre: str, echelle: str) -> str:
    """Vertical bars, one per month. ``rows``: (axis label, full label, value or None if masked, value as
    text); ``echelle``: the largest value as text, written along the top line."""
    if not rows:
        return ""
    top = max((v for _a, _l, v, _t in rows if v), default=0)
    slot = 100 / len(rows)
    every = -(-len(rows) // 12)  # at most 12 month labels
    base = HAUT + HAUTEUR
    body = [f'<line x1="0" x2="100%" y1="{HAUT}" y2="{HAUT}" class="msap-graphique__grille"/>',
            f'<text x="0" y="{HAUT - 6}">{escape(echelle)}</text>'] if top else []
    for i, (axis, full, value, text) in enumerate(rows):
        x, w = f"{i * slot + slot * 0.15:.2f}%", f"{slot * 0.7:.2f}%"
        tip = f"<title>{escape(full)} : {escape(text)}</title>"
        if value is None:
            body.append(f'<rect x="{x}" y="{base - 8}" width="{w}" height="8" class="msap-barre msap-barre--masque">'
                        f'{tip}</rect>')
        elif value:
            h = max(1, round(value / top * HAUTEUR))
            body.append(f'<rect x="{x}" y="{base - h}" width="{w}" height="{h}" class="msap-barre">{tip}</rect>')
        if i % every == 0:  # every other month's label is hidden on a narrow screen (msap.css)
            odd = ' class="msap-graphique__impair"' if (i // every) % 2 else ""
            # the first label starts at the left edge, the last ends at the right one: centred under their
            # column, they were cut on a phone (« anv. 26 » for « janv. 26 »)
            where = ('x="0" text-anchor="start"' if i == 0 else
                     'x="100%" text-anchor="end"' if i == len(rows) - 1 else
                     f'x="{(i + 0.5) * slot:.2f}%" text-anchor="middle"')
            body.append(f'<text {where} y="{base + 15}"{odd}>{escape(axis)}</text>')
    body.append(f'<line x1="0" x2="100%" y1="{base}" y2="{base}" class="msap-graphique__axe"/>')
    return _svg(titre, base + BAS, body)


def barres(rows: list[tuple[str, int | None, str]], titre: str) -> str:
    """Horizontal bars, the label above each. ``rows``: (label, value or None if masked, value as text)."""
    if not rows:
        return ""
    top = max((v for _l, v, _t in rows if v), default=0)
    body = []
    for i, (label, value, text) in enumerate(rows):
        y = i * LIGNE
        body.append(f'<text x="0" y="{y + 13}">{escape(label)}</text>')
        width = 0.0 if value is None or not top else value / top * LARGEUR_MAX
        if value is None:
            body.append(f'<rect x="0" y="{y + 18}" width="2%" height="12" class="msap-barre msap-barre--masque"/>')
            width = 2.0
        elif value:
            body.append(f'<rect x="0" y="{y + 18}" width="{width:.2f}%" height="12" class="msap-barre"/>')
        body.append(f'<text x="{width:.2f}%" dx="6" y="{y + 28}" class="msap-graphique__valeur">'
                    f'{escape(text)}</text>')
    return _svg(titre, len(rows) * LIGNE, body)
