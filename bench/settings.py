"""Settings for benchmarks: the real settings, served as in production, plus two baseline views.

DEBUG is off (as in production: no query log kept in memory). Everything else, middleware and
the case scope included, is what a coach's browser meets.
"""

import os
from pathlib import Path
from typing import cast

os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-not-used-anywhere-else-0123456")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "false")
os.environ.setdefault("DJANGO_HSTS_SECONDS", "0")
os.environ.setdefault("DJANGO_STATIC_MANIFEST", "false")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
os.environ.setdefault("EXTRACT_KEY", "bench-only-extract-key")
os.environ.setdefault("COUNCIL_SIGN_IN_KEYS", "bench-only-council-sign-in-key")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
# Queues and results of their own in Redis: `make bench` shares `make run`'s embedded Redis, and
# the demo's worker would otherwise take the benchmark's reports (and run them on the wrong
# database) while the benchmark waits for them.
os.environ["JOB_KEY_PREFIX"] = "bench:"
# Static files of their own (bench/weight.py collects them), apart from those `make run` collects
# into var/staticfiles, perhaps while a benchmark's gunicorn lists what is there.
os.environ.setdefault(
    "STATIC_ROOT", str(Path(__file__).resolve().parent.parent / "var" / "bench" / "staticfiles")
)
# A load test makes thousands of API and page requests as a handful of people.
os.environ.setdefault("API_RATE_LIMIT", "1000000/hour")

from yourchoice.settings import *  # noqa: E402,F403

ROOT_URLCONF = "bench.urls"
TEMPLATES[0]["DIRS"] = [*cast(list[Path], TEMPLATES[0]["DIRS"]), BASE_DIR / "bench" / "templates"]  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - whitenoise warns when it is missing
