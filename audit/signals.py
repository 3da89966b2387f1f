"""What is recorded from Django's own signals: signing in and out, failed sign-ins, every
change made in the admin (its LogEntry), and every change of a membership (who holds which
role in which organisation) wherever it is made."""

from __future__ import annotations

import functools
import json

from django.conf import settings
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry, LogEntryManager
from django.contrib.auth import get_user_model, user_logged_in, user_logged_out, user_login_failed
from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import post_delete, post_save
from django.utils import translation

from audit.context import current_user
from audit.record import ObjectRef, record

ADMIN_ACTIONS = {ADDITION: "admin.add", CHANGE: "admin.change", DELETION: "admin.delete"}


# --- signing in and out -------------------------------------------------------------------


def on_logged_in(sender, request, user, **kwargs) -> None:
    record("auth.login", actor=user, obj=user)


def on_logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:  # signing out while signed out: nothing happened
        record("auth.logout", actor=user, obj=user)


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    """Nobody is signed in, so no actor: the name typed, and the account it names if there is
    one (so an organisation administrator sees the failures against their people)."""
    User = get_user_model()
    username = str(credentials.get(User.USERNAME_FIELD) or credentials.get("username") or "")
    username = username[:150]
    account = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
    record("auth.login_failed", actor=None, obj=account, data={"username": username})


# --- the admin ----------------------------------------------------------------------------


def _person(user_id):
    """The LogEntry's user: the request's own (already loaded) when it is the same."""
    user = current_user()
    if user is not None and user.pk == user_id:
        return user
    return get_user_model()._default_manager.filter(pk=user_id).first()


def _contract_of(model, object_id: str) -> int | None:
    """The contract an admin-edited object belongs to (for the organisation's scope)."""
    if model is None or not object_id:
        return None
    if model._meta.label_lower == "contracts.contract":
        return model._base_manager.filter(pk=object_id).values_list("pk", flat=True).first()
    if any(field.name == "contract" for field in model._meta.concrete_fields):
        return (
            model._base_manager.filter(pk=object_id).values_list("contract_id", flat=True).first()
        )
    return None


def record_admin_log_entry(entry: LogEntry) -> None:
    content_type = (
        ContentType.objects.get_for_id(entry.content_type_id) if entry.content_type_id else None
    )
    model = content_type.model_class() if content_type else None
    try:
        change = json.loads(entry.change_message) if entry.change_message else []
    except ValueError:
        change = entry.change_message
    # In the portal's first language, as other stored words are.
    with translation.override(settings.LANGUAGE_CODE):
        message = entry.get_change_message()
    record(
        ADMIN_ACTIONS.get(entry.action_flag, "admin.change"),
        actor=_person(entry.user_id),
        # Named by the log entry, not loaded: after admin.delete it is gone.
        obj=ObjectRef(
            type=f"{content_type.app_label}.{content_type.model}" if content_type else "",
            id=entry.object_id or "",
            repr=entry.object_repr,
        ),
        contract=_contract_of(model, entry.object_id or ""),
        data={"log_entry": entry.pk, "message": message, "change": change},
    )


def on_admin_log_entry(sender, instance: LogEntry, created: bool, raw: bool = False, **kwargs):
    if created and not raw:
        record_admin_log_entry(instance)


def _audit_bulk_log_entries(log_actions):
    """The admin logs the deletion of several objects at once with bulk_create, which sends
    no post_save: those entries are recorded here, so "delete selected" is audited too."""

    @functools.wraps(log_actions)
    def audited(self, *args, **kwargs):
        entries = log_actions(self, *args, **kwargs)
        # One entry is saved (post_save records it); several are bulk-created.
        if isinstance(entries, list) and len(entries) > 1:
            for entry in entries:
                record_admin_log_entry(entry)
        return entries

    audited.audited = True
    return audited


# --- memberships: who holds which role where ----------------------------------------------


def _membership_data(membership, change: str) -> dict:
    return {
        "change": change,
        "user": membership.user_id,
        # An organisation administrator's scope (audit.selectors) reads this key.
        "organization": membership.organization_id,
        "role": membership.role,
    }


def on_membership_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if not raw:
        record(
            "accounts.membership.changed",
            actor=current_user(),
            obj=instance,
            data=_membership_data(instance, "added" if created else "changed"),
        )


def on_membership_deleted(sender, instance, **kwargs) -> None:
    record(
        "accounts.membership.changed",
        actor=current_user(),
        obj=instance,
        data=_membership_data(instance, "removed"),
    )


def connect() -> None:
    from contracts.models import Membership

    user_logged_in.connect(on_logged_in, dispatch_uid="audit.login")
    user_logged_out.connect(on_logged_out, dispatch_uid="audit.logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="audit.login_failed")
    post_save.connect(on_admin_log_entry, sender=LogEntry, dispatch_uid="audit.admin")
    if not getattr(LogEntryManager.log_actions, "audited", False):
        LogEntryManager.log_actions = _audit_bulk_log_entries(LogEntryManager.log_actions)
    post_save.connect(on_membership_saved, sender=Membership, dispatch_uid="audit.membership")
    post_delete.connect(
        on_membership_deleted, sender=Membership, dispatch_uid="audit.membership.deleted"
    )
