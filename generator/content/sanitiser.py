"""Markdown bodies of fiches, resources and projects, rendered safely.

Contributed content is untrusted; nothing in a body can run script on the portal:

- raw HTML is removed at build. Only a few harmless inline tags *without any
  attribute* are kept: ``SAFE_TAGS`` (``<br>``, ``<sup>``, ``<sub>``, ``<abbr>``,
  ``<small>``, ``<mark>``, ``<kbd>``, ``<b>``, ``<i>``, ``<u>``, ``<s>``, ``<em>``,
  ``<strong>``, ``<del>``), written back in their canonical form (never the
  contributor's bytes) and balanced within their paragraph. Any other tag, a
  tag with attributes, a comment or a declaration is dropped; the text between
  dropped tags stays, as escaped text, except inside ``SKIP_TAGS`` (``<script>``,
  ``<style>``, ``<iframe>``…) whose content is dropped too. An HTML block keeps its
  plain text (and safe tags) as a paragraph;
- a link may only point to ``http:``, ``https:``, ``mailto:``, ``tel:``, or be
  relative (a path or a ``#fragment``, no scheme at all, same site). A
  protocol-relative ``//host`` is refused, a backslash is never left in a link.
  The URL is judged after markdown-it decoded entities and percent-encoded
  spaces and control characters, so « jav&#x09;ascript: », « JaVaScRiPt: » or a
  leading space cannot hide a scheme. A refused link is shown as plain text;
- images are not rendered (the portal loads nothing from other hosts): their
  text and link stay.

Headings move one level down, the page's own title being the only ``<h1>``.
:func:`problems` lists what the build will remove, for ``msap check``.
"""
from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

SAFE_TAGS = frozenset({"br", "sup", "sub", "abbr", "small", "mark", "kbd", "b", "i", "u", "s", "em", "strong", "del"})
SKIP_TAGS = frozenset({"script", "style", "template", "textarea", "title", "iframe", "noscript", "noembed",
                       "noframes", "xmp", "object", "select"})
_BLOCKS = frozenset({"p", "div", "li", "ul", "ol", "tr", "td", "th", "table", "h1", "h2", "h3", "h4", "h5", "h6",
                     "section", "article", "header", "footer", "blockquote", "pre", "hr", "dl", "dt", "dd",
                     "center", "address", "figure", "figcaption", "details", "summary", "form", "fieldset"})
_SAFE_MARKUP = frozenset({"<br>"} | {f"<{t}>" for t in SAFE_TAGS} | {f"</{t}>" for t in SAFE_TAGS})
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)")
_BARE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)\s*/?>\Z")
_SCHEMES = ("http:", "https:", "mailto:", "tel:")


def link_allowed(url: str) -> bool:
    """Whether a (normalised) link destination may be published."""
    url = url.strip()
    if any(ord(c) < 33 or ord(c) == 127 for c in url) or "\\" in url:
        return False
    if url.lower().startswith(_SCHEMES):
        return True
    return ":" not in url and not url.startswith("//")


def _safe_tag(html: str) -> tuple[bool, str] | None:
    """(closing?, name) of an attribute-less tag of the safe list, else None."""
    match = _BARE.match(html.strip())
    if match and match[2].lower() in SAFE_TAGS:
        return bool(match[1]), match[2].lower()
    return None


class _Balancer:
    """Safe tags re-emitted in canonical form, every one closed, stray closers dropped."""

    def __init__(self) -> None:
        self.stack: list[str] = []

    def tag(self, closing: bool, name: str) -> list[str]:
        if name == "br":
            return [] if closing else ["<br>"]
        if not closing:
            self.stack.append(name)
            return [f"<{name}>"]
        if name not in self.stack:
            return []
        out = []
        while self.stack:
            top = self.stack.pop()
            out.append(f"</{top}>")
            if top == name:
                break
        return out

    def close(self) -> list[str]:
        out = [f"</{t}>" for t in reversed(self.stack)]
        self.stack.clear()
        return out


