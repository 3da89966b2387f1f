"""The ticket actions, each a call of one ticket service.

The ticket page posts them to /tickets/{number}/{slug}/ and the API offers them as
`POST /api/v1/tickets/{id}/{slug}/`; both validate the body (the page with `form`, the API with
its serializer of the same fields) and call `perform`. The services decide who may do what and
when, so the portal and the API stand on the same rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tickets import action_forms as forms
from tickets import recurrence, services
from tickets.models import Ticket


@dataclass(frozen=True)
class Action:
    slug: str
    summary: str
    form: type[forms.ActionForm]
    perform: Callable[[Ticket, object, dict], object]

    @property
    def policy_name(self) -> str:
        """The name tickets.policy knows the action by ("change-level" → "change_level")."""
        return self.slug.replace("-", "_")

    @property
    def label(self) -> str:
        return str(services.ACTION_LABELS.get(self.policy_name, self.slug))


ACTIONS: tuple[Action, ...] = (
    Action(
        "acknowledge",
        "Acknowledge (响应): stops the respond clock",
        forms.NoteForm,
        lambda t, by, d: services.acknowledge(ticket=t, by=by, note=d["note"]),
    ),
    Action(
        "assign",
        "Dispatch (派工) to an engineer of the vendor",
        forms.AssignForm,
        lambda t, by, d: services.assign(ticket=t, by=by, engineer=d["engineer"], note=d["note"]),
    ),
    Action(
        "arrive",
        "Record arrival on site (签到): stops the arrive clock",
        forms.NoteForm,
        lambda t, by, d: services.arrive(ticket=t, by=by, note=d["note"]),
    ),
    Action(
        "hold",
        "Put on hold with the hospital's consent: the clocks stop",
        forms.HoldForm,
        lambda t, by, d: services.hold(
            ticket=t,
            by=by,
            reason=d["reason"],
            consent_by=d["consent_by"],
            consent_at=d["consent_at"],
            note=d["note"],
        ),
    ),
    Action(
        "resume",
        "Resume work after a hold: the clocks run again",
        forms.NoteForm,
        lambda t, by, d: services.resume(ticket=t, by=by, note=d["note"]),
    ),
    Action(
        "resolve",
        "Resolve: stops the resolve clock, awaits the hospital's confirmation",
        forms.ResolveForm,
        lambda t, by, d: services.resolve(
            ticket=t,
            by=by,
            note=d["note"],
            cause=d["cause"],
            outage_ended_at=d.get("outage_ended_at"),
            keep_outage_open=d.get("keep_outage_open", False),
        ),
    ),
    Action(
        "confirm",
        "Confirm the resolution and rate it; the ticket closes",
        forms.ConfirmForm,
        lambda t, by, d: services.confirm(
            ticket=t, by=by, satisfaction=d["satisfaction"], comment=d["comment"]
        ),
    ),
    Action(
        "reopen",
        "Reopen within the contract's window: the resolve clock runs on",
        forms.RequiredNoteForm,
        lambda t, by, d: services.reopen(ticket=t, by=by, note=d["note"]),
    ),
    Action(
        "cancel",
        "Withdraw the ticket before work starts (撤销)",
        forms.NoteForm,
        lambda t, by, d: services.cancel(ticket=t, by=by, note=d["note"]),
    ),
    Action(
        "change-level",
        "Raise or lower the level: running clocks take the new targets",
        forms.ChangeLevelForm,
        lambda t, by, d: services.change_level(
            ticket=t, by=by, service_class=d["service_class"], note=d["note"]
        ),
    ),
    Action(
        "extend",
        "Give one running clock more time with the hospital's consent",
        forms.ExtendForm,
        lambda t, by, d: services.extend_clock(
            ticket=t,
            by=by,
            clock=d["clock"],
            minutes=d["minutes"],
            reason=d["reason"],
            consent_by=d["consent_by"],
        ),
    ),
    Action(
        "breach-reason",
        "Say why a clock missed its deadline (the reports print it with the breach)",
        forms.BreachReasonForm,
        lambda t, by, d: services.explain_breach(
            ticket=t, by=by, clock=d["clock"], reason=d["reason"]
        ),
    ),
    Action(
        "submit-plan",
        "Submit a change's upgrade and rollback plans for approval",
        forms.SubmitPlanForm,
        lambda t, by, d: services.submit_plan(
            ticket=t, by=by, upgrade_plan=d["upgrade_plan"], rollback_plan=d["rollback_plan"]
        ),
    ),
    Action(
        "approve-plan",
        "Approve a change plan (hospital IT)",
        forms.NoteForm,
        lambda t, by, d: services.approve_plan(ticket=t, by=by, note=d["note"]),
    ),
    Action(
        "reject-plan",
        "Reject a change plan with the reason (hospital IT)",
        forms.RequiredNoteForm,
        lambda t, by, d: services.reject_plan(ticket=t, by=by, note=d["note"]),
    ),
    Action(
        "complete-change",
        "Record a change as done",
        forms.RequiredNoteForm,
        lambda t, by, d: services.complete_change(ticket=t, by=by, note=d["note"]),
    ),
    Action(
        "roll-back",
        "Record a change as rolled back",
        forms.RequiredNoteForm,
        lambda t, by, d: services.roll_back(ticket=t, by=by, note=d["note"]),
    ),
)

# The same problem again (C4) and outage spans (C5): any time, open ticket or finished.
ACTIONS += (
    Action(
        "link-recurrence",
        "Link to an earlier occurrence of the same problem; the contract's recurrence rule "
        "applies at once",
        forms.LinkRecurrenceForm,
        lambda t, by, d: recurrence.mark_recurrence(ticket=t, by=by, of=d["of"]),
    ),
    Action(
        "unlink-recurrence",
        "Undo a recurrence link, with the reason (the level is not lowered by itself)",
        forms.UnlinkRecurrenceForm,
        lambda t, by, d: recurrence.unlink_recurrence(ticket=t, by=by, reason=d["reason"]),
    ),
    Action(
        "record-outage",
        "Record an outage span (level-1 faults) or a partial one (degraded service)",
        forms.RecordOutageForm,
        lambda t, by, d: services.record_outage(
            ticket=t,
            by=by,
            started_at=d["started_at"],
            ended_at=d["ended_at"],
            partial=d["partial"],
            note=d["note"],
        ),
    ),
    Action(
        "correct-outage",
        "Correct an outage's start, end or kind, with the reason (both parties see it)",
        forms.CorrectOutageForm,
        lambda t, by, d: services.correct_outage(
            ticket=t,
            by=by,
            outage=d["outage"],
            started_at=d["started_at"],
            ended_at=d["ended_at"],
            partial=d["partial"],
            note=d["note"],
            reason=d["reason"],
        ),
    ),
    Action(
        "close-outage",
        "The service is back: close an open outage",
        forms.CloseOutageForm,
        lambda t, by, d: services.close_outage(
            ticket=t, by=by, outage=d["outage"], ended_at=d["ended_at"], note=d["note"]
        ),
    ),
    Action(
        "withdraw-outage",
        "Remove a span that was no outage, with the reason",
        forms.WithdrawOutageForm,
        lambda t, by, d: services.withdraw_outage(
            ticket=t, by=by, outage=d["outage"], reason=d["reason"]
        ),
    ),
)


ACTIONS_BY_SLUG = {action.slug: action for action in ACTIONS}
