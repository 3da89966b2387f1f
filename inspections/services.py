"""Everything that changes an inspection. Each service guards (role, state), locks the row,
changes it, writes a history line, and schedules the PDF after commit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition, can_proceed

from audit.record import record
from contracts.models import Contract, CoveredSystem, Role, ServiceClass
from inspections import policy
from inspections.errors import InspectionConflict, InspectionError
from inspections.models import (
    ChecklistTemplate,
    Inspection,
    InspectionEvent,
    InspectionMode,
    InspectionResult,
    InspectionState,
    Purpose,
)
from inspections.thresholds import ItemKind, Verdict
from opsdesk import outbox

ACTION_LABELS = {
    "plan": _("plan"),
    "assign": _("assign"),
    "start": _("start"),
    "record": _("record results of"),
    "complete": _("complete"),
    "reopen": _("reopen"),
    "sign_off": _("sign off"),
    "cancel": _("cancel"),
    "open_ticket": _("open a ticket from"),
}


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _stored_label(label) -> str:
    """Words stored with an inspection are in the portal's first language, as the planned
    ones' titles are (inspections.schedule), whoever's language the request came in."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(label)


def _require(user, action: str, contract: Contract) -> None:
    if not policy.may(user, action, contract):
        raise InspectionError(
            "forbidden",
            _("You may not %(action)s this inspection."),
            action=ACTION_LABELS[action],
        )


def _log(inspection: Inspection, action: str, by, at, note: str = "", data=None) -> None:
    event = InspectionEvent.objects.create(
        inspection=inspection,
        action=f"inspections.inspection.{action}",
        actor=by,
        at=at,
        note=note,
        data=data or {},
    )
    # The audit trail, in this same transaction: a change rolled back leaves no entry.
    record(
        event.action,
        actor=by,
        obj=inspection,
        contract=inspection.contract_id,
        data={
            "event": event.pk,
            "state": inspection.state,
            **({"details": event.data} if event.data else {}),
        },
    )


def _locked(inspection: Inspection, expected_state: str | None = None) -> Inspection:
    locked = Inspection.objects.select_for_update().select_related("contract").get(pk=inspection.pk)
    if expected_state is not None and locked.state != expected_state:
        raise InspectionConflict(
            "conflict",
            _(
                "Someone else changed this inspection a moment ago (it is now “%(state)s”). "
                "Reload it and try again."
            ),
            state=locked.get_state_display(),
        )
    return locked


def _move(locked: Inspection, action: str) -> None:
    bound = getattr(locked, action)
    if not can_proceed(bound):
        raise InspectionError(
            "invalid_transition",
            _("An inspection that is “%(state)s” cannot be %(action)s."),
            state=locked.get_state_display(),
            action=ACTION_LABELS[action],
        )
    bound()


def _report_changed(locked: Inspection) -> None:
    """The PDF shows this change: a new revision, rendered after commit."""
    from inspections.tasks import render_report

    locked.revision += 1
    if locked.state in (InspectionState.COMPLETED, InspectionState.SIGNED):
        outbox.enqueue_after_commit(render_report, [locked.pk], "inspection reports")


def _save(locked: Inspection) -> None:
    try:
        locked.save()
    except ConcurrentTransition as exc:
        raise InspectionConflict(
            "conflict",
            _("Someone else changed this inspection a moment ago. Reload it and try again."),
        ) from exc


# --- planning and assigning ------------------------------------------------------------------