class _BlockCleaner(HTMLParser):
    """An HTML block reduced to escaped text and safe tags; ``removed`` lists what went away."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.removed: list[str] = []
        self.text = False
        self.skip: str | None = None
        self.depth = 0
        self.balance = _Balancer()

    def handle_starttag(self, tag: str, attrs) -> None:
        raw = self.get_starttag_text() or f"<{tag}>"
        if self.skip is not None:
            self.depth += tag == self.skip
            return
        safe = _safe_tag(raw)
        if safe is not None:
            self.out += self.balance.tag(False, tag)
            return
        self.removed.append(raw)
        if tag in SKIP_TAGS:
            self.skip, self.depth = tag, 1
        elif tag in _BLOCKS or tag == "br":
            self.out.append("\n")

    def handle_startendtag(self, tag: str, attrs) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in ("br",) and tag not in SKIP_TAGS:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.skip is not None:
            if tag == self.skip:
                self.depth -= 1
                if self.depth <= 0:
                    self.skip = None
            return
        if tag in SAFE_TAGS:
            self.out += self.balance.tag(True, tag)
        else:
            self.removed.append(f"</{tag}>")
            if tag in _BLOCKS:
                self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if self.skip is None:
            self.out.append(escape(data))
            self.text = self.text or bool(data.strip())

    def handle_comment(self, data: str) -> None:
        self.removed.append("<!--")

    def handle_decl(self, decl: str) -> None:
        self.removed.append(f"<!{decl[:20]}")

    def handle_pi(self, data: str) -> None:
        self.removed.append("<?")

    def unknown_decl(self, data: str) -> None:
        self.removed.append("<![")


def clean_block(html: str) -> tuple[str, list[str]]:
    """(the safe HTML of a raw HTML block, the tags removed from it)."""
    cleaner = _BlockCleaner()
    cleaner.feed(html)
    cleaner.close()
    if not cleaner.text:
        return "", cleaner.removed
    body = "".join(cleaner.out + cleaner.balance.close()).strip()
    return f"<p>{body}</p>\n", cleaner.removed


def _clean_inline(children: list[Token]) -> list[Token]:
    """Inline raw HTML: safe tags canonical and balanced, others dropped (with the content of SKIP_TAGS)."""
    out: list[Token] = []
    balance, skip, level, skip_level = _Balancer(), None, 0, 0
    for tok in children:
        if tok.type != "html_inline":
            level += tok.nesting
            if skip is not None and level < skip_level:
                skip = None  # an unclosed <script> inside a link ends with the link
            # inside a dropped <script>…: its text goes, the structure around it (links, emphasis) stays
            if skip is None or tok.nesting or tok.type in ("softbreak", "hardbreak"):
                out.append(tok)
            continue
        match = _TAG.match(tok.content)
        name = match[2].lower() if match else ""
        if skip is not None:
            if match and match[1] and name == skip:
                skip = None
            continue
        safe = _safe_tag(tok.content)
        if safe is None:
            if match and not match[1] and name in SKIP_TAGS:
                skip, skip_level = name, level
            continue
        out += [_html_token(markup) for markup in balance.tag(*safe)]
    return out + [_html_token(markup) for markup in balance.close()]


def _html_token(markup: str) -> Token:
    token = Token("html_inline", "", 0)
    token.content = markup
    return token


def _sanitize(state) -> None:
    for token in state.tokens:
        if token.type == "inline" and token.children:
            token.children = _clean_inline(token.children)


def _make() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
    md.enable("table").enable("strikethrough")
    md.disable("image")
    md.validateLink = link_allowed
    md.core.ruler.push("msap_sanitize", _sanitize)

    def heading_open(self, tokens, idx, options, env):
        token = tokens[idx]
        level = min(int(token.tag[1]) + 1, 6)
        return f"<h{level}>"

    def heading_close(self, tokens, idx, options, env):
        level = min(int(tokens[idx].tag[1]) + 1, 6)
        return f"</h{level}>\n"

    def html_block(self, tokens, idx, options, env):
        return clean_block(tokens[idx].content)[0]

    def html_inline(self, tokens, idx, options, env):
        content = tokens[idx].content
        return content if content in _SAFE_MARKUP else ""  # only ever one of the canonical safe tags

    def table_open(self, tokens, idx, options, env):
        # A wide table scrolls sideways on a phone: its wrapper takes the keyboard focus (RGAA 12.13, axe's
        # scrollable-region-focusable), and the class keeps mkdocs-material from wrapping it a second time.
        return '<div class="msap-table-defile" tabindex="0" role="region" aria-label="Tableau">\n<table class="msap-tableau">\n'

    def table_close(self, tokens, idx, options, env):
        return "</table>\n</div>\n"

    md.add_render_rule("table_open", table_open)
    md.add_render_rule("table_close", table_close)
    md.add_render_rule("heading_open", heading_open)
    md.add_render_rule("heading_close", heading_close)
    md.add_render_rule("html_block", html_block)
    md.add_render_rule("html_inline", html_inline)
    return md


_MD = _make()


#: what the renderer above writes, and nothing else: the final pass (ammonia, through nh3) keeps only these
FINAL_TAGS = frozenset({"p", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "a", "code", "pre", "blockquote", "hr",
                        "table", "thead", "tbody", "tr", "th", "td", "div"}) | SAFE_TAGS
FINAL_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "code": {"class"}, "th": {"style"}, "td": {"style"},
                    "table": {"class"}, "div": {"class", "tabindex", "role", "aria-label"}}


def final_pass(html: str) -> str:
    """Insurance: an independent sanitiser (ammonia, through nh3) over what the renderer wrote. It finds nothing to
    remove in every real body and the XSS corpus (tests/test_xss.py); it writes a quote in text as « " » where
    markdown-it writes « &quot; »."""
    return nh3.clean(html, tags=set(FINAL_TAGS), attributes={k: set(v) for k, v in FINAL_ATTRIBUTES.items()},
                     url_schemes={"http", "https", "mailto", "tel"}, link_rel=None, strip_comments=True,
                     clean_content_tags=set(SKIP_TAGS) - set(FINAL_TAGS))


def render(text: str) -> str:
    """HTML of a Markdown body; empty string for an empty body."""
    if not text or not text.strip():
        return ""
    return final_pass(_MD.render(text))


def _make_checker() -> MarkdownIt:
    """The same parser, keeping every link and all raw HTML, to find what the build will remove."""
    md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
    md.enable("table").enable("strikethrough")
    md.disable("image")
    md.validateLink = lambda url: True
    return md


_CHECK = _make_checker()


def problems(text: str) -> list[tuple[int, str, str]]:
    """(line in the body from 0, « html » or « lien », what) for each piece of HTML or link the build removes."""
    found: list[tuple[int, str, str]] = []
    if not text or not text.strip():
        return found
    line = 0
    for token in _CHECK.parse(text):
        if token.map:
            line = token.map[0]
        if token.type == "html_block":
            removed = clean_block(token.content)[1]
            if removed:
                found.append((line, "html", removed[0]))
        for child in token.children or ():
            if child.type in ("softbreak", "hardbreak"):
                line += 1
            elif child.type == "html_inline" and _safe_tag(child.content) is None:
                found.append((line, "html", child.content))
            elif child.type == "link_open" and not link_allowed(child.attrGet("href") or ""):
                found.append((line, "lien", str(child.attrGet("href"))))
    return found
