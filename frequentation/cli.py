"""`msap api …`: serve the API, create and revoke tokens, fill the embedded base with demonstration visits.
Failures end in a French message with a hint and exit code 2, never a traceback."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from generator.diagnostics import shown


def add_parser(sub) -> None:
    api = sub.add_parser("api", help="l'API de la fréquentation : servir, jetons, données de démonstration")
    cmds = api.add_subparsers(dest="api_command", required=True, metavar="action")
    p = cmds.add_parser("serve", help="servir l'API et le formulaire de saisie (migrations appliquées au départ)")
    p.add_argument("--port", type=int, default=8001, help="port d'écoute (défaut : 8001)")
    p.add_argument("--host", default="127.0.0.1", help="adresse d'écoute (défaut : 127.0.0.1, cette machine seule)")
    token = cmds.add_parser("token", help="créer, lister ou révoquer des jetons")
    tcmds = token.add_subparsers(dest="token_command", required=True, metavar="action")
    p = tcmds.add_parser("create", help="créer un jeton (affiché une seule fois)")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--maison", help="identifiant de la Maison (jeton d'agent)")
    who.add_argument("--relecteur", action="store_true", help="jeton de relecture des agrégats")
    p.add_argument("--departement", help="avec --relecteur : limiter au département (défaut : la France entière)")
    p.add_argument("--libelle", default="", help="à qui il est remis, pour s'y retrouver")
    tcmds.add_parser("list", help="lister les jetons (jamais leur valeur)")
    p = tcmds.add_parser("revoke", help="révoquer un jeton")
    p.add_argument("numero", type=int, help="numéro du jeton (msap api token list)")
    p = cmds.add_parser("demo", help="remplir la base de visites synthétiques marquées « démonstration »")
    p.add_argument("--visites", type=int, default=200_000, help="nombre de visites (défaut : 200 000)")
    p.add_argument("--mois", type=int, default=12, help="sur combien de mois, jusqu'à aujourd'hui (défaut : 12)")
    p.add_argument("--graine", type=int, default=2016, help="graine du hasard (mêmes données à chaque fois)")
    p = cmds.add_parser("bench", help="mesurer l'API : visites/s enregistrées, agrégats nationaux, export (SQLite)")
    p.add_argument("--visites", type=int, default=10_000_000,
                   help="taille de la base pour les agrégats et l'export (défaut : 10 000 000)")


def run(root: Path, args: argparse.Namespace) -> int:
    from .db import DatabaseError, engine_for, migrate
    from .settings import Settings, SettingsError

    try:
        settings = Settings.from_env(root)
        engine = engine_for(settings.url, settings.delai_requete if args.api_command == "serve" else None)
        if args.api_command == "serve":
            return serve(settings, engine, args.host, args.port)
        if args.api_command == "bench":
            from .bench import run as bench
            return bench(root, args.visites)
        migrate(engine)
        if args.api_command == "token":
            return tokens(root, engine, args)
        if args.api_command == "demo":
            from .demo import fill
            from .referentiel import Reseau

            count = fill(engine, Reseau.load(root), args.visites, args.mois, args.graine)
            print(f"{count} visites de démonstration enregistrées dans {_where(settings)}.")
            return 0
    except (SettingsError, DatabaseError) as exc:
        print(f"msap api : {exc}", file=sys.stderr)
        return 2
    return 2  # pragma: no cover - argparse refuses unknown actions


def _where(settings) -> str:
    return settings.url.split("@")[-1] if "@" in settings.url else settings.url.replace("sqlite:///", "")


def serve(settings, engine, host: str, port: int) -> int:
    import uvicorn

    from .app import create_app

    app = create_app(settings, engine=engine)
    print(f"API de la fréquentation sur http://{host}:{port}/api/v1/ (formulaire : http://{host}:{port}/saisie/), "
          f"base : {_where(settings)}", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
    return 0


def _departement_problem(root: Path, code: str | None) -> str:
    """Why a reviewer token's département is refused (a scope that matches nothing), or ""."""
    if code is None:
        return ""
    from generator.content.geo import Geo

    try:
        known = Geo(root / "data" / "geo").departements
    except (OSError, ValueError) as exc:
        return (f"la liste des départements (data/geo/departements.json) est illisible ({exc}) — Indice : lancez "
                "la commande depuis la racine du projet, ou indiquez-la avec --root")
    if code in known:
        return ""
    return (f"département « {shown(code)} » inconnu : le jeton ne donnerait accès à rien — Indice : le code du "
            "département, par exemple « 23 », « 2A » ou « 974 » (sans --departement : la France entière)")


def tokens(root: Path, engine, args) -> int:
    from . import auth
    from .referentiel import Reseau

    if args.token_command == "create":
        if shown(args.libelle) != args.libelle or len(args.libelle) > 200:
            print("msap api : le libellé du jeton doit tenir sur une ligne, en 200 caractères au plus — Indice : "
                  "par exemple « Maison de Guéret, accueil »", file=sys.stderr)
            return 2
        if args.maison:
            reseau = Reseau.load(root)
            if args.maison not in reseau.maisons:
                print(f"msap api : Maison inconnue « {args.maison} » — Indice : l'identifiant est le champ « id » "
                      "de la fiche (content/maisons/…)", file=sys.stderr)
                return 2
            number, token = auth.create(engine, "agent", maison=args.maison, libelle=args.libelle)
        else:
            problem = _departement_problem(root, args.departement)
            if problem:
                print(f"msap api : {problem}", file=sys.stderr)
                return 2
            number, token = auth.create(engine, "relecteur", departement=args.departement, libelle=args.libelle)
        print(token)
        print(f"Jeton n° {number} créé. Il ne sera plus jamais affiché : remettez-le maintenant.", file=sys.stderr)
        return 0
    if args.token_command == "list":
        for row in auth.every(engine):
            scope = row["maison"] or (f"relecteur {row['departement']}" if row["departement"] else "relecteur national")
            state = f"révoqué le {row['revoque_le']:%d/%m/%Y}" if row["revoque_le"] else "actif"
            print(shown(f"{row['id']:>5}  {scope:<30} {state:<22} {row['libelle']}"))
        return 0
    if auth.revoke(engine, args.numero):
        print(f"Jeton n° {args.numero} révoqué.")
        return 0
    print(f"msap api : aucun jeton actif n° {args.numero} — Indice : msap api token list", file=sys.stderr)
    return 2
