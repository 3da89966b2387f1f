"""The portal speaks Simplified Chinese unless the person chose otherwise."""

from __future__ import annotations

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation import check_for_language

from opsdesk.errors import bad_request
from opsdesk.validators import CONTROL_CHARACTERS_MESSAGE, has_control_characters


class PortalLanguageMiddleware(LocaleMiddleware):
    """Pages: the language switch's cookie, else the person's preferred language, else Chinese.

    A ward PC's browser often reports English (Accept-Language: en-US) although its user reads
    Chinese, so pages ignore that header. API callers are systems, and get Accept-Language.
    """

    def process_request(self, request) -> None:
        if request.path.startswith("/api/"):
            super().process_request(request)
            return
        user = getattr(request, "user", None)
        candidates = (
            request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME),
            user.language if user is not None and user.is_authenticated else None,
        )
        language = next(
            (code for code in candidates if code and check_for_language(code)),
            settings.LANGUAGE_CODE,
        )
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class ControlCharacterGuardMiddleware:
    """Refuses (400) a request whose path, query or form fields carry a control character.

    A NUL in a ticket number (`/tickets/YN%00/`) or a comment reaches PostgreSQL, which
    cannot store or compare it, and the page fails with a 500; other controls are never
    typed by a person. Checked here once, before any view runs, rather than field by field.
    JSON bodies are checked by the API's parser (api.parsers) against the same definition.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        fields = self._fields_with_control_characters(request)
        if fields is not None:
            return bad_request(request, CONTROL_CHARACTERS_MESSAGE, fields)
        return self.get_response(request)

    @staticmethod
    def _fields_with_control_characters(request) -> list[str] | None:
        """None when the request is clean; else the query or form fields at fault (none
        named when it is the path)."""
        if has_control_characters(request.path):
            return []
        sources = [request.GET]
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            sources.append(request.POST)
        fields = [
            key
            for source in sources
            for key, values in source.lists()
            if has_control_characters(key) or any(has_control_characters(v) for v in values)
        ]
        return fields or None
