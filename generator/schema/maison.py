"""The fiche Maison: one file per site, ``content/maisons/<département>/<slug>.md``.

The bulletin of the network says what it is for: "toute personne souhaitant
bénéficier des services d'une Maison peut trouver le site le plus proche de chez
elle et accéder aux informations utiles : plan d'accès, horaires, coordonnées,
équipements mis à disposition, services délivrés, autres activités hébergées".
"""
from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field, model_validator

from .fields import (
    CodeDepartement, CodeInsee, CodePostal, Coordonnees, Courriel, Creneau, Horaires, Identifiant,
    Jour, Slug, Strict, Telephone, Url, choice, columns, fail, reference, JOURS,
)
from .limits import CRENEAUX, ELEMENTS, IDENTIFIANT, LIGNE, NOM, OCCURRENCES, PRECISIONS, URL

TYPES = {"site_principal": "Site principal", "antenne": "Antenne"}
FORMATS = {"fixe": "Fixe", "itinerant": "Itinérant (permanences en plusieurs lieux)", "bus": "Bus"}
RENDEZ_VOUS = {
    "sans": "Accueil libre, sans rendez-vous",
    "possible": "Avec ou sans rendez-vous",
    "conseille": "Rendez-vous conseillé",
    "obligatoire": "Sur rendez-vous uniquement",
}
FREQUENCES = {
    "hebdomadaire": "Chaque semaine",
    "bimensuelle": "Une semaine sur deux",
    "mensuelle": "Certaines semaines du mois",
}


class Adresse(Strict):
    """Adresse postale du lieu d'accueil."""

    voie: str | None = Field(None, max_length=LIGNE, description="Numéro et voie, par exemple « 5 rue des Papetiers ».",
                             json_schema_extra=columns("adresse", "adresse_fs", "voie"))
    complement: str | None = Field(None, max_length=LIGNE, description="Complément d'adresse : bâtiment, étage, lieu-dit.",
                                   json_schema_extra=columns("complement_adresse", "complement", "complement_d_adresse"))
    code_postal: CodePostal = Field(description="Code postal à cinq chiffres, entre guillemets.",
                                    json_schema_extra=columns("code_postal", "cp"))
    commune: str = Field(min_length=1, max_length=NOM, description="Nom de la commune, tel qu'au code officiel géographique.",
                         json_schema_extra=columns("lib_com", "commune", "nom_commune"))
    code_insee: CodeInsee = Field(description="Code commune INSEE (cinq caractères, « 2A » ou « 2B » en Corse).",
                                  json_schema_extra=columns("insee_com", "code_insee", "code_commune"))


class ExceptionHoraires(Strict):
    """Changement daté de la semaine ordinaire : fermeture, congés, ouverture spéciale."""

    du: dt.date = Field(description="Premier jour concerné (AAAA-MM-JJ).")
    au: dt.date | None = Field(None, description="Dernier jour concerné, si plusieurs jours (AAAA-MM-JJ).")
    motif: str = Field(min_length=1, max_length=NOM, description="Raison affichée au public, par exemple « Fermeture estivale ».")
    horaires: Jour = Field(default_factory=list,
                           description="Créneaux d'ouverture ces jours-là ; vide si la Maison est fermée.")

    @model_validator(mode="after")
    def _range(self) -> "ExceptionHoraires":
        if self.au is not None and self.au < self.du:
            raise fail(f"la période finit le {self.au:%d/%m/%Y}, avant de commencer le {self.du:%d/%m/%Y}",
                       "inversez « du » et « au »")
        return self


class RendezVous(Strict):
    """Accueil du public : libre, rendez-vous conseillé ou obligatoire."""

    politique: choice(RENDEZ_VOUS) = Field(description="Accueil avec ou sans rendez-vous.",
                                           json_schema_extra=columns("prise_rdv", "rdv"))
    precisions: str | None = Field(None, max_length=PRECISIONS, description="Précisions : jours sur rendez-vous, comment le prendre.")
    lien: Url | None = Field(None, description="Adresse de prise de rendez-vous en ligne, s'il y en a une.")
    telephone: Telephone | None = Field(None, description="Numéro pour prendre rendez-vous, s'il diffère.")


