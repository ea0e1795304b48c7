"""The OpenAPI document by FastAPI's book: the bearer scheme declared (HTTPBearer) on the operations that need a
token, every answer described in French, and a documentation page (Swagger UI) the API serves itself."""
from __future__ import annotations

import http
import re

import pytest

#: English left by FastAPI's defaults, HTTP's reason phrases and pydantic's error schemas
ENGLISH = re.compile(r"\b(Successful Response|Validation Error|Response \w+|Input|Location|Message|Error Type)\b")
PHRASES = {s.phrase for s in http.HTTPStatus}


def _texts(node, path=""):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("description", "summary", "title") and isinstance(value, str):
                yield f"{path}/{key}", value
            yield from _texts(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _texts(value, f"{path}/{i}")


@pytest.fixture
def doc(api) -> dict:
    return api.client.get("/api/v1/openapi.json").json()


def test_the_bearer_scheme_is_declared_where_a_token_is_needed(doc, api):
    assert doc["components"]["securitySchemes"]["jeton"] == {
        "type": "http", "scheme": "bearer", "description": doc["components"]["securitySchemes"]["jeton"]["description"]}
    secured = {(m, p) for p, ops in doc["paths"].items() for m, op in ops.items() if op.get("security")}
    assert ("post", "/api/v1/maisons/{maison}/visites") in secured and ("get", "/api/v1/moi") in secured
    assert ("get", "/api/v1/statistiques") not in secured and ("get", "/api/v1/sante") not in secured
    for method, path in secured:  # each one really refuses a call without a token, in French
        url = path.replace("{maison}", "fs-a").replace("{code}", "23").replace("{visite_id}", "1")
        answer = api.client.request(method.upper(), url, json={})
        assert answer.status_code == 401 and answer.json()["erreur"] == "jeton manquant", (method, path)
        assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_no_english_is_left(doc):
    english = [(where, text) for where, text in _texts(doc) if ENGLISH.search(text) or text in PHRASES]
    assert english == []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            for status, answer in op["responses"].items():
                assert answer["description"] and answer["description"] not in PHRASES, (method, path, status)


def test_the_rule_catches_fastapi_s_defaults():
    assert any(ENGLISH.search(t) or t in PHRASES for _, t in _texts({"a": {"description": "Successful Response"},
                                                                      "b": {"description": "Not Found"}}))


def test_the_documentation_page_is_served_by_the_api(api):
    page = api.client.get("/docs")
    assert page.status_code == 200 and 'lang="fr"' in page.text and "/docs/swagger-ui-bundle.js" in page.text
    assert "https://" not in page.text.split("<body>")[0]  # nothing from another site
    for name, kind in (("swagger-ui.css", "text/css"), ("swagger-ui-bundle.js", "text/javascript"),
                       ("init.js", "text/javascript"), ("LICENSE", "text/plain")):
        answer = api.client.get(f"/docs/{name}")
        assert answer.status_code == 200 and answer.headers["content-type"].startswith(kind), name
    assert "Apache License" in api.client.get("/docs/LICENSE").text
    missing = api.client.get("/docs/..%2F..%2Fpyproject.toml")
    assert missing.status_code == 404 and "indice" in missing.json()
    assert api.client.get("/docs/index.js").status_code == 404  # only what the page loads
