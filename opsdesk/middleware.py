"""The portal speaks Simplified Chinese unless the person chose otherwise."""

from __future__ import annotations

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation import check_for_language


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
