"""Untrusted content cannot run script on the portal (issue #6).

Every vector of tests/data/xss-vecteurs.txt is tried in every text field of every kind of content (found by
walking the pydantic models: a new field is covered without touching this file) and in every body. A value the
schema refuses must be reported by ``msap check`` (and stop ``msap build``); everything else is built, then each
HTML page is parsed and checked for script that does not belong to the portal (tests/xss_html.py).
"""
from __future__ import annotations

import copy
import datetime as dt
import json
import re
import types
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from conftest import FROZEN_TODAY, REPO, VALID_MAISON, make_portal_project
from generator.content import yamlio
from generator.cli import main
from generator.content import sanitiser as markdown
from generator.portal.render import json_script
from generator.schema import KINDS, LISTS
from generator.content.reader import CONTROL_CHARS
from generator.content.validation import field_name, validate
from xss_html import normalise_script, scan, texts

pytestmark = pytest.mark.lent

CORPUS = Path(__file__).parent / "data" / "xss-vecteurs.txt"
_ESCAPES = re.compile(r"\\(n|t|r|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4})")


def vectors() -> list[str]:
    out = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("e:"):
            line = _ESCAPES.sub(lambda m: {"n": "\n", "t": "\t", "r": "\r"}.get(m[1]) or chr(int(m[1][1:], 16)),
                                line[2:])
        out.append(line)
    return out


VECTORS = vectors()

# ------------------------------------------------------------------ the checker can fail

PLANTED = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg><g onload='alert(1)'></g></svg>",
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href=" JaVaScRiPt:alert(1)">x</a>',
    '<svg><a xlink:href="data:text/html,x">x</a></svg>',
    '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    '<div style="width: expression(alert(1))">x</div>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    '<button formaction="vbscript:x">x</button>',
    '<script type="application/ld+json">{"a": "</script><script>alert(1)</script>"}</script>',
    '<script type="application/ld+json">{"a": "<!--"}</script>',
    '<script src="https://xss.example/x.js"></script>',
    '<script src="../../ailleurs/x.js"></script>',
    "<base href='https://xss.example/'>",
    '<svg><animate attributeName="href" values="javascript:alert(1)"/></svg>',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<p id="avant">x</p><a id="avant">clobber</a>',
    '<img name="getElementById" src="x.png">',
    '<form name="cookie"></form>',
    '<script>alert(1)</script >',
]


@pytest.mark.parametrize("snippet", PLANTED)
def test_the_checker_catches_a_planted_payload(snippet):
    assert scan(f"<!doctype html><html><body><p>avant</p>{snippet}<p>après</p></body></html>", "a/b/index.html")


def test_the_checker_accepts_the_portals_own_markup():
    html = ('<html><head><script src="../../assets/msap/horaires.js" defer></script>'
            '<script type="application/ld+json">{"name": "\\u003c/script\\u003e"}</script>'
            '<script>__md_scope=new URL("../..",location)</script></head><body>'
            '<form action="../../recherche/" method="get" role="search"><input name="q"></form>'
            '<a href="https://www.caf.fr">CAF</a> &lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:alert(1))'
            '<span style="left:3%;top:4%"></span></body></html>')
    assert scan(html, "a/b/index.html", {normalise_script('__md_scope=new URL("..",location)')}) == []


# ------------------------------------------------------------------ the Markdown and JSON filters alone

@pytest.mark.parametrize("vector", VECTORS)
def test_markdown_renders_every_vector_inert(vector):
    html = markdown.render(vector.replace("\x00", "") + "\n\nAvant " + vector.replace("\x00", "") + " après.\n")
    assert scan(f"<html><body>{html}</body></html>") == []


def test_the_final_pass_finds_nothing_left_to_remove():
    """nh3 (ammonia) behind the hand-written sanitiser: over every vector and every real body, it removes nothing
    (it only writes a quote in text as « " » where markdown-it writes « &quot; ») — a regression of the sanitiser
    that let something through would show here, even though the final pass would still remove it."""
    from generator.content.sanitiser import _MD, final_pass  # noqa: PLC2701 - the two passes, compared

    bodies = [v.replace("\x00", "") for v in VECTORS]
    for path in sorted((REPO / "content").rglob("*.md")):
        parts = path.read_text(encoding="utf-8").split("---", 2)
        bodies.append(parts[2] if len(parts) > 2 else "")
    assert len(bodies) > 2700
    changed = [b[:80] for b in bodies if _parsed(final_pass(_MD.render(b))) != _parsed(_MD.render(b))]
    assert changed == []


