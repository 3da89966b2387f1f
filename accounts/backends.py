"""Password sign-in with the lockout of accounts/lockout.py, for every login form.

The lock is enforced here rather than in the portal's login form so that the admin's login
page, and anything else that calls `authenticate()`, is held to it as well.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from accounts import lockout
from contracts.selectors import learn_memberships, with_memberships

LOCK_ATTRIBUTE = "login_lock"


class LockoutModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        address = lockout.client_address(request)
        lock = lockout.lock_for(username=username, address=address)
        if lock is not None:
            # Refused before the password is checked, so a locked sign-in reveals nothing.
            # PermissionDenied makes authenticate() stop here and report a failure.
            _remember(request, lock)
            raise PermissionDenied
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            lockout.record_failure(username=username, address=address)
            # This failure may have been the last one allowed: say so at once.
            _remember(request, lockout.lock_for(username=username, address=address))
        else:
            lockout.reset(username=username)
        return user

    def get_user(self, user_id):
        """A signed-in request's person, with the roles nearly every page asks about read in
        the same query (a row per membership, one of nulls if none), as an API token reads
        its person's (api.tokens.token_for): contracts.selectors.memberships_of() then
        answers from them rather than by a query of its own."""
        people = get_user_model()._default_manager.filter(pk=user_id)
        rows = list(with_memberships(people).order_by())  # unordered: one person
        if not rows or not self.user_can_authenticate(rows[0]):
            return None
        user = rows[0]
        learn_memberships(user, rows)
        return user


def _remember(request, lock: lockout.Lock | None) -> None:
    """Leave the lock on the request for the login form's message (accounts/forms.py)."""
    if request is not None and lock is not None:
        setattr(request, LOCK_ATTRIBUTE, lock)
