from __future__ import annotations

from celery import shared_task

from audit import services


@shared_task(name="audit.purge_expired", ignore_result=True)
def purge_expired() -> int:
    return services.purge_expired()
