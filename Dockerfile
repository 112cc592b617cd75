# The production shape: gunicorn serving Django, with static files built in.
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY scripts ./scripts
COPY static ./static
RUN npm run build

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir .
COPY --from=assets /app/build ./build
RUN DJANGO_SECRET_KEY=build-only EXTRACT_KEY=build-only DJANGO_STATIC_MANIFEST=true python manage.py collectstatic --noinput
RUN useradd --create-home --uid 10001 yourchoice && mkdir -p /var/lib/yourchoice/media \
    && chown yourchoice /var/lib/yourchoice/media
USER yourchoice
EXPOSE 8000
CMD ["gunicorn", "yourchoice.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