def _parsed(html: str) -> list[tuple]:
    """What a browser reads of a fragment: its tags, attributes and text, character references resolved (the
    two passes write « " » and a no-break space each their own way)."""
    from html.parser import HTMLParser

    out: list[tuple] = []

    class Reader(HTMLParser):
        def handle_starttag(self, tag, attrs):
            out.append(("<", tag, tuple(attrs)))

        def handle_endtag(self, tag):
            out.append((">", tag))

        def handle_data(self, data):
            if out and out[-1][0] == "text":
                out[-1] = ("text", out[-1][1] + data)
            else:
                out.append(("text", data))
    Reader(convert_charrefs=True).feed(html)
    return out


def test_the_final_pass_removes_what_the_renderer_would_let_through():
    from generator.content.sanitiser import final_pass
    assert final_pass('<p onclick="x()">a<script>alert(1)</script><img src=x onerror=y></p>') == "<p>a</p>"
    assert final_pass('<a href="javascript:alert(1)">x</a>') == "<a>x</a>"


@pytest.mark.parametrize("vector", VECTORS)
def test_json_in_a_script_cannot_break_out(vector):
    text = str(json_script({"name": vector, vector: [vector]}))
    assert "</" not in text and "<!--" not in text and "<" not in text
    assert json.loads(text) == {"name": vector, vector: [vector]}


# ------------------------------------------------------------------ every string field of the models

EXEMPLES: dict[str, dict] = {
    "maisons": {
        "id": "fs-xss", "nom": "France services de test", "type": "antenne", "format": "itinerant",
        "groupe": "Réseau", "departement": "23",
        "adresse": {"voie": "1 place Bonnyaud", "complement": "Mairie", "code_postal": "23000",
                    "commune": "Guéret", "code_insee": "23096"},
        "coordonnees": {"lat": 46.1713, "lon": 1.8719, "precision": "adresse"},
        "telephone": "05 55 51 00 00", "courriel": "test@exemple.fr", "site_web": "https://www.exemple.fr/",
        "horaires": {j: ["09:00-12:00"] for j in ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi",
                                                  "dimanche")},
        "exceptions": [{"du": dt.date(2026, 12, 24), "au": dt.date(2026, 12, 26), "motif": "Congés",
                        "horaires": ["09:00-11:00"]}],
        "rendez_vous": {"politique": "conseille", "precisions": "Le mardi", "lien": "https://rdv.exemple.fr/",
                        "telephone": "05 55 51 00 01"},
        "arrets": [{"lieu": "Mairie", "commune": "Guéret", "code_insee": "23096",
                    "coordonnees": {"lat": 46.17, "lon": 1.87, "precision": "commune"}, "jour": "mardi",
                    "frequence": "mensuelle", "semaines": [2], "horaires": ["09:00-12:00"], "precisions": "Bus"}],
        "accessibilite": {"fauteuil_roulant": True, "precisions": "Ascenseur"},
        "labellisation": dt.date(2020, 1, 1), "verifie_le": dt.date(2024, 1, 1), "referents": ["marie-dupont"],
        "source": {"id_fs": "1", "autres_colonnes": {"colonne": "valeur"}},
    },
    "ressources": {"titre": "Ressource de test", "type": "document", "resume": "Un résumé de test assez long.",
                   "date": dt.date(2026, 1, 1), "public": "tous", "fichier": "xss.txt",
                   "lien": "https://www.exemple.fr/doc", "auteur": "Auteur"},
    "projets": {"titre": "Projet de test", "resume": "Un résumé de test assez long.", "maisons": ["fs-xss"],
                "statut": "en_cours", "date_debut": dt.date(2025, 1, 1), "objectifs": ["o"], "cibles": ["c"],
                "acteurs": ["a"], "actions": ["a"], "chiffres": ["1"], "bilan": "Bilan",
                "contacts": [{"nom": "Marie", "fonction": "Agente", "courriel": "m@exemple.fr",
                              "telephone": "05 55 51 00 02"}]},
}
_ENTREE = {"id": "xss", "nom": "Entrée de test", "description": "Une description.", "nom_court": "Test",
           "site_web": "https://www.exemple.fr/", "themes": ["famille"]}
EXEMPLES |= {name: {k: v for k, v in _ENTREE.items() if k in model.model_fields} for name, model in LISTS.items()}
MODELS = {kind: model for kind, (model, _f, _n) in KINDS.items()} | LISTS
DICT = "<clé>"


def _unwrap(tp):
    while True:
        if typing.get_origin(tp) is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif typing.get_origin(tp) in (typing.Union, types.UnionType):
            tp = next(a for a in typing.get_args(tp) if a is not type(None))
        else:
            return tp


def _is_text(tp) -> bool:
    return tp is str or typing.get_origin(tp) is typing.Literal


