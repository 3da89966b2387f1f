"""Signed one-click links to answer a consent request from an e-mail or WeCom message.

The link names the request, signed (django.core.signing) so that it cannot be made up, and
expires. It only opens a confirmation page for the person signed in, who must be one who may
answer for the hospital: a link forwarded, previewed by a mail scanner or opened twice never
decides anything by itself (GET never acts).
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "tickets.consent.link"
# Long enough to answer over a weekend; an older link still opens the ticket page.
MAX_AGE_SECONDS = 3 * 24 * 3600


def token_for(consent) -> str:
    return signing.dumps({"consent": consent.pk}, salt=SALT, compress=True)


def consent_id(token: str) -> int | None:
    """The request a token names, or None if it is forged or expired."""
    try:
        value = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    consent = value.get("consent") if isinstance(value, dict) else None
    return consent if isinstance(consent, int) else None


def link_for(consent) -> str:
    return settings.SITE_URL + reverse("consent-link", args=[token_for(consent)])
