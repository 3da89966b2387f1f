"""The mechanics every outbox of OpsDesk shares (notifications, webhook deliveries).

A row is written in the transaction of the fact it reports; after commit its id is handed
to a Celery task; a periodic task sends whatever the broker never carried. These helpers
are the parts that do not depend on what is sent.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial

from django.db import IntegrityError, models, transaction

logger = logging.getLogger(__name__)

BACKOFF_CAP = dt.timedelta(hours=1)


def backoff(attempts: int, at_least: dt.timedelta | None = None) -> dt.timedelta:
    """1, 2, 4, 8, 16, 32 minutes, then hourly; never less than `at_least` (a receiver's
    Retry-After), never more than an hour."""
    wait = dt.timedelta(minutes=2 ** max(attempts - 1, 0))
    if at_least is not None:
        wait = max(wait, at_least)
    return min(wait, BACKOFF_CAP)


def dedupe_key(dedupe: str, target: str, limit: int) -> str:
    """One key per fact and reader ("clock:12:breach" + "user:7"); empty when not deduped.
    Hashed when too long for the column: still one key per fact and reader."""
    if not dedupe:
        return ""
    key = f"{dedupe}:{target}"
    if len(key) > limit:
        key = "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()
    return key


def insert_once(
    model: type[models.Model], rows: list[models.Model], *, new_fact: bool = False
) -> list[models.Model]:
    """Insert the rows, skipping any whose `dedupe_key` is already taken; returns those
    inserted now.

    `new_fact`: the keys name a fact written in the caller's own, uncommitted transaction
    (a ticket just filed: "ticket:<its new id>:created:…"), so neither an earlier row nor
    a concurrent transaction can hold them: one plain INSERT, no look-up, no savepoint.

    The unique index decides races: when two transactions insert the same key on
    PostgreSQL, the second waits for the first and then fails; its savepoint is rolled
    back and the row is skipped, leaving the caller's transaction intact.

    The keys not yet taken are inserted together in one savepoint (the usual case: one
    INSERT however many readers); only if that fails, because a concurrent transaction took
    a key meanwhile, are they inserted one by one, each in its own savepoint.
    """
    if new_fact:
        return model.objects.bulk_create(rows) if rows else []
    plain = [row for row in rows if not row.dedupe_key]
    keyed = [row for row in rows if row.dedupe_key]
    created = model.objects.bulk_create(plain) if plain else []
    if keyed:
        taken = set(
            model.objects.filter(dedupe_key__in=[row.dedupe_key for row in keyed]).values_list(
                "dedupe_key", flat=True
            )
        )
        fresh = [row for row in keyed if row.dedupe_key not in taken]
        if fresh and len({row.dedupe_key for row in fresh}) == len(fresh):
            try:
                with transaction.atomic():
                    return created + model.objects.bulk_create(fresh)
            except IntegrityError:
                for row in fresh:  # nothing was inserted: start each row afresh
                    row.pk = None
                    row._state.adding = True
        for row in fresh:
            try:
                with transaction.atomic():
                    row.save(force_insert=True)
            except IntegrityError:
                if not model.objects.filter(dedupe_key=row.dedupe_key).exists():
                    raise  # some other constraint: a bug, not a duplicate
                continue
            created.append(row)
    return created


# Rows queued inside batched(), by (model, task, what, new_fact, task_for_many), inserted
# when the block ends.
_pending: ContextVar[dict | None] = ContextVar("outbox_pending", default=None)


@contextmanager
def batched() -> Iterator[None]:
    """Gather the rows queued inside the block and insert each outbox's with one statement
    when it ends, in the same transaction: the breach sweep tells hundreds of facts at once.
    Nested blocks join the outermost. Rows queued in a block that raises are dropped."""
    if _pending.get() is not None:
        yield
        return
    pending: dict[tuple, list] = {}
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    for (model, task, what, new_fact, task_for_many), rows in pending.items():
        created = insert_once(model, rows, new_fact=new_fact)
        enqueue_after_commit(task, [row.pk for row in created], what, task_for_many)


def queue(
    model: type[models.Model],
    rows: list[models.Model],
    task,
    what: str,
    *,
    new_fact: bool = False,
    task_for_many=None,
) -> list:
    """Insert the rows (once per dedupe key) and hand them to `task` after commit; returns
    the rows inserted now, or, inside batched(), the rows as queued (before deduplication).
    `new_fact`: see insert_once(); `task_for_many`: see enqueue()."""
    pending = _pending.get()
    if pending is not None:
        pending.setdefault((model, task, what, new_fact, task_for_many), []).extend(rows)
        return rows
    created = insert_once(model, rows, new_fact=new_fact)
    enqueue_after_commit(task, [row.pk for row in created], what, task_for_many)
    return created


def enqueue(task, ids: Iterable[int], what: str, task_for_many=None) -> int:
    """Hand the ids to `task` (a Celery task), or, when there are several and the outbox has
    one, all of them at once to `task_for_many` (a task taking the list: one message through
    the broker, not one per row). Never raises; returns how many were handed.

    With the broker unreachable the rows simply stay pending: the periodic task sends them
    within a minute or so of the broker (or a worker) coming back.
    """
    ids = list(ids)
    if task_for_many is not None and len(ids) > 1:
        try:
            task_for_many.delay(ids)
        except Exception as exc:  # as below
            logger.warning(
                "Could not enqueue %s %s (%s: %s); deliver_pending will send them.",
                len(ids),
                what,
                type(exc).__name__,
                exc,
            )
            return 0
        return len(ids)
    for index, row_id in enumerate(ids):
        try:
            task.delay(row_id)
        except Exception as exc:  # kombu/redis OperationalError, or anything else the broker says
            # Each attempt may wait seconds for a dead broker: stop at the first failure.
            logger.warning(
                "Could not enqueue %s %s (%s: %s); deliver_pending will send them.",
                len(ids) - index,
                what,
                type(exc).__name__,
                exc,
            )
            return index
    return len(ids)


# The outboxes (by `what`) whose rows are written but not handed to the workers: see held().
_held: ContextVar[frozenset[str]] = ContextVar("outbox_held", default=frozenset())


@contextmanager
def held(*whats: str) -> Iterator[None]:
    """Write these outboxes' rows as usual but hand none to the workers: the demo's history
    records messages about things that happened months ago, which nobody should receive
    now (contracts.demo.history marks them sent as of their time)."""
    token = _held.set(_held.get() | set(whats))
    try:
        yield
    finally:
        _held.reset(token)


def enqueue_after_commit(task, ids: list[int], what: str, task_for_many=None) -> None:
    if ids and what not in _held.get():
        transaction.on_commit(partial(enqueue, task, ids, what, task_for_many), robust=True)
