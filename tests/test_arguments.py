"""The command line speaks French: the help of every command and sub-command, and argparse's own errors."""
from __future__ import annotations

import argparse

import pytest

from generator.arguments import french
from generator.cli import build_parser, main

ENGLISH = ("usage:", "show this help", "positional arguments", "optional arguments", "error:", "the following",
           "invalid choice", "unrecognized", "expected one")


def every_parser(parser: argparse.ArgumentParser, path: str = "msap"):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from every_parser(sub, f"{path} {name}")


PARSERS = list(every_parser(build_parser()))


def test_every_command_is_found():
    names = {path for path, _ in PARSERS}
    assert {"msap import", "msap geo", "msap mise-a-jour", "msap api token create"} <= names and len(names) > 20


@pytest.mark.parametrize("path, parser", PARSERS, ids=[p for p, _ in PARSERS])
def test_every_help_is_french_and_every_argument_explained(path, parser):
    text = parser.format_help()
    assert text.startswith(f"utilisation : {path}")
    assert not [word for word in ENGLISH if word in text]
    unexplained = [a.dest for a in parser._actions if not a.help and not isinstance(a, argparse._SubParsersAction)]
    assert unexplained == []


@pytest.mark.parametrize("argv, expected", [
    (["import"], "msap import : argument(s) obligatoire(s) manquant(s) : fichier"),
    (["bench", "--fiches", "x"], "msap bench : argument --fiches : « x » n'est pas un nombre entier"),
    (["check", "--format", "xml"], "msap check : argument --format : « xml » n'est pas un choix possible "
                                   "(possibles : 'text', 'github')"),
    (["check", "--en-trop"], "msap : argument(s) inconnu(s) : --en-trop"),
    (["api", "token", "create"], "msap api token create : l'un des arguments --maison --relecteur est obligatoire"),
])
def test_argparse_errors_are_french_with_a_hint(argv, expected, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert expected in err.splitlines()
    assert f"Indice : « {expected.split(' : ')[0]} --help » décrit chaque argument" in err
    assert not [word for word in ENGLISH if word in err]


def test_an_unknown_message_is_kept_rather_than_lost():
    assert french("something argparse will say one day") == "something argparse will say one day"
