"""Settings for every run mode, chosen by environment variables only.

The embedded default (no variables set) is a laptop demo: SQLite, eager Celery,
local-memory cache, mail to the console. Production sets DEBUG=0 and points
DATABASE_URL, CELERY_BROKER_URL and REDIS_URL at real services; see README.md.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# Tests import these settings with DEBUG off; they are the one place where a
# throwaway key is acceptable without asking the operator for one.
TESTING = env_bool("LMS_TESTING", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-development-key-never-use-in-production"
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production (DEBUG off) refuses to start without it: "
            "set SECRET_KEY to a long random string, or DEBUG=1 for a local demo."
        )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG or TESTING else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "core",
    "accounts",
    "lms",
    "cms",
    "quizzes",
    "certificates",
    "courses",
    "events",
    # Demo content for `make run` (`manage.py seed_demo`); nothing imports it.
    "demo",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "accounts.apps.WagtailUsersConfig",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # runserver leaves static files to whitenoise, as production does (and so they
    # pass through GZipMiddleware in the demo, below).
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # No template of ours loads it, but its catalogue translates the "… ago"
    # of Wagtail's moderation status (naturaltime), read in Vietnamese.
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "lms.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "lms.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "lms.middleware.ControlCharacterMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.StaffMFARequiredMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last: serves cached pages to anonymous visitors after sign-in, CSRF and messages had their say.
    "cms.caching.ContentCacheMiddleware",
]
if DEBUG:
    # The demo (runserver) compresses pages and static files itself. In production
    # whitenoise serves the .gz/.br files collectstatic writes, and pages are left to
    # the proxy: compressing HTML that carries secrets next to what a visitor typed
    # is what the BREACH attack measures, so it is the proxy's decision, per site.
    MIDDLEWARE.insert(0, "django.middleware.gzip.GZipMiddleware")

ROOT_URLCONF = "lms.urls"
WSGI_APPLICATION = "lms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lms.csp.csp_context",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# Without DATABASE_URL: one SQLite file. WAL lets readers work while a writer
# writes; IMMEDIATE transactions take the write lock up front and the busy
# timeout makes a second writer wait for it instead of failing with
# "database is locked" halfway through a transaction.
SQLITE_PATH = Path(os.environ.get("SQLITE_PATH", BASE_DIR / "db.sqlite3"))
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            # Kept open between requests: closing the last connection makes
            # SQLite checkpoint and delete the WAL, which the next request
            # rebuilds (bench/RESULTS.md: 1.5-4x the throughput kept open).
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA busy_timeout=20000;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and sessions ---------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "lms"),
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    # The signed-in person's row, roles and MFA answer kept in Redis (accounts.identity).
    IDENTITY_CACHE = True
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
    # A local-memory cache is per process: one worker's change would not reach another's copy.
    IDENTITY_CACHE = False

# --- Celery ---------------------------------------------------------------
# Without a broker, tasks run in-process when queued (eager mode), so the
# embedded default needs no worker. With one, the same code runs on workers.
CELERY_TASK_ALWAYS_EAGER = not os.environ.get("CELERY_BROKER_URL")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "memory://"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or (
    None if CELERY_TASK_ALWAYS_EAGER else REDIS_URL or None
)
# Our tasks are idempotent, so a task whose worker died mid-way is run again
# rather than lost.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Asia/Ho_Chi_Minh"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Work queued by a worker (a batch queues each certificate's delivery) goes to this queue too.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "celery")
# core.outbox: how long a runner holds an item (a killed worker frees it then),
# and after how long an item sent but not done is sent again.
OUTBOX_LEASE_SECONDS = int(os.environ.get("OUTBOX_LEASE_SECONDS", "600"))
OUTBOX_RESEND_AFTER_SECONDS = int(os.environ.get("OUTBOX_RESEND_AFTER_SECONDS", "300"))
# A bulk certificate batch whose worker has not reported for this long is stalled (and resumed).
CERTIFICATE_BATCH_STALL_SECONDS = int(os.environ.get("CERTIFICATE_BATCH_STALL_SECONDS", "120"))
# Periodic tasks for `celery -A lms beat` (each app's entry, written out here
# so that settings import no app; tests check they match the apps' own).
CELERY_BEAT_SCHEDULE = {
    # core.outbox: send again the work still pending after a broker or worker failure.
    "core-outbox-sweep": {"task": "core.tasks.outbox_sweep", "schedule": 60.0},
    # quizzes.tasks.QUIZZES_BEAT_SCHEDULE: grade attempts past deadline + grace.
    "quizzes-close-overdue-attempts": {"task": "quizzes.tasks.close_overdue_attempts", "schedule": 30.0},
    # cms.tasks.CMS_BEAT_SCHEDULE: Wagtail's scheduled publishing and expiry.
    "cms-publish-scheduled": {"task": "cms.tasks.publish_scheduled", "schedule": 60.0},
}

# --- Authentication -------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Django's and allauth's backends, reading the signed-in person from the
# shared cache when there is one (accounts.identity; IDENTITY_CACHE).
AUTHENTICATION_BACKENDS = [
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
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
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[TĐKT] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# A conference room of 250 trainees shares one NAT address, so failed
# sign-ins from an address never refuse a right password from it: one bad
# client would lock the room out. Guessing one account's password is stopped
# by the per-account ("key") limit, which a shared address does not loosen;
# failures per address only make a right password from there need a code
# from the account's mailbox (accounts.adapters). Figures in README.md.
ACCOUNT_RATE_LIMITS = {
    # A flood ceiling only: far above a room signing in beside a bad client.
    "login": "1000/m/ip",
    # Per account, whatever the path: the sign-in form, reauthentication and
    # (keyed by user) the TOTP step.
    "login_failed": "5/5m/key,20/d/key",
    "login_failed_address": "60/m/ip",
    "signup": "100/m/ip",
    "request_login_code": "100/m/ip,3/m/key",
    "reset_password": "60/m/ip,3/5m/key",
    "reset_password_from_key": "60/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
}
# Our own views' limits, in allauth's syntax (accounts.ratelimits.rate_limit).
RATE_LIMITS = {
    # Each anonymous check hashes an upload of up to 10 MB.
    "certificate_pdf_check": "20/m/ip",
    # Refused personal check-in links only (accounts.ratelimits.refusals_exceeded):
    # the delegates of a venue share one address and must not lock each other out.
    "check_in_pass": "20/m/ip",
}
# Behind gunicorn and a reverse proxy every request comes from the proxy:
# tell allauth how many proxies append to X-Forwarded-For, or the per-IP
# limits would count the whole country as one address.
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
MFA_ADAPTER = "accounts.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "TĐKT Đào tạo"
# A code typed in its last seconds on a phone with a slow connection reaches
# us in the next period: accept one period either side, as RFC 6238 §5.2
# advises (allauth still refuses a code used once).
MFA_TOTP_TOLERANCE = 1

# --- Internationalisation -------------------------------------------------
LANGUAGE_CODE = "vi"
# Each language is named in itself, as language switches do.
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
# Our catalogue, then the Vietnamese for allauth, which ships none, and for what Wagtail leaves untranslated.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "allauth", BASE_DIR / "locale" / "wagtail"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["lms.formats"]
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAIL_CONTENT_LANGUAGES = [("vi", "Tiếng Việt")]

# --- Static and media -----------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Media goes to any Django storage backend named here (for example
# "storages.backends.s3.S3Storage" with django-storages installed).
STORAGES = {
    "default": {"BACKEND": os.environ.get("MEDIA_STORAGE", "django.core.files.storage.FileSystemStorage")},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
# Served at the site's root: /favicon.ico, which browsers ask for whatever the page links.
WHITENOISE_ROOT = BASE_DIR / "static" / "favicon"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Email ----------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_FILE_PATH = Path(os.environ.get("EMAIL_FILE_PATH") or BASE_DIR / "sent-mail")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "TĐKT Đào tạo <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Wagtail --------------------------------------------------------------
WAGTAIL_SITE_NAME = "Đào tạo Thi đua – Khen thưởng"
# ASCII slugs: links in mails and feeds stay readable (cms.widgets folds Vietnamese).
WAGTAIL_ALLOW_UNICODE_SLUGS = False
# The public address, in mails, certificates and QR codes. Unset, it follows the
# port the demo serves on (`make run PORT=8101` passes PORT and SITE_URL).
SITE_URL = os.environ.get("SITE_URL") or f"http://127.0.0.1:{os.environ.get('PORT') or '8000'}"
WAGTAILADMIN_BASE_URL = SITE_URL
WAGTAILADMIN_LOGIN_URL = "account_login"
# Passwords are allauth's business: one sign-in path, with MFA and rate limits.
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAILUSERS_PASSWORD_ENABLED = False
# No staff email hashes to Gravatar, no admin page calling out to wagtail.org:
# the admin's CSP stays tighter for it.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False
# The admin's date pickers read and write the same dd/mm/yyyy as the site.
WAGTAIL_DATE_FORMAT = "%d/%m/%Y"
WAGTAIL_DATETIME_FORMAT = "%d/%m/%Y %H:%M"
WAGTAIL_TIME_FORMAT = "%H:%M"
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "doc", "xlsx", "xls", "odt", "ods", "zip"]
# Uploads are checked by content and guarded while a live page uses them
# (accounts/documents.py); every document is served through Django as an
# attachment, never rendered in the site's origin.
WAGTAILDOCS_DOCUMENT_FORM_BASE = "accounts.documents.DocumentForm"
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_INLINE_CONTENT_TYPES: list[str] = []

# --- Certificates -----------------------------------------------------------
# The Ed25519 key that signs Open Badges credentials: base64 of a 32-byte seed
# or a PKCS#8 PEM. Required in production (a system check says so); with
# DEBUG or in tests a key is derived from SECRET_KEY.
CERTIFICATE_SIGNING_KEY = os.environ.get("CERTIFICATE_SIGNING_KEY", "")
CERTIFICATE_ISSUER_NAME = os.environ.get("CERTIFICATE_ISSUER_NAME", "")
CERTIFICATES_BASE_URL = os.environ.get("CERTIFICATES_BASE_URL", "")

# --- Security -------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG and not TESTING:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
# CSP_REPORT_ONLY=1 sends the policy as Content-Security-Policy-Report-Only,
# for trying a change on a live site before enforcing it.
CSP_REPORT_ONLY = env_bool("CSP_REPORT_ONLY", False)
# The health endpoints are probed over plain HTTP by load balancers.
SECURE_REDIRECT_EXEMPT = [r"^healthz/"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}

# Path prefixes that only MFA-enabled staff may open (the Wagtail admin).
STAFF_PATH_PREFIXES = ["/admin/"]
