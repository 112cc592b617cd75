"""Settings for the Your Choice service.

Everything that differs between machines comes from the environment (see .env.example). The
local runner (`devtools/stack.py`) sets DATABASE_URL and REDIS_URL to embedded servers when
they are not given, so there is one code path: always PostgreSQL, always Redis.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from yourchoice import static_files
from yourchoice.env import env_bool, env_int, env_list, env_str
from yourchoice.jobs import redis_connection

BASE_DIR = Path(__file__).resolve().parent.parent
VERSION = "0.1.0"

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off. `make run` sets one for you."
        )
    SECRET_KEY = "insecure-local-development-key-never-used-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "accounts.admin_site.YourChoiceAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # WhiteNoise serves static files under runserver too (`make run`), as under gunicorn.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # PostgreSQL's index operator classes (the search's trigram indexes) and its lookups.
    "django.contrib.postgres",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # Passkeys: a django-otp device, so a passkey sign-in is a verified session like a code.
    "django_otp_webauthn",
    "axes",
    "crispy_forms",
    "crispy_forms_gds",
    "django_celery_beat",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "yourchoice",
    "accounts",
    "cases",
    "sessions.apps.CoachingConfig",
    "supervision",
    "outcomes",
    "caseload",
    "casework",
]
# Developer tooling (devtools/: demo data and its commands, the local runner) is not in the
# production image: the app is added only for development, the tests and the benchmarks' seeding.
DEV_TOOLS = env_bool("DEV_TOOLS", DEBUG)
if DEV_TOOLS:
    INSTALLED_APPS.append("devtools")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise (whose files are compressed already), before anything that writes a body.
    "yourchoice.web.middleware.PageCompressionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Every case query in a request holds only what its person may see (yourchoice/scoping.py).
    "yourchoice.web.middleware.CaseScopeMiddleware",
    "yourchoice.web.middleware.SignInRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # While the phone is with a young person, only their own screen answers (S7).
    "yourchoice.web.middleware.HandOverLockMiddleware",
    # Inside the messages middleware: says why a sign-in that reached its limit ended.
    "yourchoice.web.middleware.IdleTimeoutMiddleware",
    # Inside the messages middleware: says on the next page what a queue outage delayed.
    "yourchoice.web.middleware.DelayedWorkMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "yourchoice.web.middleware.SecurityHeadersMiddleware",
    # A view that loses the database answers 503 and keeps what was sent (docs/faults.md).
    "yourchoice.web.middleware.DatabaseUnavailableMiddleware",
    # Every successful read of a named record is audited, whatever the channel (X2).
    "yourchoice.web.middleware.ReadAuditMiddleware",
    # Axes last, as its documentation asks, so it sees every authentication attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "yourchoice.urls"
WSGI_APPLICATION = "yourchoice.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "casework.navigation.navigation",
            ],
        },
    }
]

# --- Data -----------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/yourchoice")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL: it is the only database.")
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Named after the database, so checkouts sharing one server keep apart their test databases.
DATABASES["default"].setdefault("TEST", {})["NAME"] = env_str(
    "DATABASE_TEST_NAME", f"test_{DATABASES['default']['NAME']}"
)
# Optional read replica for reports and extracts (yourchoice/data/db.py). Each process keeps its
# connections open for CONN_MAX_AGE seconds, checked before reuse; across many processes, put
# PgBouncer (transaction pooling) in front and set DATABASE_POOLER=true (README).
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
REPORTS_ON_REPLICA = bool(DATABASE_REPLICA_URL)
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60)
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_POOLER = env_bool("DATABASE_POOLER", False)
if DATABASE_POOLER:
    # Transaction pooling hands each transaction any server connection: no server-side cursors.
    for database in DATABASES.values():
        database["DISABLE_SERVER_SIDE_CURSORS"] = True
DATABASE_ROUTERS = ["yourchoice.data.db.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")

# --- People and sign-in ---------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:sign-in"
#: Where a browser goes while the phone is with a young person, to be unlocked (S7).
HANDOVER_UNLOCK_URL = "accounts:unlock"
LOGIN_REDIRECT_URL = "home"

# How long a sign-in lasts (docs/sign-in.md). Idle timeout: the session expires this many
# seconds after the last request; the expiry slides with use, refreshed at most once a minute
# (IdleTimeoutMiddleware).
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_TIMEOUT_SECONDS", 30 * 60, minimum=60)
SESSION_SAVE_EVERY_REQUEST = False
# However busy, a sign-in ends this many hours after it began (IdleTimeoutMiddleware): a phone
# kept in use, or left open on a desk that someone keeps awake, still asks again next day.
SESSION_MAX_HOURS = env_int("SESSION_MAX_HOURS", 10, minimum=1)
# A desktop browser forgets the sign-in when it closes. Phones rarely close their browsers, so
# the two limits above are what end a sign-in there.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Lockout after repeated failures (django-axes), keyed on the account so that an attacker
# moving between addresses cannot keep guessing.
AXES_FAILURE_LIMIT = env_int("SIGN_IN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("SIGN_IN_LOCKOUT_MINUTES", 30, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = ["username"]
# Council offices sit behind shared addresses: locking by address would let one person's typos
# lock out a whole borough office, so lockout is per account (axes warns about this choice).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_USERNAME_FORM_FIELD = "email"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_VERBOSE = False
# Spraying (one guess on each of many accounts) from one address: when failures for this many
# distinct accounts come from an address within the window, attempts from it are paced to one
# per SIGN_IN_ADDRESS_PACE_SECONDS, except from browsers that signed in to the account before
# (accounts/address_limit.py, docs/sign-in.md). 0 switches the limit off.
SIGN_IN_ADDRESS_ACCOUNT_LIMIT = env_int("SIGN_IN_ADDRESS_ACCOUNT_LIMIT", 10, minimum=0)
SIGN_IN_ADDRESS_WINDOW_MINUTES = env_int("SIGN_IN_ADDRESS_WINDOW_MINUTES", 15, minimum=1)
SIGN_IN_ADDRESS_PACE_SECONDS = env_int("SIGN_IN_ADDRESS_PACE_SECONDS", 10, minimum=1)

OTP_TOTP_ISSUER = "Your Choice"
# Demo accounts share one TOTP secret so that a newcomer can sign in; seed_demo refuses to run
# when DEMO_TOTP_SECRET is set outside DEBUG.
DEMO_TOTP_SECRET = env_str("DEMO_TOTP_SECRET", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")

# Council sign-in (docs/sign-in.md): each authority's own OpenID Connect provider, set in the
# admin. The client secrets are stored encrypted with these keys (comma-separated: the first
# encrypts, every one decrypts, so a new key goes first and the old one stays until the secrets
# are saved again). Required in production, like the secret key.
COUNCIL_SIGN_IN_KEYS = env_list("COUNCIL_SIGN_IN_KEYS", [])
if not COUNCIL_SIGN_IN_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured("COUNCIL_SIGN_IN_KEYS must be set when DJANGO_DEBUG is off.")
    COUNCIL_SIGN_IN_KEYS = [SECRET_KEY + ":council-sign-in"]
# Providers must be https; plain http only for the local provider of `make run` and the tests.
COUNCIL_SIGN_IN_ALLOW_HTTP = env_bool("COUNCIL_SIGN_IN_ALLOW_HTTP", DEBUG)
# How long the service waits for a provider's answer, and how long a person may take at their
# council's sign-in page before the sign-in must start again.
COUNCIL_SIGN_IN_TIMEOUT_SECONDS = env_int("COUNCIL_SIGN_IN_TIMEOUT_SECONDS", 5, minimum=1)
COUNCIL_SIGN_IN_MINUTES = env_int("COUNCIL_SIGN_IN_MINUTES", 10, minimum=1)
# Clocks differ a little: an ID token is accepted this many seconds either side of its times.
COUNCIL_SIGN_IN_CLOCK_LEEWAY_SECONDS = env_int(
    "COUNCIL_SIGN_IN_CLOCK_LEEWAY_SECONDS", 60, minimum=0
)

# --- Security -------------------------------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_PROXY", False) else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Email ----------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# The address people use to reach the service, for links in emails.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Your Choice <no-reply@yourchoice.invalid>")

# --- Passkeys -------------------------------------------------------------------------------
# Passkeys (django-otp-webauthn): the phone's fingerprint or face unlock signs a person in with
# both factors in one step. A passkey belongs to one site name (the relying party ID): changing
# PASSKEY_RP_ID later makes every passkey unusable. WebAuthn accepts https origins, and
# http://localhost for development; never an IP address. By default the name and origin come
# from SITE_URL when it is https, else from `make run`'s http://localhost:8000.
PASSKEY_ORIGINS = env_list("PASSKEY_ORIGINS", []) or (
    [SITE_URL] if SITE_URL.startswith("https://") else ["http://localhost:8000"]
)
PASSKEY_RP_ID = env_str("PASSKEY_RP_ID", urlsplit(PASSKEY_ORIGINS[0]).hostname or "localhost")


def _check_passkey_settings(rp_id: str, origins: list[str]) -> None:
    try:
        ipaddress.ip_address(rp_id)
    except ValueError:
        pass
    else:
        raise ImproperlyConfigured(
            f"PASSKEY_RP_ID must be a name such as yourchoice.example.org, not the address {rp_id}."
        )
    for origin in origins:
        host = urlsplit(origin).hostname or ""
        if host != rp_id and not host.endswith(f".{rp_id}"):
            raise ImproperlyConfigured(
                f"PASSKEY_ORIGINS: {origin} is not on {rp_id} (PASSKEY_RP_ID) or a subdomain of it."
            )


_check_passkey_settings(PASSKEY_RP_ID, PASSKEY_ORIGINS)
OTP_WEBAUTHN_RP_ID = PASSKEY_RP_ID
OTP_WEBAUTHN_RP_NAME = "Your Choice"
OTP_WEBAUTHN_ALLOWED_ORIGINS = PASSKEY_ORIGINS
# The phone must check who holds it (fingerprint, face or its PIN) every time: that check is the
# second factor (accounts/passkeys.py).
OTP_WEBAUTHN_HELPER_CLASS = "accounts.passkeys.PasskeyHelper"
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = True
OTP_WEBAUTHN_TIMEOUT_SECONDS = 5 * 60

# --- Background jobs ------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task a worker took but never finished (the worker was killed) goes back on the queue after
# this long: longer than the longest task (an extract may run 16 minutes), shorter than
# REPORT_STUCK_MINUTES, so a lost report is made again before it would be marked failed. The
# socket timeouts stop a Redis that vanished or hung without closing its connections holding up
# the relay or a worker for longer than that: they give up, reconnect and carry on (web
# requests never contact Redis: docs/faults.md). Keepalive and the health check find a
# connection that died silently (a network partition) before it is used.
# TCP keepalive exists only for a TCP address, not the embedded Redis's unix socket.
_REDIS_OVER_TCP = not redis_connection.is_socket(REDIS_URL)
# Every key the broker and the result store write in Redis (queues, unacknowledged tasks,
# results) starts with this. Two users of one Redis with different prefixes never take each
# other's jobs: the benchmarks set their own (bench/settings.py) beside `make run`'s.
JOB_KEY_PREFIX = env_str("JOB_KEY_PREFIX", "")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT_SECONDS", 20 * 60, minimum=1),
    "socket_connect_timeout": 3,
    "socket_timeout": 10,
    "health_check_interval": 25,
    "global_keyprefix": JOB_KEY_PREFIX,
    **({"socket_keepalive": True} if _REDIS_OVER_TCP else {}),
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"global_keyprefix": JOB_KEY_PREFIX}
CELERY_BROKER_CONNECTION_TIMEOUT = 3
# The result store is the same Redis: the same bounds (Celery's default read timeout is 120 s).
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 3
CELERY_REDIS_SOCKET_TIMEOUT = 10
CELERY_REDIS_SOCKET_KEEPALIVE = _REDIS_OVER_TCP
CELERY_REDIS_BACKEND_HEALTH_CHECK_INTERVAL = 25
# The relay (manage.py relay_jobs) moves committed jobs from the outbox to Redis at once when
# woken by PostgreSQL NOTIFY, and at least this often in any case (yourchoice/jobs/queue.py).
OUTBOX_RELAY_POLL_SECONDS = env_int("OUTBOX_RELAY_POLL_SECONDS", 1, minimum=1)
# Reports and extracts have a queue of their own, so a long London report never holds up a
# safeguarding email, the digest or a retry. A worker started without -Q serves both queues; at
# scale, run `celery worker -Q celery` and `celery worker -Q reports` apart (README).
CELERY_TASK_QUEUES = (Queue("celery"), Queue("reports"))
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    "outcomes.tasks.generate_report": {"queue": "reports"},
    "outcomes.tasks.generate_extract": {"queue": "reports"},
    # Checking and saving an imported file are as long jobs (casework/imports/).
    "casework.imports.tasks.check_import": {"queue": "reports"},
    "casework.imports.tasks.save_import": {"queue": "reports"},
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "Europe/London"
# Schedules live in code; django-celery-beat copies them into its tables at start-up.
CELERY_BEAT_SCHEDULE = {
    "weekly-supervision-digest": {
        "task": "supervision.tasks.send_weekly_digests",
        "schedule": crontab(minute=0, hour=7, day_of_week="mon"),
    },
    "monthly-outcome-reports": {
        "task": "outcomes.tasks.make_monthly_reports",
        "schedule": crontab(minute=0, hour=5, day_of_month=1),
    },
    "sweep-stuck-reports": {
        "task": "outcomes.tasks.sweep_stuck_reports",
        "schedule": crontab(minute="*/10"),
    },
    "sweep-stuck-imports": {
        "task": "casework.imports.tasks.sweep_stuck_imports",
        "schedule": crontab(minute="*/10"),
    },
    # A backstop for the relay: jobs still in the outbox (yourchoice/jobs/queue.py).
    "send-waiting-jobs": {
        "task": "yourchoice.queue.send_waiting_jobs_task",
        "schedule": 60.0,
    },
    "monthly-audit-archive": {
        "task": "yourchoice.tasks.archive_audit_events",
        "schedule": crontab(minute=30, hour=3, day_of_month=2),
    },
}

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
# WhiteNoise serves them, from STATIC_ROOT, as production does (docs/performance.md): hashed
# names cached for a year, gzip and Brotli copies made by `collectstatic`. `make run` does the
# same; tests and the load benchmarks serve the plain source files (no collectstatic first).
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "var" / "staticfiles")))
# Our own sources, plus the GOV.UK Frontend build made by `make assets` (git-ignored).
STATICFILES_DIRS = [BASE_DIR / "static", BASE_DIR / "build" / "static"]
STATIC_PRODUCTION = env_bool("DJANGO_STATIC_MANIFEST", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "yourchoice.static_files.ProductionStaticFilesStorage"
        if STATIC_PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_ADD_HEADERS_FUNCTION = static_files.cache_hashed_files_for_a_year
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = static_files.SKIP_COMPRESS_EXTENSIONS
if STATIC_PRODUCTION:
    # What collectstatic wrote, read once at start-up, whatever DEBUG says (WhiteNoise would
    # otherwise look in the source folders and send every file uncached under DEBUG).
    WHITENOISE_USE_FINDERS = False
    WHITENOISE_AUTOREFRESH = False
    WHITENOISE_MAX_AGE = static_files.PLAIN_MAX_AGE
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"
# Every text-like input gets the GOV.UK input style; a width class on the widget adds to it.
CRISPY_CLASS_CONVERTERS = {
    name: "govuk-input"
    for name in ("numberinput", "dateinput", "timeinput", "urlinput", "telinput", "searchinput")
}

# --- API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.tokens.TokenAuthentication",
        "accounts.tokens.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only: no browsable HTML rendering of records (and no inline script with it).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON bodies are bounded in depth (yourchoice.api.parsers); forms are flat.
    "DEFAULT_PARSER_CLASSES": [
        "yourchoice.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "yourchoice.api.negotiation.AlwaysJSON",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "yourchoice.api.viewsets.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": env_str("API_RATE_LIMIT", "600/hour")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Your Choice API",
    "DESCRIPTION": "Case records for authorities' own systems, with the same access rules as "
    "the service. Authenticate with `Authorization: Bearer <token>`. Every create accepts an "
    "`Idempotency-Key` header: a retry with the same key returns the first answer and makes "
    "no second record; the same key sent with a different body is refused with 422.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "EndingReasonEnum": "cases.models.EndingReason.choices",
        "ClosureReasonEnum": "cases.models.CLOSURE_REASONS",
    },
}

# --- Programme rules ------------------------------------------------------------------------
# Reports suppress counts of 1..(threshold-1) young people (docs/disclosure.md).
DISCLOSURE_THRESHOLD = env_int("DISCLOSURE_THRESHOLD", 10, minimum=1)
# Key for the pseudonymous ids in evaluation extracts. Without it (and each extract's salt) an
# id cannot be mapped back to a young person. Required in production; kept out of extracts.
EXTRACT_KEY = env_str("EXTRACT_KEY")
if not EXTRACT_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("EXTRACT_KEY must be set when DJANGO_DEBUG is off.")
    EXTRACT_KEY = SECRET_KEY + ":extracts"
# Report files can be downloaded for this many days, then they are deleted.
REPORT_FILE_DAYS = env_int("REPORT_FILE_DAYS", 90, minimum=1)
# A report still running after this many minutes is marked failed by the sweeper.
REPORT_STUCK_MINUTES = env_int("REPORT_STUCK_MINUTES", 30, minimum=5)
# An import checking or saving whose job has said nothing for this many minutes (longer than
# either job may run, and than the visibility timeout) is marked failed by its sweeper.
IMPORT_STUCK_MINUTES = env_int("IMPORT_STUCK_MINUTES", 30, minimum=5)
# A long job (a report, an import's check or save) started this many times without finishing
# is given up with a reason rather than started again: its worker died each time (the
# out-of-memory killer, say), and each death delivers it again. More than a job's own retries
# when the database or broker drops out (3), so those still run.
JOB_STARTS = env_int("JOB_STARTS", 5, minimum=2)
# Session notes can be corrected for this long; after that changes are addenda (S3).
# Seconds each process keeps a measure definition (read on every case page, rarely changed).
MEASURE_DEFINITION_CACHE_SECONDS = env_int("MEASURE_DEFINITION_CACHE_SECONDS", 60, minimum=0)
SESSION_NOTES_CORRECTION_MINUTES = env_int("SESSION_NOTES_CORRECTION_MINUTES", 24 * 60, minimum=0)
# Default activity budget for each episode, in pence (C8).
ACTIVITY_BUDGET_PENCE = env_int("ACTIVITY_BUDGET_PENCE", 15000, minimum=0)
# Hours a break-glass grant lets a supervisor or borough lead read a young person's record
# outside their reach (X9, docs/access.md). At most a day: a longer need is a transfer.
BREAK_GLASS_HOURS = env_int("BREAK_GLASS_HOURS", 4, minimum=1)
if BREAK_GLASS_HOURS > 24:
    raise ImproperlyConfigured("BREAK_GLASS_HOURS must be at most 24.")
# Audit events stay in the database this many months, then move by month to compressed files
# in AUDIT_ARCHIVE_DIR (docs/audit.md). The database refuses to let go of any younger than 24.
AUDIT_ONLINE_MONTHS = env_int("AUDIT_ONLINE_MONTHS", 24, minimum=24)
AUDIT_ARCHIVE_DIR = Path(env_str("AUDIT_ARCHIVE_DIR", str(BASE_DIR / "var" / "audit-archive")))

# --- Logging: no personal data, ever. Request paths carry only ids; we log no bodies. -------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's request logger can include POST data in some error reports; keep it quiet.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "weasyprint": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "fontTools": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
