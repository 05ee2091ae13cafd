"""Tiers Lien settings: one module, every knob read from the environment, here only.

Each variable is read once, through `tierslien.lib.env`, with its default; the code reads
`settings.NAME` and neither the environment nor a default of its own. Every variable is in
docs/configuration.md (a test checks it). Development defaults are safe (SQLite in the
repo, console email, DEBUG on); production sets DEBUG=false, SECRET_KEY, ALLOWED_HOSTS,
DATABASE_URL, MFA_ENCRYPTION_KEYS, the SMTP server and the LEGAL_* details.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from tierslien.lib.env import env_bool, env_float, env_int, env_list, env_seconds, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", True)
_DEV_SECRET = "dev-only-insecure-secret-key-change-me-in-production-0123456789"
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET)
if not DEBUG and SECRET_KEY == _DEV_SECRET:
    raise ImproperlyConfigured("Set SECRET_KEY (or SECRET_KEY_FILE) when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
SITE_NAME = env_str("SITE_NAME", "Tiers Lien")
PHONE_REGION = env_str("PHONE_REGION", "FR")  # numbers typed without +country code

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # Before django_tasks_db: its `db_worker` command is ours (reconnects, heartbeats).
    "tierslien.operations",
    "django_tasks_db",
    "tierslien.core",
    "tierslien.outbox",
    "tierslien.accounts",
    "tierslien.territories",
    "tierslien.portraits",
    "tierslien.privacy",
    "tierslien.circles",
    "tierslien.gatherings",
    "tierslien.spaces",
    "tierslien.moderation",
    "tierslien.feedback",
    "tierslien.relays",
    "tierslien.outreach",
    "tierslien.potential",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files from the web process itself (no CDN, no separate static server).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tierslien.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "tierslien.urls"
WSGI_APPLICATION = "tierslien.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "tierslien" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "tierslien.core.context_processors.site",
            ],
        },
    },
]

# --- Database: SQLite (WAL) by default, PostgreSQL through DATABASE_URL ---
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("CONN_MAX_AGE", 0),
        # A connection kept between requests (CONN_MAX_AGE > 0) is checked before reuse,
        # so one closed by the server (restart, pg_terminate_backend) is replaced.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the worker write while the server reads; IMMEDIATE avoids
        # "database is locked" upgrades inside write transactions.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Background tasks: Django's tasks API, stored in the database ---
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Background jobs that recover (tierslien/lib/jobs.py): a running job silent this long is
# stalled and run again, at most JOB_MAX_ATTEMPTS times in all, then failed.
JOB_HEARTBEAT_SECONDS = env_int("JOB_HEARTBEAT_SECONDS", 30)
JOB_STALLED_AFTER_SECONDS = env_int("JOB_STALLED_AFTER_SECONDS", 180)
JOB_QUEUED_TOO_LONG_SECONDS = env_int("JOB_QUEUED_TOO_LONG_SECONDS", 1800)
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 3)
# Background jobs' time limits (seconds), read once here; docs/configuration.md.
# COMPOSE_TIME_LIMIT: how long the engine searches a season's circles.
COMPOSE_TIME_LIMIT = env_seconds("COMPOSE_TIME_LIMIT", 20.0)
# MEETING_DRAW_TIME_LIMIT: none by default, the lottery runs until proven optimal (the only
# way a rerun reproduces a draw bit for bit).
MEETING_DRAW_TIME_LIMIT = env_seconds("MEETING_DRAW_TIME_LIMIT", None)
# ANALYSIS_TIME_LIMIT: how long each re-solve of the analysis of a season's mixing potential
# searches (the baseline, each relaxation and each lever twice: about seventeen solves).
ANALYSIS_TIME_LIMIT = env_seconds("ANALYSIS_TIME_LIMIT", 5.0)
# ANALYSIS_MAX_ITERATIONS: when above 0, each re-solve also stops after that many iterations,
# so that an analysis reruns figure for figure (tests; 0: the time limit alone).
ANALYSIS_MAX_ITERATIONS = env_int("ANALYSIS_MAX_ITERATIONS", 0)

# --- Accounts ---
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "tierslien.accounts.forms.SignupExtraForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Tiers Lien] "
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "tierslien.accounts.adapter.AccountAdapter"
# Every password entry point counts wrong passwords against the account's "login_failed"
# budget: login, "confirm it is you" (allauth's adapter) and password change (our form).
ACCOUNT_FORMS = {"change_password": "tierslien.accounts.password_forms.ChangePasswordForm"}
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
    "request_login_code": "20/m/ip,3/m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME
MFA_ADAPTER = "tierslien.accounts.mfa_secrets.MFAAdapter"


# TOTP secrets and recovery-code seeds are encrypted at rest (Fernet). MFA_ENCRYPTION_KEYS
# holds comma-separated keys: the first encrypts, every one decrypts, so a new key is put
# first, `manage.py reencrypt_mfa_secrets` is run, then the old key is dropped
# (docs/accounts.md). Development derives a key from SECRET_KEY so `make run` just works.
def _fernet_key(value: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(value.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ImproperlyConfigured("MFA_ENCRYPTION_KEYS holds a key that is not base64.") from exc
    if len(raw) != 32:
        raise ImproperlyConfigured(
            "Each MFA_ENCRYPTION_KEYS key is 32 url-safe base64-encoded bytes "
            "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key())')."
        )
    return value


MFA_ENCRYPTION_KEYS = [_fernet_key(key) for key in env_list("MFA_ENCRYPTION_KEYS", [])]
if not MFA_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set MFA_ENCRYPTION_KEYS (or MFA_ENCRYPTION_KEYS_FILE) when DEBUG is off."
        )
    _dev_digest = hashlib.sha256(f"tierslien-mfa-dev:{SECRET_KEY}".encode()).digest()
    MFA_ENCRYPTION_KEYS = [base64.urlsafe_b64encode(_dev_digest).decode("ascii")]

# --- Cache: in the database, shared by every server and worker process ---
# allauth keeps its rate limits (failed logins, codes) and the TOTP codes already used in
# the cache: a per-process cache would let a second process accept a replayed code and
# reset a lock-out. `make migrate` creates the table (createcachetable). MAX_ENTRIES is
# high so that flooding the cache cannot cull the counters of a lock-out.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "tierslien_cache",
        "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 1_000_000)},
    }
}

# --- Email: console in development, SMTP in production (EMAIL_BACKEND=smtp) ---
_EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}
_email_backend = env_str("EMAIL_BACKEND", "console" if DEBUG else "smtp")
if _email_backend not in _EMAIL_BACKENDS:
    raise ImproperlyConfigured(f"EMAIL_BACKEND must be one of {sorted(_EMAIL_BACKENDS)}")
_email_options: dict[str, object] = {}
if _email_backend == "file":
    _email_options = {"file_path": env_str("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))}
elif _email_backend == "smtp":
    _email_options = {
        "host": env_str("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 25),
        "username": env_str("EMAIL_HOST_USER", ""),
        "password": env_str("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", False),
        "use_ssl": env_bool("EMAIL_USE_SSL", False),
        "timeout": env_int("EMAIL_TIMEOUT", 20),
    }
MAILERS = {"default": {"BACKEND": _EMAIL_BACKENDS[_email_backend], "OPTIONS": _email_options}}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Tiers Lien <noreply@tierslien.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The outbox (docs/outbox.md): every message is queued, then sent by the workers.
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 6)
OUTBOX_BACKOFF_SECONDS = env_int("OUTBOX_BACKOFF_SECONDS", 60)  # 1, 2, 4... minutes
OUTBOX_LEASE_SECONDS = env_int("OUTBOX_LEASE_SECONDS", 600)  # a sender silent this long died
OUTBOX_KEEP_DAYS = env_int("OUTBOX_KEEP_DAYS", 30)  # then what messages said is erased
# Text messages (docs/reach.md): console by default, "http" (a gateway) in production; the
# tests use "memory" (tests/conftest.py).
SMS_BACKEND = env_str("SMS_BACKEND", "console")
if SMS_BACKEND not in ("console", "memory", "http"):
    raise ImproperlyConfigured("SMS_BACKEND must be one of console, memory, http")
SMS_GATEWAY_URL = env_str("SMS_GATEWAY_URL", "")
SMS_GATEWAY_TOKEN = env_str("SMS_GATEWAY_TOKEN", "")  # both ways: to the gateway, and back
SMS_GATEWAY_TIMEOUT = env_int("SMS_GATEWAY_TIMEOUT", 10)
if SMS_BACKEND == "http" and not (SMS_GATEWAY_URL and SMS_GATEWAY_TOKEN):
    raise ImproperlyConfigured("Set SMS_GATEWAY_URL and SMS_GATEWAY_TOKEN with SMS_BACKEND=http.")
SMS_STOP_NUMBER = env_str("SMS_STOP_NUMBER", "")  # where people answer STOP

# --- Languages: French first, English too ---
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env_str("TIME_ZONE", "Europe/Paris")
USE_TZ = True

# --- Static files: all served by us, never from a CDN ---
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "tierslien" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Production: hashed names (cache-busting) and gzip copies, served by WhiteNoise
        # with a one-year immutable cache header. Needs `collectstatic` (scripts/prod).
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Security headers: strict everywhere, HTTPS-only in production ---
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = 0 if DEBUG else env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
# Monitoring may call these over loopback HTTP, past the proxy (docs/operations.md).
SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^metrics$"]
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Legal pages: who runs this instance (shown in the legal notice, privacy notice, contact) ---
# Every instance sets these; the defaults say plainly that they were not filled in.
LEGAL_OPERATOR_NAME = env_str("LEGAL_OPERATOR_NAME", "[Operator of this instance]")
LEGAL_OPERATOR_ADDRESS = env_str("LEGAL_OPERATOR_ADDRESS", "[Postal address]")
LEGAL_OPERATOR_ID = env_str("LEGAL_OPERATOR_ID", "")  # SIREN/RNA number, if any
LEGAL_CONTACT_EMAIL = env_str("LEGAL_CONTACT_EMAIL", "contact@tierslien.localhost")
LEGAL_PUBLICATION_DIRECTOR = env_str("LEGAL_PUBLICATION_DIRECTOR", "[Director of publication]")
LEGAL_DPO = env_str("LEGAL_DPO", "")  # the data protection officer's name and email, if any
LEGAL_HOST_NAME = env_str("LEGAL_HOST_NAME", "[Hosting provider]")
LEGAL_HOST_ADDRESS = env_str("LEGAL_HOST_ADDRESS", "[Hosting provider's address]")
LEGAL_HOST_CONTACT = env_str("LEGAL_HOST_CONTACT", "")
SECURITY_CONTACT_EMAIL = env_str("SECURITY_CONTACT_EMAIL", LEGAL_CONTACT_EMAIL)
SOURCE_CODE_URL = env_str("SOURCE_CODE_URL", "")  # AGPL: where visitors get the source
# The version of the terms people accept; an instance that edits the texts sets its own
# (e.g. "2026-12+ville"), and signed-in people are asked to accept it on their next visit.
LEGAL_TERMS_VERSION = env_str("LEGAL_TERMS_VERSION", "")
# A directory searched before ours: an instance overrides `legal/terms.fr.html` and the like.
LEGAL_TEMPLATES_DIR = env_str("LEGAL_TEMPLATES_DIR", "")
if LEGAL_TEMPLATES_DIR:
    TEMPLATES[0]["DIRS"].insert(0, Path(LEGAL_TEMPLATES_DIR))  # type: ignore[attr-defined]

# Load the grouping engine's compiled kernels in a background thread when the task
# worker starts, so that the first composition of a process does not spend its time
# limit loading them. The web process only solves discovery evenings (rarely), so it
# loads them on first use unless ENGINE_WARM_UP_WEB is on (docs/operations.md).
ENGINE_WARM_UP = env_bool("ENGINE_WARM_UP", True)
ENGINE_WARM_UP_WEB = env_bool("ENGINE_WARM_UP_WEB", False)

# --- Gatherings: the engine's time on a table plan, when facilitators see names ---
# Seconds the engine searches a discovery evening's tables (in the web request) and a
# themed meeting's tables over its rounds (docs/gatherings.md, docs/meetings.md).
EVENING_COMPOSE_SECONDS = env_float("EVENING_COMPOSE_SECONDS", 1.0)
MEETING_PLAN_SECONDS = env_float("MEETING_PLAN_SECONDS", 1.0)
# Facilitators see the names of the people holding a seat from this many hours before a
# themed meeting starts (door, table cards, projection; docs/meetings.md).
MEETING_NAMES_HOURS_BEFORE = env_int("MEETING_NAMES_HOURS_BEFORE", 24)

# --- Operations: health, metrics, heartbeats (docs/operations.md) ---
# /metrics answers only a request carrying `Authorization: Bearer <METRICS_TOKEN>`;
# without a token it is a 404.
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
# /health/ fails when the oldest task ready to run has waited longer than this.
HEALTH_QUEUE_LAG_SECONDS = env_int("HEALTH_QUEUE_LAG_SECONDS", 300)
# A worker or the scheduler is alive when its heartbeat is younger than this.
HEARTBEAT_SECONDS = env_int("HEARTBEAT_SECONDS", 5)
HEALTH_HEARTBEAT_STALE_SECONDS = env_int("HEALTH_HEARTBEAT_STALE_SECONDS", 60)
