"""YAML reading and writing for content files.

PyYAML follows YAML 1.1, whose implicit typing is hostile to French content:
``Non`` becomes ``False`` and ``10:00`` becomes the integer 600. The loader here
keeps YAML 1.2's core rules instead (only ``true``/``false`` are booleans, no
sexagesimal numbers, numbers with a leading zero such as postcodes stay text),
records the line of every key so that errors can point into the file, refuses
duplicate keys and aliases, and uses libyaml when it is available (a
full-network check reads thousands of files).
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

try:  # libyaml is ~10x faster; the pure-Python parser is the fallback
    from yaml.cyaml import CParser as _Parser
except ImportError:  # pragma: no cover - depends on the wheel
    from yaml.composer import Composer
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser, Composer):  # type: ignore[no-redef]
        def __init__(self, stream):
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)


class _Resolver(yaml.resolver.BaseResolver):
    """YAML 1.2 core schema, plus dates (front matter commonly holds them)."""


_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:(?:0|[1-9][0-9]*)\.[0-9]*(?:[eE][-+]?[0-9]+)?|\.(?:inf|Inf|INF|nan|NaN|NAN))$"),
    list("-+0123456789."),
)
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:timestamp",
    re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"),
    list("0123456789"),
)


_STR = "tag:yaml.org,2002:str"
_RESOLVED: dict[tuple[str, bool], str] = {}  # the same few thousand scalars recur in every fiche


class ContentLoader(_Parser, yaml.constructor.SafeConstructor, _Resolver):
    def __init__(self, stream):
        _Parser.__init__(self, stream)
        yaml.constructor.SafeConstructor.__init__(self)
        _Resolver.__init__(self)

    def resolve(self, kind, value, implicit):
        if kind is not yaml.ScalarNode or len(value) > 40:
            return super().resolve(kind, value, implicit)
        key = (value, implicit[0])
        tag = _RESOLVED.get(key)
        if tag is None:
            tag = _RESOLVED[key] = super().resolve(kind, value, implicit)
            if len(_RESOLVED) > 100_000:
                _RESOLVED.clear()
        return tag


class YamlProblem(Exception):
    """A YAML document that cannot be read; ``line`` is 0-based within the document."""

    def __init__(self, message: str, line: int, hint: str):
        super().__init__(message)
        self.message, self.line, self.hint = message, line, hint


Path = tuple  # a path into the data: keys (str) and list positions (int)


@dataclass
class Parsed:
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)  # 0-based line of each key / item


_ALLOWED_TAGS = {
    "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:timestamp",
}


def load(text: str, first_line: int = 1, lines: bool = True) -> Parsed:
    """Parse one YAML document, returning its data and the (0-based) line of every key.

    ``first_line`` is the file line of the document's first line, used in hints.
    ``lines=False`` skips recording lines (a build reads thousands of valid files;
    a problem found later asks for them again): ``Parsed.lines`` is then empty.
    """
    if not lines:
        try:
            return _load(text, first_line, None)
        except YamlProblem:
            pass  # parse again with the lines, for the exact message and hint
    return _load(text, first_line, {})


_OTHER_BREAKS = ("\x85", "\u2028", "\u2029")


def _file_lines(text: str) -> list[int]:
    """YAML 1.1 breaks lines at U+0085, U+2028 and U+2029 too, a file's editor only at « \\n »: the file line of
    each of YAML's lines (0-based), for a text holding such characters."""
    out, line = [0], 0
    for char in text:
        if char == "\n":
            line += 1
            out.append(line)
        elif char in _OTHER_BREAKS:
            out.append(line)
    return out


def _load(text: str, first_line: int, lines: dict[Path, int] | None) -> Parsed:
    parsed = _load_yaml(text, first_line, lines)
    if lines is not None and any(b in text for b in _OTHER_BREAKS):
        mapping = _file_lines(text)
        parsed = Parsed(parsed.data, {loc: mapping[min(n, len(mapping) - 1)] for loc, n in parsed.lines.items()})
    return parsed


def _load_yaml(text: str, first_line: int, lines: dict[Path, int] | None) -> Parsed:
    loader = ContentLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line if mark else 0
            if any(b in text for b in _OTHER_BREAKS):
                line = _file_lines(text)[min(line, len(_file_lines(text)) - 1)]
            raise YamlProblem(
                f"YAML illisible ({french_problem(exc.problem or exc.context or '')})",
                line,
                "vérifiez l'indentation (des espaces, pas de tabulation) et mettez entre guillemets "
                "les valeurs qui contiennent « : » ou commencent par « - », « [ », « { », « & », « * » ou « # »",
            ) from None
        except yaml.YAMLError as exc:
            raise YamlProblem(f"YAML illisible ({french_problem(getattr(exc, 'problem', None) or '')})", 0,
                              "vérifiez la syntaxe de l'en-tête") from None
        if node is None:
            return Parsed({}, {})
        return Parsed(_build(node, (), lines, set(), first_line), lines or {})
    finally:
        loader.dispose()