def text_leaves(model: type[BaseModel], example: dict, path: tuple = ()) -> list[tuple]:
    """The path of every string field (list items and dict entries included), nested models walked."""
    leaves = []
    for name, info in model.model_fields.items():
        tp, here = _unwrap(info.annotation), path + (name,)
        args = [_unwrap(a) for a in typing.get_args(tp)]
        if _is_text(tp):
            leaves.append(here)
        elif isinstance(tp, type) and issubclass(tp, BaseModel):
            assert isinstance(example.get(name), dict), f"EXEMPLES : donnez une valeur à {'.'.join(here)}"
            leaves += text_leaves(tp, example[name], here)
        elif typing.get_origin(tp) is list and _is_text(args[0]):
            leaves.append(here + (0,))
        elif typing.get_origin(tp) is list and issubclass(args[0], BaseModel):
            assert example.get(name), f"EXEMPLES : donnez un élément à la liste {'.'.join(here)}"
            leaves += text_leaves(args[0], example[name][0], here + (0,))
        elif typing.get_origin(tp) is dict:
            leaves.append(here + (DICT,))
    return leaves


def put(doc: dict, leaf: tuple, value: str) -> None:
    """Set the value at a leaf path (the first item of a list, the only entry of a dict)."""
    *parents, last = leaf
    node = doc
    for pos, key in enumerate(parents):
        after = leaf[pos + 1]
        if after == DICT:
            node[key] = {value: value}
            return
        node = node[key] if isinstance(key, int) else node.setdefault(key, [] if isinstance(after, int) else {})
    if isinstance(last, int):
        node[:1] = [value]
    else:
        node[last] = value


def accepts(kind: str, doc: dict) -> bool:
    """What the checks accept: the schema, and no control character in any value (generator/content/validation.py)."""
    return validate(MODELS[kind], doc, "", lambda loc: 1)[0] is not None


def classify() -> tuple[dict, dict]:
    """Per kind and vector: (the leaves that accept it, the leaves that refuse it)."""
    accepted: dict = {}
    refused: dict = {}
    for kind, model in MODELS.items():
        assert accepts(kind, EXEMPLES[kind]), kind
        for leaf in text_leaves(model, EXEMPLES[kind]):
            for i, vector in enumerate(VECTORS):
                doc = copy.deepcopy(EXEMPLES[kind])
                put(doc, leaf, vector)
                (accepted if accepts(kind, doc) else refused).setdefault((kind, i), []).append(leaf)
    return accepted, refused


ACCEPTED, REFUSED = classify()


def body(vector: str) -> str:
    """A body carrying the vector in a paragraph, inline, in a list, a quote, a table cell and a link."""
    v = CONTROL_CHARS.sub("", vector)  # refused in a body (tested elsewhere): in the front matter only
    return f"{v}\n\nAvant {v} après.\n\n- {v}\n\n> {v}\n\n| a | b |\n|---|---|\n| {v} | x |\n\n[lien]({v})\n"


def document(kind: str, i: int, prefix: str, leaves: list[tuple]) -> dict:
    doc = copy.deepcopy(EXEMPLES[kind])
    ref = f"{prefix}-{i}"  # a fresh list each time: a shared one would be written as a YAML alias
    refs = {"maisons": ("operateurs", "equipements", "activites"), "ressources": ("operateurs", "themes"),
            "projets": ("themes",)}.get(kind, ())
    doc |= {name: [ref] for name in refs} | ({"id": ref} if kind in LISTS else {})
    doc |= {"maisons": {"id": f"fs-{ref}"}, "projets": {"maisons": [f"fs-{ref}"]}}.get(kind, {})
    for leaf in leaves:
        put(doc, leaf, VECTORS[i])
    return doc


def write_project(root: Path, prefix: str, table: dict) -> dict[tuple[str, int], tuple[int, int]]:
    """One fiche per kind and vector, one entry per reference list and vector, the ``table`` leaves holding the
    vector. Returns the first and last lines of each entry appended to a reference list."""
    (root / "content/ressources/fichiers").mkdir(parents=True, exist_ok=True)
    (root / "content/ressources/fichiers/xss.txt").write_text("Fichier de test.\n", encoding="utf-8")
    entries: dict[tuple[str, int], tuple[int, int]] = {}
    for kind in MODELS:
        for i in range(len(VECTORS)):
            if (kind, i) not in table:
                continue
            doc = document(kind, i, prefix, table[(kind, i)])
            if kind in LISTS:
                path = root / "content/referentiels" / f"{kind}.yml"
                text = path.read_text(encoding="utf-8")
                first = text.count("\n") + 1
                added = yamlio.dump([doc])
                path.write_text(text + added, encoding="utf-8")
                entries[(kind, i)] = (first, first + added.count("\n") - 1)
                continue
            folder = "maisons/23" if kind == "maisons" else kind
            (root / "content" / folder / f"{prefix}-{i}.md").write_text(
                "---\n" + yamlio.dump(doc) + "---\n" + body(VECTORS[i]), encoding="utf-8")
    return entries


