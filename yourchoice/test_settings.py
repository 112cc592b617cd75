"""Settings for the test suite: the real settings, with test-only values set first."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-used-anywhere-else-0123456789")
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "false")
os.environ.setdefault("DJANGO_HSTS_SECONDS", "0")
# The tripwire is always on in tests: unscoped access to case data fails the test.
os.environ["CASE_DATA_TRIPWIRE"] = "true"
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
os.environ.setdefault("DJANGO_STATIC_MANIFEST", "false")
os.environ.setdefault("EXTRACT_KEY", "test-only-extract-key")

from yourchoice.settings import *  # noqa: E402,F403

# Hashing passwords properly is slow by design; the cast has eleven accounts per test.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
