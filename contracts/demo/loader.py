"""Loads the demo data. Idempotent: a second run finds every row as it should be and
writes nothing (no row is saved unless one of its values differs)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import models, transaction

from accounts.groups import ORGANISATION_ADMINISTRATORS, VENDOR_MANAGERS, ensure_role_groups
from accounts.models import User
from contracts.demo.calendars import CALENDARS
from contracts.demo.contracts import CONTRACTS, HOSPITALS, SYSTEMS, VENDORS
from contracts.demo.people import CONTACTS, DEMO_PASSWORD, PEOPLE, STAFF
from contracts.models import (
    ClockTarget,
    ContactSide,
    Contract,
    ContractContact,
    ContractSystem,
    CoveredSystem,
    Membership,
    Organization,
    OrganizationKind,
    ServiceClass,
)
from sla.holidays import seed_from_package
from sla.models import CalendarPeriod, ServiceCalendar


def upsert(model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any]):
    """Get the row matching `lookup`, creating or correcting it to `values`; validated."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.full_clean()
        obj.save()
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.full_clean()
        obj.save()
    return obj


def _time(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def load_calendars() -> dict[str, ServiceCalendar]:
    calendars = {}
    for spec in CALENDARS:
        calendar = upsert(
            ServiceCalendar,
            {"code": spec["code"]},
            {
                "name": spec["name"],
                "day_rule": spec["day_rule"],
                "description": spec["description"],
            },
        )
        wanted = [(_time(start), _time(end)) for start, end in spec["periods"]]
        current = list(calendar.periods.order_by("starts_at").values_list("starts_at", "ends_at"))
        if current != wanted:
            calendar.periods.all().delete()
            CalendarPeriod.objects.bulk_create(
                [CalendarPeriod(calendar=calendar, starts_at=s, ends_at=e) for s, e in wanted]
            )
        calendars[spec["code"]] = calendar
    return calendars


def load_organizations() -> dict[str, Organization]:
    organizations = {}
    for kind, specs in ((OrganizationKind.HOSPITAL, HOSPITALS), (OrganizationKind.VENDOR, VENDORS)):
        for spec in specs:
            organizations[spec["code"]] = upsert(
                Organization,
                {"code": spec["code"]},
                {"kind": kind, "name": spec["name"], "short_name": spec["short_name"]},
            )
    return organizations


def _load_system_nodes(hospital, nodes, parent, found: dict[str, CoveredSystem]) -> None:
    for position, (code, name, children) in enumerate(nodes):
        system = upsert(
            CoveredSystem,
            {"hospital": hospital, "code": code},
            {"name": name, "parent": parent, "position": position},
        )
        found[code] = system
        _load_system_nodes(hospital, children, system, found)


def load_systems(organizations) -> dict[str, dict[str, CoveredSystem]]:
    systems: dict[str, dict[str, CoveredSystem]] = {}
    for hospital_code, nodes in SYSTEMS.items():
        systems[hospital_code] = {}
        _load_system_nodes(organizations[hospital_code], nodes, None, systems[hospital_code])
    return systems


def load_people(organizations) -> dict[str, User]:
    groups = ensure_role_groups()
    users = {}
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        admin = User.objects.create_superuser(
            "admin", "admin@opsdesk.local", DEMO_PASSWORD, full_name="平台管理员"
        )
    users["admin"] = admin
    for username, full_name, org_code, role, title, phone in PEOPLE:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, email=f"{username}@opsdesk.local")
            user.set_password(DEMO_PASSWORD)
        for name, value in (
            ("full_name", full_name),
            ("phone", phone),
            ("is_staff", username in STAFF),
        ):
            setattr(user, name, value)
        _save_if_changed(user)
        upsert(
            Membership,
            {"user": user, "organization": organizations[org_code], "role": role},
            {"title": title},
        )
        if username in STAFF:
            group = groups[
                VENDOR_MANAGERS if role == "vendor_manager" else ORGANISATION_ADMINISTRATORS
            ]
            if not user.groups.filter(pk=group.pk).exists():
                user.groups.add(group)
        users[username] = user
    return users


def _save_if_changed(user: User) -> None:
    if user.pk is None:
        user.save()
        return
    stored = User.objects.values("full_name", "phone", "is_staff").get(pk=user.pk)
    if stored != {"full_name": user.full_name, "phone": user.phone, "is_staff": user.is_staff}:
        user.save(update_fields=["full_name", "phone", "is_staff"])


