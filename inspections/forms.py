"""The inspection page's forms: one per action, and the checklist as one form of all items.

The checklist is answered on a phone on site, so a bad value in one field must never cost
the others: each item is validated on its own, and the page saves the items that are
valid and shows the rest with what was typed and a message next to the field.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from contracts.models import Contract, ServiceClass, TicketKind
from inspections.models import InspectionMode, InspectionResult
from inspections.services import Answer
from inspections.thresholds import ItemKind

PASS, FAIL = "pass", "fail"


class StartForm(forms.Form):
    mode = forms.ChoiceField(label=_("Performed"), choices=InspectionMode.choices)


class AssignForm(forms.Form):
    engineer = forms.ModelChoiceField(label=_("Assign to"), queryset=None, empty_label=None)

    def __init__(self, *args, engineers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["engineer"].queryset = engineers


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class SignOffForm(forms.Form):
    signer_name = forms.CharField(
        label=_("Name of the hospital's representative who signed"),
        max_length=100,
        required=False,
    )

    def __init__(self, *args, name_required: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["signer_name"].required = name_required


class CompleteForm(forms.Form):
    findings = forms.CharField(label=_("Findings"), required=False, widget=forms.Textarea)
    suggestions = forms.CharField(label=_("Suggestions"), required=False, widget=forms.Textarea)


def fault_levels(contract: Contract):
    """The contract's fault levels, the least severe first: an inspection finding is rarely
    an outage, so the form starts there."""
    return contract.service_classes.filter(kind=TicketKind.FAULT).order_by("-level")


class ServiceClassChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, row: ServiceClass) -> str:
        return row.name


class OpenTicketForm(forms.Form):
    """A ticket from one abnormal item; the fields are named per item (t-<id>-…) because
    every abnormal item on the page has its own."""

    service_class = ServiceClassChoiceField(
        label=_("Fault level"), queryset=ServiceClass.objects.none(), empty_label=None
    )
    system = forms.TypedChoiceField(label=_("System"), coerce=int, required=False)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)

    def __init__(self, *args, levels, systems=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service_class"].queryset = levels
        # Offered from the inspection's scope (inspections.services.finding_systems).
        self.systems = {system.pk: system for system in systems}
        self.fields["system"].choices = [("", "—")] + [
            (system.pk, system.path()) for system in systems
        ]

    def chosen_system(self):
        return self.systems.get(self.cleaned_data.get("system"))


def ticket_prefix(result_id: int) -> str:
    return f"t-{result_id}"


class MeasuredValueField(forms.DecimalField):
    """A number as typed on a phone: full-width digits are fine (a Chinese keyboard's
    "９５．５"); a decimal comma gets its own message rather than "enter a number"."""

    default_error_messages = {"invalid": _("Enter a number, e.g. 85 or 85.5.")}

    def __init__(self, **kwargs) -> None:
        # As stored (InspectionResult.value): 14 digits, 3 after the point.
        super().__init__(max_digits=14, decimal_places=3, **kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = unicodedata.normalize("NFKC", value).strip().replace(" ", "")
            digits = value.replace(",", "").replace(".", "").removeprefix("-")
            if "," in value and digits.isdigit():
                raise forms.ValidationError(
                    _("Use a decimal point, not a comma (e.g. 95.5)."), code="comma"
                )
        return super().to_python(value)


@dataclass
class ItemRow:
    """One checklist item on the page: the stored result and its fields in the form."""

    result: InspectionResult
    form: ChecklistForm
    ticket_form: OpenTicketForm | None = None  # set by the page for an abnormal item

    def _field(self, name: str):
        return self.form[self.form.name(self.result.pk, name)]

    @property
    def passed(self):
        return self._field("passed")

    @property
    def value(self):
        return self._field("value")

    @property
    def text(self):
        return self._field("text")

    @property
    def not_applicable(self):
        return self._field("na")

    @property
    def note(self):
        return self._field("note")

    @property
    def has_errors(self) -> bool:
        return any(
            self.form.name(self.result.pk, name) in self.form.errors for name in ChecklistForm.PARTS
        )

    @property
    def errors(self) -> list[str]:
        found = []
        for name in ChecklistForm.PARTS:
            found.extend(self.form.errors.get(self.form.name(self.result.pk, name), []))
        return found

    @property
    def verdict_class(self) -> str:
        return self.result.verdict.replace("/", "")


class ChecklistForm(forms.Form):
    """Every item of an inspection in one form: r-<result id>-passed, -value, -text, -na,
    -note, and `items` naming the items the page showed.

    Only listed items are touched, so a post that carries no checklist (a button elsewhere
    on the page) never clears an answer.
    """

    PARTS = ("passed", "value", "text", "na", "note")

    def __init__(self, *args, results: list[InspectionResult], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.results = results
        for result in results:
            if result.kind == ItemKind.PASS_FAIL:
                self.fields[self.name(result.pk, "passed")] = forms.ChoiceField(
                    label=result.name,
                    choices=[(PASS, _("Normal")), (FAIL, _("Abnormal"))],
                    required=False,
                    widget=forms.RadioSelect,
                )
            elif result.kind == ItemKind.MEASUREMENT:
                self.fields[self.name(result.pk, "value")] = MeasuredValueField(
                    label=result.name, required=False
                )
            else:
                self.fields[self.name(result.pk, "text")] = forms.CharField(
                    label=result.name, required=False, widget=forms.Textarea
                )
            self.fields[self.name(result.pk, "na")] = forms.BooleanField(
                label=_("Not applicable"), required=False
            )
            self.fields[self.name(result.pk, "note")] = forms.CharField(
                label=_("Note"), required=False, widget=forms.Textarea
            )
            if not self.is_bound:
                self.initial.update(self._stored(result))

    @staticmethod
    def name(result_id: int, part: str) -> str:
        return f"r-{result_id}-{part}"

    def _stored(self, result: InspectionResult) -> dict:
        stored = {
            self.name(result.pk, "na"): result.not_applicable,
            self.name(result.pk, "note"): result.note,
        }
        if result.kind == ItemKind.PASS_FAIL:
            stored[self.name(result.pk, "passed")] = (
                "" if result.passed is None else PASS if result.passed else FAIL
            )
        elif result.kind == ItemKind.MEASUREMENT:
            stored[self.name(result.pk, "value")] = (
                "" if result.value is None else format(Decimal(result.value).normalize(), "f")
            )
        else:
            stored[self.name(result.pk, "text")] = result.text
        return stored

    def rows(self) -> list[ItemRow]:
        return [ItemRow(result=result, form=self) for result in self.results]

    def sections(self) -> list[tuple[str, list[ItemRow]]]:
        grouped: list[tuple[str, list[ItemRow]]] = []
        for row in self.rows():
            if not grouped or grouped[-1][0] != row.result.section:
                grouped.append((row.result.section, []))
            grouped[-1][1].append(row)
        return grouped

    def _posted_ids(self) -> set[int]:
        ids = set()
        for raw in self.data.getlist("items") if hasattr(self.data, "getlist") else []:
            try:
                ids.add(int(raw))
            except (TypeError, ValueError):
                continue
        return ids

    @property
    def posted_any(self) -> bool:
        return bool(self._posted_ids())

    def answers(self) -> list[Answer]:
        """The changed answers of the posted items that are valid; call after is_valid()."""
        posted = self._posted_ids()
        answers = []
        for row in self.rows():
            result = row.result
            if result.pk not in posted or row.has_errors:
                continue
            answer = self._answer(result)
            if answer is not None:
                answers.append(answer)
        return answers

    def _answer(self, result: InspectionResult) -> Answer | None:
        data = self.cleaned_data
        not_applicable = bool(data.get(self.name(result.pk, "na")))
        note = (data.get(self.name(result.pk, "note")) or "").strip()
        changes: dict = {}
        clear = False
        if result.kind == ItemKind.PASS_FAIL:
            choice = data.get(self.name(result.pk, "passed")) or ""
            passed = None if not choice else choice == PASS
            if passed is not None and passed != result.passed:
                changes["passed"] = passed
        elif result.kind == ItemKind.MEASUREMENT:
            value = data.get(self.name(result.pk, "value"))
            if value is None and result.value is not None:
                clear = True  # the field was emptied on purpose
            elif value is not None and (result.value is None or value != result.value):
                changes["value"] = value
        else:
            text = (data.get(self.name(result.pk, "text")) or "").strip()
            if not text and result.text:
                clear = True
            elif text != result.text:
                changes["text"] = text
        if not_applicable != result.not_applicable or clear:
            changes["not_applicable"] = not_applicable
        if note != result.note:
            changes["note"] = note
        if not changes and not clear:
            return None
        return Answer(result_id=result.pk, clear=clear, **changes)
