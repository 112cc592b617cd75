"""Settings for the test suite: the real settings, with test-only values set first."""

import os
from pathlib import Path

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-used-anywhere-else-0123456789")
os.environ.setdefault("DJANGO_DEBUG", "false")
# The demo data's tests run its management command (devtools/, off without DEBUG).
os.environ.setdefault("DEV_TOOLS", "true")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "false")
os.environ.setdefault("DJANGO_HSTS_SECONDS", "0")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
os.environ.setdefault("DJANGO_STATIC_MANIFEST", "false")
os.environ.setdefault("EXTRACT_KEY", "test-only-extract-key")
os.environ.setdefault("COUNCIL_SIGN_IN_KEYS", "test-only-council-sign-in-key")
# The tests' own provider (devtools/oidc_provider.mjs) runs on plain http on this machine.
os.environ.setdefault("COUNCIL_SIGN_IN_ALLOW_HTTP", "true")
# Transactional tests reload reference data with new ids: no definition may outlive a test.
os.environ.setdefault("MEASURE_DEFINITION_CACHE_SECONDS", "0")
# Counts in Redis outlive a test: the per-address sign-in limit is on only in the tests of it
# (tests/accounts/test_address_limit.py), so other tests' failures never add up to it.
os.environ.setdefault("SIGN_IN_ADDRESS_ACCOUNT_LIMIT", "0")

# Under pytest-xdist (`make test` runs the unit suite in parallel) each worker process has its
# own test database (pytest-django names it after the worker), and here its own Redis keys and
# files: jobs under a key prefix of its own (no worker takes another's, nor the browser tests'),
# and report, extract and audit archive files in a folder of its own (they are named after
# database ids, which every worker's database repeats). Set in the environment, so a Celery
# worker a test starts inherits them; such a child (which inherits PYTEST_XDIST_WORKER too)
# keeps what it was given, a test's own MEDIA_ROOT included.
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if _XDIST_WORKER and os.environ.get("TEST_SETTINGS_WORKER") != _XDIST_WORKER:
    os.environ["TEST_SETTINGS_WORKER"] = _XDIST_WORKER
    _VAR = Path(__file__).resolve().parent.parent / "var"
    _prefix = os.environ.get("JOB_KEY_PREFIX", "")
    os.environ["JOB_KEY_PREFIX"] = f"{_prefix}test-{_XDIST_WORKER}:"
    for _name, _default in (
        ("MEDIA_ROOT", _VAR / "test-media"),
        ("AUDIT_ARCHIVE_DIR", _VAR / "test-audit-archive"),
    ):
        os.environ[_name] = str(Path(os.environ.get(_name) or _default) / _XDIST_WORKER)

from yourchoice.settings import *  # noqa: E402,F403

# Hashing passwords properly is slow by design; the cast has eleven accounts per test.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The primary stands in for the read replica (tests/service/test_replica.py switches it on).
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405

# Fault tests start a worker that must be killed half way through writing a report's files:
# this pause between files (0 unless that test sets it) gives the kill a moment to land in.
FILE_WRITE_PAUSE_SECONDS = float(os.environ.get("FILE_WRITE_PAUSE_SECONDS", "0"))

# Tests collect no static files (pages name the source files, served from the source folders).
# A STATIC_ROOT of their own, which nothing writes to: WhiteNoise lists STATIC_ROOT when a test
# client starts, and `make run` collects into var/staticfiles, perhaps at that very moment.
STATIC_ROOT = BASE_DIR / "var" / "test-staticfiles"  # noqa: F405
