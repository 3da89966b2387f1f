"""The signature a receiver checks: HMAC-SHA256 of the raw body, as "sha256=<hex>"."""

from __future__ import annotations

import hashlib
import hmac

from webhooks import signing

SECRET = "3f0c" * 16
BODY = '{"data":{"title":"门诊收费窗口无法打开系统"},"event":"ticket.created"}'.encode()


def test_the_signature_is_hmac_sha256_of_the_raw_body_in_hex():
    expected = hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    assert signing.signature(SECRET, BODY) == f"sha256={expected}"


def test_verify_accepts_only_the_signature_of_these_bytes_with_this_secret():
    header = signing.signature(SECRET, BODY)
    assert signing.verify(SECRET, BODY, header)
    assert signing.verify(SECRET, BODY, f" {header}\r\n")  # as some servers hand headers over
    assert not signing.verify(SECRET, BODY + b" ", header)  # re-serialised JSON does not match
    assert not signing.verify("another secret", BODY, header)
    assert not signing.verify(SECRET, BODY, header.removeprefix("sha256="))


def test_verify_refuses_missing_empty_and_garbled_headers_without_raising():
    for header in (None, "", "sha256=", "sha256=zz", "sha256=签名"):
        assert not signing.verify(SECRET, BODY, header)
    assert not signing.verify("", BODY, signing.signature("", BODY))


def test_the_headers_of_a_try_name_the_event_the_delivery_and_the_time():
    headers = signing.headers(
        secret=SECRET, body=BODY, event="ticket.created", event_id="e-1", timestamp=1790000000
    )
    assert headers == {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "OpsDesk-Webhooks/1",
        "X-OpsDesk-Event": "ticket.created",
        "X-OpsDesk-Delivery": "e-1",
        "X-OpsDesk-Timestamp": "1790000000",
        "X-OpsDesk-Signature": signing.signature(SECRET, BODY),
    }
