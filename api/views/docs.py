"""The OpenAPI schema and its two readers (Swagger UI, Redoc), for callers who have access.

The schema lists every operation and field of the API: it is for the hospital systems and
people who use it, so it needs a signed-in person or a token, like the API itself. An
intranet that wants its documentation open to anyone sets API_DOCS_PUBLIC.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework import exceptions
from rest_framework.permissions import BasePermission


class DocsAccess(BasePermission):
    def has_permission(self, request, view) -> bool:
        return settings.API_DOCS_PUBLIC or bool(request.user and request.user.is_authenticated)


class SchemaView(SpectacularAPIView):
    permission_classes = [DocsAccess]


class _SignInFirst:
    """A person who opens the documentation signed out is sent to sign in, then back."""

    permission_classes = [DocsAccess]

    def handle_exception(self, exc):
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)


class SwaggerView(_SignInFirst, SpectacularSwaggerView):
    pass


class RedocView(_SignInFirst, SpectacularRedocView):
    pass
