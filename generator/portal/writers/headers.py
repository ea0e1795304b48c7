"""The HTTP headers the published portal should be served with, shipped with it as ``_headers``.

A static site cannot send headers itself: the web host does. The build writes them in the ``_headers`` format
(Netlify, Cloudflare Pages and several other hosts read it as it is), ``msap serve`` and the browser tests
serve the site with them, and docs/hebergement.md gives the same rules for nginx and Caddy.

The portal runs no inline script (mkdocs-material's two inline scripts are served as files,
``theme/partials/javascripts/``): ``script-src 'self'`` holds, plus ``'wasm-unsafe-eval'`` for Pagefind's
WebAssembly. Images may come from the map tiles' host (``carte_tuiles``), nothing else from another site.

Hosts combine rules differently when several match a path (Netlify keeps the later value of a header,
Cloudflare Pages joins them with commas): no header is therefore set by two rules that match the same path,
except the embeddable map, whose rule repeats the whole policy with ``frame-ancestors *`` — correct either way
(a browser ignores ``X-Frame-Options`` when ``frame-ancestors`` is present).
"""
from __future__ import annotations

import os
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from .admin import LOCAL_URL_ENV
from ...config import Config
from .. import urls

FILE = "_headers"

#: the same for every file
COMMON = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), payment=(), usb=(), geolocation=(self)",
}


@dataclass(frozen=True)
class Rule:
    pattern: str  # « /maisons/* », « / »
    headers: tuple[tuple[str, str], ...]

    def matches(self, path: str) -> bool:
        if self.pattern.endswith("*"):
            return path.startswith(self.pattern[:-1])
        return path == self.pattern


def origin(template: str) -> str:
    """« https://data.geopf.fr » of a tile address; "" for none."""
    parts = urllib.parse.urlsplit(template)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""


