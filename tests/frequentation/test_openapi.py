"""schemathesis drives every operation of the published OpenAPI document with generated requests, valid and
not: no server error, every answer as documented (status, content type, body schema, Allow header…).

schemathesis collects the operations when the module is imported, so the app (on a throwaway SQLite file) is
made at import time too."""
from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from frequentation import auth
from frequentation.referentiel import Listes, Reseau

from .conftest import MAISONS, REPO, Api

_folder = Path(tempfile.mkdtemp(prefix="msap-openapi-"))
atexit.register(shutil.rmtree, _folder, True)
_api = Api(f"sqlite:///{_folder / 'f.sqlite'}", Reseau(Listes.load(REPO), dict(MAISONS)), rafale=10**6, debit=10**6)
_api.post("fs-a", {"quand": "2026-11-26T10:15", "canal": "sur-place", "theme": "famille", "niveau": "information",
                   "resultat": "resolu"})
HEADERS = {"Authorization": f"Bearer {auth.create(_api.engine, 'agent', maison='fs-a')[1]}"}
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", _api.app)


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case):
    # Every check but « schema-valid data is accepted »: rules the schema cannot carry (a Maison id must exist in
    # the content, a period must not end before it starts, a date after 2000) refuse such requests with a
    # documented 4xx and a reason — which the other checks verify.
    case.call_and_validate(headers={**HEADERS, **(case.headers or {})}, excluded_checks=[positive_data_acceptance])