def _scalar(node: yaml.ScalarNode) -> Any:
    """The value of a scalar, from the tag the YAML 1.2 resolver gave it."""
    tag, value = node.tag, node.value
    try:
        if tag == "tag:yaml.org,2002:str":
            return value
        if tag == "tag:yaml.org,2002:int":
            return int(value)
        if tag == "tag:yaml.org,2002:float":
            low = value.lower()
            return float(low.replace(".inf", "inf").replace(".nan", "nan"))
        if tag == "tag:yaml.org,2002:bool":
            return value.lower() == "true"
        if tag == "tag:yaml.org,2002:null":
            return None
        return _dt.date.fromisoformat(value)  # timestamp: AAAA-MM-JJ only
    except ValueError as exc:
        raise YamlProblem(f"valeur YAML illisible ({value} : {exc})", node.start_mark.line,
                          "mettez la valeur entre guillemets si c'est du texte") from None


def _build(node: yaml.Node, path: Path, lines: dict[Path, int] | None, seen: set[int], first_line: int) -> Any:
    """Python data of a node, recording the line of every key and item; refuses aliases, tags, merges."""
    if id(node) in seen:
        raise YamlProblem(
            "les alias YAML (« & » et « * ») ne sont pas acceptés", node.start_mark.line,
            "recopiez la valeur au lieu d'y faire référence",
        )
    seen.add(id(node))
    if node.tag not in _ALLOWED_TAGS:
        raise YamlProblem(f"l'étiquette YAML « {node.tag} » n'est pas acceptée", node.start_mark.line,
                          "retirez l'étiquette qui commence par « ! »")
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlProblem("une clé doit être un simple mot", key_node.start_mark.line,
                                  "écrivez « cle: valeur »")
            key = key_node.value
            if key == "<<":
                raise YamlProblem("la fusion YAML « << » n'est pas acceptée", key_node.start_mark.line,
                                  "recopiez les champs au lieu de les fusionner")
            if lines is None:
                if key in out:
                    raise YamlProblem(f"le champ « {key} » apparaît deux fois", key_node.start_mark.line, "")
                if value_node.tag == _STR and type(value_node) is yaml.ScalarNode and id(value_node) not in seen:
                    seen.add(id(value_node))  # plain text, the common case: no call
                    value = value_node.value
                else:
                    value = _build(value_node, path, None, seen, first_line)
                out[key if key_node.tag == _STR else _scalar(key_node)] = value
                continue
            sub = path + (key,)
            if sub in lines:
                raise YamlProblem(
                    f"le champ « {key} » apparaît deux fois", key_node.start_mark.line,
                    f"gardez une seule ligne « {key}: » (la première est à la ligne {lines[sub] + first_line})",
                )
            lines[sub] = key_node.start_mark.line
            out[key if key_node.tag == "tag:yaml.org,2002:str" else _scalar(key_node)] = _build(
                value_node, sub, lines, seen, first_line)
        return out
    if lines is None:
        return [_build(item, path, None, seen, first_line) for item in node.value]
    items = []
    for i, item in enumerate(node.value):
        lines[path + (i,)] = item.start_mark.line
        items.append(_build(item, path + (i,), lines, seen, first_line))
    return items


_FRENCH = {
    "could not find expected ':'": "« : » attendu après le nom du champ",
    "mapping values are not allowed": "« : » inattendu ; une valeur contient sans doute « : »",
    "found character '\\t' that cannot start any token": "tabulation interdite",
    "found undefined alias": "alias inconnu",
    "expected <block end>, but found '<block mapping start>'": "indentation incohérente",
    "did not find expected node content": "valeur manquante ou crochet non refermé",
    "did not find expected key": "indentation incohérente ou champ mal formé",
    "found unexpected end of stream": "fin de texte inattendue (guillemet non fermé ?)",
    "did not find expected ',' or ']'": "liste entre crochets non refermée : « , » ou « ] » attendu",
    "did not find expected ',' or '}'": "accolade non refermée : « , » ou « } » attendu",
    "did not find expected '-' indicator": "élément de liste mal aligné : « - » attendu",
    "did not find expected alphabetic or numeric character": "ancre ou alias mal formé après « & » ou « * »",
    "found character that cannot start any token": "caractère interdit en début de valeur (« @ » ou « ` ») : "
                                                   "mettez la valeur entre guillemets",
    "found unknown escape character": "séquence « \\ » inconnue entre guillemets doubles",
    "found duplicate anchor": "ancre « & » en double",
    "expected a single document in the stream": "plusieurs documents (« --- ») dans l'en-tête",
    "while scanning a quoted scalar": "guillemet non fermé",
    "while scanning a simple key": "« : » attendu après le nom du champ",
    "while parsing a block mapping": "indentation incohérente",
    "while parsing a flow sequence": "liste entre crochets non refermée",
    "while parsing a flow mapping": "accolade non refermée",
}


def french_problem(problem: str) -> str:
    """PyYAML's English problem in French; one it does not know is said generically, never in English."""
    for english, french in _FRENCH.items():
        if problem.startswith(english):
            return french
    if problem.startswith("expected <block end>"):
        return "indentation incohérente"
    return "syntaxe YAML invalide" if problem else "syntaxe YAML invalide"


# ---------------------------------------------------------------- writing


class _Dumper(yaml.SafeDumper):
    """Writes with PyYAML's conservative 1.1 resolver, so any YAML reader gets text back as text."""

    def increase_indent(self, flow=False, indentless=False):  # indent list items under their key
        return super().increase_indent(flow, False)


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


def dump(data: Any) -> str:
    """Serialise front matter: keys in the given order, UTF-8 text, block style."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=1000)

