"""Hotline settings: one module, driven by environment variables with safe embedded defaults.

Embedded default: SQLite under ``HOTLINE_HOME`` (./var), no server needed.
Production: set ``DATABASE_URL=postgres://...`` (and ``REDIS_URL`` for cache and queue).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

from hotline.core.secret_key import installation_key, is_known_key
from hotline.ops.logs import formatter_class

BASE_DIR = Path(__file__).resolve().parent
HOTLINE_HOME = Path(os.environ.get("HOTLINE_HOME", Path.cwd() / "var")).resolve()


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _env_bool("HOTLINE_DEBUG", False)
# Signed tokens (sessions, the portal's form, rating and survey links) are only as secret
# as this key. HOTLINE_SECRET_KEY if set (several web nodes: set the same on each); else one
# random key per installation, made on first start in HOTLINE_HOME/secret_key (0600, never
# in the repository). A key anyone can know refuses to serve beyond loopback and fails
# `check --deploy` (hotline.core.checks.secret_key_is_default, hotline.E001).
SECRET_KEY = os.environ.get("HOTLINE_SECRET_KEY") or installation_key(HOTLINE_HOME)
HOTLINE_INSECURE_SECRET_KEY = is_known_key(SECRET_KEY)
_hosts = os.environ.get("HOTLINE_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
ALLOWED_HOSTS = [h for h in _hosts.split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("HOTLINE_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "hotline.core",  # before staticfiles: its runserver refuses a public key beyond loopback
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served by us: no CDN on closed intranets
    "django_htmx",
    "axes",  # one failed-login limit for every door (hotline.core.logins)
    "hotline.org",
    "hotline.calendar",
    "hotline.policies",
    "hotline.tickets",
    "hotline.workflow",
    "hotline.api",
    "hotline.callers",
    "hotline.jobs",
    "hotline.notify",
    "hotline.followup",
    "hotline.mailin",
    "hotline.smsin",  # 短信受理: Aliyun SmsUp push → tickets, correspondence, ratings
    "hotline.telephony",
    "hotline.knowledge",
    "hotline.rectification",
    "hotline.similar",  # repeat and batch detection (重复/批量投诉, ADR 0024)
    "hotline.exchange",  # 上级转办: partner systems push tickets in, our answers go back (ADR 0025)
    "hotline.search",
    "hotline.reports",
    "hotline.assessment",
    "hotline.exports",
    "hotline.web",
    "hotline.portal",
    "hotline.ops",
    "hotline.demo",
]

MIDDLEWARE = [
    # first: every request (static files and redirects too) gets an id, a log line, metrics
    "hotline.ops.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "hotline.core.headers.ContentSecurityPolicyMiddleware",  # SECURE_CSP on every response
    "hotline.ops.middleware.StaticFilesMiddleware",  # WhiteNoise: STATIC_ROOT, hashed names
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out login into its answer
]

ROOT_URLCONF = "hotline.urls"
WSGI_APPLICATION = "hotline.wsgi.application"

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
            ],
        },
    },
]

# Django's form renderer with its plainest widget templates built in Python (hotline.web.renderer)
FORM_RENDERER = "hotline.web.renderer.FastWidgets"

# --- Database -------------------------------------------------------------------------
_default_sqlite = f"sqlite:///{HOTLINE_HOME / 'hotline.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", _default_sqlite),
        conn_max_age=60,
        conn_health_checks=True,  # a connection broken by a database restart is replaced, not a 500
    ),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    HOTLINE_HOME.mkdir(parents=True, exist_ok=True)
    # IMMEDIATE transactions serialise writers up front (no "database is locked" upgrades
    # half-way through a transaction); WAL lets readers run beside the one writer.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Tests use a file too (not shared-cache memory, whose table locks ignore the busy
    # timeout), so concurrency tests see the same locking as production.
    DATABASES["default"]["TEST"] = {"NAME": str(HOTLINE_HOME / "test-hotline.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend plus a connection apart from the transaction (ticket numbers)
    DATABASES["default"]["ENGINE"] = "hotline.core.postgresql"
if DATABASES["default"]["ENGINE"] == "hotline.core.postgresql" and os.environ.get("HOTLINE_TEST_DB"):
    # Several test runs on one PostgreSQL server: give each its own test database name.
    DATABASES["default"]["TEST"] = {"NAME": os.environ["HOTLINE_TEST_DB"]}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# PostgreSQL: the hottest reads as statements prepared once per session (ADR 0029); off
# behind a pooler that shares sessions between clients (PgBouncer in transaction mode)
HOTLINE_PREPARED_STATEMENTS = _env_bool("HOTLINE_PREPARED_STATEMENTS", True)

# --- Cache (rate limits, calendar) ----------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "hotline"}}
# Sessions live in the database. With Redis, a cache every process shares, they are read
# through it (cached_db): one statement fewer on every request, and a logout or an expiry
# is seen by every process at once. The embedded default's cache is each process's own
# memory, where a session ended in one process would live on in another: it reads the
# database every time.
SESSION_ENGINE = f"django.contrib.sessions.backends.{'cached_db' if REDIS_URL else 'db'}"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "hotline.core.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},  # in Chinese
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# --- Failed logins (django-axes; hotline.core.logins, ADR 0015) -------------------------
# Every door that checks a password (workbench, admin, API token) goes through axes first.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# HOTLINE_LOGIN_FAILURE_LIMIT failures for one user name, or from one client address (an
# IPv6 client's /64), within the cool-off lock it until HOTLINE_LOGIN_COOLOFF_MINUTES have
# passed since the last counted one; the right password is not even checked meanwhile.
# Unlock at once: the admin's 访问尝试 (delete the rows), or `hotline axes_reset_username`.
AXES_FAILURE_LIMIT = int(os.environ.get("HOTLINE_LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("HOTLINE_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # tries while locked do not extend it
AXES_CLIENT_IP_CALLABLE = "hotline.core.logins.login_client_ip"  # as every limit: NUM_PROXIES
AXES_LOCKOUT_CALLABLE = "hotline.core.logins.lockout_response"

# --- Language and time ----------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"  # shown in Asia/Shanghai, stored in UTC
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# collectstatic writes here (hashed, compressed); a deployment may share one folder between
# releases or servers (HOTLINE_STATIC_ROOT), else it is in HOTLINE_HOME
STATIC_ROOT = Path(os.environ.get("HOTLINE_STATIC_ROOT") or HOTLINE_HOME / "static").resolve()
# Third-party front-end files (Bootstrap, ECharts) are fetched from the npm registry at
# build time by scripts/assets into this git-ignored folder and served by us (no CDN).
STATICFILES_DIRS = [BASE_DIR / "static_vendor"]
# Hashed, compressed copies made by collectstatic (`hotline serve` runs it), served by
# WhiteNoise with a year-long Cache-Control (ADR 0014).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "hotline.ops.storage.StaticStorage"},
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("HOTLINE_MEDIA_ROOT", HOTLINE_HOME / "media"))

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

# --- Background work (Huey) -----------------------------------------------------------
# Embedded: SqliteHuey in HOTLINE_HOME (``hotline worker``). With REDIS_URL: RedisHuey, any
# number of consumers; exactly one runs the periodic scheduler (HOTLINE_WORKER_SCHEDULER).
HOTLINE_HUEY_NAME = os.environ.get("HOTLINE_HUEY_NAME", "hotline")
HOTLINE_HUEY_IMMEDIATE = _env_bool("HOTLINE_HUEY_IMMEDIATE", False)
# Whether this `hotline worker` runs the periodic scheduler (--no-scheduler sets it off).
HOTLINE_WORKER_SCHEDULER = _env_bool("HOTLINE_WORKER_SCHEDULER", True)

# --- Notifications --------------------------------------------------------------------
# Outbox delivery (ADR 0010): retries with exponential backoff and jitter, then "dead".
HOTLINE_PUBLIC_BASE_URL = os.environ.get("HOTLINE_PUBLIC_BASE_URL", "http://127.0.0.1:8000")
HOTLINE_NOTIFY_MAX_ATTEMPTS = int(os.environ.get("HOTLINE_NOTIFY_MAX_ATTEMPTS", "8"))
HOTLINE_NOTIFY_BACKOFF_SECONDS = float(os.environ.get("HOTLINE_NOTIFY_BACKOFF_SECONDS", "30"))
HOTLINE_NOTIFY_BACKOFF_MAX_SECONDS = float(os.environ.get("HOTLINE_NOTIFY_BACKOFF_MAX_SECONDS", "3600"))
HOTLINE_NOTIFY_LEASE_SECONDS = float(os.environ.get("HOTLINE_NOTIFY_LEASE_SECONDS", "120"))
HOTLINE_NOTIFY_TIMEOUT_SECONDS = float(os.environ.get("HOTLINE_NOTIFY_TIMEOUT_SECONDS", "20"))
# Email: empty host = not configured (messages stay visible as "未发送: 未配置").
HOTLINE_SMTP_HOST = os.environ.get("HOTLINE_SMTP_HOST", "")
HOTLINE_SMTP_PORT = int(os.environ.get("HOTLINE_SMTP_PORT", "25"))
HOTLINE_SMTP_USER = os.environ.get("HOTLINE_SMTP_USER", "")
HOTLINE_SMTP_PASSWORD = os.environ.get("HOTLINE_SMTP_PASSWORD", "")
HOTLINE_SMTP_FROM = os.environ.get("HOTLINE_SMTP_FROM", "hotline@localhost")
HOTLINE_SMTP_TLS = _env_bool("HOTLINE_SMTP_TLS", False)
# SMS: Aliyun Dysmsapi SendSms. Empty endpoint = not configured.
HOTLINE_SMS_ENDPOINT = os.environ.get("HOTLINE_SMS_ENDPOINT", "")  # e.g. https://dysmsapi.aliyuncs.com/
HOTLINE_SMS_ACCESS_KEY_ID = os.environ.get("HOTLINE_SMS_ACCESS_KEY_ID", "")
HOTLINE_SMS_ACCESS_KEY_SECRET = os.environ.get("HOTLINE_SMS_ACCESS_KEY_SECRET", "")
HOTLINE_SMS_SIGN_NAME = os.environ.get("HOTLINE_SMS_SIGN_NAME", "")
# kind=TemplateCode pairs, comma separated (receipt=SMS_123,result=SMS_456); default SMS_HOTLINE_<KIND>
HOTLINE_SMS_TEMPLATES = dict(
    pair.split("=", 1) for pair in os.environ.get("HOTLINE_SMS_TEMPLATES", "").split(",") if "=" in pair
)

# SMS in (docs/guide/admin.md, 短信受理): Aliyun's SmsUp HTTP push to
# /api/v1/sms/inbound/aliyun/. Empty secret = endpoint off (404). Pushes are verified with
# it (hotline.smsin.signing); unmatched texts register as this type at this unit ("" = the
# public unit, HOTLINE_PUBLIC_UNIT).
HOTLINE_SMS_INBOUND_SECRET = os.environ.get("HOTLINE_SMS_INBOUND_SECRET", "")
HOTLINE_SMS_INBOUND_TYPE = os.environ.get("HOTLINE_SMS_INBOUND_TYPE", "complaint")
HOTLINE_SMS_INBOUND_UNIT = os.environ.get("HOTLINE_SMS_INBOUND_UNIT", "")

# --- Upper-level exchange (docs/guide/admin.md, 上级转办; ADR 0025) ------------------
# Partners and their keys are configured in the admin. A push signed more than this many
# seconds before or after our clock is refused (a replay); a callback POST waits this long
# (keep it below HOTLINE_NOTIFY_LEASE_SECONDS: a slower try would be claimed again).
HOTLINE_EXCHANGE_SIGNATURE_WINDOW_SECONDS = int(
    os.environ.get("HOTLINE_EXCHANGE_SIGNATURE_WINDOW_SECONDS", "300")
)
HOTLINE_EXCHANGE_TIMEOUT_SECONDS = float(os.environ.get("HOTLINE_EXCHANGE_TIMEOUT_SECONDS", "15"))

# --- Mail in (docs/guide/admin.md, 受理邮箱) ----------------------------------------
# Mailboxes are configured in the admin; these bound every poll. A mail larger than
# HOTLINE_MAIL_MAX_BYTES is recorded from its header and never downloaded.
HOTLINE_MAIL_MAX_BYTES = int(os.environ.get("HOTLINE_MAIL_MAX_BYTES", str(25 * 1024 * 1024)))
HOTLINE_MAIL_TIMEOUT_SECONDS = float(os.environ.get("HOTLINE_MAIL_TIMEOUT_SECONDS", "30"))
HOTLINE_MAIL_BATCH = int(os.environ.get("HOTLINE_MAIL_BATCH", "50"))  # mails per round trip and checkpoint
HOTLINE_MAIL_MAX_PER_POLL = int(os.environ.get("HOTLINE_MAIL_MAX_PER_POLL", "1000"))  # per mailbox and poll

# --- Telephony (issue 12; docs/guide/telephony.md) -----------------------------------
# Generic call events (Zammad-compatible CTI) arrive at /api/v1/cti/<token>; an empty token
# turns the endpoint off (404). Asterisk AMI: empty host = not configured (state changes
# and click-to-call are kept and shown as "未发送到交换机").
HOTLINE_CTI_TOKEN = os.environ.get("HOTLINE_CTI_TOKEN", "")
HOTLINE_AMI_HOST = os.environ.get("HOTLINE_AMI_HOST", "")
HOTLINE_AMI_PORT = int(os.environ.get("HOTLINE_AMI_PORT", "5038"))
HOTLINE_AMI_USER = os.environ.get("HOTLINE_AMI_USER", "")
HOTLINE_AMI_SECRET = os.environ.get("HOTLINE_AMI_SECRET", "")
# The dialplan context click-to-call dials the number in (Originate's Context).
HOTLINE_AMI_CONTEXT = os.environ.get("HOTLINE_AMI_CONTEXT", "from-internal")
# Where Asterisk's MixMonitor writes (the file names in the events are relative to it).
HOTLINE_RECORDINGS_DIR = os.environ.get("HOTLINE_RECORDINGS_DIR", str(HOTLINE_HOME / "recordings"))
# After a call the agent is in wrap-up (话后整理) this long, then ready again.
HOTLINE_WRAPUP_SECONDS = int(os.environ.get("HOTLINE_WRAPUP_SECONDS", "30"))
# A missed or abandoned call becomes a callback task due this many hours later.
HOTLINE_CALLBACK_HOURS = int(os.environ.get("HOTLINE_CALLBACK_HOURS", "2"))
# 自动外呼: at most this many tasks dialled at once (one team leader's click).
HOTLINE_AUTODIAL_MAX = int(os.environ.get("HOTLINE_AUTODIAL_MAX", "10"))
# FastAGI (`hotline telephony agi`): routing and the voice menu answered to Asterisk. The
# default listens on loopback only; open it to the Asterisk host alone (AGI has no login).
HOTLINE_AGI_HOST = os.environ.get("HOTLINE_AGI_HOST", "127.0.0.1")
HOTLINE_AGI_PORT = int(os.environ.get("HOTLINE_AGI_PORT", "4573"))

# --- API ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON with a nesting limit (a body nested 1,000 deep was a RecursionError, a 500)
    "DEFAULT_PARSER_CLASSES": [
        "hotline.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "hotline.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["hotline.api.filters.FilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "hotline.api.problems.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "public_submit": os.environ.get("HOTLINE_PUBLIC_SUBMIT_RATE", "10/hour"),
        "public_query": os.environ.get("HOTLINE_PUBLIC_QUERY_RATE", "60/hour"),
        "token": os.environ.get("HOTLINE_TOKEN_RATE", "30/minute"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # How many reverse proxies stand in front of us. 0 (default): the client address is
    # REMOTE_ADDR and X-Forwarded-For — which any client can write — is ignored, so rate
    # limits cannot be dodged by sending a new header each time. Behind one nginx: 1.
    "NUM_PROXIES": int(os.environ.get("HOTLINE_NUM_PROXIES", "0")),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Hotline API",
    "DESCRIPTION": "投诉举报受理处理平台 API. Errors are RFC 7807 problem details with a stable `code`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # two models have a ``status``: each enum keeps its own stable name
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "hotline.tickets.models.Status",
        "ArticleStatusEnum": "hotline.knowledge.models.ArticleStatus",
        "NoticeStatusEnum": "hotline.rectification.models.NoticeStatus",
        "DocumentKindEnum": "hotline.reports.models.DocumentKind",
        "ScorecardKindEnum": "hotline.api.assessment.SUBJECT_KINDS",
        "OutcomeEnum": ["close", "dispatch"],  # the script outcome keeps its name beside CallOutcome
        "CallDirectionEnum": "hotline.telephony.models.Direction",
        "CallStatusEnum": "hotline.telephony.models.CallStatus",
        "CallOutcomeEnum": "hotline.telephony.models.CallOutcome",
        "AgentStateEnum": "hotline.telephony.models.AgentState",
        "CallbackKindEnum": "hotline.telephony.models.TaskKind",
        "CallbackStatusEnum": "hotline.telephony.models.TaskStatus",
        "NewCallbackKindEnum": "hotline.api.serializers_calls.NEW_TASK_KINDS",
        "CtiEventEnum": "hotline.api.serializers_calls.CTI_EVENTS",
    },
}
# /api/schema/ and /api/docs/ need a signed-in user unless this is on (the schema lists
# every endpoint and field; open it only where the API is meant to be public).
HOTLINE_API_DOCS_PUBLIC = _env_bool("HOTLINE_API_DOCS_PUBLIC", False)

# --- Transport and headers (docs/guide/deploy.md, "HTTPS 与安全响应头") ------------------
# Off by default: the embedded setup is plain http://127.0.0.1. Production behind HTTPS:
# HOTLINE_SECURE_COOKIES=1 HOTLINE_SSL_REDIRECT=1 HOTLINE_HSTS_SECONDS=31536000
# HOTLINE_HSTS_INCLUDE_SUBDOMAINS=1 HOTLINE_HSTS_PRELOAD=1 (`hotline check --deploy` clean).
_secure_cookies = _env_bool("HOTLINE_SECURE_COOKIES", False)  # sent over HTTPS only
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = _secure_cookies
SECURE_SSL_REDIRECT = _env_bool("HOTLINE_SSL_REDIRECT", False)
# Probes and the metrics scrape come over plain HTTP from inside: never redirected.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = int(os.environ.get("HOTLINE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("HOTLINE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = _env_bool("HOTLINE_HSTS_PRELOAD", False)
# Behind HOTLINE_NUM_PROXIES proxies, TLS ends at the proxy, which tells us in
# X-Forwarded-Proto (it must set it, not pass the client's on: nginx `proxy_set_header
# X-Forwarded-Proto $scheme`). With no proxy that header is the client's word: ignored.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if REST_FRAMEWORK["NUM_PROXIES"] else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# hotline.core.headers: no inline script or style, no eval; every script and stylesheet is a
# file we serve. Django 6.0's format and name, so its own middleware can take over.
SECURE_CSP: dict[str, list[str]] = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

# --- Hotline --------------------------------------------------------------------------
HOTLINE_DEFAULT_POLICY = os.environ.get("HOTLINE_DEFAULT_POLICY", "enterprise")
# Where public submissions land; empty: the first hotline centre unit, else the root unit.
HOTLINE_PUBLIC_UNIT = os.environ.get("HOTLINE_PUBLIC_UNIT", "")
# The hotline's phone number, shown on the public portal.
HOTLINE_PUBLIC_PHONE = os.environ.get("HOTLINE_PUBLIC_PHONE", "12345")
HOTLINE_ATTACHMENT_MAX_BYTES = int(os.environ.get("HOTLINE_ATTACHMENT_MAX_BYTES", str(20 * 1024 * 1024)))
HOTLINE_ATTACHMENT_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".pdf": "application/pdf",
    ".txt": "text/plain",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".amr": "audio/amr",
    ".mp4": "video/mp4",
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Operations (ADR 0014, docs/guide/deploy.md) ---------------------------------------
# `hotline serve`: gunicorn processes (0: 2 × cores + 1, at most 8), threads in each, and
# the seconds a request may take before its process is replaced.
HOTLINE_WEB_WORKERS = int(os.environ.get("HOTLINE_WEB_WORKERS", "0"))
HOTLINE_WEB_THREADS = int(os.environ.get("HOTLINE_WEB_THREADS", "4"))
HOTLINE_WEB_TIMEOUT = int(os.environ.get("HOTLINE_WEB_TIMEOUT", "60"))
# /metrics answers loopback requests (not relayed by a proxy) and, when this is set,
# requests with `Authorization: Bearer <token>`; nobody else.
HOTLINE_METRICS_TOKEN = os.environ.get("HOTLINE_METRICS_TOKEN", "")
# Logs: one JSON object per line (`text`: plain lines), each with the request id; one line
# per request on the `hotline.request` logger (HOTLINE_REQUEST_LOG_LEVEL=WARNING: none).
HOTLINE_LOG_FORMAT = os.environ.get("HOTLINE_LOG_FORMAT", "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "hotline.ops.logs.RequestIdFilter"}},
    "formatters": {"hotline": {"()": formatter_class(HOTLINE_LOG_FORMAT)}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "hotline", "filters": ["request_id"]}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("HOTLINE_LOG_LEVEL", "WARNING")},
    "loggers": {
        "hotline.request": {"level": os.environ.get("HOTLINE_REQUEST_LOG_LEVEL", "INFO")},
        "hotline.exports": {"level": "INFO"},  # every export is logged: who, what, how many rows
        # 4xx are in the request line already; errors (5xx, with traceback) still come
        "django.request": {"level": "ERROR"},
    },
}
