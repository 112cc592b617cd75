# Two commands: `make run` and `make test`. Everything else here serves them.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test lint format assets demo-code manage openapi clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

build/.built: package.json package-lock.json scripts/build-assets.mjs $(wildcard static/scss/*.scss)
	npm ci --no-audit --no-fund --loglevel=error
	npm run --silent build
	touch $@

assets: build/.built

## Start the whole service with demo data (embedded PostgreSQL and Redis unless DATABASE_URL/REDIS_URL are set).
run: $(VENV)/.installed build/.built
	$(PY) -m yourchoice.stack run

## Run every test: unit and integration, then browser tests. Pass pytest options with ARGS="...".
test: $(VENV)/.installed build/.built
	$(PY) -m yourchoice.stack test $(ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## The current code for the demo accounts' authenticator (demo data only).
demo-code: $(VENV)/.installed
	@DJANGO_DEBUG=true DJANGO_SECRET_KEY=unused $(PY) -c "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'yourchoice.settings'); django.setup(); from yourchoice.management.commands.demo_signins import current_code; print(current_code())"

## Regenerate the committed OpenAPI schema after a deliberate API change.
openapi: $(VENV)/.installed
	DJANGO_SETTINGS_MODULE=yourchoice.test_settings $(PY) manage.py spectacular --validate --fail-on-warn --file openapi.yaml

## Any manage.py command with the services up, e.g. make manage ARGS="createsuperuser".
manage: $(VENV)/.installed
	$(PY) -m yourchoice.stack manage $(ARGS)

clean:
	rm -rf var build
