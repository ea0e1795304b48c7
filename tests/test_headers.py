"""The headers the portal ships (``_headers``) and the inline scripts it no longer has."""
from __future__ import annotations

import re
from pathlib import Path

from conftest import REPO
from generator.config import load_config
from generator.portal.writers import headers

MATERIAL = Path(__import__("material").__file__).parent / "templates" / "partials" / "javascripts"


def test_the_site_ships_the_rules_of_its_own_configuration(sample_site: Path):
    shipped = headers.parse((sample_site / "_headers").read_text(encoding="utf-8"))
    assert shipped == headers.rules(load_config(sample_site.parent / "projet"), sample_site)
    fiche = headers.for_path(shipped, "/maisons/23/gueret/")
    assert "http://127.0.0.1:9" in fiche["Content-Security-Policy"]  # the tiles' host of this configuration
    assert fiche["X-Frame-Options"] == "SAMEORIGIN" and fiche["X-Content-Type-Options"] == "nosniff"
    assert headers.for_path(shipped, "/")["Content-Security-Policy"] == fiche["Content-Security-Policy"]
    assert "'unsafe-eval'" in headers.for_path(shipped, "/admin/")["Content-Security-Policy"]
    assert "'unsafe-eval'" not in fiche["Content-Security-Policy"]


def test_no_header_is_set_by_two_rules_for_one_path_but_the_embeddable_map(sample_site: Path):
    """Hosts combine such rules differently (the later one, or both joined): the rules never depend on it."""
    shipped = headers.parse((sample_site / "_headers").read_text(encoding="utf-8"))
    paths = ["/", "/index.html", "/404.html", "/maisons/23/gueret/", "/admin/", "/assets/msap/msap.css",
             "/maisons/carte/", "/recherche/", "/a-propos/"]
    for path in paths:
        names = [name for rule in shipped if rule.matches(path) for name, _v in rule.headers]
        assert len(names) == len(set(names)), path
    both = [dict(r.headers) for r in shipped if r.matches("/maisons/carte/integrer/")]
    policies = [h["Content-Security-Policy"] for h in both if "Content-Security-Policy" in h]
    assert policies[-1] == policies[0] + "; frame-ancestors *"  # joined or replaced: the same rules, framable


def test_no_page_of_the_sample_holds_an_inline_script(sample_site: Path):
    found = set()
    for page in sample_site.rglob("*.html"):
        for match in re.finditer(r"<script(?![^>]*\bsrc=)([^>]*)>", page.read_text(encoding="utf-8")):
            if "application/ld+json" not in match[1] and "application/json" not in match[1]:
                found.add(page.relative_to(sample_site).as_posix())
    assert found == set()


def test_the_theme_scripts_are_mkdocs_materials_own():
    """The two scripts mkdocs-material writes inline are served as files: an upgrade that changes them must
    change ours too (this test then fails)."""
    ours = (REPO / "theme/assets/msap/md-base.js").read_text(encoding="utf-8").split("*/\n", 1)[1].strip()
    theirs = re.search(r"<script>(.*)</script>", (MATERIAL / "base.html").read_text(encoding="utf-8"))[1]
    assert ours == theirs.replace('new URL("{{ config.extra.scope | d(base_url) }}",location)',
                                  'new URL("../../",document.currentScript.src)')
    ours = (REPO / "theme/assets/msap/md-content.js").read_text(encoding="utf-8").split("*/\n", 1)[1].strip()
    content = (MATERIAL / "content.html").read_text(encoding="utf-8")
    assert ours in content and content.count("<script>") == 2  # the other one is for a feature not enabled
    assert "content.tabs.link" not in (REPO / "mkdocs.yml").read_text(encoding="utf-8")


def test_a_rule_matches_as_hosts_match_it():
    rules = headers.parse("/*\n  A: 1\n/maisons/*\n  B: 2\n/\n  C: 3\n/maisons/carte/*\n  B: 4\n")
    assert headers.for_path(rules, "/") == {"A": "1", "C": "3"}
    assert headers.for_path(rules, "/maisons/23/?q=x") == {"A": "1", "B": "2"}
    assert headers.for_path(rules, "/maisons/carte/") == {"A": "1", "B": "4"}
    assert headers.parse(headers.render(rules)) == rules
