"""The page shell: the theme's header, tabs and footer around a generated page.

mkdocs-material renders one placeholder page per section (``theme/gabarit.html``);
:class:`Shell` rebases its relative links so the same shell serves a page at any
depth, then each page fills the ``@@MSAP_…@@`` markers. Rendering the theme once
per section instead of once per page is what keeps a 10,000-fiche build in seconds.
"""
from __future__ import annotations

import hashlib
import posixpath
import re
from html import escape

from .. import urls
from ...diagnostics import CommandError

MARKERS = ("@@MSAP_META@@", "@@MSAP_TITRE@@", "@@MSAP_CONTENU@@", "@@MSAP_SCRIPTS@@")
_ROOT = "\x00ROOT\x00"
_ATTR = re.compile(r'\b(href|src|action)="([^"]*)"')
_CONFIG_BASE = re.compile(r'("(?:base|search)": ")([^"]*)(")')
_SCOPE = re.compile(r'(new URL\(")([^"]*)(",location\))')


class ShellError(CommandError):
    pass


def _is_relative(url: str) -> bool:
    return not (url.startswith(("#", "/", "data:", "mailto:", "tel:")) or ":" in url.split("/", 1)[0])


class Shell:
    """One section's shell, rendered at ``source_path`` (e.g. ``maisons/``)."""

    def __init__(self, html: str, source_path: str):
        missing = [m for m in MARKERS if m not in html]
        if missing:
            raise ShellError(f"le gabarit {source_path or 'accueil'} ne contient pas {', '.join(missing)} — "
                             "Indice : les pages de pages/ servant de gabarit doivent utiliser « template: gabarit.html »")
        base = "/" + source_path

        def rebase(url: str) -> str:
            if not _is_relative(url):
                return url
            path, _, fragment = url.partition("#")
            resolved = posixpath.normpath(posixpath.join(base, path or "."))
            if path.endswith("/") or path in ("", ".", "..") or resolved == "/":
                resolved = resolved.rstrip("/") + "/"
            out = _ROOT + resolved.lstrip("/")
            return out + ("#" + fragment if fragment else "")

        html = _ATTR.sub(lambda m: f'{m[1]}="{rebase(m[2])}"', html)
        html = _CONFIG_BASE.sub(lambda m: m[1] + rebase(m[2]) + m[3], html)
        html = _SCOPE.sub(lambda m: m[1] + rebase(m[2]) + m[3], html)
        self._by_depth: dict[int, list[str]] = {}
        self._template = html
        #: what the page manifest keys on (generator/portal/engines/manifest.py)
        self.fingerprint = hashlib.blake2b(html.encode('utf-8'), digest_size=16).hexdigest()

    def _parts(self, depth: int) -> list[str]:
        parts = self._by_depth.get(depth)
        if parts is None:
            prefix = "../" * depth
            html = self._template.replace(_ROOT + '"', (prefix or "./") + '"').replace(_ROOT, prefix)
            parts = self._by_depth[depth] = re.split(r"(@@MSAP_[A-Z]+@@)", html)
        return parts

    def fill(self, path: str, title: str, content: str, meta: str = "", scripts: str = "") -> str:
        """The whole HTML page for ``path``; ``title`` is plain text, the others HTML."""
        # '"' escaped too: the theme may one day put the title in an attribute (og:title); "'" stays readable.
        values = {"@@MSAP_META@@": meta, "@@MSAP_TITRE@@": escape(title, quote=False).replace('"', "&quot;"),
                  "@@MSAP_CONTENU@@": content, "@@MSAP_SCRIPTS@@": scripts}
        return "".join(values.get(p, p) for p in self._parts(urls.depth(path)))
