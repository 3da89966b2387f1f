"""How OpsDesk signs webhook deliveries, and how a receiver checks them.

Every delivery is an HTTP POST whose body is UTF-8 JSON:

    {"data": {...}, "event": "ticket.created", "event_id": "<uuid>", "occurred_at": "<ISO 8601>"}

with these headers:

    Content-Type: application/json; charset=utf-8
    User-Agent: OpsDesk-Webhooks/1
    X-OpsDesk-Event: ticket.created                 the event, as in the body
    X-OpsDesk-Delivery: 0b0f3c1e-…                  the event_id: the same on every retry
    X-OpsDesk-Timestamp: 1790000000                 unix seconds when this try was sent
    X-OpsDesk-Signature: sha256=<64 hex digits>     HMAC-SHA256 of the raw body

To verify, compute HMAC-SHA256 over the request body exactly as received (the raw bytes,
before any JSON parsing) with the subscription's secret as the key, hex-encode it, prefix
"sha256=", and compare with X-OpsDesk-Signature in constant time. In Python:

    expected = "sha256=" + hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()
    ok = hmac.compare_digest(expected, request.headers["X-OpsDesk-Signature"])

Answer 2xx once the event is stored. OpsDesk retries on no answer, 408, 409, 425, 429 and 5xx
(with backoff, honouring a numeric Retry-After), up to 8 tries; any other answer, redirects
included, is taken as a rejection and not retried. A retry carries the same body, signature
and X-OpsDesk-Delivery, so drop deliveries whose id you have already seen. The timestamp
header is not signed; to refuse replays, compare the signed `occurred_at` with your clock.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_PREFIX = "sha256="
USER_AGENT = "OpsDesk-Webhooks/1"
CONTENT_TYPE = "application/json; charset=utf-8"


def signature(secret: str, body: bytes) -> str:
    """The X-OpsDesk-Signature value for `body` signed with `secret`."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """Whether `header` is the signature of `body` with `secret` (constant-time)."""
    if not header or not secret:
        return False
    # As bytes: compare_digest refuses str with non-ASCII characters, which a forged header
    # may well contain.
    expected = signature(secret, body).encode("ascii")
    return hmac.compare_digest(expected, header.strip().encode("utf-8", "replace"))


def headers(*, secret: str, body: bytes, event: str, event_id: str, timestamp: int) -> dict:
    """The headers of one try; only the timestamp differs between tries of a delivery."""
    return {
        "Content-Type": CONTENT_TYPE,
        "User-Agent": USER_AGENT,
        "X-OpsDesk-Event": event,
        "X-OpsDesk-Delivery": event_id,
        "X-OpsDesk-Timestamp": str(timestamp),
        "X-OpsDesk-Signature": signature(secret, body),
    }
