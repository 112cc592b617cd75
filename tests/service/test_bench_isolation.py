"""`make bench` beside `make run` on one checkout: both reach the same embedded Redis, so the
benchmark's jobs must live under keys the service's workers never read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# What Celery itself made of the settings: where each queue and result key lives.
READ_NAMESPACE = """
import json, django
django.setup()
from yourchoice.celery import app
conf = app.conf
print(json.dumps({
    "broker": [conf.broker_url, conf.broker_transport_options.get("global_keyprefix", "")],
    "results": [
        conf.result_backend,
        conf.result_backend_transport_options.get("global_keyprefix", ""),
    ],
}))
"""


def _namespace(settings_module: str, **extra: str) -> dict[str, list[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "JOB_KEY_PREFIX"))}
    env.update(extra, DJANGO_SETTINGS_MODULE=settings_module)
    done = subprocess.run(
        [sys.executable, "-c", READ_NAMESPACE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_benchmarks_queue_and_keep_results_apart_from_the_service_on_the_same_redis():
    # The environment the local runner gives `make run` (devtools/stack.py services()).
    service = _namespace("yourchoice.settings", DJANGO_DEBUG="true", DJANGO_SECRET_KEY="x" * 50)
    bench = _namespace("bench.settings")
    assert bench["broker"][0] == service["broker"][0], "both are meant to share one Redis here"
    assert bench["broker"] != service["broker"]
    assert bench["results"] != service["results"]
