"""Markdown bodies of fiches, resources and projects, rendered safely.

Contributed content is untrusted: raw HTML is shown as text, never interpreted;
links may only point to http(s), mailto, tel or a relative page; images are not
rendered (the portal loads nothing from other hosts), their text and link stay.
Headings move one level down, the page's own title being the only ``<h1>``.
"""
from __future__ import annotations

import re

from markdown_it import MarkdownIt

_ALLOWED = re.compile(r"^(?:https?:|mailto:|tel:|[^:]*$)", re.IGNORECASE)


def _validate_link(url: str) -> bool:
    url = url.strip()
    # A relative link must not smuggle a scheme through entities or control characters.
    return bool(_ALLOWED.match(url)) and not any(ord(c) < 32 for c in url)


def _make() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table").enable("strikethrough")
    md.disable("image")
    md.validateLink = _validate_link

    def heading_open(self, tokens, idx, options, env):
        token = tokens[idx]
        level = min(int(token.tag[1]) + 1, 6)
        return f"<h{level}>"

    def heading_close(self, tokens, idx, options, env):
        level = min(int(tokens[idx].tag[1]) + 1, 6)
        return f"</h{level}>\n"

    md.add_render_rule("heading_open", heading_open)
    md.add_render_rule("heading_close", heading_close)
    return md


_MD = _make()


def render(text: str) -> str:
    """HTML of a Markdown body; empty string for an empty body."""
    if not text or not text.strip():
        return ""
    return _MD.render(text)