class Arret(Strict):
    """Lieu et jour de passage d'une Maison itinérante ou d'un bus."""

    lieu: str = Field(min_length=1, max_length=NOM, description="Lieu de la permanence, par exemple « Mairie de Thilay ».")
    commune: str = Field(min_length=1, max_length=NOM, description="Commune de l'arrêt.")
    code_insee: CodeInsee | None = Field(None, description="Code INSEE de la commune de l'arrêt.")
    coordonnees: Coordonnees | None = Field(None, description="Position de l'arrêt sur la carte.")
    jour: choice({j: j.capitalize() for j in JOURS}) = Field(description="Jour de passage.")
    frequence: choice(FREQUENCES) = Field("hebdomadaire", description="Rythme de passage.")
    semaines: list[int] = Field(default_factory=list, max_length=5, description=(
        "Pour un passage mensuel : rang du jour dans le mois, de 1 à 5 (2 = « le 2e mardi du mois »)."))
    premier_passage: dt.date | None = Field(None, description=(
        "Pour un passage une semaine sur deux : la date d'un passage (AAAA-MM-JJ), un jour de passage ; les "
        "suivants s'en déduisent, toutes les deux semaines."))
    horaires: list[Creneau] = Field(default_factory=list, max_length=CRENEAUX, description="Créneaux de présence ce jour-là.")
    precisions: str | None = Field(None, max_length=PRECISIONS, description="Précisions : sur rendez-vous, sauf vacances scolaires…")

    @model_validator(mode="after")
    def _weeks(self) -> "Arret":
        bad = [s for s in self.semaines if not 1 <= s <= 5]
        if bad:
            raise fail(f"semaines : {bad[0]} n'est pas un rang dans le mois", "un nombre de 1 à 5")
        if self.frequence == "mensuelle" and not self.semaines:
            raise fail("un passage mensuel doit dire quelles semaines",
                       "ajoutez par exemple « semaines: [2] » pour le 2e " + self.jour + " du mois")
        if self.frequence == "bimensuelle" and self.premier_passage is None:
            raise fail("un passage une semaine sur deux doit dire de quelle semaine il part",
                       "ajoutez « premier_passage: AAAA-MM-JJ », la date d'un " + self.jour + " de passage")
        if self.premier_passage is not None and JOURS[self.premier_passage.weekday()] != self.jour:
            raise fail(f"premier_passage : le {self.premier_passage:%d/%m/%Y} est un "
                       f"{JOURS[self.premier_passage.weekday()]}, pas un {self.jour}",
                       f"donnez la date d'un {self.jour} de passage")
        return self


class Accessibilite(Strict):
    """Accessibilité des locaux (laisser vide ce qu'on ne sait pas)."""

    fauteuil_roulant: bool | None = Field(None, description="Accès et accueil possibles en fauteuil roulant.")
    stationnement_pmr: bool | None = Field(None, description="Place de stationnement réservée à proximité.")
    boucle_magnetique: bool | None = Field(None, description="Boucle à induction magnétique à l'accueil.")
    sanitaires_adaptes: bool | None = Field(None, description="Toilettes adaptées aux personnes à mobilité réduite.")
    precisions: str | None = Field(None, max_length=PRECISIONS, description="Autres informations : ascenseur, accueil en langue des signes…")


class Source(Strict):
    """Origine de la fiche dans la liste nationale ; tenue à jour par l'import."""

    id_fs: str = Field(min_length=1, max_length=IDENTIFIANT, description="Identifiant du site dans la liste nationale France services (id_fs).",
                       json_schema_extra=columns("id_fs", "id", "identifiant", "matricule"))
    id_fs_precedents: list[Annotated[str, Field(min_length=1, max_length=IDENTIFIANT)]] = Field(
        default_factory=list, max_length=ELEMENTS, description=(
        "Identifiants que le site a portés dans des éditions précédentes de la liste (un identifiant provisoire "
        "« temp-N » remplacé par un numéro) : l'import reconnaît ainsi le site et garde sa fiche."))
    autres_colonnes: dict[Annotated[str, Field(max_length=NOM)], Annotated[str, Field(max_length=URL)]] = Field(
        default_factory=dict, max_length=ELEMENTS, description=(
        "Colonnes de la liste nationale que le modèle ne reprend pas encore, conservées telles quelles."))


