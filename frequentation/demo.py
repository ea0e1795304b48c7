"""Plausible synthetic visits for the real network, marked as demonstration data (`msap api demo`): busier
and quieter Maisons, weekdays during office hours, the motifs and outcomes the network reports most."""
from __future__ import annotations

import datetime as dt
import random
from itertools import accumulate

from sqlalchemy import Engine

from .referentiel import DIMENSIONS, Reseau
from .store import insert_rows, now, rebuild_rollups

#: relative weights; an id missing from the content's lists is skipped
POIDS = {
    "canal": {"sur-place": 70, "telephone": 20, "itinerance": 5, "visio": 2, "courriel": 3},
    "operateur": {"caf": 18, "assurance-maladie": 16, "dgfip": 15, "france-travail": 12, "assurance-retraite": 9,
                  "france-titres": 10, "msa": 4, "la-poste": 3, "justice": 2, "cheque-energie": 2, "anah": 1,
                  "urssaf": 1, "agirc-arrco": 2, None: 5},
    "niveau": {"information": 35, "orientation": 15, "accompagnement": 35, "demarche-realisee": 15},
    "resultat": {"resolu": 68, "non-resolu": 6, "en-cours": 16, "reoriente": 10},
    "tranche_age": {"moins-de-26": 12, "26-44": 30, "45-59": 25, "60-74": 22, "75-et-plus": 9, None: 2},
    "situation": {"salarie": 25, "demandeur-emploi": 20, "retraite": 30, "etudiant": 6, "independant": 6,
                  "sans-activite": 10, "autre": 3},
}
#: the theme a visit about an operator is most often about
THEME_DEFAUT = "social"


def _chooser(rng: random.Random, weights: dict, allowed) -> callable:
    items = [(k, w) for k, w in weights.items() if k is None or k in allowed]
    values, cum = [k for k, _ in items], list(accumulate(w for _, w in items))
    return lambda: rng.choices(values, cum_weights=cum)[0]


def fill(engine: Engine, reseau: Reseau, count: int, months: int = 12, seed: int = 2016,
         batch: int = 20_000) -> int:
    """Add ``count`` demonstration visits spread over the last ``months`` months; returns how many."""
    rng = random.Random(seed)
    listes = reseau.listes
    maisons = sorted(reseau.maisons)
    if not maisons or count <= 0:
        return 0
    size = [rng.lognormvariate(0, 0.6) for _ in maisons]  # some Maisons see many more people than others
    cum_size = list(accumulate(size))
    dimension_of = {column: dimension for dimension, column in DIMENSIONS.items()}
    pick = {column: _chooser(rng, weights, listes.of(dimension_of[column])) for column, weights in POIDS.items()}
    # the reference lists link operators to their themes: a CAF visit is about « famille » more often than not
    themes_of = {op: [t for t in reseau.operator_themes.get(op, ()) if t in listes.themes] or [THEME_DEFAUT]
                 for op in listes.operateurs}
    all_themes = sorted(listes.themes)
    end = dt.datetime.combine(dt.date.today(), dt.time(18))
    start = end - dt.timedelta(days=30 * months)
    span_days = (end - start).days
    created, done, rows = now(), 0, []
    while done < count:
        day = start + dt.timedelta(days=rng.randrange(span_days))
        if day.weekday() >= 5 and rng.random() > 0.1:  # a few Saturday openings
            continue
        when = day.replace(hour=rng.choice((9, 9, 10, 10, 11, 11, 14, 14, 15, 16)), minute=rng.randrange(60))
        maison = rng.choices(maisons, cum_weights=cum_size)[0] if rng.random() < 0.97 else rng.choice(maisons)
        operateur = pick["operateur"]()
        rows.append({
            "maison": maison, "quand": when, "canal": pick["canal"](), "tranche_age": pick["tranche_age"](),
            "situation": pick["situation"](), "operateur": operateur,
            "theme": rng.choice(themes_of[operateur]) if operateur else rng.choice(all_themes),
            "niveau": pick["niveau"](), "resultat": pick["resultat"](),
            "duree_minutes": max(3, int(rng.gauss(20, 10))), "demonstration": True, "jeton": None,
            "cree_le": created})
        done += 1
        if len(rows) >= batch or done == count:
            with engine.begin() as conn:
                insert_rows(conn, rows, reseau.maisons, rollups=False)
            rows = []
    rebuild_rollups(engine, reseau.maisons)  # one recount beats updating the rollups batch after batch
    return done
