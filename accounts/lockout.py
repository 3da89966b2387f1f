"""Sign-in lockout (等保 2.0 level 3, 登录失败处理).

After LOGIN_MAX_FAILURES failed sign-ins for one username within LOGIN_LOCKOUT_MINUTES, that
username is refused until LOGIN_LOCKOUT_MINUTES after the last of them; after
LOGIN_MAX_FAILURES_PER_ADDRESS failures from one client address, that address is, so trying one
password against many usernames (spraying) is slowed too. The address limit is higher because a
hospital's staff often reach OpsDesk through one NAT address.

Failures are counted for any username, existing or not, and a locked attempt is refused before
the password is checked: the lock tells nothing about which accounts exist or whether a password
was right. Attempts refused while locked are not counted, or an attacker could hold a person's
lock forever. A successful sign-in deletes its username's failures (not its address's: signing
in to one's own account must not reset a spray from the same machine).

Failures live in the database (LoginFailure), so all gunicorn workers count the same ones
without Redis; each new failure purges the rows no window can reach any more.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from accounts.models import LoginFailure

logger = logging.getLogger("opsdesk.security")

USERNAME_MAX_LENGTH = LoginFailure._meta.get_field("username").max_length


@dataclass(frozen=True)
class Lock:
    """Sign-in is refused until `until`."""

    until: dt.datetime


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def client_address(request) -> str | None:
    """The client's IP address: REMOTE_ADDR, or behind our TLS proxy the address the proxy
    appended last to X-Forwarded-For (the entries before it come from the client, who may
    write anything there)."""
    if request is None:
        return None
    raw = request.META.get("REMOTE_ADDR", "")
    if settings.BEHIND_TLS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        raw = forwarded or raw
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


def _locked_until(times: list[dt.datetime], limit: int, window: dt.timedelta) -> dt.datetime | None:
    """`times` are the latest failures, newest first: `limit` of them within one window lock
    until a window after the newest."""
    if limit <= 0 or len(times) < limit:
        return None
    newest, oldest = times[0], times[limit - 1]
    if newest - oldest > window:
        return None
    return newest + window


def lock_for(
    *, username: str | None, address: str | None, now: dt.datetime | None = None
) -> Lock | None:
    """The lock on this username or address now, if any."""
    window = _window()
    if window <= dt.timedelta(0):
        return None
    now = now or timezone.now()
    # A lock still running ends after `now`, so its newest failure is within one window of
    # now and its oldest within two: the index range read is bounded.
    recent = LoginFailure.objects.filter(at__gte=now - 2 * window).order_by("-at")
    checks = (
        ({"username": (username or "")[:USERNAME_MAX_LENGTH]}, settings.LOGIN_MAX_FAILURES),
        ({"address": address}, settings.LOGIN_MAX_FAILURES_PER_ADDRESS),
    )
    untils = []
    for match, limit in checks:
        if limit > 0 and all(match.values()):
            times = list(recent.filter(**match).values_list("at", flat=True)[:limit])
            untils.append(_locked_until(times, limit, window))
    running = [until for until in untils if until is not None and until > now]
    return Lock(until=max(running)) if running else None


def record_failure(*, username: str, address: str | None, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    LoginFailure.objects.create(username=username[:USERNAME_MAX_LENGTH], address=address, at=now)
    # No lock reads further back than two windows (lock_for).
    LoginFailure.objects.filter(at__lt=now - 2 * _window()).delete()
    logger.info("Failed sign-in for %r from %s", username, address or "an unknown address")


def reset(*, username: str) -> None:
    """A successful sign-in: the username's failures no longer count."""
    LoginFailure.objects.filter(username=username[:USERNAME_MAX_LENGTH]).delete()