class Maison(Strict):
    """Fiche Maison : tout ce qu'il faut à un usager pour trouver une Maison et s'y rendre."""

    id: Slug = Field(description="Identifiant stable de la Maison ; ne change jamais, même si elle est renommée.")
    nom: str = Field(min_length=3, max_length=NOM, description="Nom de la Maison, tel qu'affiché au public.",
                     json_schema_extra=columns("lib_fs", "nom_fs", "nom", "lib_france_services"))
    type: choice(TYPES) = Field("site_principal", description="Site principal ou antenne d'un autre site.",
                                json_schema_extra=columns("type_fs", "format_fs"))
    format: choice(FORMATS) = Field("fixe", description="Lieu fixe, itinérant (plusieurs lieux) ou bus.",
                                    json_schema_extra=columns("format_fs", "itinerance"))
    groupe: str | None = Field(None, max_length=NOM, description="Réseau ou groupement de Maisons auquel le site appartient.",
                               json_schema_extra=columns("groupe", "groupe_fs"))
    departement: CodeDepartement = Field(description="Code du département, entre guillemets (« 23 », « 2A », « 974 »).",
                                         json_schema_extra=columns("insee_dep", "code_dep", "departement"))
    adresse: Adresse = Field(description="Adresse postale du lieu d'accueil.")
    coordonnees: Coordonnees | None = Field(None, description="Position du lieu d'accueil sur la carte.",
                                            json_schema_extra=columns("latitude", "longitude"))
    telephone: Telephone | None = Field(None, description="Numéro de téléphone de l'accueil.",
                                        json_schema_extra=columns("telephone", "tel"))
    courriel: Courriel | None = Field(None, description="Adresse électronique de l'accueil.",
                                      json_schema_extra=columns("mail", "courriel", "email", "contact_mail"))
    site_web: Url | None = Field(None, description="Page web de la Maison (https://…).",
                                 json_schema_extra=columns("site_web", "url", "site_internet"))
    horaires: Horaires | None = Field(None, description="Horaires d'ouverture d'une semaine ordinaire.")
    exceptions: list[ExceptionHoraires] = Field(default_factory=list, max_length=OCCURRENCES, description=(
        "Fermetures et horaires exceptionnels datés (congés, jours fériés, ouverture spéciale)."))
    rendez_vous: RendezVous | None = Field(None, description="Accueil avec ou sans rendez-vous.")
    operateurs: list[Slug] = Field(default_factory=list, max_length=ELEMENTS, description=(
        "Opérateurs accompagnés sur place en plus du socle national, commun à toute France services "
        "(identifiants de content/referentiels/operateurs.yml)."),
        json_schema_extra=reference("operateurs"))
    equipements: list[Slug] = Field(default_factory=list, max_length=ELEMENTS, description=(
        "Équipements à disposition du public (identifiants de content/referentiels/equipements.yml)."),
        json_schema_extra=reference("equipements"))
    activites: list[Slug] = Field(default_factory=list, max_length=ELEMENTS, description=(
        "Autres activités hébergées (identifiants de content/referentiels/activites.yml)."),
        json_schema_extra=reference("activites"))
    arrets: list[Arret] = Field(default_factory=list, max_length=OCCURRENCES, description="Lieux et jours de passage d'une Maison itinérante ou d'un bus.")
    accessibilite: Accessibilite | None = Field(None, description="Accessibilité des locaux.")
    labellisation: dt.date | None = Field(None, description="Date de labellisation France services (AAAA-MM-JJ).",
                                          json_schema_extra=columns("labellisation", "labellisation_fs", "date_labellisation", "labelisation"))
    verifie_le: dt.date | None = Field(None, description="Date à laquelle la Maison a vérifié sa fiche pour la dernière fois.")
    retiree_le: dt.date | None = Field(None, description=(
        "Date de l'import où le site ne figurait plus dans la liste nationale (rempli par l'import) : la Maison "
        "n'est plus listée, ni sur la carte, ni dans les données ; sa page dit qu'elle a quitté le réseau. "
        "L'import retire la date si le site revient dans la liste."))
    referents: list[Identifiant] = Field(default_factory=list, max_length=ELEMENTS, description=(
        "Comptes sur la forge des personnes qui relisent les modifications de cette fiche."))
    source: Source | None = Field(None, description="Origine de la fiche dans la liste nationale (rempli par l'import).")
