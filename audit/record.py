"""Recording one audit entry: `record("tickets.ticket.acknowledge", actor=…, obj=…)`.

Transactions: the entry is written in the caller's transaction, so a change that is rolled
back leaves no audit entry, and a committed change always has its entry. Inside a
transaction the INSERT runs in its own savepoint: should it fail, only the savepoint is
rolled back and the caller's transaction carries on.

Recording never breaks the request: a failure is logged (logger "audit") and the caller
goes on. The client address comes from audit.context (the request being served), so
services need not take the request.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connections, models, router, transaction

from audit.context import current_address
from audit.models import AuditEntry

logger = logging.getLogger("audit")


class _Encoder(DjangoJSONEncoder):
    """Whatever a caller passes in `data` is stored: what JSON cannot hold, as text."""

    def default(self, o: Any) -> Any:
        try:
            return super().default(o)
        except TypeError:
            return str(o)


def _clip(text, field: str) -> str:
    return str(text)[: AuditEntry._meta.get_field(field).max_length]


def actor_name(user) -> str:
    """The name as shown and the sign-in name, "邓伟 (yn-admin)": searchable by either."""
    username = user.get_username()
    full_name = getattr(user, "full_name", "") or ""
    return f"{full_name} ({username})" if full_name and full_name != username else username


@dataclass(frozen=True)
class ObjectRef:
    """An object named without loading it (an admin LogEntry names one that may be gone)."""

    type: str  # "contracts.membership"
    id: str
    repr: str = ""


def _contract_id(contract, obj) -> int | None:
    if contract is not None:
        return contract if isinstance(contract, int) else contract.pk
    if isinstance(obj, models.Model):
        if obj._meta.label_lower == "contracts.contract":
            return obj.pk
        # The id, not the object: no query for a contract that is not loaded.
        return getattr(obj, "contract_id", None)
    return None


def _describe(entry: AuditEntry, obj: models.Model | ObjectRef) -> None:
    if isinstance(obj, ObjectRef):
        entry.object_type = _clip(obj.type, "object_type")
        entry.object_id = _clip(obj.id, "object_id")
        entry.object_repr = _clip(obj.repr, "object_repr")
        return
    entry.object_type = _clip(obj._meta.label_lower, "object_type")
    entry.object_id = _clip("" if obj.pk is None else str(obj.pk), "object_id")
    try:
        entry.object_repr = _clip(str(obj), "object_repr")
    except Exception:  # a __str__ that needs what is gone: the type and id still say which
        logger.warning("audit: no description for %s %s", entry.object_type, entry.object_id)


def record(
    action: str,
    *,
    actor=None,
    obj: models.Model | ObjectRef | None = None,
    contract=None,
    data: dict | None = None,
) -> AuditEntry | None:
    """Append one entry; returns it, or None if it could not be written (logged).

    `actor`: the person (None for OpsDesk itself or an anonymous client). `obj`: what was
    acted on, or an ObjectRef. `contract`: a Contract or its id, else the object's own
    `contract_id`, so an organisation administrator sees their contracts' entries.
    `data`: any details, stored as JSON.
    """
    try:
        entry = AuditEntry(
            action=_clip(action, "action"),
            ip=current_address(),
            contract_id=_contract_id(contract, obj),
            data=json.loads(json.dumps(data or {}, cls=_Encoder)),
        )
        if actor is not None and getattr(actor, "is_authenticated", False) and actor.pk:
            entry.actor_id = actor.pk
            entry.actor_name = _clip(actor_name(actor), "actor_name")
        if obj is not None:
            _describe(entry, obj)
        using = router.db_for_write(AuditEntry) or DEFAULT_DB_ALIAS
        if connections[using].in_atomic_block:
            with transaction.atomic(using=using):
                entry.save(using=using)
        else:
            entry.save(using=using)
    except Exception:
        logger.exception("audit: could not record %s", action)
        return None
    return entry


def query_filters(params, *, exclude: Iterable[str] = ()) -> dict[str, str | list[str]]:
    """A request's query parameters as recorded with an export: a list only when repeated."""
    skipped = set(exclude)
    return {
        key: values[0] if len(values) == 1 else values
        for key, values in params.lists()
        if key not in skipped
    }