def test_every_field_and_body_with_every_vector_builds_without_foreign_script(tmp_path: Path):
    from generator.config import load_config
    from generator.portal.build import BuildError, build

    root = make_portal_project(tmp_path / "projet")
    write_project(root, "xss", ACCEPTED)
    try:
        site = build(root, load_config(root), tmp_path / "site", search=False, today=FROZEN_TODAY,
                     site_url="https://portail.test/").site_dir
    except BuildError as exc:
        pytest.fail(f"{exc}\n{exc.report.render() if exc.report else ''}")
    own = set(texts(site / "a-propos/index.html").inline)
    assert own == set(), "le thème ne doit plus avoir de script en ligne (Content-Security-Policy)"
    pages = sorted(site.rglob("*.html"))
    problems = [p for page in pages for p in scan(page.read_text(encoding="utf-8"),
                                                   page.relative_to(site).as_posix(), own, site)]
    assert problems == []
    for i, vector in enumerate(VECTORS):  # the vectors did reach the pages, shown as text
        if CONTROL_CHARS.search(vector):  # refused in every field (test_control_characters_are_refused…)
            continue
        for rel in (f"maisons/23/xss-{i}", f"boite-a-outils/xss-{i}", f"projets/xss-{i}", f"demarches/xss-{i}"):
            assert (site / rel / "index.html").is_file(), rel
        fiche = texts(site / f"maisons/23/xss-{i}/index.html")
        assert fiche.h1 == [vector.strip()] and fiche.jsonld[0]["name"] == vector.strip()
    assert len(pages) > 4 * len(VECTORS)


def test_values_the_schema_refuses_are_reported_by_check_and_never_built(tmp_path: Path, capsys):
    root = make_portal_project(tmp_path / "projet")
    entries = write_project(root, "refus", REFUSED)
    code = main(["--root", str(root), "check"])
    out = capsys.readouterr().out
    assert code == 1
    reported: dict[str, list[tuple[int, str]]] = {}
    for match in re.finditer(r"^(content/\S+?):(\d+): ([\w.]+): ", out, re.M):
        reported.setdefault(match[1], []).append((int(match[2]), match[3]))
    missing = []
    for (kind, i), leaves in REFUSED.items():
        expected = {field_name(leaf) for leaf in leaves}
        if kind in LISTS:
            rel = f"content/referentiels/{kind}.yml"
            first, last = entries[(kind, i)]
            found = {f for line, f in reported.get(rel, []) if first <= line <= last}
        else:
            folder = "maisons/23" if kind == "maisons" else kind
            found = {f for _line, f in reported.get(f"content/{folder}/refus-{i}.md", [])}
        found |= {f + "." + DICT for f in found}  # a refused key is reported at its mapping
        missing += [f"{kind} {i} {f}" for f in expected - found]
    assert missing == []
    assert sum(len(v) for v in REFUSED.values()) > 40 * len(VECTORS)
    assert main(["--root", str(root), "build", "--site-dir", str(tmp_path / "site"), "--no-search"]) == 1
    assert not (tmp_path / "site").exists()


def test_pattern_fields_refuse_markup_and_script_urls():
    patterned = {(kind, leaf) for kind, model in MODELS.items() for leaf in text_leaves(model, EXEMPLES[kind])
                 if leaf[-1] in ("site_web", "lien", "courriel", "telephone", "code_postal", "code_insee", "id")}
    assert len(patterned) >= 12
    for kind, leaf in patterned:
        for i, vector in enumerate(VECTORS):
            if "<" in vector or re.match(r"\s*(?:javascript|vbscript|data):", vector, re.I):
                assert leaf in REFUSED.get((kind, i), []), (kind, leaf, vector)


def test_check_warns_about_html_and_links_the_build_removes(project, capsys):
    project.write("content/maisons/23/gueret.md", VALID_MAISON + "\n<div onclick=\"x\">Texte</div>\n\n"
                  "Voir [ici](jav&#x09;ascript:alert(1)) ou <sup>e</sup>.\n")
    code, out, _ = project.msap("check", capsys=capsys)
    assert code == 0
    hint = ("écrivez en Markdown : **gras**, *italique*, [texte du lien](https://…), listes « - » ; seules quelques "
            "balises simples sans attribut sont gardées (<br>, <sup>, <sub>, <b>, <i>…)")
    assert [line for line in out.splitlines() if line.startswith("content/")] == [
        "content/maisons/23/gueret.md:23: texte: avertissement : le HTML « <div onclick=\"x\"> » sera retiré du "
        f"texte publié — Indice : {hint}",
        "content/maisons/23/gueret.md:25: texte: avertissement : le lien « jav%09ascript:alert(1) » ne sera pas "
        "publié (il restera du texte) — Indice : une adresse complète qui commence par « https:// » (ou "
        "« http:// »), « mailto: » ou « tel: », ou un lien relatif vers une page du portail",
    ]
