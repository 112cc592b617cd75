# The production shape: gunicorn serving Django, whitenoise serving the static files built in.
# docker-compose.yml runs this image as the web server, the Celery worker and beat.

# --- GOV.UK Frontend compiled for us (scripts/build-assets.mjs writes build/) ---------------
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY scripts ./scripts
COPY static ./static
RUN npm run build

# --- The service --------------------------------------------------------------------------
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MEDIA_ROOT=/var/lib/yourchoice/media

# WeasyPrint (PDF reports) needs pango and a font.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Dependencies first, from pyproject.toml alone (the project installs no package of its own),
# so that a code change reuses this layer.
COPY pyproject.toml ./
RUN pip install .

# The code, folder by folder, so that local things (.venv, node_modules, var/, .env) can never
# end up in the image. A new Django app must be added here; collectstatic below fails if not.
# Developer tooling (devtools/: the local runner, demo data; bench/) is deliberately left out.
COPY manage.py ./
COPY yourchoice ./yourchoice
COPY accounts ./accounts
COPY cases ./cases
COPY sessions ./sessions
COPY supervision ./supervision
COPY outcomes ./outcomes
COPY caseload ./caseload
COPY casework ./casework
COPY templates ./templates
COPY static ./static
COPY --from=assets /app/build ./build

# Hashed, compressed static files for whitenoise. The keys are placeholders that exist only so
# the settings load; the real ones come from the environment at run time.
RUN DJANGO_DEBUG=false DJANGO_STATIC_MANIFEST=true \
    DJANGO_SECRET_KEY=build-time-placeholder-never-used-to-sign-anything-0123456789 \
    EXTRACT_KEY=build-time-placeholder \
    COUNCIL_SIGN_IN_KEYS=build-time-placeholder \
    python manage.py collectstatic --noinput

# Which code this image holds, for every report's provenance (yourchoice/build.py): build with
#   docker build --build-arg YOURCHOICE_BUILD=$(git rev-parse HEAD) .
# The image has no git checkout, so without it reports say plainly that the commit is unknown.
# Last, so that a new commit reuses every layer above.
ARG YOURCHOICE_BUILD=""
RUN if [ -n "$YOURCHOICE_BUILD" ]; then printf '%s\n' "$YOURCHOICE_BUILD" > BUILD_ID; fi

RUN useradd --system --create-home --uid 10001 yourchoice \
    && mkdir -p "$MEDIA_ROOT" && chown yourchoice "$MEDIA_ROOT"
USER yourchoice

EXPOSE 8000
CMD ["gunicorn", "yourchoice.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
