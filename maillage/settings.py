"""Maillage settings.

Everything that differs between machines comes from an environment variable with a safe
default. Every variable read here is documented in docs/configuration.md, and a test fails
when one is missing there.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Local state (SQLite database, generated secret key, exports) lives here, git-ignored.
DATA_DIR = Path(os.environ.get("MAILLAGE_DATA_DIR", PROJECT_DIR / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("MAILLAGE_DEBUG", False)


def _secret_key() -> str:
    """The key from the environment, or one generated once per machine and kept in DATA_DIR."""
    from_env = os.environ.get("MAILLAGE_SECRET_KEY")
    if from_env:
        return from_env
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("MAILLAGE_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("MAILLAGE_CSRF_TRUSTED_ORIGINS", "")

# Production over HTTPS: redirects, HSTS and secure cookies (see README, "Deployment").
HTTPS = env_bool("MAILLAGE_HTTPS", False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "corsheaders",
    "csp",
    "ninja",
    "maillage.referential",
    "maillage.structures",
    "maillage.imports",
    "maillage.exports",
    "maillage.web",
    "maillage.api",
    "maillage.backups",
    "maillage.analyses",
    "maillage.contributions",
    "maillage.following",
    "maillage.practices",
    "maillage.matchmaking",
    "maillage.network",
    "maillage.logs",
]

MIDDLEWARE = [
    "maillage.logs.requests.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "maillage.api.rate_limit.RateLimitMiddleware",
    "maillage.api.nul.RejectNulMiddleware",
    "maillage.api.headers.DataHeadersMiddleware",
    "maillage.api.cache.ApiCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "maillage.web.page_cache.AnonymousPageCacheMiddleware",
    "maillage.web.unavailable.EditionUnavailableMiddleware",
]

ROOT_URLCONF = "maillage.urls"
WSGI_APPLICATION = "maillage.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'maillage.sqlite3'}",
        conn_max_age=60,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "MAILLAGE_DATABASE_PREPARED_STATEMENTS", True
):
    # Parameters sent apart from the statement, and a statement run a fifth time on a
    # connection prepared in the server (psycopg's prepare_threshold): its parsing and plan
    # are kept for the connection's life. Django leaves both off, for connection poolers
    # that cannot follow prepared statements (PgBouncer in transaction mode before 1.21,
    # docs/configuration.md). A structure's API detail: 2.35 ms with the statement's text
    # quoted in by the client, 0.33 ms prepared (BENCHMARKS.md, session 10).
    # The URL's own options (?sslmode=…, ?prepare_threshold=…) are kept and win.
    DATABASES["default"]["OPTIONS"] = {
        "server_side_binding": True,
        "prepare_threshold": 5,
        **DATABASES["default"].get("OPTIONS", {}),
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer writes; IMMEDIATE transactions take the write
    # lock up front so concurrent writers queue on the busy timeout instead of failing.
    # Connections are kept like PostgreSQL's: opening one per request (its PRAGMAs, the
    # journal mode's lock) cost more than a cached API answer (315 instead of 1,243 req/s).
    # No memory map: each thread's kept connection held a 128 MB map of the database file,
    # resident in its worker (450 MB for one worker at 100,000 structures; BENCHMARKS.md).
    # 8 KiB pages, set before the journal mode since a database in WAL mode keeps the page
    # size it was created with (an existing file keeps its own): a structure's row (3 KB) or
    # a revision's (2.4 KB) filled a 4 KiB page alone, so the file was 40 % empty space
    # that imports wrote twice, to the WAL then to the file (100,000 structures: 856 → 697
    # MB, import 34–37 → 31 s; BENCHMARKS.md).
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA page_size=8192; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
            " PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_MIMETYPES = {".mjs": "text/javascript"}

# Logs on standard error, one JSON object per line (or readable text), one line per request
# and per domain event; every line goes through a filter that redacts personal data.
LOG_FORMAT = os.environ.get("MAILLAGE_LOG_FORMAT", "json").strip().lower()
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(
        f"MAILLAGE_LOG_FORMAT={LOG_FORMAT!r}: expected 'json' or 'text' (docs/configuration.md)."
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "maillage.logs.redaction.RedactPersonalData"}},
    "formatters": {
        "json": {"()": "maillage.logs.formatters.JsonFormatter"},
        "text": {"()": "maillage.logs.formatters.TextFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["redact"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("MAILLAGE_LOG_LEVEL", "INFO")},
}

# A shared cache (Redis) makes rate limits hold across several application processes;
# without one each process counts on its own.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
    # Public pages (maillage.web.page_cache): in each process's memory, bounded, apart from
    # the rate limits and anti-spam records of the default cache.
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "maillage-pages",
        "OPTIONS": {"MAX_ENTRIES": 500},
    },
}

# Answers computed from the data (API answers, public pages for visitors without a session,
# the map's payload and selections, the home page's figures) are kept in the cache under
# the data version and served again until the data changes. Off (MAILLAGE_ANSWER_CACHE=0)
# they are computed for every request: what the benchmarks use to measure the first
# request after a change (benchmarks/run.py --no-answer-cache). Never needed in production.
ANSWER_CACHE = env_bool("MAILLAGE_ANSWER_CACHE", True)

# On PostgreSQL, each process keeps the data version between two notifications of a change
# from the database (LISTEN/NOTIFY, one connection per process: maillage.structures.
# version_watch) instead of reading it at the start of every request; off, every request
# reads it (the tests' default).
DATA_VERSION_LISTEN = env_bool("MAILLAGE_DATA_VERSION_LISTEN", True)

# The downloads of /donnees/ (maillage.exports.published): written in a thread of their own
# when the data changed, at most every PUBLISHED_FILES_INTERVAL seconds; off
# (MAILLAGE_PUBLISHED_FILES_IN_BACKGROUND=0), the visit that finds them out of date writes
# them first (minutes at national scale; the tests' default, where data lives in one
# transaction that a thread cannot see).
PUBLISHED_FILES_IN_BACKGROUND = env_bool("MAILLAGE_PUBLISHED_FILES_IN_BACKGROUND", True)
PUBLISHED_FILES_INTERVAL = int(os.environ.get("MAILLAGE_PUBLISHED_FILES_INTERVAL", "600"))

# A dated edition's file (maillage.contributions.edition_writer), for a new edition or after
# a removal of personal data: written in a thread of its own; off
# (MAILLAGE_EDITIONS_IN_BACKGROUND=0), the request that asks for it writes it first.
EDITIONS_IN_BACKGROUND = env_bool("MAILLAGE_EDITIONS_IN_BACKGROUND", True)

# The insights of every published structure, /enseignements/ with no filter
# (maillage.analyses.kept): computed in a thread of their own when the data changed, the
# page serving the previous figures meanwhile; off (MAILLAGE_INSIGHTS_IN_BACKGROUND=0), the
# visit that finds them out of date computes them first (10 s of CPU at national scale; the
# tests' default, for the same reason as the downloads).
INSIGHTS_IN_BACKGROUND = env_bool("MAILLAGE_INSIGHTS_IN_BACKGROUND", True)

# The map's payload (maillage.structures.map_kept): written in a thread of its own when the
# data changed, /carte/ serving the previous version meanwhile; off
# (MAILLAGE_MAP_IN_BACKGROUND=0), the first request for the current payload writes it (1 to
# 3 s at national scale; the tests' default, for the same reason as the downloads).
MAP_IN_BACKGROUND = env_bool("MAILLAGE_MAP_IN_BACKGROUND", True)

# The running release (a tag or commit), part of the keys of the answers kept in a shared
# cache: a new release never serves what the previous one computed. Unset, a fingerprint of
# the package's source files stands for it (maillage.release).
RELEASE = os.environ.get("MAILLAGE_RELEASE", "")

# The read API: open to any origin, rate limited per client address.
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
API_RATE_LIMIT = int(os.environ.get("MAILLAGE_API_RATE_LIMIT", "600"))
API_RATE_WINDOW_SECONDS = 60
# Number of reverse proxies in front of the application whose X-Forwarded-For is trusted
# to give the client's address (0: use the connection's address).
TRUSTED_PROXIES = int(os.environ.get("MAILLAGE_TRUSTED_PROXIES", "0"))
if TRUSTED_PROXIES:
    # The proxy terminates TLS and says so; only trusted when a proxy is declared.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Address geocoding during imports: a Base Adresse Nationale-compatible service, queried
# as {URL}/search/?q=. Empty: addresses without coordinates are placed at the commune centre.
MAILLAGE_GEOCODER_URL = os.environ.get("MAILLAGE_GEOCODER_URL", "")
MAILLAGE_GEOCODER_TIMEOUT = float(os.environ.get("MAILLAGE_GEOCODER_TIMEOUT", "3"))

# Largest file an import accepts (bytes). XLSX files are also checked for zip bombs.
MAILLAGE_IMPORT_MAX_BYTES = int(os.environ.get("MAILLAGE_IMPORT_MAX_BYTES", 50_000_000))

# Base map drawn under the map's points: a MapLibre style JSON. Empty: none. Without network
# the map still draws regions and departments from the bundled boundaries.
MAP_STYLE_URL = os.environ.get(
    "MAILLAGE_MAP_STYLE_URL",
    "https://data.geopf.fr/annexes/ressources/vectorTiles/styles/PLAN.IGN/standard.json",
)

# Content-Security-Policy: scripts only from this site or with the response's nonce; the
# base map's host (from MAP_STYLE_URL) may serve tiles, glyphs and sprites. Inline style
# attributes stay allowed: they carry the type colours, and styles cannot run code.
_map_host = "/".join(MAP_STYLE_URL.split("/")[:3]) if MAP_STYLE_URL.startswith("https://") else ""
_map_hosts = [_map_host] if _map_host else []
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:", "blob:", *_map_hosts],
        "connect-src": [SELF, *_map_hosts],
        "worker-src": [SELF, "blob:"],
        "font-src": [SELF, *_map_hosts],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

DATA_LICENCE = "Licence Ouverte 2.0"
DATA_LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"

# Where `make run` loads its default data from: the copies bundled in the repository.
BUNDLED_DATA_DIR = PROJECT_DIR / "data"

# --- Contributions, accounts and e-mail (maillage.contributions) ---------------------------

# The site's public address, for the links of e-mails sent outside a request (reminders).
SITE_URL = os.environ.get("MAILLAGE_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# E-mail: printed on the console unless an SMTP server is given.
EMAIL_HOST = os.environ.get("MAILLAGE_EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = int(os.environ.get("MAILLAGE_EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("MAILLAGE_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("MAILLAGE_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("MAILLAGE_EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("MAILLAGE_FROM_EMAIL", "Maillage <ne-pas-repondre@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Who hears of new proposals and claims; empty: every moderator and administrator account.
MODERATOR_EMAILS = env_list("MAILLAGE_MODERATOR_EMAILS", "")

LOGIN_URL = "contributions:login"
LOGIN_REDIRECT_URL = "contributions:account"
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600

# Proof-of-work challenge (ALTCHA) of the public forms: the browser tries up to
# ALTCHA_MAX_NUMBER counters, each costing ALTCHA_COST PBKDF2 iterations.
ALTCHA_MAX_NUMBER = int(os.environ.get("MAILLAGE_ALTCHA_MAX_NUMBER", "5000"))
ALTCHA_COST = int(os.environ.get("MAILLAGE_ALTCHA_COST", "1000"))
ALTCHA_EXPIRES_SECONDS = 20 * 60
# Key signing the challenges; empty: derived from the secret key.
ALTCHA_HMAC_KEY = os.environ.get("MAILLAGE_ALTCHA_HMAC_KEY", "")
# Submissions of the public forms per client address and hour, and login attempts per
# address or account and quarter of an hour (counted in the shared cache).
CONTRIBUTION_RATE_LIMIT = int(os.environ.get("MAILLAGE_CONTRIBUTION_RATE_LIMIT", "20"))
CONTRIBUTION_RATE_WINDOW_SECONDS = 3600
LOGIN_RATE_LIMIT = int(os.environ.get("MAILLAGE_LOGIN_RATE_LIMIT", "10"))
LOGIN_RATE_WINDOW_SECONDS = 15 * 60

# A structure not verified for this many days is marked stale and its managers reminded
# (at most every STALE_REMINDER_INTERVAL_DAYS days).
STALE_AFTER_DAYS = int(os.environ.get("MAILLAGE_STALE_AFTER_DAYS", "365"))
STALE_REMINDER_INTERVAL_DAYS = 30
# Contacts are removed this many days after their consent (`maillage purge_contacts`).
CONTACT_RETENTION_DAYS = int(os.environ.get("MAILLAGE_CONTACT_RETENTION_DAYS", "1095"))

# --- Feeds and e-mail digests (maillage.following) ------------------------------------------

# An unconfirmed digest subscription (and its confirmation link) lasts this many days.
SUBSCRIPTION_PENDING_DAYS = 7
