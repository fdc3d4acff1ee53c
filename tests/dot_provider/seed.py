"""The project's data: one user and three applications, created after the migrations.

django-oauth-toolkit gives each application one grant type, so the confidential client is two
applications: ``tw-dot-confidential`` (authorization code, and refresh) and ``tw-dot-service``
(client_credentials), with the same secret. ``tw-dot-public`` is a public client (PKCE).
"""

from __future__ import annotations

USERNAME = "tw-dot-user"
REDIRECT_URI = "http://127.0.0.1/cb"
SECRET = "tw-dot-secret-0123456789"
CONFIDENTIAL = "tw-dot-confidential"
SERVICE = "tw-dot-service"
PUBLIC = "tw-dot-public"


def seed() -> None:
    """Create the user and the applications (an empty database is expected)."""
    from django.contrib.auth import get_user_model
    from oauth2_provider.models import get_application_model

    user = get_user_model().objects.create_user(USERNAME, password=None)
    application = get_application_model()
    common = {"user": user, "redirect_uris": REDIRECT_URI, "skip_authorization": True}
    application.objects.create(
        name=CONFIDENTIAL,
        client_id=CONFIDENTIAL,
        client_secret=SECRET,
        client_type=application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=application.GRANT_AUTHORIZATION_CODE,
        algorithm=application.RS256_ALGORITHM,
        **common,
    )
    application.objects.create(
        name=SERVICE,
        client_id=SERVICE,
        client_secret=SECRET,
        client_type=application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=application.GRANT_CLIENT_CREDENTIALS,
        **common,
    )
    application.objects.create(
        name=PUBLIC,
        client_id=PUBLIC,
        client_secret="",
        client_type=application.CLIENT_PUBLIC,
        authorization_grant_type=application.GRANT_AUTHORIZATION_CODE,
        algorithm=application.RS256_ALGORITHM,
        **common,
    )
