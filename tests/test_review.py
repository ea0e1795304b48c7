"""`msap review`: real Git repositories made by each test, exact lines of the French summary."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from conftest import VALID_MAISON, Project
from generator.contrib.diff import Labels, diff_model

pytestmark = pytest.mark.lent

FICHE = "content/maisons/23/gueret.md"
PROJET = """\
---
titre: Atelier numérique de Guéret
resume: Des ateliers pour apprendre les démarches en ligne.
maisons: [fs-9001]
statut: en_cours
---
"""
RESSOURCE = """\
---
titre: Guide de l'accueil
type: document
resume: Comment accueillir un usager pour la première fois.
date: 2026-03-01
lien: https://exemple.fr/guide
---
"""


class GitProject(Project):
    """A throwaway project in its own Git repository, on branch « main »."""

    def __init__(self, root: Path):
        super().__init__(root)
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str) -> str:
        done = subprocess.run(["git", "-c", "user.name=Relectrice", "-c", "user.email=relectrice@exemple.fr",
                               "-c", "commit.gpgsign=false", *args],
                              cwd=self.root, check=True, capture_output=True, text=True)
        return done.stdout.strip()

    def commit(self, message: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "--short", "HEAD")

    def edit(self, rel: str, *replacements: tuple[str, str]) -> None:
        path = self.root / rel
        text = path.read_text(encoding="utf-8")
        for old, new in replacements:
            assert old in text, old
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path) -> GitProject:
    project = GitProject(tmp_path / "projet")
    project.write(FICHE, VALID_MAISON)
    project.write("content/projets/atelier.md", PROJET)
    project.write("content/ressources/guide.md", RESSOURCE)
    project.commit("Contenu de départ")
    return project


def review(repo: GitProject, capsys, *args: str) -> tuple[int, list[str], str]:
    code, out, err = repo.msap("review", *(args or ("main~1", "HEAD")), capsys=capsys)
    return code, out.splitlines(), err


def header(repo: GitProject, base: str = "main~1") -> str:
    ids = repo.git("rev-parse", "--short", base), repo.git("rev-parse", "--short", "HEAD")
    return f"Modifications de `HEAD` ({ids[1]}) depuis `{base}` ({ids[0]})."


def test_hours_pin_operator_and_email_of_a_fiche(repo, capsys, tmp_path):
    repo.edit(FICHE, ('mardi: ["09:00-12:00"]', 'mardi: ["09:00-12:30"]'), ("lat: 46.1713", "lat: 46.2000"),
              ("operateurs: [caf, msa]", "operateurs: [msa]"), ("courriel: gueret@", "courriel: accueil@"))
    repo.commit("Guéret : horaires, repère, opérateurs, courriel")
    sortie = tmp_path / "resume.md"
    code, lines, err = review(repo, capsys, "main~1", "HEAD", "--sortie", str(sortie))
    assert (code, err) == (0, "")
    assert lines == [
        "✅ 1 fiche modifiée, 0 erreur, 0 avertissement",
        "",
        header(repo),
        "",
        "### Fiches Maison",
        "",
        "- **France services de Guéret** (`content/maisons/23/gueret.md`) : modifiée",
        "  - repère déplacé de 3,2 km",
        "  - courriel modifié : « gueret@france-services.gouv.fr » → « accueil@france-services.gouv.fr »",
        "  - mardi : 09:00-12:00 → 09:00-12:30",
        "  - opérateur CAF retiré",
        "",
        "### Vérifications du contenu proposé",
        "",
        "Aucun problème dans les fichiers modifiés.",
    ]
    assert sortie.read_text(encoding="utf-8").splitlines() == lines


def test_small_moves_are_in_metres_and_labels_of_closed_values(repo, capsys):
    repo.edit(FICHE, ("lon: 1.8719", "lon: 1.8739"), ("id: fs-9001\n", "id: fs-9001\ntype: antenne\n"),
              ("verifie_le: 2026-01-15", "verifie_le: 2026-11-02\nrendez_vous:\n  politique: obligatoire"))
    repo.commit("Guéret : antenne")
    code, lines, _ = review(repo, capsys)
    assert code == 0
    assert lines[6:11] == [
        "- **France services de Guéret** (`content/maisons/23/gueret.md`) : modifiée",
        "  - type modifié : « Site principal » → « Antenne »",
        "  - repère déplacé de 154 m",
        "  - rendez_vous.politique ajouté : « Sur rendez-vous uniquement »",
        "  - verifie_le modifié : « 15/01/2026 » → « 02/11/2026 »",
    ]


def test_exceptions_and_stops_added_and_removed(repo, capsys):
    repo.edit(FICHE, ("verifie_le:", "exceptions:\n  - du: 2026-12-24\n    au: 2027-01-02\n"
                                     "    motif: Congés de fin d'année\n"
                                     "arrets:\n  - lieu: Mairie d'Ajain\n    commune: Ajain\n    jour: jeudi\n"
                                     "    horaires: [14:00-17:00]\nverifie_le:"))
    repo.commit("Guéret : congés et permanence")
    repo.edit(FICHE, ("    au: 2027-01-02\n", ""), ("[14:00-17:00]", "[14:00-16:30]"))
    repo.commit("Guéret : un seul jour de congé, permanence raccourcie")
    code, lines, _ = review(repo, capsys, "main~2", "main~1")
    assert code == 0
    assert lines[6:9] == [
        "- **France services de Guéret** (`content/maisons/23/gueret.md`) : modifiée",
        "  - exception ajoutée : du 24/12/2026 au 02/01/2027, « Congés de fin d'année » (fermé)",
        "  - arrêt ajouté : « Mairie d'Ajain » (Ajain), jeudi 14:00-17:00",
    ]
    code, lines, _ = review(repo, capsys, "main~1", "main")
    assert lines[6:9] == [
        "- **France services de Guéret** (`content/maisons/23/gueret.md`) : modifiée",
        "  - exception « 24/12/2026, Congés de fin d'année », au retiré (était « 02/01/2027 »)",
        "  - arrêt « Mairie d'Ajain, Ajain, jeudi », horaires : 14:00-17:00 → 14:00-16:30",
    ]
    repo.edit(FICHE, ("  - lieu: Mairie d'Ajain\n    commune: Ajain\n    jour: jeudi\n    horaires: [14:00-16:30]\n", ""),
              ("motif: Congés de fin d'année", "motif: Inventaire"))
    repo.commit("Guéret : plus de permanence, un inventaire")
    code, lines, _ = review(repo, capsys)
    assert lines[6:10] == [
        "- **France services de Guéret** (`content/maisons/23/gueret.md`) : modifiée",
        "  - exception retirée : le 24/12/2026, « Congés de fin d'année » (fermé)",
        "  - exception ajoutée : le 24/12/2026, « Inventaire » (fermé)",
        "  - arrêt retiré : « Mairie d'Ajain » (Ajain), jeudi 14:00-16:30",
    ]


def test_fiche_added_removed_renamed_and_moved(repo, capsys):
    repo.write("content/maisons/23/ahun.md", VALID_MAISON.replace("fs-9001", "fs-9002").replace("de Guéret", "d'Ahun"))
    repo.write("content/maisons/23/bourganeuf.md",
               VALID_MAISON.replace("fs-9001", "fs-9003").replace("de Guéret", "de Bourganeuf"))
    repo.commit("Deux fiches de plus")
    repo.git("mv", "content/maisons/23/ahun.md", "content/maisons/23/ahun-bourg.md")
    repo.git("rm", "-q", "content/maisons/23/bourganeuf.md")
    repo.write("content/maisons/23/aubusson.md",
               VALID_MAISON.replace("fs-9001", "fs-9004").replace("de Guéret", "d'Aubusson"))
    repo.commit("Ahun renommée, Bourganeuf fermée, Aubusson ouverte")
    code, lines, _ = review(repo, capsys)
    assert code == 0
    assert lines[0] == "✅ 1 fiche ajoutée, 1 supprimée, 1 renommée, 0 erreur, 0 avertissement"
    assert lines[4:10] == [
        "### Fiches Maison",
        "",
        "- **France services d'Ahun** (`content/maisons/23/ahun-bourg.md`) : renommée "
        "(avant : `content/maisons/23/ahun.md`)",
        "- **France services d'Aubusson** (`content/maisons/23/aubusson.md`) : ajoutée",
        "- **France services de Bourganeuf** (`content/maisons/23/bourganeuf.md`) : supprimée",
        "",
    ]
    (repo.root / "content/maisons/87").mkdir()
    repo.git("mv", "content/maisons/23/ahun-bourg.md", "content/maisons/87/ahun-bourg.md")
    repo.commit("Ahun rangée dans le mauvais département")
    code, lines, _ = review(repo, capsys)
    assert code == 1
    assert lines[0] == "❌ 1 fiche déplacée, 1 erreur, 0 avertissement"
    assert lines[6] == ("- **France services d'Ahun** (`content/maisons/87/ahun-bourg.md`) : déplacée "
                        "(avant : `content/maisons/23/ahun-bourg.md`)")
    assert lines[-1] == ("- ❌ content/maisons/87/ahun-bourg.md:4: departement: la fiche est rangée dans le dossier "
                         "« 87 » mais indique le département « 23 » — Indice : déplacez-la dans "
                         "content/maisons/23/ ou corrigez le département")


def test_body_gaining_links_and_raw_html(repo, capsys):
    repo.edit(FICHE, ("Au rez-de-chaussée de la mairie.\n",
                      "Au rez-de-chaussée de la [mairie](https://mairie-gueret.fr/acces).\n\n"
                      "<iframe src=\"https://pub.exemple\"></iframe>\n\n"
                      "Prenez [rendez-vous](javascript:alert(1)) ou <b>appelez</b>.\n"))
    repo.commit("Guéret : texte")
    _code, lines, _ = review(repo, capsys)
    assert lines[6:12] == [
        "- **France services de Guéret** (`content/maisons/23/gueret.md`) : modifiée",
        "  - texte modifié (+5 lignes, −1 ligne)",
        "  - lien ajouté : « mairie » → `https://mairie-gueret.fr/acces`",
        "  - ⚠️ lien refusé par le portail (seuls http, https, mailto et tel sont acceptés) : "
        "« rendez-vous » → `javascript:alert(1)`",
        "  - ⚠️ HTML brut ajouté (le portail n'en garde que quelques balises simples sans attribut) : "
        "`<iframe src=\"https://pub.exemple\"></iframe>`",
        "  - ⚠️ HTML brut ajouté (le portail n'en garde que quelques balises simples sans attribut) : `<b>`",
    ]


def test_check_error_at_head_exits_one(repo, capsys):
    repo.edit(FICHE, ('mardi: ["09:00-12:00"]', 'mardi: "9h-12h"'))
    repo.commit("Guéret : horaires mal écrits")
    code, lines, _ = review(repo, capsys)
    assert code == 1
    assert lines[0] == "❌ 1 fiche modifiée, 2 erreurs, 0 avertissement"
    assert lines[6:] == [
        "- **France services de Guéret** (`content/maisons/23/gueret.md`) : modifiée",
        "  - mardi : 09:00-12:00 → 9h-12h",
        "",
        "### Vérifications du contenu proposé",
        "",
        "- ❌ content/maisons/23/gueret.md:17: horaires.mardi.1: « 9h-12h » n'est pas un créneau valide — "
        "Indice : écrivez « 09:00-12:00 » (heure de début, tiret, heure de fin)",
        "",
        "Nouveaux problèmes dans des fichiers non modifiés (conséquences de ces modifications) :",
        "",
        "- ❌ content/projets/atelier.md:4: maisons.1: « fs-9001 » est inconnu — Indice : valeurs possibles :",
    ]


def test_removed_maison_breaks_a_project_elsewhere(repo, capsys):
    repo.git("rm", "-q", FICHE)
    repo.commit("Guéret supprimée")
    code, lines, _ = review(repo, capsys)
    assert code == 1
    assert lines[0] == "❌ 1 fiche supprimée, 1 erreur, 0 avertissement"
    assert lines[-5:] == [
        "Aucun problème dans les fichiers modifiés.",
        "",
        "Nouveaux problèmes dans des fichiers non modifiés (conséquences de ces modifications) :",
        "",
        "- ❌ content/projets/atelier.md:4: maisons.1: « fs-9001 » est inconnu — Indice : valeurs possibles :",
    ]


def test_front_matter_unreadable_at_head_is_reported(repo, capsys):
    repo.write(FICHE, "---\nid: [fs-9001\nnom: Guéret\n---\n")
    repo.commit("Guéret abîmée")
    code, lines, err = review(repo, capsys)
    assert (code, err) == (1, "")
    assert lines[6:8] == [
        "- **France services de Guéret** (`content/maisons/23/gueret.md`) : modifiée",
        "  - en-tête illisible à la révision proposée (ligne 3 : YAML illisible (liste entre crochets non refermée : « , » ou « \\] » attendu))",
    ]
    assert lines[11] == ("- ❌ content/maisons/23/gueret.md:3: YAML illisible (liste entre crochets non refermée : « , » ou « \\] » attendu) — "
                         "Indice : vérifiez l'indentation (des espaces, pas de tabulation) et mettez entre guillemets "
                         "les valeurs qui contiennent « : » ou commencent par « - », « \\[ », « { », « & », « * » ou "
                         "« # »")


def test_ressource_projet_and_reference_list(repo, capsys):
    repo.edit("content/ressources/guide.md", ("titre: Guide de l'accueil", "titre: Guide de l'accueil des usagers"),
              ("lien:", "operateurs: [caf]\nlien:"))
    repo.write("content/maisons/23/ahun.md", VALID_MAISON.replace("fs-9001", "fs-9002").replace("de Guéret", "d'Ahun"))
    repo.edit("content/projets/atelier.md", ("maisons: [fs-9001]", "maisons: [fs-9002]"),
              ("statut: en_cours", "statut: termine"))
    repo.edit("content/referentiels/operateurs.yml", ("nom_court: MSA", "nom_court: MSA (agricole)"))
    repo.write("outils/script.py", "print('hors contenu')\n")
    repo.commit("Ressource, projet, référentiel")
    code, lines, _ = review(repo, capsys)
    assert code == 0
    assert lines[0] == "✅ 2 fiches modifiées, 1 ajoutée, 2 autres fichiers, 0 erreur, 0 avertissement"
    assert lines[4:] == [
        "### Fiches Maison",
        "",
        "- **France services d'Ahun** (`content/maisons/23/ahun.md`) : ajoutée",
        "",
        "### Ressources",
        "",
        "- **Guide de l'accueil des usagers** (`content/ressources/guide.md`) : modifiée",
        "  - titre modifié : « Guide de l'accueil » → « Guide de l'accueil des usagers »",
        "  - opérateur CAF ajouté",
        "",
        "### Projets",
        "",
        "- **Atelier numérique de Guéret** (`content/projets/atelier.md`) : modifiée",
        "  - Maison France services de Guéret retirée",
        "  - Maison France services d'Ahun ajoutée",
        "  - statut modifié : « En cours » → « Terminé »",
        "",
        "### Référentiels",
        "",
        "- **operateurs** (`content/referentiels/operateurs.yml`) : modifiée",
        "  - opérateur « Mutualité sociale agricole » (msa), nom_court modifié : « MSA » → « MSA (agricole) »",
        "",
        "### Hors du contenu (code, modèles, configuration)",
        "",
        "- `outils/script.py` : ajouté",
        "",
        "### Vérifications du contenu proposé",
        "",
        "Aucun problème dans les fichiers modifiés.",
    ]


def test_compares_from_where_the_branch_left_the_base(repo, capsys):
    repo.git("checkout", "-q", "-b", "contribution")
    repo.edit(FICHE, ("telephone: 05 55 51 00 00", "telephone: 05 55 51 00 01"))
    repo.commit("Guéret : téléphone")
    repo.git("checkout", "-q", "main")
    repo.edit("content/ressources/guide.md", ("lien: https://exemple.fr/guide", "lien: https://exemple.fr/g"))
    repo.commit("Sur main pendant ce temps")
    code, lines, _ = review(repo, capsys, "main", "contribution")
    assert code == 0
    assert lines[0] == "✅ 1 fiche modifiée, 0 erreur, 0 avertissement"
    assert lines[7] == "  - telephone modifié : « 05 55 51 00 00 » → « 05 55 51 00 01 »"


def test_no_content_change_skips_the_checks(repo, capsys):
    repo.write("README.md", "# Portail\n")
    repo.commit("Documentation")
    code, lines, _ = review(repo, capsys)
    assert code == 0
    assert lines == ["✅ Aucune fiche modifiée, 1 autre fichier, 0 erreur, 0 avertissement", "", header(repo), "",
                     "### Hors du contenu (code, modèles, configuration)", "", "- `README.md` : ajouté"]


@pytest.mark.parametrize("args, message", [
    (("origin/main",), "msap review : la révision de départ « origin/main » est introuvable dans ce dépôt — "
                       "Indice : vérifiez le nom : « git branch -a » liste les branches, « git log --oneline » les "
                       "commits ; une branche distante s'écrit « origin/main » et doit avoir été récupérée "
                       "(« git fetch »)"),
    (("main", "main~5"), "msap review : la révision proposée « main~5 » est introuvable dans ce dépôt — "
                         "Indice : vérifiez le nom : « git branch -a » liste les branches, « git log --oneline » les "
                         "commits ; une branche distante s'écrit « origin/main » et doit avoir été récupérée "
                         "(« git fetch »)"),
])
def test_bad_revision_exits_two_in_french(repo, capsys, args, message):
    code, lines, err = review(repo, capsys, *args)
    assert (code, lines) == (2, [])
    assert err.splitlines() == [message]
    assert "Traceback" not in err


def test_outside_a_repository_exits_two(project, capsys):
    code, out, err = project.msap("review", "main", capsys=capsys)
    assert (code, out) == (2, "")
    assert err == (f"msap review : le dossier {project.root} n'est pas dans un dépôt Git — Indice : lancez la "
                   "commande depuis un clone du dépôt du portail, ou indiquez-le avec --root\n")


def test_shallow_clone_hint(repo, capsys, tmp_path):
    repo.edit(FICHE, ("telephone: 05 55 51 00 00", "telephone: 05 55 51 00 01"))
    repo.commit("Guéret : téléphone")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.root}", str(clone)], check=True)
    from generator.cli import main
    code = main(["--root", str(clone), "review", "main~1"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.endswith("GitHub Actions : « fetch-depth: 0 » ; GitLab CI : « GIT_DEPTH: 0 »)\n")


class Extension(BaseModel):
    """A model as it might grow: the summary needs no change to cover a new field."""

    nom: str = Field(description="Nom.")
    reseaux: str | None = Field(None, description="Page de la Maison sur les réseaux sociaux.")
    histoire: str | None = Field(None, description="Histoire de la Maison, en quelques paragraphes.")


def test_a_new_field_is_covered_by_the_generic_reading():
    long_text = "Ouverte en 2016 dans l'ancienne perception, " * 3
    lines = diff_model(Extension, {"nom": "Guéret", "histoire": "Ouverte en 2016."},
                       {"nom": "Guéret", "reseaux": "https://social.exemple/gueret", "histoire": long_text}, Labels())
    assert lines == ["reseaux ajouté : « https://social.exemple/gueret »",
                     "histoire modifié (Histoire de la Maison, en quelques paragraphes)"]


def test_same_maison_rewritten_and_renamed_is_a_rename(repo, capsys):
    repo.git("rm", "-q", FICHE)
    rewritten = VALID_MAISON.replace("France services de Guéret", "Maison France services du Pays de Guéret")
    for old, new in (("05 55 51 00 00", "05 55 52 10 10"), ("gueret@", "pays-gueret@"), ("[caf, msa]", "[msa]"),
                     ('["09:00-12:00", "13:30-17:00"]', '["08:30-12:00"]'), ("1 place Bonnyaud", "3 rue Maurice Rollinat"),
                     ("Au rez-de-chaussée de la mairie.", "Au premier étage du centre social.")):
        rewritten = rewritten.replace(old, new)
    repo.write("content/maisons/23/pays-de-gueret.md", rewritten)
    repo.commit("Guéret devient Pays de Guéret")
    code, lines, _ = review(repo, capsys)
    assert code == 0
    assert lines[0] == "✅ 1 fiche renommée, 0 erreur, 0 avertissement"
    assert lines[6:9] == [
        "- **Maison France services du Pays de Guéret** (`content/maisons/23/pays-de-gueret.md`) : renommée "
        "(avant : `content/maisons/23/gueret.md`)",
        "  - nom modifié : « France services de Guéret » → « Maison France services du Pays de Guéret »",
        "  - adresse.voie modifié : « 1 place Bonnyaud » → « 3 rue Maurice Rollinat »",
    ]


def test_the_example_of_the_documentation_is_current(tmp_path, capsys):
    """docs/contributions.md shows a real summary: the same changes, made here, give the same lines."""
    repo = GitProject(tmp_path / "portail")
    repo.write(FICHE, VALID_MAISON)
    repo.write("content/projets/atelier.md", PROJET)
    repo.commit("Contenu de départ")
    repo.git("checkout", "-q", "-b", "gueret-horaires")
    repo.edit(FICHE, ('mardi: ["09:00-12:00"]', 'mardi: ["09:00-12:30"]'), ("lat: 46.1713", "lat: 46.2000"),
              ("operateurs: [caf, msa]", "operateurs: [msa]"), ("courriel: gueret@", "courriel: accueil@"),
              ("verifie_le:", "exceptions:\n  - du: 2026-12-24\n    au: 2027-01-02\n    motif: Congés de fin d'année\n"
                              "verifie_le:"),
              ("Au rez-de-chaussée de la mairie.\n",
               "Au rez-de-chaussée de la [mairie](https://www.gueret.fr/mairie).\n\n<b>Parking</b> gratuit.\n"))
    repo.write("content/maisons/23/ahun.md", VALID_MAISON.replace("fs-9001", "fs-9002").replace("de Guéret", "d'Ahun")
               .replace('"23096"', '"23001"').replace("  commune: Guéret", "  commune: Ahun"))
    repo.edit("content/projets/atelier.md", ("maisons: [fs-9001]", "maisons: [fs-9001, fs-9002]"),
              ("statut: en_cours", "statut: termine"))
    repo.commit("Guéret : horaires ; Ahun")
    code, lines, _ = review(repo, capsys, "main", "gueret-horaires")
    assert code == 0
    doc = (Path(__file__).resolve().parent.parent / "docs" / "contributions.md").read_text(encoding="utf-8")
    shown = doc.split("$ msap review main gueret-horaires\n", 1)[1].split("```", 1)[0].splitlines()
    assert [line for line in shown if not line.startswith("Modifications de")] == \
        [line for line in lines if not line.startswith("Modifications de")]