def plan_inspection(
    *,
    contract: Contract,
    template: ChecklistTemplate,
    due_on: dt.date,
    by,
    title: str = "",
    system=None,
    on_site: bool = True,
    window_starts_on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Inspection:
    """An ad-hoc inspection (临时巡检) outside the contract's rules, e.g. before a major event."""
    at = _now(now)
    _require(by, "plan", contract)
    if not contract.is_in_force(due_on):
        raise InspectionError("invalid", _("The due date must fall within the contract's term."))
    if system is not None and not contract.covers(system):
        raise InspectionError(
            "invalid", _("%(system)s is not covered by this contract."), system=system.path()
        )
    start = window_starts_on or max(contract.starts_on, timezone.localtime(at).date())
    if start > due_on:
        raise InspectionError("invalid", _("The inspection cannot be due before it may start."))
    with transaction.atomic():
        inspection = Inspection.objects.create(
            contract=contract,
            purpose=Purpose.AD_HOC,
            template=template,
            system=system,
            title=title.strip() or _stored_label(Purpose.AD_HOC.label),
            window_starts_on=start,
            due_on=due_on,
            planned_on_site=on_site,
        )
        _log(inspection, "planned", by, at)
    return inspection


def assign(*, inspection: Inspection, engineer, by, now: dt.datetime | None = None) -> Inspection:
    at = _now(now)
    _require(by, "assign", inspection.contract)
    if not engineer.memberships.filter(
        organization_id=inspection.contract.vendor_id, role=Role.ENGINEER
    ).exists():
        raise InspectionError(
            "invalid", _("%(name)s is not an engineer of the contract's vendor."), name=engineer
        )
    with transaction.atomic():
        locked = _locked(inspection, inspection.state)
        if locked.state not in (InspectionState.PLANNED, InspectionState.IN_PROGRESS):
            raise InspectionError(
                "invalid_transition",
                _("An inspection that is “%(state)s” cannot be %(action)s."),
                state=locked.get_state_display(),
                action=ACTION_LABELS["assign"],
            )
        locked.engineer = engineer
        _save(locked)
        _log(locked, "assigned", by, at, data={"engineer": engineer.pk})
    return locked


# --- performing ----------------------------------------------------------------------------


def start(*, inspection: Inspection, by, mode: str, now: dt.datetime | None = None) -> Inspection:
    """Begin on site or remotely: the checklist's items are copied into the inspection, so a
    later edit of the template never changes it."""
    at = _now(now)
    _require(by, "start", inspection.contract)
    if mode not in InspectionMode.values:
        raise InspectionError("invalid", _("Say whether the inspection is on site or remote."))
    with transaction.atomic():
        locked = _locked(inspection, inspection.state)
        _move(locked, "start")
        locked.mode = mode
        locked.started_at = at
        locked.engineer = locked.engineer or by
        _save(locked)
        if not locked.results.exists():
            InspectionResult.objects.bulk_create(
                InspectionResult(
                    inspection=locked,
                    item=item,
                    position=position,
                    section=item.section.title,
                    name=item.name,
                    kind=item.kind,
                    unit=item.unit,
                    comparator=item.comparator,
                    limit=item.limit,
                    upper_limit=item.upper_limit,
                    guidance=item.guidance,
                )
                for position, item in enumerate(locked.template.items_in_order(), start=1)
            )
        _log(locked, "started", by, at, data={"mode": mode})
    return locked


@dataclass(frozen=True)
class Answer:
    """What the engineer entered for one item; None leaves a field as it was."""

    result_id: int
    passed: bool | None = None
    value: Decimal | None = None
    text: str | None = None
    not_applicable: bool | None = None
    note: str | None = None
    clear: bool = False  # forget the answer (the item is pending again)


def record_results(
    *, inspection: Inspection, by, answers: list[Answer], now: dt.datetime | None = None
) -> list[InspectionResult]:
    """Store answers and judge each against its threshold. Returns the changed results."""
    at = _now(now)
    _require(by, "record", inspection.contract)
    with transaction.atomic():
        locked = _locked(inspection)
        if locked.state != InspectionState.IN_PROGRESS:
            raise InspectionError(
                "invalid_transition",
                _("Results can only be recorded while the inspection is in progress."),
            )
        results = {row.pk: row for row in locked.results.all()}
        changed = []
        for answer in answers:
            result = results.get(answer.result_id)
            if result is None:
                raise InspectionError(
                    "invalid",
                    _("Item %(item)s is not part of this inspection."),
                    item=answer.result_id,
                )
            _apply(result, answer)
            result.rejudge()
            result.checked_at = at
            changed.append(result)
        InspectionResult.objects.bulk_update(
            changed,
            ["passed", "value", "text", "not_applicable", "note", "verdict", "checked_at"],
        )
        failed = [row.name for row in changed if row.verdict == Verdict.FAIL]
        _log(
            locked,
            "results_recorded",
            by,
            at,
            data={"items": len(changed), "failed": failed},
        )
    return changed


def _apply(result: InspectionResult, answer: Answer) -> None:
    if answer.clear:
        result.passed, result.value, result.text, result.not_applicable = None, None, "", False
    if answer.not_applicable is not None:
        result.not_applicable = answer.not_applicable
    if answer.note is not None:
        result.note = answer.note.strip()
    if result.kind == ItemKind.PASS_FAIL and answer.passed is not None:
        result.passed = answer.passed
    elif result.kind == ItemKind.MEASUREMENT and answer.value is not None:
        result.value = answer.value
    elif result.kind == ItemKind.TEXT and answer.text is not None:
        result.text = answer.text.strip()
    elif answer.passed is not None or answer.value is not None or answer.text is not None:
        raise InspectionError(
            "invalid",
            _("“%(item)s” takes %(kind)s."),
            item=result.name,
            kind=ItemKind(result.kind).label,
        )


def complete(
    *,
    inspection: Inspection,
    by,
    findings: str = "",
    suggestions: str = "",
    now: dt.datetime | None = None,
) -> Inspection:
    """Finish: every item answered (or marked not applicable); the PDF is made."""
    at = _now(now)
    _require(by, "complete", inspection.contract)
    with transaction.atomic():
        locked = _locked(inspection, inspection.state)
        pending = list(
            locked.results.filter(verdict=Verdict.PENDING).values_list("name", flat=True)
        )
        if pending:
            raise InspectionError(
                "incomplete",
                _("Check every item first (or mark it not applicable): %(items)s."),
                items="、".join(pending),
            )
        _move(locked, "complete")
        locked.findings = findings.strip()
        locked.suggestions = suggestions.strip()
        locked.finished_at = at
        _report_changed(locked)
        _save(locked)
        failed = locked.results.filter(verdict=Verdict.FAIL).count()
        _log(locked, "completed", by, at, data={"failed": failed})
    return locked


def reopen(
    *, inspection: Inspection, by, reason: str, now: dt.datetime | None = None
) -> Inspection:
    """Back to work before the hospital signs, e.g. to correct a value; the reason is kept."""
    at = _now(now)
    _require(by, "reopen", inspection.contract)
    if not reason.strip():
        raise InspectionError("invalid", _("Say why the inspection is reopened."))
    with transaction.atomic():
        locked = _locked(inspection, inspection.state)
        _move(locked, "reopen")
        locked.finished_at = None
        locked.revision += 1
        _save(locked)
        _log(locked, "reopened", by, at, note=reason.strip())
    return locked


def sign_off(
    *, inspection: Inspection, by, signer_name: str = "", now: dt.datetime | None = None
) -> Inspection:
    """The hospital's representative accepts the inspection (name and time).

    Hospital IT signs in their own name; an engineer on site records the name of the
    representative who signed the paper or the phone in front of them.
    """
    at = _now(now)
    _require(by, "sign_off", inspection.contract)
    from tickets.policy import roles_on_contract

    signs_for_hospital = by.is_superuser or Role.HOSPITAL_IT in roles_on_contract(
        by, inspection.contract
    )
    name = signer_name.strip() or (by.get_full_name() if signs_for_hospital else "")
    if not name:
        raise InspectionError(
            "invalid", _("Enter the name of the hospital's representative who signed.")
        )
    with transaction.atomic():
        locked = _locked(inspection, inspection.state)
        _move(locked, "sign_off")
        locked.signer_name = name[:100]
        locked.signed_at = at
        locked.sign_off_recorded_by = by
        _report_changed(locked)
        _save(locked)
        _log(locked, "signed_off", by, at, data={"signer": locked.signer_name})
    return locked


def cancel(
    *, inspection: Inspection, by, reason: str, now: dt.datetime | None = None
) -> Inspection:
    at = _now(now)
    _require(by, "cancel", inspection.contract)
    if not reason.strip():
        raise InspectionError("invalid", _("Say why the inspection is cancelled."))
    with transaction.atomic():
        locked = _locked(inspection, inspection.state)
        _move(locked, "cancel")
        _save(locked)
        _log(locked, "cancelled", by, at, note=reason.strip())
    return locked


# --- a failed item becomes a ticket ----------------------------------------------------------


def finding_systems(inspection: Inspection) -> list[CoveredSystem]:
    """The systems a finding of this inspection may be filed under: the inspected system and
    its parts, or, for an inspection of every covered system, all of them (the tree order
    the report form uses)."""
    contract = inspection.contract
    covered = contract.covered_system_ids()
    if inspection.system_id:
        scope = {inspection.system_id}
        # The parts of the inspected system: its subsystems and modules, level by level.
        frontier = {inspection.system_id}
        while frontier:
            frontier = set(
                CoveredSystem.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
            )
            scope |= frontier
        covered &= scope
    return list(CoveredSystem.objects.filter(pk__in=covered).order_by("code"))


def proposed_system(inspection: Inspection, systems: list[CoveredSystem]) -> CoveredSystem | None:
    """The system a finding is proposed under: the one the inspection covered, else the
    contract's first covered system (its main one: C2's e-invoice system before the GDCA
    server). The checklists name no system per item, so whoever files it sees the proposal
    and may choose another of the inspection's systems."""
    if inspection.system_id:
        return inspection.system
    first = inspection.contract.contract_systems.select_related("system").order_by("pk").first()
    return first.system if first else (systems[0] if systems else None)


def open_ticket(
    *,
    result: InspectionResult,
    by,
    service_class: ServiceClass,
    system: CoveredSystem | None = None,
    title: str = "",
    description: str = "",
    now: dt.datetime | None = None,
):
    """File a ticket for an abnormal item in one step, linked both ways.

    Filed under `system` (one the inspection covered), else the proposed one; on the
    inspection channel, in the name of the person who found it (see tickets.notices)."""
    from tickets.models import Channel
    from tickets.services import report_ticket

    at = _now(now)
    inspection = result.inspection
    contract = inspection.contract
    _require(by, "open_ticket", contract)
    if result.verdict != Verdict.FAIL:
        raise InspectionError("invalid", _("Only an abnormal item opens a ticket."))
    if result.ticket_id:
        raise InspectionError(
            "conflict",
            _("Ticket %(number)s is already open for this item."),
            number=result.ticket.number,
        )
    systems = finding_systems(inspection)
    if system is None:
        system = proposed_system(inspection, systems)
        if system is None:
            raise InspectionError(
                "invalid", _("The contract covers no system to file the ticket under.")
            )
    elif system.pk not in {candidate.pk for candidate in systems}:
        raise InspectionError(
            "invalid",
            _("%(system)s was not part of this inspection: choose one of its systems."),
            field="system",
            system=system.path(),
        )
    with transaction.atomic():
        locked = _locked(inspection)
        ticket = report_ticket(
            contract=contract,
            system=system,
            service_class=service_class,
            title=(title.strip() or finding_title(result))[:200],
            description=description.strip() or finding_description(result, locked),
            reporter=by,
            contact_phone=_contact_phone(by, contract),
            now=at,
            from_inspection=True,
            found_in=locked,
            channel=Channel.INSPECTION,
        )
        claimed = InspectionResult.objects.filter(pk=result.pk, ticket__isnull=True).update(
            ticket=ticket
        )
        if not claimed:
            raise InspectionConflict(
                "conflict", _("Someone opened a ticket for this item a moment ago.")
            )
        result.ticket = ticket
        _report_changed(locked)
        _save(locked)
        _log(locked, "ticket_opened", by, at, data={"item": result.name, "ticket": ticket.number})
    return ticket


def finding_title(result: InspectionResult) -> str:
    if result.value is not None and result.rule_display:
        return str(
            _("Inspection finding: %(item)s is %(value)s (required %(rule)s)")
            % {"item": result.name, "value": result.value_display, "rule": result.rule_display}
        )
    return str(_("Inspection finding: %(item)s") % {"item": result.name})


def finding_description(result: InspectionResult, inspection: Inspection) -> str:
    lines = [
        str(_("Found abnormal during “%(inspection)s”.") % {"inspection": inspection.title}),
        f"{result.section} · {result.name}",
    ]
    if result.value is not None:
        lines.append(str(_("Measured: %(value)s") % {"value": result.value_display}))
    if result.rule_display:
        lines.append(str(_("Required: %(rule)s") % {"rule": result.rule_display}))
    if result.note:
        lines.append(result.note)
    return "\n".join(lines)


def _contact_phone(by, contract: Contract) -> str:
    """Whom the ticket's engineer calls back: the person who filed it, else the hospital's
    primary contact."""
    if by.phone:
        return by.phone
    contact = (
        contract.contacts.filter(side="hospital").exclude(phone="").order_by("-is_primary").first()
    )
    if contact is None:
        raise InspectionError(
            "invalid",
            _("Add a mobile number to your profile, or a hospital contact with one, first."),
        )
    return contact.phone


# --- templates -------------------------------------------------------------------------------


@transaction.atomic
def new_template_version(template: ChecklistTemplate) -> ChecklistTemplate:
    """Copy the template with its sections and items as the next, current version; the old
    version stays as it is for the inspections that used it."""
    latest = ChecklistTemplate.objects.filter(code=template.code).order_by("-version").first()
    ChecklistTemplate.objects.filter(code=template.code, is_current=True).update(is_current=False)
    copy = ChecklistTemplate.objects.create(
        code=template.code,
        version=latest.version + 1,
        name=template.name,
        description=template.description,
        is_current=True,
    )
    for section in template.sections.prefetch_related("items"):
        new_section = copy.sections.create(position=section.position, title=section.title)
        for item in section.items.all():
            item.pk = None
            item.section = new_section
            item.save()
    return copy
