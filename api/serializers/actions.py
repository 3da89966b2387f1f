"""The bodies of ticket actions (POST /tickets/{id}/{action}/), for the API and its OpenAPI
document: the same fields as the portal's forms (tickets/action_forms.py), cleaned into the same
values for the action's `perform` (tickets/actions.py)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from api.serializers.tickets import AwareDateTimeField
from contracts.models import Clock
from tickets.action_forms import (
    HOLD_REASONS,
    RECORDED_CHOICES,
    active_user,
    earlier_occurrence,
    level_row,
)
from tickets.models import (
    DESCRIPTION_LIMIT,
    NOTE_LIMIT,
    RECORDED_AGREEMENT_CHANNELS,
    ConsentChannel,
    ResolutionCause,
)


def note_field(required: bool = False, help_text: str = ""):
    return serializers.CharField(
        required=required,
        allow_blank=not required,
        default="" if not required else serializers.empty,
        max_length=NOTE_LIMIT,
        trim_whitespace=True,
        help_text=help_text,
    )


class NoteSerializer(serializers.Serializer):
    note = note_field()


class RequiredNoteSerializer(serializers.Serializer):
    note = note_field(required=True)


class ResolveSerializer(serializers.Serializer):
    note = note_field(required=True, help_text="How the problem was solved.")
    cause = serializers.ChoiceField(
        choices=ResolutionCause.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="What the fault came from (optional); the reports count it.",
    )
    outage_ended_at = AwareDateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When the service came back: an outage still open closes then (by default "
        "at the resolve time; each closing is a timeline line).",
    )
    keep_outage_open = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Leave open outages open (a workaround while the service is still down or "
        "degraded).",
    )
    prevention = note_field(
        help_text="What keeps the fault from happening again (预防措施, optional): the service "
        "report tells it with each level-1 incident."
    )


class AssignSerializer(serializers.Serializer):
    engineer = serializers.IntegerField(min_value=1, help_text="User id of a vendor engineer.")
    note = note_field()

    def validate_engineer(self, value: int):
        engineer = active_user(value)
        if engineer is None:
            raise serializers.ValidationError(_("No active user has this id."))
        return engineer


class RecordedConsentSerializer(serializers.Serializer):
    """Without `consent_channel` the hospital is asked and answers through
    /tickets/{id}/consents/{cid}/grant|refuse/; with it, the vendor records a consent given
    outside OpsDesk by a named person of the hospital, which the hospital may dispute."""

    consent_channel = serializers.ChoiceField(
        choices=RECORDED_CHOICES,
        required=False,
        allow_blank=True,
        default="",
        help_text="How the hospital agreed, when the vendor records a consent given outside "
        "OpsDesk: phone, on_site or wecom_group. Leave out to ask the hospital.",
    )
    consent_person = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="User id of the hospital's person who agreed.",
    )
    consent_name = serializers.CharField(
        max_length=100,
        required=False,
        default="",
        allow_blank=True,
        help_text="Name of the person who agreed, when they have no account (with consent_phone).",
    )
    consent_phone = serializers.CharField(
        max_length=20, required=False, default="", allow_blank=True
    )
    consent_at = AwareDateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When the hospital agreed (default now); not in the future, not before the "
        "request it answers.",
    )
    via = serializers.HiddenField(default=ConsentChannel.API)

    def validate_consent_person(self, value):
        if value is None:
            return None
        person = active_user(value)
        if person is None:
            raise serializers.ValidationError(_("No active user has this id."))
        return person


class HoldSerializer(RecordedConsentSerializer):
    reason = serializers.ChoiceField(choices=HOLD_REASONS)
    note = note_field()


class RestartSerializer(serializers.Serializer):
    note = note_field(required=True, help_text="What is to be restarted or redeployed, and when.")
    via = serializers.HiddenField(default=ConsentChannel.API)


class ConfirmSerializer(serializers.Serializer):
    satisfaction = serializers.IntegerField(
        min_value=1, max_value=5, help_text="1 very dissatisfied … 5 very satisfied."
    )
    comment = note_field()


class ChangeLevelSerializer(serializers.Serializer):
    level = serializers.IntegerField(required=False, min_value=1, max_value=9)
    service_class = serializers.SlugField(required=False)
    note = note_field(required=True, help_text="Why the level changes.")

    def validate(self, attrs: dict) -> dict:
        try:
            row = level_row(
                self.context["ticket"], code=attrs.get("service_class"), level=attrs.get("level")
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return {"service_class": row, "note": attrs["note"]}


class ExtendSerializer(RecordedConsentSerializer):
    clock = serializers.ChoiceField(choices=Clock.choices)
    minutes = serializers.IntegerField(min_value=1, max_value=525600)
    reason = serializers.CharField(max_length=NOTE_LIMIT)


class BreachReasonSerializer(serializers.Serializer):
    clock = serializers.ChoiceField(choices=Clock.choices)
    reason = serializers.CharField(max_length=500)


def moment(*, required: bool = True, help_text: str = ""):
    return AwareDateTimeField(
        required=required,
        allow_null=not required,
        default=None if not required else serializers.empty,
        help_text=help_text,
    )


class SubmitPlanSerializer(serializers.Serializer):
    upgrade_plan = serializers.CharField(max_length=DESCRIPTION_LIMIT)
    rollback_plan = serializers.CharField(max_length=DESCRIPTION_LIMIT)
    window_starts_at = moment(help_text="Proposed implementation window: start.")
    window_ends_at = moment(help_text="Proposed implementation window: end (at most 7 days on).")


class ApprovePlanSerializer(serializers.Serializer):
    note = note_field()
    window_starts_at = moment(
        required=False,
        help_text="Another window than the vendor proposed (the vendor then accepts it); "
        "leave out to approve the proposed window with the plan.",
    )
    window_ends_at = moment(required=False)


class WindowSerializer(serializers.Serializer):
    window_starts_at = moment()
    window_ends_at = moment()
    note = note_field()


class FinishChangeSerializer(serializers.Serializer):
    note = note_field(required=True, help_text="What was done.")
    outside_window_reason = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required when now is outside the implementation window agreed with the "
        "hospital (or none was agreed): why the change finishes outside it.",
    )


class ProposeAppointmentSerializer(serializers.Serializer):
    at = moment(help_text="When the engineer will be on site.")
    note = note_field()


class RecordAppointmentSerializer(serializers.Serializer):
    confirmed_by = serializers.CharField(
        max_length=100, help_text="The hospital's person who confirmed the time."
    )
    channel = serializers.ChoiceField(choices=RECORDED_AGREEMENT_CHANNELS)
    confirmed_at = moment(help_text="When they confirmed it; not in the future.")


class LinkRecurrenceSerializer(serializers.Serializer):
    of = serializers.CharField(
        max_length=30,
        help_text="The earlier ticket of the same problem: its number (FD-2026-00012) or id. "
        "See GET /tickets/{id}/recurrence-candidates/ for OpsDesk's suggestions.",
    )

    def validate(self, attrs: dict) -> dict:
        try:
            return {"of": earlier_occurrence(self.context["ticket"], attrs["of"])}
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc


class UnlinkRecurrenceSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=NOTE_LIMIT, help_text="Why it is not the same problem."
    )


PARTIAL_HELP = (
    "Degraded, not down: shown beside the downtime, not counted against the availability target."
)


class RecordOutageSerializer(serializers.Serializer):
    started_at = AwareDateTimeField(help_text="When the service went down (or degraded).")
    ended_at = AwareDateTimeField(
        required=False, allow_null=True, default=None, help_text="When it came back; null: down."
    )
    partial = serializers.BooleanField(required=False, default=False, help_text=PARTIAL_HELP)
    note = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text="What was affected."
    )


class CorrectOutageSerializer(RecordOutageSerializer):
    """The span as it should read: every time and the kind are given, so that nothing is
    changed by being left out."""

    outage = serializers.IntegerField(min_value=1, help_text="The outage's id.")
    ended_at = AwareDateTimeField(allow_null=True, help_text="When it came back; null: down.")
    partial = serializers.BooleanField(help_text=PARTIAL_HELP)
    note = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default=None,
        allow_null=True,
        help_text="What was affected; left out: unchanged.",
    )
    reason = serializers.CharField(max_length=NOTE_LIMIT, help_text="Why it is corrected.")


class CloseOutageSerializer(serializers.Serializer):
    outage = serializers.IntegerField(min_value=1, help_text="The outage's id.")
    ended_at = AwareDateTimeField(help_text="When the service came back.")
    note = note_field()


class WithdrawOutageSerializer(serializers.Serializer):
    outage = serializers.IntegerField(min_value=1, help_text="The outage's id.")
    reason = serializers.CharField(max_length=NOTE_LIMIT, help_text="Why it was no outage.")


# The body of each action the API offers (tickets/actions.py), by its slug.
BODIES: dict[str, type[serializers.Serializer]] = {
    "acknowledge": NoteSerializer,
    "assign": AssignSerializer,
    "arrive": NoteSerializer,
    "hold": HoldSerializer,
    "resume": NoteSerializer,
    "resolve": ResolveSerializer,
    "confirm": ConfirmSerializer,
    "reopen": RequiredNoteSerializer,
    "cancel": NoteSerializer,
    "change-level": ChangeLevelSerializer,
    "extend": ExtendSerializer,
    "restart": RestartSerializer,
    "breach-reason": BreachReasonSerializer,
    "submit-plan": SubmitPlanSerializer,
    "approve-plan": ApprovePlanSerializer,
    "reject-plan": RequiredNoteSerializer,
    "propose-window": WindowSerializer,
    "agree-window": NoteSerializer,
    "complete-change": FinishChangeSerializer,
    "roll-back": FinishChangeSerializer,
    "propose-appointment": ProposeAppointmentSerializer,
    "confirm-appointment": NoteSerializer,
    "record-appointment": RecordAppointmentSerializer,
    "link-recurrence": LinkRecurrenceSerializer,
    "unlink-recurrence": UnlinkRecurrenceSerializer,
    "record-outage": RecordOutageSerializer,
    "correct-outage": CorrectOutageSerializer,
    "close-outage": CloseOutageSerializer,
    "withdraw-outage": WithdrawOutageSerializer,
}
