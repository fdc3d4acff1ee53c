"""URLs: django-oauth-toolkit under ``/o/`` (the issuer is ``http://HOST:PORT/o``), and a login.

The login is the test user agent's: it signs the one test user in and goes back to ``next``,
so that the authorization endpoint (applications with ``skip_authorization``) answers with a
code at once.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model, login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import include, path
from django.utils.http import url_has_allowed_host_and_scheme

from tests.dot_provider.seed import USERNAME


def sign_in(request: HttpRequest) -> HttpResponse:
    """Sign the test user in and go back to ``next`` (a local path only)."""
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return HttpResponse("bad next", status=400)
    login(request, get_user_model().objects.get(username=USERNAME))
    return HttpResponseRedirect(target)


urlpatterns = [
    path("login/", sign_in),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
]
