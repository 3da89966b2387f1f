"""`Authorization: Token odk_…` for hospital systems; browsers use their session."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from api.models import ApiToken
from api.tokens import token_for


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("token", "bearer")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode("latin-1").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the token as “Authorization: Token <token>”, with no spaces inside it.")
            )
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("This token is not valid.")) from exc
        token = token_for(raw)
        if token is None:
            raise exceptions.AuthenticationFailed(
                _("This token is not valid: it is unknown, expired or revoked.")
            )
        return token.user, token

    def authenticate_header(self, request) -> str:
        # Makes unauthenticated requests answer 401 with WWW-Authenticate, not 403.
        return "Token"


def token_of(request) -> ApiToken | None:
    return request.auth if isinstance(request.auth, ApiToken) else None
