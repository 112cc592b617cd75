"""Baselines: the cheapest page and the cheapest write the service could possibly serve.

A page's time is reported as a ratio to `baseline` measured in the same run, so a noisy shared
machine moves both alike. `baseline` renders the base template (navigation, header, footer)
after one indexed query; `baseline_insert` inserts one row. Both sit behind the same middleware
(sign-in, two-factor, CSRF, security headers) as every other page.
"""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from accounts.models import Authority


@login_required
def baseline(request: HttpRequest) -> HttpResponse:
    authority = Authority.objects.get(gss_code="E09000012")
    return render(request, "bench/baseline.html", {"authority": authority})


@login_required
@require_POST
def baseline_insert(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_baseline_row "
            "(id bigserial PRIMARY KEY, made_at timestamptz NOT NULL DEFAULT now(), key uuid)"
        )
        cursor.execute(
            "INSERT INTO bench_baseline_row (key) VALUES (%s)",
            [request.POST.get("idempotency_key") or None],
        )
    return HttpResponse(status=204)
