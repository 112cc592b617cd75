"""gunicorn entry point for the load benchmarks (bench.settings: the service plus baselines)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
application = get_wsgi_application()
