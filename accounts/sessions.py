"""Idle session timeout (等保 2.0 level 3, 登录连接超时自动退出).

A signed-in session unused for SESSION_IDLE_MINUTES is signed out. The time of the person's
last request is kept in the session and checked by accounts.middleware.IdleSessionMiddleware.

Why not SESSION_COOKIE_AGE with SESSION_SAVE_EVERY_REQUEST: that writes the session row on
every request, and counts every request as use, including the queue's and the reports page's
htmx refreshes every few seconds, so a queue left open on an unattended PC would never be
signed out. Here a background refresh (an htmx GET) is not use, the stored time is rewritten
at most once a minute, and the person is told on the login page why they must sign in again.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

LAST_ACTIVITY_KEY = "opsdesk_last_activity"
# The stored time is rewritten only when it is older than this: fewer session writes, at the
# price of signing out up to this much early.
RESOLUTION = dt.timedelta(minutes=1)


def idle_limit() -> dt.timedelta | None:
    minutes = settings.SESSION_IDLE_MINUTES
    return dt.timedelta(minutes=minutes) if minutes > 0 else None


def last_activity(session) -> dt.datetime | None:
    stamp = session.get(LAST_ACTIVITY_KEY)
    return dt.datetime.fromtimestamp(stamp, tz=dt.UTC) if isinstance(stamp, int | float) else None


def is_idle(session, now: dt.datetime | None = None) -> bool:
    limit = idle_limit()
    last = last_activity(session)
    if limit is None or last is None:
        return False
    return (now or timezone.now()) - last >= limit


def touch(session, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    last = last_activity(session)
    if last is None or now - last >= RESOLUTION:
        session[LAST_ACTIVITY_KEY] = int(now.timestamp())


def start_idle_clock(sender, request, user, **kwargs) -> None:
    """On sign-in (user_logged_in): the idle time counts from now, not from the next request."""
    if request is not None and hasattr(request, "session"):
        request.session[LAST_ACTIVITY_KEY] = int(timezone.now().timestamp())
