"""`Idempotency-Key`: a create retried with the same key answers what the first one did.

The key is recorded in the transaction that creates the object, under a unique index on
(user, key). A concurrent retry blocks on that index until the first request commits and
then replays its answer; if the first request failed, nothing was recorded and the retry
runs afresh. Keys are kept for IDEMPOTENCY_KEY_DAYS days.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.response import Response

from api.errors import UnprocessableRequest
from api.models import IdempotentRequest

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_MAX_LENGTH = 255
IDEMPOTENCY_KEY_DAYS = 7


def _fingerprint(request) -> str:
    content = json.dumps(request.data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(f"{request.method} {request.path}\n{content}".encode()).hexdigest()


def _key(request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > KEY_MAX_LENGTH or not key.isprintable():
        raise serializers.ValidationError(
            {HEADER: [_("Send a key of 1 to 255 printable characters, e.g. a UUID.")]}
        )
    return key


def _replay(record: IdempotentRequest, fingerprint: str) -> Response:
    if record.fingerprint != fingerprint:
        raise UnprocessableRequest(
            _(
                "This Idempotency-Key was already used for a different request; "
                "use a new key for a new request."
            ),
            code="idempotency_key_reused",
        )
    response = Response(record.response, status=record.status_code)
    response[REPLAYED_HEADER] = "true"
    return response


def create_once(request, create: Callable[[], Response]) -> Response:
    """Run `create` at most once per (user, Idempotency-Key); without a key, just run it."""
    key = _key(request)
    if key is None:
        return create()
    fingerprint = _fingerprint(request)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotentRequest.objects.create(
                    user=request.user, key=key, fingerprint=fingerprint, status_code=0, response={}
                )
        except IntegrityError:
            earlier = IdempotentRequest.objects.get(user=request.user, key=key)
            return _replay(earlier, fingerprint)
        response = create()
        if response.status_code >= 400:
            transaction.set_rollback(True)
            return response
        record.status_code, record.response = response.status_code, response.data
        record.save(update_fields=["status_code", "response"])
    return response


def forget_old_keys(now: dt.datetime | None = None) -> int:
    cutoff = (now or timezone.now()) - dt.timedelta(days=IDEMPOTENCY_KEY_DAYS)
    deleted, _rows = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted
