"""What changed in the Markdown text under a front matter: size, new links, raw HTML.

A reviewer must see every new link with its real target (the text of a link
can say anything), and any raw HTML (the portal removes it, so it is either a
mistake or an attempt). The body is parsed the way CommonMark reads
it, links of every scheme kept, so that a ``javascript:`` target is listed
and flagged rather than silently dropped.
"""
from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass

from markdown_it import MarkdownIt

from ..content.sanitiser import link_allowed
from .diff import md

SNIPPET = 80


@dataclass(frozen=True)
class Link:
    text: str
    target: str
    image: bool = False


def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": True, "linkify": False})
    parser.enable("table").enable("strikethrough")
    parser.validateLink = lambda url: True  # list every target, even those the portal refuses
    parser.normalizeLink = lambda url: url  # show the target as written
    return parser


_PARSER = _parser()


def scan(body: str) -> tuple[list[Link], list[str]]:
    """Links (and images) of a body, and its raw HTML snippets."""
    links, html = [], []
    for token in _PARSER.parse(body or ""):
        if token.type == "html_block":
            html.append(token.content.strip())
        for i, child in enumerate(token.children or []):
            if child.type == "link_open":
                text = []
                for after in token.children[i + 1:]:
                    if after.type == "link_close":
                        break
                    text.append(after.content)
                links.append(Link("".join(text), str(child.attrs.get("href", ""))))
            elif child.type == "image":
                links.append(Link(child.content, str(child.attrs.get("src", "")), image=True))
            elif child.type == "html_inline" and not child.content.startswith("</"):  # the opening tag says it
                html.append(child.content)
    return links, html


def code(value: str) -> str:
    """An inline code span: contributed text shown literally, never as a link or HTML."""
    text = " ".join(value.split())
    if len(text) > SNIPPET:
        text = text[:SNIPPET - 1] + "…"
    fence = "``" if "`" in text else "`"
    return f"{fence} {text} {fence}" if fence == "``" else f"`{text}`"


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n > 1 else ''}"


def body_lines(old: str | None, new: str, added: bool = False) -> list[str]:
    """Lines for a body: « texte modifié (+2 lignes, −1 ligne) », then each new link and HTML snippet."""
    old = old or ""
    lines = []
    if old != new and not added:
        plus = minus = 0
        for line in difflib.ndiff(old.splitlines(), new.splitlines()):
            plus += line.startswith("+ ")
            minus += line.startswith("- ")
        what = "texte ajouté" if not old.strip() else "texte retiré" if not new.strip() else "texte modifié"
        lines.append(f"{what} (+{_count(plus, 'ligne')}, −{_count(minus, 'ligne')})")
    old_links, old_html = scan(old)
    new_links, new_html = scan(new)
    for link in (Counter(new_links) - Counter(old_links)).elements():
        where = code(link.target) if link.target else "(cible vide)"
        if link.image:
            lines.append(f"image ajoutée (le portail ne l'affiche pas) : « {md(link.text)} » → {where}")
        elif not link_allowed(link.target):
            lines.append(f"⚠️ lien refusé par le portail (seuls http, https, mailto et tel sont acceptés) : "
                         f"« {md(link.text)} » → {where}")
        else:
            lines.append(f"lien ajouté : « {md(link.text)} » → {where}")
    for snippet in (Counter(new_html) - Counter(old_html)).elements():
        lines.append(f"⚠️ HTML brut ajouté (le portail n'en garde que quelques balises simples sans attribut) : {code(snippet)}")
    return lines
