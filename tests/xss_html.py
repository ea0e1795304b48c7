"""The checker of built HTML for tests/test_xss.py: every way a page could run script that is not the portal's.

html.parser (the standard library's) reads the pages: neither html5lib nor lxml is installed. A rougher reading
of the raw text backs it up, so that a parser differential (a tag html.parser would miss) still shows.
"""
from __future__ import annotations

import json
import posixpath
import re
from html.parser import HTMLParser
from pathlib import Path

URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "codebase",
             "cite", "srcset", "lowsrc", "dynsrc", "ping", "manifest", "longdesc", "classid", "archive"}
FORBIDDEN_TAGS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "portal"}
BAD_SCHEME = re.compile(r"^(?:javascript|vbscript|livescript|data):")
BAD_STYLE = re.compile(r"expression\(|javascript:|vbscript:|-moz-binding|behavior:|@import")
LOADERS = {"script": "src", "img": "src", "link": "href", "source": "src", "video": "src", "audio": "src"}
FORM_ATTRS = {"class", "id", "action", "method", "role", "aria-label"}
CLOBBERING = {"img", "form", "embed", "object", "iframe", "frameset", "image"}  # document.<name> becomes them
OWN_SCRIPTS = ("assets/", "admin/")  # the theme's, the portal's and vendored scripts; the web editor's own


def squash(value: str) -> str:
    """An attribute value as a browser reads a URL: no whitespace nor control character, lower case."""
    return re.sub(r"[\x00-\x20\x7f]+", "", value).lower()


def normalise_script(text: str) -> str:
    """The theme's inline scripts differ from page to page only by their relative paths."""
    return re.sub(r'"(?:\.{1,2}|/)+"', '""', text.strip())


class Scanner(HTMLParser):
    """Collects every way a page could run script that is not the portal's own."""

    def __init__(self, page: str, own_scripts: set[str], site: Path | None):
        super().__init__(convert_charrefs=True)
        self.page, self.own, self.site = page, own_scripts, site
        self.problems: list[str] = []
        self.scripts = 0
        self.script: tuple[dict, list[str]] | None = None
        self.style: list[str] | None = None
        self.ids: set[str] = set()

    def bad(self, what: str) -> None:
        self.problems.append(f"{self.page}: {what[:200]}")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style"):
            self.handle_endtag(tag)

    def handle_starttag(self, tag, attrs):
        attrs_ = {k: v or "" for k, v in attrs}
        raw = self.get_starttag_text() or tag
        if tag in FORBIDDEN_TAGS:
            self.bad(f"balise interdite {raw}")
        for name, value in attrs_.items():
            url = squash(value)
            if name.startswith("on"):
                self.bad(f"gestionnaire d'événement {name} dans {raw}")
            elif name == "srcdoc":
                self.bad(f"srcdoc dans {raw}")
            elif name in URL_ATTRS and BAD_SCHEME.match(url):
                self.bad(f"{name} exécutable dans {raw}")
            elif name in ("values", "to", "from", "by") and re.search(r"(?:javascript|vbscript|data):", url):
                self.bad(f"animation vers une URL exécutable dans {raw}")
            elif name == "style" and BAD_STYLE.search(url):
                self.bad(f"style dangereux dans {raw}")
        ident = attrs_.get("id")
        if ident is not None:  # DOM clobbering: a second element with an id the portal's scripts look up
            if ident in self.ids:
                self.bad(f"identifiant en double « {ident} » dans {raw}")
            self.ids.add(ident)
        if "name" in attrs_ and tag in CLOBBERING:
            self.bad(f"name sur <{tag}> (masque une propriété de document) dans {raw}")
        if tag == "meta" and "http-equiv" in attrs_:
            self.bad(f"meta http-equiv dans {raw}")
        if tag == "form" and (set(attrs_) - FORM_ATTRS or not self._own_form(attrs_.get("action"))):
            self.bad(f"formulaire étranger {raw}")
        if tag == "link" and "import" in attrs_.get("rel", "").lower():
            self.bad(f"import HTML {raw}")
        loaded = attrs_.get(LOADERS.get(tag, ""), "")
        if loaded and re.match(r"(?:[a-z][a-z0-9+.-]*:|//|\\)", squash(loaded)) and attrs_.get("rel") != "canonical":
            self.bad(f"ressource chargée d'ailleurs {raw}")
        if tag == "script":
            self.scripts += 1
            self.script = (attrs_, [])
        elif tag == "style":
            self.style = []

    @staticmethod
    def _own_form(action: str | None) -> bool:
        return action is None or (":" not in action and not action.startswith("//") and action.endswith("recherche/"))

    def handle_data(self, data):
        if self.script is not None:
            self.script[1].append(data)
        elif self.style is not None:
            self.style.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self.script is not None:
            self._check_script(*self.script)
            self.script = None
        elif tag == "style" and self.style is not None:
            if BAD_STYLE.search(squash("".join(self.style))):
                self.bad("feuille de style dangereuse")
            self.style = None

    def _check_script(self, attrs: dict, parts: list[str]) -> None:
        text, kind = "".join(parts), attrs.get("type", "").lower()
        if "src" in attrs:
            src = attrs["src"]  # 404.html has root-relative links (the test site lives at the root)
            target = posixpath.normpath(src[1:] if src.startswith("/") else
                                        posixpath.join(posixpath.dirname(self.page), src))
            if text.strip() or ":" in src or src.startswith("//") or not target.startswith(OWN_SCRIPTS):
                self.bad(f"script étranger src={src!r}")
            elif self.site is not None and not (self.site / target).is_file():
                self.bad(f"script introuvable {target}")
        elif kind in ("application/ld+json", "application/json"):
            if "</" in text or "<!--" in text:
                self.bad(f"JSON d'un <script> qui peut s'échapper : {text[:80]!r}")
            try:
                json.loads(text)
            except ValueError:
                self.bad(f"JSON d'un <script> illisible : {text[:80]!r}")
        elif normalise_script(text) not in self.own:
            self.bad(f"script en ligne étranger : {text[:80]!r}")


def scan(html: str, page: str = "page.html", own_scripts: set[str] = frozenset(), site: Path | None = None):
    scanner = Scanner(page, set(own_scripts), site)
    scanner.feed(html)
    scanner.close()
    problems = scanner.problems
    # The same page read by a rougher eye: a parser differential would show here.
    if len(re.findall(r"<script[\s/>]", html, re.I)) != scanner.scripts:
        problems.append(f"{page}: des <script> que l'analyseur n'a pas vus")
    if re.search(r"<(?:iframe|frame|object|embed|applet|base)[\s/>]", html, re.I):
        problems.append(f"{page}: balise interdite (lecture brute)")
    return problems


class Texts(HTMLParser):
    """The text of the <h1> and the JSON-LD of a page, and the portal's own inline scripts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.h1, self.jsonld, self.inline, self._in = [], [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "h1" or (tag == "script" and "src" not in attrs):
            self._in = (tag, attrs.get("type"), [])

    def handle_data(self, data):
        if self._in:
            self._in[2].append(data)

    def handle_endtag(self, tag):
        if self._in and tag == self._in[0]:
            text = "".join(self._in[2])
            if tag == "h1":
                self.h1.append(text)
            elif self._in[1] == "application/ld+json":
                self.jsonld.append(json.loads(text))
            elif self._in[1] is None:
                self.inline.append(normalise_script(text))
            self._in = None


def texts(path: Path) -> Texts:
    parser = Texts()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser
