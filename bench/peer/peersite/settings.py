"""Settings of the peer: django-helpdesk 2.6.1 as its install guide and standalone project
set it up, with Hotline's production choices where a choice exists, so the comparison
measures the applications and not their configuration:

* DEBUG off, cached template loaders (Django's default when DEBUG is off), sessions in the
  database, persistent connections with health checks (``CONN_MAX_AGE=60``) — as Hotline;
* static files hashed and compressed by ``collectstatic``, served by WhiteNoise — as
  ``hotline serve`` (not measured anyway);
* mail to the dummy backend: helpdesk sends its mails inside the request, Hotline writes
  outbox rows for its worker. Not sending them favours the peer; see bench/README.md.

Environment: PEER_DB (default ``hl_peer``), PEER_DB_HOST/PORT/USER (127.0.0.1, 5432,
postgres), PEER_SECRET_KEY, PEER_STATIC_ROOT, PEER_MEDIA_ROOT.
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR = BASE_DIR / ".venv" / "var"  # generated files stay inside the (git-ignored) venv

SECRET_KEY = os.environ.get("PEER_SECRET_KEY", "peer-bench-loopback-only-not-a-secret")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "helpdesk",
    "rest_framework",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "peersite.urls"
WSGI_APPLICATION = "peersite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("PEER_DB", "hl_peer"),
        "USER": os.environ.get("PEER_DB_USER", "postgres"),
        "HOST": os.environ.get("PEER_DB_HOST", "127.0.0.1"),
        "PORT": os.environ.get("PEER_DB_PORT", "5432"),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
SITE_ID = 1

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("PEER_STATIC_ROOT") or VAR / "static")
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("PEER_MEDIA_ROOT") or VAR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

LOGIN_URL = "helpdesk:login"
LOGIN_REDIRECT_URL = "helpdesk:home"

EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
DEFAULT_FROM_EMAIL = SERVER_EMAIL = "helpdesk@example.test"

# helpdesk, as its standalone project: no teams (would need pinax-teams), staff see every
# queue (HELPDESK_ENABLE_PER_QUEUE_STAFF_PERMISSION's default, False).
HELPDESK_TEAMS_MODE_ENABLED = False
HELPDESK_PUBLIC_ENABLED = True
HELPDESK_KB_ENABLED = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django": {"handlers": ["console"], "level": "ERROR", "propagate": True}},
}
