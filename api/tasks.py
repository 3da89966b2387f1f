from __future__ import annotations

from celery import shared_task

from api.idempotency import forget_old_keys


@shared_task(name="api.forget_old_idempotency_keys", ignore_result=True)
def forget_old_idempotency_keys() -> int:
    return forget_old_keys()
