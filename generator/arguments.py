"""The command line in French: argparse's help and errors (« usage: », « show this help message and exit »,
« the following arguments are required ») said in French, and every usage error ending with a hint.

argparse writes its messages in English before handing them over; :class:`Parser` translates the ones it can
make (the patterns below) and says the others as they are, after a French lead.
"""
from __future__ import annotations

import argparse
import re
import sys

TYPES = {"int": "un nombre entier", "float": "un nombre", "Path": "un chemin"}
#: argparse's error messages (Python 3.11 to 3.13) -> French
ERRORS: list[tuple[re.Pattern[str], str]] = [(re.compile(p), f) for p, f in (
    (r"^the following arguments are required: (.*)$", r"argument(s) obligatoire(s) manquant(s) : \1"),
    (r"^argument (.+?): invalid choice: '?(.*?)'? \(choose from (.*)\)$", r"argument \1 : « \2 » n'est pas un choix "
                                                                          r"possible (possibles : \3)"),
    (r"^unrecognized arguments: (.*)$", r"argument(s) inconnu(s) : \1"),
    (r"^argument (.+?): expected one argument$", r"argument \1 : une valeur est attendue"),
    (r"^argument (.+?): expected at least one argument$", r"argument \1 : au moins une valeur est attendue"),
    (r"^argument (.+?): expected (\d+) arguments?$", r"argument \1 : \2 valeur(s) attendue(s)"),
    (r"^argument (.+?): not allowed with argument (.+)$", r"argument \1 : incompatible avec \2"),
    (r"^one of the arguments (.*) is required$", r"l'un des arguments \1 est obligatoire"),
    (r"^ambiguous option: (\S+) could match (.*)$", r"option ambiguë : \1 peut désigner \2"),
    (r"^argument (.+?): ignored explicit argument '(.*)'$", r"argument \1 : valeur « \2 » en trop"),
)]
INVALID_VALUE = re.compile(r"^argument (.+?): invalid (\w+) value: '(.*)'$")


def french(message: str) -> str:
    """One of argparse's error messages in French (unknown ones are kept, they name the argument)."""
    found = INVALID_VALUE.match(message)
    if found:
        argument, kind, value = found.groups()
        return f"argument {argument} : « {value} » n'est pas {TYPES.get(kind, 'une valeur acceptée')}"
    for pattern, replacement in ERRORS:
        if pattern.match(message):
            return pattern.sub(replacement, message)
    return message


class Formatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):  # noqa: ANN001, ANN201 - argparse's signature
        return super().add_usage(usage, actions, groups, prefix if prefix is not None else "utilisation : ")


class Parser(argparse.ArgumentParser):
    """An ArgumentParser that speaks French; its sub-commands are made of the same class."""

    def __init__(self, *args, **kwargs):  # noqa: ANN002, ANN003 - argparse's signature
        kwargs.setdefault("formatter_class", Formatter)
        helped = kwargs.pop("add_help", True)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "arguments"
        self._optionals.title = "options"
        if helped:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                              help="afficher cette aide, puis quitter")

    def error(self, message: str):  # noqa: ANN201 - argparse's signature: never returns
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog} : {french(message)}\nIndice : « {self.prog} --help » décrit chaque argument\n")
