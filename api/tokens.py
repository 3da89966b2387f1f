"""Issuing, checking and revoking API tokens, and the integration accounts they act as."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from api.models import ApiToken
from contracts.models import Membership, Organization
from contracts.selectors import learn_memberships, with_memberships

# "odk_" + 8 characters shown in lists to tell tokens apart + the secret.
TOKEN_PREFIX = "odk_"
_PREFIX_LENGTH = 8
# last_used_at is bookkeeping: one write per token per minute is plenty.
_LAST_USED_RESOLUTION_SECONDS = 60


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def issue_token(
    *,
    user,
    organization: Organization,
    name: str,
    created_by=None,
    rate_limit_per_minute: int | None = None,
    expires_at=None,
) -> tuple[ApiToken, str]:
    """A new token for `user` acting within `organization`; returns it with its secret,
    which is never shown again."""
    if not Membership.objects.filter(user=user, organization=organization).exists():
        raise ValidationError(
            _("%(user)s is not a member of %(organization)s."),
            params={"user": user, "organization": organization},
        )
    if not name.strip():
        raise ValidationError(_("Name the token after the system that will use it."))
    prefix = secrets.token_hex(_PREFIX_LENGTH // 2)
    raw = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        name=name.strip(),
        user=user,
        organization=organization,
        prefix=prefix,
        digest=digest(raw),
        created_by=created_by,
        rate_limit_per_minute=rate_limit_per_minute,
        expires_at=expires_at,
    )
    return token, raw


def token_for(raw: str) -> ApiToken | None:
    """The usable token with this secret, or None."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    # One row per membership of the token's person (one row of nulls if none), so that
    # the roles nearly every API request asks about come with the token instead of by a
    # query of their own (contracts.selectors.memberships_of).
    rows = list(
        with_memberships(
            ApiToken.objects.usable()
            .select_related("user", "organization")
            .filter(digest=digest(raw)),
            "user",
        ).order_by()  # the digest is unique
    )
    if not rows or not rows[0].user.is_active:
        return None
    token = rows[0]
    learn_memberships(token.user, rows)
    now = timezone.now()
    if (
        token.last_used_at is None
        or (now - token.last_used_at).total_seconds() > _LAST_USED_RESOLUTION_SECONDS
    ):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def revoke(token: ApiToken, *, by=None) -> None:
    if token.revoked_at is None:
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=by
        )
        token.refresh_from_db()


def create_integration_account(
    *, organization: Organization, name: str, role: str, created_by=None
):
    """A user for a system rather than a person (HIS monitoring, the OA): it cannot sign in
    to pages and acts only through its tokens."""
    Membership(organization=organization, role=role).clean()
    username = f"{organization.code.lower()}-api-{secrets.token_hex(3)}"
    with transaction.atomic():
        user = get_user_model().objects.create(
            username=username, full_name=name.strip(), is_integration=True
        )
        user.set_unusable_password()
        user.save(update_fields=["password"])
        Membership.objects.create(user=user, organization=organization, role=role)
    return user
