"""Settings of the django-oauth-toolkit test project: the least a real deployment needs.

Everything comes from the environment the peer sets (database path, RSA key, secret key), so
nothing secret is written in the tree. Client secrets are hashed with a fast hasher: DOT hashes
them with Django's first ``PASSWORD_HASHERS`` entry, and the default PBKDF2 costs about a
quarter of a second per confidential token request, which a test run need not pay.
"""

from __future__ import annotations

import os

SECRET_KEY = os.environ["DOT_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True
ROOT_URLCONF = "tests.dot_provider.urls"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
DATABASES = {
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["DOT_DATABASE"]}
}
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.contrib.auth.context_processors.auth"]},
    }
]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "/login/"
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": os.environ["DOT_RSA_KEY"],
    "SCOPES": {
        "openid": "OpenID Connect",
        "read": "Read",
        "write": "Write",
    },
    "DEFAULT_SCOPES": ["read"],
}
LOGGING = {"version": 1, "disable_existing_loggers": True}
