"""`python -m bench <step> [options]`: one benchmark step (pages, reports, load), run with Django
set up for bench.settings against the database in DATABASE_URL. `python -m bench.run` runs them
all; `make bench` starts the servers first."""

import importlib
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
django.setup()
step = sys.argv.pop(1)
importlib.import_module(f"bench.{step}").main()