def load_contract(spec, organizations, systems, calendars, users) -> Contract:
    contract = upsert(
        Contract,
        {"code": spec["code"]},
        {
            "name": spec["name"],
            "hospital": organizations[spec["hospital"]],
            "vendor": organizations[spec["vendor"]],
            "starts_on": spec["starts_on"],
            "ends_on": spec["ends_on"],
            "calendar": calendars[spec["calendar"]],
            "allowed_downtime_hours": (
                Decimal(spec["allowed_downtime_hours"])
                if "allowed_downtime_hours" in spec
                else None
            ),
            "min_onsite_days": spec.get("min_onsite_days"),
            "person_day_quota": spec.get("person_day_quota"),
            "min_team_size": spec.get("min_team_size"),
            "recurrence_count": spec.get("recurrence_count"),
            "recurrence_window_days": spec.get("recurrence_window_days"),
            "recurrence_raises_to_level": spec.get("recurrence_raises_to_level"),
            "response_needs_plan": spec.get("response_needs_plan", False),
            "notes": spec.get("notes", ""),
        },
    )
    hospital_systems = systems[spec["hospital"]]
    for code in spec["systems"]:
        upsert(ContractSystem, {"contract": contract, "system": hospital_systems[code]}, {})
    for position, row_spec in enumerate(spec["classes"]):
        service_class = upsert(
            ServiceClass,
            {"contract": contract, "code": row_spec["code"]},
            {
                "kind": row_spec["kind"],
                "level": row_spec["level"],
                "name": row_spec["name"],
                "definition": row_spec["definition"],
                "position": position,
                "arrival_by_appointment": row_spec.get("arrival_by_appointment", False),
                "counts_against_quota": row_spec.get("counts_against_quota", False),
            },
        )
        for clock_spec in row_spec["clocks"]:
            upsert(
                ClockTarget,
                {"service_class": service_class, "clock": clock_spec["clock"]},
                {
                    "amount": clock_spec["amount"],
                    "unit": clock_spec["unit"],
                    "calendar": calendars[clock_spec["calendar"]],
                    "starts_from": clock_spec.get("starts_from", "report"),
                    "extendable_with_consent": clock_spec.get("extendable_with_consent", False),
                    "max_extension": clock_spec.get("max_extension"),
                    "due_by_opening_of": (
                        calendars[clock_spec["due_by_opening_of"]]
                        if clock_spec.get("due_by_opening_of")
                        else None
                    ),
                },
            )
    for index, username in enumerate(CONTACTS.get(spec["code"], [])):
        user = users[username]
        side = ContactSide.HOSPITAL if index == 0 else ContactSide.VENDOR
        membership = user.memberships.select_related("organization").first()
        upsert(
            ContractContact,
            {"contract": contract, "user": user},
            {
                "side": side,
                "name": user.full_name,
                "title": membership.title if membership else "",
                "phone": user.phone,
                "email": user.email,
                "is_primary": True,
            },
        )
    return contract


@transaction.atomic
def load_demo(
    *,
    require_password_change: bool = False,
    history: bool = False,
    months: int | None = None,
) -> list[Contract]:
    """The demo. With `require_password_change` (a demo on a production server), every demo
    account still using the public demo password must choose its own at first sign-in.

    With `history`, each contract also gets what happened from its start to now (or over its
    last `months`): see contracts.demo.history. Without, the contracts alone, as the tests
    use them."""
    seed_from_package()
    calendars = load_calendars()
    organizations = load_organizations()
    systems = load_systems(organizations)
    users = load_people(organizations)
    contracts = [
        load_contract(spec, organizations, systems, calendars, users) for spec in CONTRACTS
    ]
    from inspections.demo import load_inspections

    load_inspections(contracts, upsert)
    if history:
        from contracts.demo.history import build_history

        build_history(contracts, months=months)
    if require_password_change:
        require_own_passwords(users.values())
    return contracts


def require_own_passwords(users) -> int:
    """Mark the accounts whose password is still the public demo one: the password policy
    (accounts.middleware.PasswordPolicyMiddleware) then sends them to choose their own."""
    still_public = [user.pk for user in users if user.check_password(DEMO_PASSWORD)]
    return User.objects.filter(pk__in=still_public).update(must_change_password=True)
