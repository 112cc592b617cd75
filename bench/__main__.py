"""`python -m bench <step> [options]`: one benchmark step (pages, reports, load), run with Django
set up for bench.settings against the database in DATABASE_URL. `python -m bench.run` runs them
all; `make bench` starts the servers first."""

import importlib
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
django.setup()

from yourchoice.scoping import all_cases  # noqa: E402  (needs the apps loaded first)

step = sys.argv.pop(1)
# The step's own setup and checks read the programme's data; the pages it requests run in the
# scope of the person signed in, as in production.
with all_cases("a benchmark's setup and checks"):
    importlib.import_module(f"bench.{step}").main()
