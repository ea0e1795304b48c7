# Two commands for a newcomer (see README): `make serve` (the portal) and `make test`.
PYTHON   ?= python3
VENV     ?= .venv
BIN       = $(VENV)/bin
CHROMIUM ?= /usr/bin/chromium
# apt-get needs root: through sudo when we are not root.
SUDO      = $(if $(filter 0,$(shell id -u)),,sudo)
APT_LOG  ?= /tmp/msap-apt-install.log

.PHONY: setup system serve build check test schema lock

## Set up the Python environment (.venv) and the browser-test tools (node_modules).
setup: $(VENV)/.installed node_modules/.installed

## The package and its test extra, in .venv, at the versions of requirements.lock (redone when either changes).
$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[test]'
	touch $@

## Rewrite requirements.lock: the package and its test extra resolved afresh in a throwaway environment.
lock:
	rm -rf /tmp/msap-lock && $(PYTHON) -m venv /tmp/msap-lock
	/tmp/msap-lock/bin/pip install --quiet --disable-pip-version-check -e '.[test]'
	{ head -n 2 requirements.lock; /tmp/msap-lock/bin/pip freeze --exclude-editable; } > requirements.lock.new
	mv requirements.lock.new requirements.lock && rm -rf /tmp/msap-lock

## axe-core and vnu-jar from package-lock.json (redone when it changes). --ignore-scripts: vnu-jar's
## postinstall would download a Java runtime from GitHub; `system` installs Debian's instead.
node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund --silent --ignore-scripts
	touch $@

## System packages for the tests, when missing: Chromium and its driver, a Java runtime (vnu.jar), PostgreSQL
## (the visit-tracking API is tested against it; the tests start their own server).
system:
	@packages=""; \
	if [ ! -x $(CHROMIUM) ]; then packages="chromium chromium-driver"; fi; \
	if ! command -v java >/dev/null 2>&1; then packages="$$packages default-jre-headless"; fi; \
	if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then packages="$$packages postgresql"; fi; \
	if [ -n "$$packages" ]; then \
	  echo "Installation des paquets système :$$packages (journal dans $(APT_LOG))"; \
	  { $(SUDO) apt-get update -qq && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$packages; } >$(APT_LOG) 2>&1 \
	  || { tail -n 30 $(APT_LOG); exit 1; }; \
	fi

## Set up, then build the portal of the whole real network and serve it on http://127.0.0.1:8000/
## (rebuilt on every change of content/, theme/, pages/ or mkdocs.yml).
serve: setup
	$(BIN)/msap serve

## Set up, then build the public portal into _site/ (what a web server publishes).
build: setup
	$(BIN)/msap build

## Set up, then check the whole committed network (fiches, ressources, projets).
check: setup
	$(BIN)/msap check

## Set up (with the system packages), then run the whole test suite: every tier, browser tests included
## (`.venv/bin/pytest` alone runs the fast tier).
test: setup system
	$(BIN)/python -m pytest -q -m ""

## Regenerate schemas/ and docs/ from the models.
schema: setup
	$(BIN)/msap schema
