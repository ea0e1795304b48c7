# Two commands for a newcomer (see README): `make check` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: setup check test schema
setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

## Set up, then check the whole committed network (fiches, ressources, projets).
check: setup
	$(BIN)/msap check

## Set up, then run the whole test suite.
test: setup
	$(BIN)/python -m pytest -q

## Regenerate schemas/ and docs/ from the models.
schema: setup
	$(BIN)/msap schema
