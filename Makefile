# Two commands: `make run` and `make test`. Everything else here serves them.
# Stamp files make the slow steps run again only when their inputs change.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SCSS := $(shell find static/scss -type f 2>/dev/null)

.PHONY: venv assets run test bench backup restore audit lint format demo-code openapi manage clean

## The virtualenv, reinstalled when pyproject.toml is newer than its stamp.
venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

## GOV.UK Frontend compiled for us: npm ci when the lock file changes, a build when the Sass does.
assets: build/.built

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

build/.built: node_modules/.installed scripts/build-assets.mjs $(SCSS) $(wildcard static/js/offline/*.mjs)
	npm run --silent build
	touch $@

## Start the whole service with demo data (embedded PostgreSQL and Redis unless DATABASE_URL/REDIS_URL are set).
run: venv assets
	$(PY) -m devtools.stack run

## Every test: unit and integration in parallel processes, browser tests beside them. Pass pytest options with ARGS="...".
test: venv assets
	$(PY) -m devtools.stack test $(ARGS)

## Benchmarks at scale 1 and 10 (bench/README.md): one table, JSON in bench/results/. ARGS="--reuse" keeps seeded data.
bench: venv
	$(PY) -m devtools.stack bench $(ARGS)

## A pg_dump of the database to var/backups/ (or FILE=path); README.md "Operations".
backup: venv
	$(PY) -m devtools.stack backup $(if $(FILE),--file "$(FILE)")

## Replace the database with a backup: make restore FILE=var/backups/....dump CONFIRM=yes
restore: venv
	$(PY) -m devtools.stack restore $(if $(FILE),"$(FILE)") $(if $(filter yes,$(CONFIRM)),--yes)

## Known vulnerabilities in the installed Python dependencies (pip-audit, PyPI's data).
audit: venv
	$(PY) scripts/audit_dependencies.py

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports --no-cache

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## The current code for the demo accounts' authenticator (demo data only).
demo-code: venv
	@DJANGO_DEBUG=true DJANGO_SECRET_KEY=unused $(PY) -c "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'yourchoice.settings'); django.setup(); from devtools.management.commands.demo_signins import current_code; print(current_code())"

## Regenerate the committed OpenAPI schema after a deliberate API change.
openapi: venv
	DJANGO_SETTINGS_MODULE=yourchoice.test_settings $(PY) manage.py spectacular --validate --fail-on-warn --file openapi.yaml

## Any manage.py command with the services up, e.g. make manage ARGS="createsuperuser".
manage: venv
	$(PY) -m devtools.stack manage $(ARGS)

## Local data (embedded databases, secret key, reports) and built assets.
clean:
	rm -rf var build
