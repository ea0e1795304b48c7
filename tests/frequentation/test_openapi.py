"""schemathesis drives every operation of the published OpenAPI document with generated requests, valid and
not: no server error, every answer as documented (status, content type, body schema, Allow header…).

schemathesis collects the operations when the module is imported, so the app (on a throwaway SQLite file) is
made at import time too (its ``from_fixture`` fails under pytest 9); the fast tier does not import this module
(``pytest_ignore_collect`` in conftest.py)."""
from __future__ import annotations

import pytest

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

from frequentation import auth
from frequentation.referentiel import Listes, Reseau

from .conftest import MAISONS, REPO, Api

pytestmark = pytest.mark.lent

_folder = Path(tempfile.mkdtemp(prefix="msap-openapi-"))
atexit.register(shutil.rmtree, _folder, True)
_api = Api(f"sqlite:///{_folder / 'f.sqlite'}", Reseau(Listes.load(REPO), dict(MAISONS)), rafale=10**6, debit=10**6,
           rafale_anonyme=10**6, debit_anonyme=10**6)
_api.post("fs-a", {"quand": "2026-11-26T10:15", "canal": "sur-place", "theme": "famille", "niveau": "information",
                   "resultat": "resolu"})
HEADERS = {"Authorization": f"Bearer {auth.create(_api.engine, 'agent', maison='fs-a')[1]}"}
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", _api.app)


@schema.parametrize()
@settings(max_examples=int(os.environ.get("MSAP_SCHEMATHESIS_EXEMPLES", "30")), deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case):
    # Every check, « schema-valid data is accepted » included: whatever the document allows is answered (dates,
    # months and periods are written so that no valid combination is refused; a Maison unknown to the content is
    # a documented 404).
    case.call_and_validate(headers={**HEADERS, **(case.headers or {})})
