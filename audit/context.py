"""The request an audit entry is recorded in: its client address and who is signed in.

Services do not take the request, yet their audit entries must say where the change came
from, so this middleware keeps both in context variables for the length of the request
(each thread or task has its own). Outside a request (Celery, the shell) both are None.
"""

from __future__ import annotations

import ipaddress
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings


@dataclass(frozen=True)
class RequestContext:
    ip: str | None
    # request.user as AuthenticationMiddleware left it: lazy, read only when a record needs it.
    user: Any


_current: ContextVar[RequestContext | None] = ContextVar("audit_request", default=None)


def _valid_ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request) -> str | None:
    """REMOTE_ADDR; behind our TLS proxy (BEHIND_TLS_PROXY), the address the proxy saw.

    The proxy appends the address it was connected from to X-Forwarded-For, so that is the
    last entry; anything before it came from the client and may be forged. Without the
    setting the header is ignored altogether: anyone could send it.
    """
    if getattr(settings, "BEHIND_TLS_PROXY", False):
        hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop]
        if hops and (forwarded := _valid_ip(hops[-1])):
            return forwarded
    return _valid_ip(request.META.get("REMOTE_ADDR"))


def current_address() -> str | None:
    context = _current.get()
    return context.ip if context else None


def current_user():
    """The signed-in person of the current request, or None (anonymous, or no request)."""
    context = _current.get()
    user = context.user if context else None
    if user is None or not user.is_authenticated:
        return None
    return user


class AuditContextMiddleware:
    """Keeps the request's client address and user for audit.record (after authentication)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current.set(
            RequestContext(client_address(request), getattr(request, "user", None))
        )
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
