"""Redis hangs (SIGSTOP: the kernel still accepts connections, nothing ever answers), as a
frozen host or a half-open connection does. Without socket timeouts every request that hands
work to Celery, or counts an API rate limit, would wait for ever; with REDIS_TIMEOUT_SECONDS
it gives up after seconds and the outbox sends later.

Runs a separate OpsDesk process configured by REDIS_URL exactly as production is."""

from __future__ import annotations

import pytest

from tests.faults.servers import django_env, run_django

pytestmark = pytest.mark.faults

SCRIPT = """
import time
from django.conf import settings
from django.core.cache import cache
from contracts.models import Contract
from notifications.models import Notification
from tests.factories import demo_user
from tickets import services


def timed(action):
    started = time.monotonic()
    try:
        action()
        outcome = "ok"
    except Exception as exc:
        outcome = type(exc).__name__
    return outcome, round(time.monotonic() - started, 1)


contract = Contract.objects.get(code="yn-his")
filed = timed(lambda: services.report_ticket(
    contract=contract,
    system=contract.systems.first(),
    service_class=contract.service_classes.get(level=1),
    title="门诊收费系统无法登录",
    description="收费窗口全部报错。",
    reporter=demo_user("yn-reporter"),
    contact_phone="13726380001",
))
ticket = contract.tickets.get()
acknowledged = timed(lambda: services.acknowledge(
    ticket=ticket, by=demo_user("ny-dispatcher"), note="已联系院方，承诺处理方案。"
))
cache_read = timed(lambda: cache.get("api-throttle:token:1"))
result = {
    "timeout": settings.REDIS_TIMEOUT_SECONDS,
    "ticket": ticket.number,
    "state": contract.tickets.get().state,
    "filed": filed,
    "acknowledged": acknowledged,
    "cache": cache_read,
    "pending": Notification.objects.filter(status="pending").count(),
}
"""


def test_a_hung_redis_slows_filing_by_seconds_and_never_hangs_it(
    private_redis, scenario_database, tmp_path
):
    env = django_env(
        tmp_path / "var",
        DATABASE_URL=f"sqlite:///{scenario_database}",
        REDIS_URL=private_redis.url(0),
    )
    private_redis.freeze()
    print(f"Redis on port {private_redis.port} frozen (SIGSTOP): it accepts, never answers.")
    try:
        seen = run_django(env, SCRIPT, timeout=90)
    finally:
        private_redis.thaw()
    limit = seen["timeout"]
    print(f"  REDIS_TIMEOUT_SECONDS={limit}")
    print(f"  filing {seen['ticket']}: {seen['filed']}; acknowledging: {seen['acknowledged']}")
    print(f"  ticket now {seen['state']}; notifications pending in the outbox: {seen['pending']}")
    print(f"  an API rate-limit read from the cache: {seen['cache']}")
    assert seen["filed"][0] == "ok" and seen["acknowledged"][0] == "ok"
    assert seen["state"] == "acknowledged"
    # Celery retries a publish a few times before the outbox gives up on the hand-over.
    assert seen["filed"][1] < 5 * limit and seen["acknowledged"][1] < 5 * limit
    assert seen["cache"][0] == "TimeoutError" and seen["cache"][1] < 2 * limit
    assert seen["pending"] >= 3
    assert private_redis.ping()
    print("Redis thawed and answering; deliver_pending sends the pending rows (test_redis_down).")
