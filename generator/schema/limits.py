"""Size limits of contributed content: each field's is in the model (``max_length``, shown in docs/champs.md and
the JSON Schemas), the limits of whole files are here.

A fiche comes from a pull request: without limits, a 50 MB text became a 52 MB page and a 20 MB name 341 MB of
HTML (the name is repeated on every listing). The limits are far above what the real network needs (its
longest fiche is 5 ko, its longest text 2,600 characters) and keep every build's memory bounded.
"""
from __future__ import annotations

#: a content file (front matter and text), in bytes
FICHE_OCTETS = 256_000
#: the text under the front matter, in characters
TEXTE_CARACTERES = 100_000
#: a reference list (content/referentiels/*.yml), in bytes
REFERENTIEL_OCTETS = 1_000_000
#: a download of the toolbox (content/ressources/fichiers/), in bytes
FICHIER_OCTETS = 20_000_000

#: a name or a title shown in listings
NOM = 200
#: one line of an address
LIGNE = 300
#: a summary shown in listings
RESUME = 600
#: precisions, a motive
PRECISIONS = 1_000
#: a project's assessment
BILAN = 5_000
#: an item of a project's lists (objectives, actions…)
ELEMENT = 500
#: a web address
URL = 2_000
#: an e-mail address (RFC 5321)
COURRIEL = 254
#: identifiers, codes
IDENTIFIANT = 100
#: items in a list of identifiers or of texts
ELEMENTS = 100
#: dated exceptions, itinerant stops
OCCURRENCES = 500
#: slots of one day
CRENEAUX = 12


def taille(octets: int) -> str:
    """« 256 ko », « 20 Mo » (French units, decimal as the file managers show)."""
    if octets >= 1_000_000:
        return f"{octets / 1_000_000:.1f}".rstrip("0").rstrip(".").replace(".", ",") + " Mo"
    return f"{max(1, round(octets / 1000))} ko"


def documentation() -> list[str]:
    """The file limits, as lines of docs/champs.md."""
    return [
        f"- une fiche (en-tête et texte) : au plus {taille(FICHE_OCTETS)} ;",
        f"- son texte, sous l'en-tête : au plus {TEXTE_CARACTERES:_} caractères ;".replace("_", " "),
        f"- une liste de référence (`content/referentiels/*.yml`) : au plus {taille(REFERENTIEL_OCTETS)} ;",
        f"- un fichier à télécharger (`content/ressources/fichiers/`) : au plus {taille(FICHIER_OCTETS)}.",
    ]
