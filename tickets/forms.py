"""The 报修 form: a hospital person files a fault under one contract."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from contracts.models import Contract, ServiceClass
from contracts.selectors import system_tree
from opsdesk.validators import validate_phone
from tickets.errors import TicketError
from tickets.models import DESCRIPTION_LIMIT, TITLE_LIMIT
from tickets.services import check_upload

MAX_FILES = 10


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


def _indented_systems(contract: Contract) -> list[tuple[int, str]]:
    choices: list[tuple[int, str]] = []

    def walk(nodes, depth: int) -> None:
        for node in nodes:
            if node.covered:
                choices.append((node.system.pk, "\u3000" * depth + node.system.name))
            walk(node.children, depth + 1)

    walk(system_tree(contract), 0)
    return choices


class ServiceClassChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, row: ServiceClass) -> str:
        return row.name


class ReportForm(forms.Form):
    system = forms.TypedChoiceField(label=_("System"), coerce=int)
    service_class = ServiceClassChoiceField(
        label=_("Level or category"),
        queryset=ServiceClass.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
    )
    title = forms.CharField(label=_("Title"), max_length=TITLE_LIMIT)
    description = forms.CharField(
        label=_("What happened"),
        max_length=DESCRIPTION_LIMIT,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Which window or department, what you see, since when, how many are affected."),
    )
    contact_phone = forms.CharField(
        label=_("Call-back phone"), max_length=20, validators=[validate_phone]
    )
    attachments = MultipleFileField(
        label=_("Screenshots or files"),
        required=False,
        help_text=_("Up to 10 files of 20 MB each: pictures, PDF, Office documents, logs."),
    )

    def __init__(self, *args, contract: Contract, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.contract = contract
        self.fields["system"].choices = [("", "—"), *_indented_systems(contract)]
        self.fields["service_class"].queryset = contract.service_classes.order_by(
            "position", "level", "code"
        )

    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        if len(files) > MAX_FILES:
            raise forms.ValidationError(_("Attach at most 10 files."))
        for upload in files:
            try:
                check_upload(upload)
            except TicketError as exc:
                raise forms.ValidationError(str(exc)) from exc
        return files
