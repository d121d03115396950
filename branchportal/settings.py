"""Settings for the branch standardization portal.

Every value comes from the environment. Development defaults are safe (SQLite outside the
source tree, Celery eager, console email); with DEBUG off the required values must be set or
start-up stops with ImproperlyConfigured.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


# Required settings that are missing; reported all at once at the end of this module.
_MISSING = []


def env_str(name, default=None, *, required=False):
    value = os.environ.get(name)
    if value is None or value == "":
        if required:
            _MISSING.append(name)
        return default
    return value


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}.")


def env_int(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}.") from exc


def env_list(name, default=()):
    value = os.environ.get(name)
    if not value:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", default=True)
PRODUCTION = not DEBUG

SECRET_KEY = env_str(
    "SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production", required=PRODUCTION
)
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else []
)
if PRODUCTION and not ALLOWED_HOSTS:
    _MISSING.append("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# The SQLite default lives outside the source tree so a checkout stays clean.
DEV_DATA_DIR = Path(env_str("PORTAL_DATA_DIR", default=str(Path.home() / ".branchportal")))
_database_url = env_str("DATABASE_URL", required=PRODUCTION)
if _database_url is None and PRODUCTION:
    _database_url = "postgres://missing/missing"  # reported with the other missing settings below
if _database_url is None:
    DEV_DATA_DIR.mkdir(parents=True, exist_ok=True)
    _database_url = f"sqlite:///{DEV_DATA_DIR / 'portal.sqlite3'}"
# Persistent connections (README "Serving"): a new PostgreSQL connection per request costs more
# than most pages' queries (measured /healthz 153 -> 463 requests/s at 20 connections with 60 s).
# Health checks make a connection the server dropped meanwhile reconnect instead of failing once.
DATABASES = {
    "default": dj_database_url.parse(
        _database_url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
    )
}
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_htmx",
    "django_celery_beat",
    "simple_history",
    "axes",
    "notifications",
    "branches",
    "training",
    "assessments",
    "dashboards",
]

MIDDLEWARE = [
    "branchportal.middleware.SecurityHeadersMiddleware",
    "branches.request_cache.RequestCacheMiddleware",  # per-request reads (policy settings)
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "branchportal.middleware.RejectNulBytesMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "branchportal.middleware.WriteStampMiddleware",  # after auth: needs request.user
    "django.contrib.messages.middleware.MessageMiddleware",
    "branchportal.accounts.ForcePasswordChangeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # must stay last
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # must stay first
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_USER_MODEL = "branches.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "branches:home"
LOGOUT_REDIRECT_URL = "login"

AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
# Lock a username after AXES_FAILURE_LIMIT failures from any address. Add "ip_address" (comma
# separated) to also lock an address; beware offices behind one NAT address share it.
AXES_LOCKOUT_PARAMETERS = env_list("AXES_LOCKOUT_PARAMETERS", default=["username"])
# axes.W006 warns that lockouts keyed on user agent or cookies can be dodged; ours are keyed on
# the username (the attacker cannot rotate it), so the warning does not apply.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "branchportal.client_ip.client_ip"
AXES_USERNAME_CALLABLE = "branchportal.client_ip.login_username"
# Reverse proxy: its address(es), whose CLIENT_IP_HEADER is trusted for the client's address.
TRUSTED_PROXY_IPS = env_list("TRUSTED_PROXY_IPS")
CLIENT_IP_HEADER = "HTTP_" + env_str("CLIENT_IP_HEADER", default="X-Real-IP").upper().replace("-", "_")

ROOT_URLCONF = "branchportal.urls"
WSGI_APPLICATION = "branchportal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "branches.context_processors.navigation",
                "notifications.context_processors.unread_badge",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# ISO first in DATE/TIME/DATETIME_INPUT_FORMATS for every language (see branchportal/formats/).
FORMAT_MODULE_PATH = ["branchportal.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", default=str(DEV_DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploaded evidence (minutes, sign-in sheets, photos) stays small on a slow intranet.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
BACKUP_DIR = Path(env_str("BACKUP_DIR", default=str(DEV_DATA_DIR / "backups")))
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES
# List exports of more rows than this run as a Celery job (progress page, then a download kept
# EXPORT_JOB_KEEP_HOURS for the requester only); smaller ones download at once. 5,000 rows take
# well under a second; a province roster (65,837 members) would hold a worker for seconds.
EXPORT_JOB_THRESHOLD = env_int("EXPORT_JOB_THRESHOLD", 5000)
EXPORT_JOB_KEEP_HOURS = env_int("EXPORT_JOB_KEEP_HOURS", 24)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email: console in development; set EMAIL_BACKEND/EMAIL_HOST... in production.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", default=str(DEV_DATA_DIR / "mail"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", default="党支部标准化平台 <noreply@localhost>")
# Absolute base for links in emails and the calendar feed.
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

# Celery: with REDIS_URL the broker is Redis; without it tasks run eagerly in-process.
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", default=REDIS_URL)
if PRODUCTION and not CELERY_BROKER_URL:
    _MISSING.append("REDIS_URL (or CELERY_BROKER_URL)")
if CELERY_BROKER_URL:
    CELERY_RESULT_BACKEND = CELERY_BROKER_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# With Redis down nothing may hang for long: a publish gives up after ~3 s (one retry) and the
# caller carries on (branchportal.celery.enqueue); the periodic sweeps catch up later.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5, "max_retries": 1}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_REDIS_SOCKET_TIMEOUT = 5
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": {"max_retries": 1}}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Late acks are safe only because every task is idempotent (claims rows in the database).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 300)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 360)
# Entries below are copied into django-celery-beat's tables the first time beat starts; after
# that admins edit them in /admin/django_celery_beat/periodictask/ and a restart keeps their
# edits (see branchportal/beat.py).
CELERY_BEAT_SCHEDULER = "branchportal.beat:SeedOnceDatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    # Records that beat and a worker are alive; /healthz and the admin page show it.
    "heartbeat": {"task": "branches.tasks.heartbeat", "schedule": crontab(minute="*/5")},
    # Term renewal ladder: decides each active term's reminder stage and sends each
    # (term, stage) once. Daily at 06:30 so notices are there when offices open; a missed
    # day is caught up by the next run.
    "renewal-sweep": {
        "task": "branches.renewals.tasks.renewal_sweep",
        "schedule": crontab(hour=6, minute=30),
    },
    # Background exports (导出任务): delete files and rows past their keep time.
    "export-cleanup": {"task": "branches.exportjobs.cleanup", "schedule": crontab(minute=17)},
    # Email outbox: sends notices' emails queued by notify() (also enqueued on each commit).
    "deliver-outbox": {"task": "notifications.tasks.deliver_outbox", "schedule": crontab(minute="*")},
    # Rectification items (整改): reminders before and at the deadline, once per (item, stage).
    "rectification-reminders": {
        "task": "branches.rectifications.tasks.rectification_reminder_sweep",
        "schedule": crontab(hour=8, minute=45),
    },
    # Guidance (示范引领、分类指导): designation expiry reviews, lagging follow-up reminders
    # (re-assessment due/overdue, overdue plan items); once per (object, stage).
    "guidance-sweep": {
        "task": "assessments.designations.tasks.guidance_sweep",
        "schedule": crontab(hour=8, minute=50),
    },
    # Monthly-report reminders (due in 2 days / overdue); daily, idempotent, catches up if missed.
    "report-reminders": {
        "task": "branches.reports.tasks.report_reminder_sweep",
        "schedule": crontab(hour=8, minute=30),
    },
    # 述职评议: reminders N days before the report deadline and on it; each (report, stage) once.
    "duty-review-reminders": {
        "task": "assessments.duty_review.tasks.duty_review_reminders",
        "schedule": crontab(hour=8, minute=40),
    },
    # New secretaries not trained 4 / 6 months after starting; once per (person, stage).
    "training-new-secretary": {
        "task": "training.tasks.new_secretary_sweep",
        "schedule": crontab(hour=7, minute=15),
    },
    # Training coverage: recompute the cached per-unit figures before they expire (and the next
    # day's just before midnight) so no viewer waits for a province-wide computation. Idempotent;
    # a run not started within its interval is dropped (the next one does the same work).
    "training-coverage-refresh": {
        "task": "training.tasks.refresh_coverage",
        "schedule": crontab(minute="*/2"),
        "options": {"expire_seconds": 110},
    },
    # Quality-dashboard indicator snapshots for the periods still open (closed ones stay frozen).
    "dashboard-snapshots": {
        "task": "dashboards.tasks.nightly_snapshots",
        "schedule": crontab(hour=2, minute=15),
    },
    # Cross-observation visit reminders (7 and 1 days before); each (visit, date, offset) once.
    "observation-reminders": {
        "task": "assessments.observation.tasks.observation_reminders",
        "schedule": crontab(hour=7, minute=30),
    },
}

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if not REDIS_URL
    else {
        # Redis down must not take pages down: errors become cache misses (with a warning).
        "BACKEND": "branchportal.cache.TolerantRedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}

# Content-Security-Policy: scripts only from our own static files (no inline script, no eval);
# inline style attributes are tolerated. Permissions-Policy turns off device APIs we never use.
CONTENT_SECURITY_POLICY = env_str(
    "CONTENT_SECURITY_POLICY",
    default=(
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
        "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
)
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=()"
)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
X_FRAME_OPTIONS = "DENY"
# Load balancers probe /healthz over plain HTTP: it is never redirected to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if PRODUCTION:
    # The reverse proxy terminates TLS and sets X-Forwarded-Proto (README, "Reverse proxy");
    # set TRUST_X_FORWARDED_PROTO=0 when the portal is reached without such a proxy.
    if env_bool("TRUST_X_FORWARDED_PROTO", default=True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", default="INFO")},
}

if _MISSING:
    raise ImproperlyConfigured(
        "Environment variables required when DJANGO_DEBUG is off are missing: "
        + ", ".join(_MISSING)
        + ". See .env.example."
    )