def portal_policy(config: Config, framing: str | None = None) -> str:
    tiles = origin(config.carte_tuiles)
    directives = [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",  # style attributes: the pins of the département maps
        "img-src 'self' data:" + (f" {tiles}" if tiles else ""),
        "connect-src 'self'",
        "frame-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ]
    if framing:
        directives.append(f"frame-ancestors {framing}")
    return "; ".join(directives)


#: the origin the agents' editor talks to, per forge (config: cms_backend)
FORGES = {"github": "https://api.github.com", "gitlab": "https://gitlab.com"}


def admin_policy(config: Config) -> str:
    """Decap CMS: it compiles its configuration's schema at run time (ajv: « unsafe-eval », measured: « Error
    loading the CMS configuration » without it), injects its styles, talks to the forge (and to decap-server,
    locally). The agents' editor only: the public pages keep the strict policy."""
    talks = ["'self'", "http://localhost:8081", "http://127.0.0.1:8081"]  # decap-server's default address
    local = os.environ.get(LOCAL_URL_ENV, "")  # msap cms: decap-server on the port it was given
    for extra in (origin(local), FORGES.get(config.cms_backend, ""), origin(config.cms_auth_url or "")):
        if extra:
            talks.append(extra)
    tiles = origin(config.carte_tuiles)
    return "; ".join([
        "default-src 'self'",
        "script-src 'self' 'unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:" + (f" {tiles}" if tiles else ""),
        "connect-src " + " ".join(dict.fromkeys(talks)),
        "frame-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def rules(config: Config, site: Path) -> list[Rule]:
    """The rules for the site written in ``site``: one per top-level folder and page (never two setting the
    same header for a path, but the embeddable map)."""
    out = [Rule("/*", tuple(COMMON.items()))]
    page = (("Content-Security-Policy", portal_policy(config)), ("X-Frame-Options", "SAMEORIGIN"))
    admin = urls.ADMIN.strip("/")
    for entry in sorted(site.iterdir(), key=lambda p: p.name):
        if entry.name.startswith(".") or entry.name == admin:
            continue
        if entry.is_dir():
            out.append(Rule(f"/{entry.name}/*", page))
        elif entry.suffix == ".html":
            out.append(Rule(f"/{entry.name}", page))
            if entry.name == "index.html":
                out.append(Rule("/", page))
    out.append(Rule(f"/{admin}/*", (("Content-Security-Policy", admin_policy(config)),
                                    ("X-Frame-Options", "DENY"))))
    out.append(Rule("/" + urls.INTEGRER + "*",
                    (("Content-Security-Policy", portal_policy(config, framing="*")),)))
    return out


def render(rules_: list[Rule]) -> str:
    lines = ["# En-têtes HTTP du portail (format _headers : Netlify, Cloudflare Pages…), écrits par msap build.",
             "# Pour nginx ou Caddy : docs/hebergement.md."]
    for rule in rules_:
        lines.append(rule.pattern)
        lines += [f"  {name}: {value}" for name, value in rule.headers]
    return "\n".join(lines) + "\n"


def parse(text: str) -> list[Rule]:
    """Rules from a ``_headers`` file (what msap serve and the tests apply)."""
    out: list[Rule] = []
    pattern, headers = None, []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            if pattern is not None:
                out.append(Rule(pattern, tuple(headers)))
            pattern, headers = line.strip(), []
        else:
            name, _, value = line.strip().partition(":")
            headers.append((name.strip(), value.strip()))
    if pattern is not None:
        out.append(Rule(pattern, tuple(headers)))
    return out


def for_path(rules_: list[Rule], path: str) -> dict[str, str]:
    """The headers of a request path, every matching rule applied; a header set by two rules keeps the later
    value (Netlify's way; the rules never rely on either way, see the module docstring)."""
    found: dict[str, str] = {}
    path = urllib.parse.unquote(path.split("?", 1)[0].split("#", 1)[0]) or "/"
    for rule in rules_:
        if rule.matches(path):
            found.update(rule.headers)
    return found


def write(config: Config, site: Path) -> None:
    (site / FILE).write_text(render(rules(config, site)), encoding="utf-8")


def nginx(config: Config) -> str:
    """The same headers for nginx (docs/hebergement.md): ``add_header`` in each location."""
    common = "".join(f'    add_header {k} "{v}" always;\n' for k, v in COMMON.items())

    def block(location: str, extra: list[tuple[str, str]]) -> str:
        lines = "".join(f'    add_header {k} "{v}" always;\n' for k, v in extra)
        return f"location {location} {{\n{common}{lines}}}\n"
    page = [("Content-Security-Policy", portal_policy(config)), ("X-Frame-Options", "SAMEORIGIN")]
    return (block("/", page) +
            block(f"/{urls.ADMIN}", [("Content-Security-Policy", admin_policy(config)), ("X-Frame-Options", "DENY")]) +
            block(f"/{urls.INTEGRER}", [("Content-Security-Policy", portal_policy(config, framing="*"))]))


def caddy(config: Config) -> str:
    def headers(pairs: list[tuple[str, str]]) -> str:
        return "".join(f'        {k} "{v}"\n' for k, v in pairs)
    common = list(COMMON.items())
    return ("header {\n" + headers(common).replace("        ", "    ") + "}\n"
            f"@admin path /{urls.ADMIN}*\n"
            f"@carte path /{urls.INTEGRER}*\n"
            "@portail not path " + f"/{urls.ADMIN}* /{urls.INTEGRER}*\n"
            "header @portail {\n" + headers([("Content-Security-Policy", portal_policy(config)),
                                             ("X-Frame-Options", "SAMEORIGIN")]).replace("        ", "    ") + "}\n"
            "header @admin {\n" + headers([("Content-Security-Policy", admin_policy(config)),
                                           ("X-Frame-Options", "DENY")]).replace("        ", "    ") + "}\n"
            "header @carte {\n" + headers([("Content-Security-Policy", portal_policy(config, framing="*"))]
                                          ).replace("        ", "    ") + "}\n")




def documentation(config: Config) -> str:
    """docs/hebergement.md: what the web host must send, for the hosts that read ``_headers`` and for nginx and
    Caddy (generated by msap schema with the default configuration)."""
    return "\n".join([
        "# Héberger le portail : les en-têtes HTTP",
        "",
        "Document généré par `msap schema` depuis `generator/portal/writers/headers.py` : ne pas le modifier à la main.",
        "",
        "Le portail est un dossier de fichiers (`_site/`) ; c'est le serveur web qui envoie les en-têtes HTTP. "
        "`msap build` les écrit dans `_site/_headers`, un format que Netlify, Cloudflare Pages et d'autres "
        "hébergeurs lisent tel quel ; `msap serve` et les tests dans le navigateur servent le portail avec eux.",
        "",
        "- **Content-Security-Policy** : aucun script en ligne (les deux de mkdocs-material sont servis en "
        "fichiers), seulement ceux du portail (`script-src 'self'`, plus `'wasm-unsafe-eval'` pour le "
        "WebAssembly de la recherche Pagefind) ; les images peuvent venir du serveur de tuiles du fond de carte "
        "(`carte_tuiles`), rien d'autre d'un autre site ; `style-src` permet les attributs `style` (la position "
        "des repères sur les cartes des départements).",
        "- **La carte à intégrer** (`/maisons/carte/integrer/`) peut être affichée dans une page d'un autre site "
        "(`frame-ancestors *`) ; toute autre page seulement par le portail lui-même (`X-Frame-Options: "
        "SAMEORIGIN`), l'éditeur `/admin/` par personne (`DENY`).",
        "- **L'éditeur en ligne** (`/admin/`, Decap CMS) a sa propre politique : Decap compile le schéma de sa "
        "configuration à l'exécution (`'unsafe-eval'`), injecte ses styles et parle à la forge "
        "(`cms_backend`).",
        "- Partout : `X-Content-Type-Options: nosniff`, `Referrer-Policy: strict-origin-when-cross-origin`, "
        "`Permissions-Policy` (la géolocalisation, pour « Près de chez moi », seulement pour le portail).",
        "",
        "Les valeurs ci-dessous sont celles de la configuration par défaut (`mkdocs.yml`) ; le fichier "
        "`_site/_headers` d'une construction donne celles de la vôtre (le serveur de tuiles en dépend).",
        "",
        "## nginx",
        "",
        "```nginx",
        nginx(config).rstrip("\n"),
        "```",
        "",
        "## Caddy",
        "",
        "```caddy",
        caddy(config).rstrip("\n"),
        "```",
        "",
        "L'API de la fréquentation envoie elle-même ses en-têtes (`frequentation/guard.py`).",
        "",
    ])
