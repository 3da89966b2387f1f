"""Per-request enforcement of the session and password rules.

IdleSessionMiddleware signs out a session left unused (accounts/sessions.py);
PasswordPolicyMiddleware sends a person whose password expired, or whom an administrator asked
for a new one, to the password-change page first (accounts/passwords.py).
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts import sessions
from accounts.passwords import needs_new_password


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _send_to(request, url: str) -> HttpResponse:
    """A redirect; for htmx, which would swap the target page into a fragment, a
    full-page navigation instead."""
    if _is_htmx(request):
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return HttpResponseRedirect(url)


class IdleSessionMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            if sessions.is_idle(request.session):
                return self._sign_out(request)
            if not (_is_htmx(request) and request.method == "GET"):
                # An htmx GET is a page refreshing itself, not the person using it.
                sessions.touch(request.session)
        return self.get_response(request)

    def _sign_out(self, request) -> HttpResponse:
        logout(request)
        if request.path.startswith("/api/"):
            # Anonymous now: the API answers as it does to any caller without credentials
            # (a token in the request still counts).
            return self.get_response(request)
        # Kept in the fresh session, so the login page shows it.
        messages.info(
            request,
            _(
                "You were signed out after %(minutes)d minutes without activity. "
                "Please sign in again."
            )
            % {"minutes": settings.SESSION_IDLE_MINUTES},
        )
        if _is_htmx(request):
            # Back to the page the fragment belongs to, not to the fragment.
            current = urlsplit(request.headers.get("HX-Current-URL", ""))
            page = urlunsplit(("", "", current.path, current.query, "")) or request.path
            return _send_to(request, f"{reverse('login')}?{urlencode({'next': page})}")
        # Pages that need a signed-in person send to the login page with `next` themselves.
        return self.get_response(request)


class PasswordPolicyMiddleware:
    """API requests (tokens, or a page's session) and the pages needed to change the password
    or leave are let through; everything else waits for the new password."""

    ALWAYS_ALLOWED_PREFIXES = ("/api/", "/i18n/")

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        # The person's own flags first: they are read from the user already loaded, while
        # the pages always allowed are URL reversals, asked for only when it matters.
        if user.is_authenticated and needs_new_password(user) and not self._allowed(request.path):
            if user.must_change_password:
                message = _("An administrator asks you to choose a new password before you go on.")
            else:
                message = _(
                    "Passwords must be changed every %(days)d days. Please choose a new one "
                    "before you go on."
                ) % {"days": settings.PASSWORD_MAX_AGE_DAYS}
            messages.warning(request, message)
            return _send_to(request, reverse("password_change"))
        return self.get_response(request)

    def _allowed(self, path: str) -> bool:
        static = "/" + settings.STATIC_URL.lstrip("/")
        return path.startswith((*self.ALWAYS_ALLOWED_PREFIXES, static)) or path in {
            reverse("password_change"),
            reverse("logout"),
            reverse("admin:logout"),
        }
