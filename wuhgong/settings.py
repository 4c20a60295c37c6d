"""Settings for wuhgong, read from the environment (and an optional .env) via django-environ.

Safe local defaults: SQLite in the project folder, DEBUG off unless asked for.
Production (DEBUG off) refuses to start without SECRET_KEY.
"""

from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

# Used only with DEBUG on (below); production refuses to start without its own key.
_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105  # nosec B105
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (set DEBUG=1 for local development)."
        )
    SECRET_KEY = _DEV_SECRET_KEY
# Old keys still accepted for signed data (sessions) while every server moves to a new key.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    # Its Jinja2 widget templates, which the form renderer below finds (TemplatesSetting).
    "django.forms",
    "axes",
    "csp",
    "simple_history",
    "import_export",
    "core",
    "organizations",
    "consultations",
]
# Demo data, the province generator and the benchmark (devtools/): for development only, so
# that no production site carries their commands or routes. make run, test and bench set it.
DEVTOOLS = env.bool("DEVTOOLS", default=False)
if DEVTOOLS:
    INSTALLED_APPS.append("devtools")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page requires sign-in unless its view is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Records who made each change in the audit history.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Outside axes so that the lockout page it renders carries the policy too.
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "wuhgong.urls"

# Form widgets render through Django's own Jinja2 templates (django/forms/jinja2/), found by
# the Jinja2 engine, which holds no other templates: a select of a hundred areas or a form of
# a dozen fields renders several times faster than through the Django template language,
# with the same markup. Every page, and the admin's own widgets, stay with the engine after it.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
TEMPLATES = [
    {"BACKEND": "django.template.backends.jinja2.Jinja2", "APP_DIRS": True},
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "wuhgong.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "wuhgong.wsgi.application"

# An empty DATABASE_URL counts as unset.
DATABASES = {
    "default": env.db_url_config(
        env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    ),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Each worker keeps its connection for CONN_MAX_AGE seconds (0 closes it after every
    # request); the health check drops one the server has closed. See docs/deploy.md.
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # No JIT compilation and no parallel workers: they pay off for analytical queries over
    # millions of rows, while every query here walks one area's rows by index, and compiling
    # or starting workers costs more than the walk (docs/benchmarks.md). PG_JIT=1 and
    # PG_PARALLEL=1 turn them back on.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    flags = [options.get("options")]
    if not env.bool("PG_JIT", default=False):
        flags.append("-c jit=off")
    if not env.bool("PG_PARALLEL", default=False):
        flags.append("-c max_parallel_workers_per_gather=0")
    options["options"] = " ".join(filter(None, flags))
    # Parameters bound by the server, so that psycopg prepares the statements a worker
    # runs again and again (after PG_PREPARE_THRESHOLD runs on its connection) and
    # PostgreSQL plans them once: planning a page's joins costs more than running them
    # (docs/benchmarks.md). PG_PREPARE=0 behind a pooler
    # that cannot keep prepared statements (PgBouncer in transaction mode before 1.21).
    if env.bool("PG_PREPARE", default=True):
        options["server_side_binding"] = True
        options["prepare_threshold"] = env.int("PG_PREPARE_THRESHOLD", default=5)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "organizations.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", _("Simplified Chinese")),
    ("en", _("English")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["wuhgong.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

# Reports value the labour villagers give (投工投劳, recorded in days) at this many yuan a
# day when comparing what villagers gave with government money; the report page can
# override it for one report.
try:
    LABOUR_DAY_YUAN = Decimal(env.str("LABOUR_DAY_YUAN", default="150"))
except InvalidOperation as exc:
    raise ImproperlyConfigured("LABOUR_DAY_YUAN must be a number of yuan, e.g. 150.") from exc

# --- Cache ------------------------------------------------------------------------------
# Figures that scan many rows (core/cache.py) live in the cache, and with Redis sessions. It
# must be one that every process of the site shares (app servers, workers), so that a change
# made in one is seen by all: the database's own cache table by default (`manage.py
# createcachetable`), Redis in production, e.g. CACHE_URL=redis://127.0.0.1:6379/1.
CACHES = {"default": env.cache_url("CACHE_URL", default="dbcache://wuhgong_cache")}
CACHES["default"].setdefault("KEY_PREFIX", "wuhgong")
# Part of every kept figure's key: a deploy sets a new one (the commit, say), so figures
# stored by the code before it are not read by the new code.
RELEASE = env.str("RELEASE", default="dev")
# Figures that scan many rows (core/cache.py) are kept until the data change; this bounds
# their age for changes made outside the site (bulk loads, raw SQL).
AGGREGATE_CACHE_SECONDS = env.int("AGGREGATE_CACHE_SECONDS", default=900)
# How long browsers and proxies may reuse a public page before asking again.
PUBLIC_BOARD_MAX_AGE = env.int("PUBLIC_BOARD_MAX_AGE", default=300)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# --- Sign-in and transport --------------------------------------------------------------
# Production defaults are the safe ones; each can be turned off from the environment where
# the deployment handles it another way (docs/deploy.md lists them).

AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out sign-in is refused before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, loading the user's area with the user (organizations/backends.py).
    "organizations.backends.AreaModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
# Failures count per username *and* address: a whole county office behind one NAT address is
# not locked out by one person's typing, and nobody elsewhere can lock that office's users out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_CLIENT_IP_CALLABLE = "wuhgong.security.client_ip_address"
# Behind nginx every request comes from nginx's address; name the header nginx sets to the
# client's address (X-Real-IP in docs/deploy.md). Only for a header the proxy always
# overwrites: a client could otherwise choose its own address and dodge the lockout.
CLIENT_IP_HEADER = env.str("CLIENT_IP_HEADER", default="")

# With Redis (production, docs/deploy.md) sessions are read from it and kept in the
# database too, so an emptied cache signs nobody out. Any other cache is either the database
# itself or local to one process, where signing out in one process would leave the session
# alive in the others: sessions stay in the database.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if "redis" in CACHES["default"]["BACKEND"]
    else "django.contrib.sessions.backends.db"
)
# A working day, and over when the browser closes: village computers are shared.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True)
SESSION_COOKIE_HTTPONLY = True
# No script of ours reads the CSRF cookie: forms carry the token.
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers probe over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    # Only behind a proxy that sets X-Forwarded-Proto on every request (docs/deploy.md);
    # otherwise a client could claim HTTPS over plain HTTP.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Every asset is vendored and no template carries inline script or style, so nothing
# inline is allowed: injected markup cannot run. Django's admin works under it as well
# (its scripts are files, its data in data- attributes); tests/browser checks both.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# Logs go to standard error (gunicorn and systemd collect them). Every handler and the
# request loggers pass records through PersonalDataFilter, which masks phone and ID numbers
# (organizations/logging.py); error reports hide personal POST fields for every view.
LOG_LEVEL = env.str("LOG_LEVEL", default="WARNING").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "personal_data": {"()": "organizations.logging.PersonalDataFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["personal_data"],
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["personal_data"],
        },
        "mail_admins": {
            "level": "ERROR",
            "class": "django.utils.log.AdminEmailHandler",
            "filters": ["require_debug_false", "personal_data"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console", "mail_admins"], "level": "INFO", "propagate": False},
        "django.request": {"filters": ["personal_data"]},
        "django.server": {
            "handlers": ["django.server"],
            "level": "INFO",
            "filters": ["personal_data"],
            "propagate": False,
        },
    },
}
DEFAULT_EXCEPTION_REPORTER = "organizations.logging.PersonalDataExceptionReporter"
DEFAULT_EXCEPTION_REPORTER_FILTER = "organizations.logging.PersonalDataReporterFilter"
