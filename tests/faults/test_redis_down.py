"""Redis (the Celery broker, and the cache) dies while hospitals file faults and engineers
work them: nothing of the ticket flow fails, the notifications wait in the outbox, and once
Redis is back each one is sent exactly once.

Runs in this process against the test database, with Celery's broker and Django's cache
pointed at a private redis-server that the test kills and starts again on the same port.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest
import time_machine
from django.core import mail

from notifications.models import Notification, NotificationStatus
from tests.api.conftest import token_client
from tests.conftest import login
from tests.faults.servers import SCENARIO_NOW
from tests.portal.test_ticket_pages import report_form
from tickets.models import Ticket

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]


def _repoint_broker(app, url: str, transport_options: dict) -> None:
    """Make the app publish to `url` from now on (its connection pools are made again)."""
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    app.conf.broker_url = url
    app.conf.broker_transport_options = transport_options


@pytest.fixture
def on_private_redis(private_redis, settings, monkeypatch):
    """Celery's broker and Django's cache on the private Redis, as production has both on one
    Redis; and the real hand-over to the broker, which the suite's conftest records instead."""
    from notifications.tasks import deliver, deliver_each
    from opsdesk.celery import app

    saved = (app.conf.broker_url, app.conf.broker_transport_options)
    _repoint_broker(app, private_redis.url(0), {"visibility_timeout": 3600})
    settings.CACHES = {
        "default": {
            "BACKEND": "opsdesk.cache.RedisCache",  # as production runs it
            "LOCATION": private_redis.url(1),
        }
    }
    monkeypatch.delattr(deliver, "delay")  # back to Task.delay: publish to the broker
    monkeypatch.delattr(deliver_each, "delay")
    yield private_redis
    _repoint_broker(app, *saved)


def run_queued_tasks(app) -> Counter:
    """Take every message off the broker's queue and run its task, as a worker does."""
    ran: Counter = Counter()
    with app.connection_for_read() as connection:
        queue = connection.SimpleQueue("celery")
        try:
            while True:
                try:
                    message = queue.get(timeout=0.5)
                except queue.Empty:
                    break
                args, kwargs, _embed = message.payload
                outcome = app.tasks[message.headers["task"]](*args, **kwargs)
                ran[(message.headers["task"], str(outcome))] += 1
                message.ack()
        finally:
            queue.close()
    return ran


def statuses() -> Counter:
    return Counter(Notification.objects.values_list("status", flat=True))


def timed(what: str, action):
    started = time.monotonic()
    result = action()
    print(f"  {what}: {time.monotonic() - started:.2f} s")
    return result


def test_with_redis_down_faults_are_filed_and_worked_and_notifications_wait(on_private_redis, demo):
    from notifications.tasks import deliver, deliver_pending
    from opsdesk.celery import app

    redis = on_private_redis
    with time_machine.travel(SCENARIO_NOW, tick=True):
        mail.outbox.clear()
        reporter, engineer = login("yn-reporter"), login("ny-engineer")

        redis.kill()
        print(f"Redis on port {redis.port} killed (SIGKILL); broker and cache are gone.")
        filed = timed(
            "portal: yn-reporter files a level-1 fault",
            lambda: reporter.post("/contracts/yn-his/report/", report_form()),
        )
        assert filed.status_code == 302, filed.content.decode()[:2000]
        ticket = Ticket.objects.get(number=filed["Location"].rstrip("/").rsplit("/", 1)[-1])
        url = ticket.get_absolute_url()
        for action, data in [
            ("acknowledge", {"note": "马上处理"}),
            ("arrive", {}),
            ("resolve", {"note": "重启服务后恢复"}),
        ]:
            response = timed(
                f"portal: ny-engineer {action}s {ticket.number}",
                lambda action=action, data=data: engineer.post(f"{url}{action}/", data),
            )
            assert response.status_code == 302, (action, response.content.decode()[:2000])
        page = timed("portal: the ticket's page", lambda: reporter.get(url))
        assert page.status_code == 200
        ticket.refresh_from_db()
        waiting = statuses()
        print(f"With Redis down: ticket {ticket.number} is {ticket.state}; outbox {dict(waiting)}")
        print(f"  e-mails sent so far: {len(mail.outbox)}")
        assert ticket.state == "resolved"
        assert set(waiting) == {NotificationStatus.PENDING} and waiting.total() >= 4
        assert not Notification.objects.filter(attempts__gt=0).exists()
        assert mail.outbox == []

        redis.start()
        print(f"Redis started again on port {redis.port} (empty: it kept nothing).")
        second = reporter.post("/contracts/yn-his/report/", report_form(title="打印机无法打印"))
        assert second.status_code == 302
        deliver_pending.delay()  # what beat sends every minute
        queued = redis.queue_length()
        print(f"  a second fault filed, and beat's deliver_pending: {queued} messages queued")
        assert queued >= 2

        ran = run_queued_tasks(app)
        print(f"  a worker takes them: {dict(ran)}")
        after = statuses()
        sent_once = len(mail.outbox)
        print(f"  outbox now {dict(after)}; e-mails sent: {sent_once}")
        assert set(after) == {NotificationStatus.SENT}

        # A message delivered twice (redelivery, or the periodic run racing the hand-over)
        # finds its row sent and does nothing.
        again = Counter(deliver(pk) for pk in Notification.objects.values_list("pk", flat=True))
        again.update(["pending run: " + str(deliver_pending())])
        print(f"  every notification handed over again: {dict(again)}")
        assert len(mail.outbox) == sent_once
        addressed = Counter((tuple(message.to), message.subject) for message in mail.outbox)
        assert max(addressed.values()) == 1, addressed
        people = Notification.objects.filter(recipient__isnull=False).count()
        assert sent_once >= people  # one e-mail per person, plus any e-mail channels
        print(f"Each of the {after.total()} notifications was sent exactly once.")


def test_the_api_files_a_fault_while_the_cache_is_down(on_private_redis, demo):
    with time_machine.travel(SCENARIO_NOW, tick=True):
        api = token_client("zj-reporter")
        api.raise_request_exception = False  # answer as the server would: a 500 page
        on_private_redis.kill()
        response = timed(
            "API: zj-reporter files a fault with Redis down",
            lambda: api.post("/api/v1/tickets/", api_ticket("zj-einvoice"), format="json"),
        )
        print(f"  the API answered {response.status_code}")
        assert response.status_code == 201, response.content.decode()[:500]


def api_ticket(contract_code: str) -> dict:
    from contracts.models import Contract

    contract = Contract.objects.get(code=contract_code)
    return {
        "contract": contract_code,
        "system": contract.systems.first().pk,
        "level": 1,
        "title": "电子票据系统无法开票",
        "description": "收费窗口开具电子票据时报错。",
        "contact_phone": "13726380001",
    }
