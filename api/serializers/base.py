"""What the API's serializers share: fields built once per class, rows written without
DRF's per-row overhead. Both give exactly DRF's answer (tests/api/test_serializer_base.py)."""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Mapping
from typing import Any

from django.utils import timezone
from rest_framework import serializers
from rest_framework.fields import SkipField, is_simple_callable
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings

# Whether a method takes no arguments, as DRF asks of every value it reads (its
# is_simple_callable(), an inspect.signature() each time), depends on the method's function
# alone: asked once per function rather than once per row.
_TAKES_NO_ARGUMENTS: dict[Callable, bool] = {}


def _method_without_arguments(value) -> bool:
    if not inspect.ismethod(value):
        return False
    function = value.__func__
    known = _TAKES_NO_ARGUMENTS.get(function)
    if known is None:
        known = _TAKES_NO_ARGUMENTS[function] = is_simple_callable(value)
    return known


def _plain_getter(field: serializers.Field) -> Callable[[Any], Any]:
    """field.get_attribute(), without DRF's checks on every step of every row: plain
    attribute lookups and methods without arguments, and DRF itself for anything else
    (another callable, a dict, a missing attribute or related row, a method that fails:
    its defaults, nulls and errors stay DRF's)."""
    attrs = tuple(field.source_attrs)
    slow = field.get_attribute
    if type(field).get_attribute is not serializers.Field.get_attribute:
        return slow

    def get(instance):
        value = instance
        try:
            for attr in attrs:
                if isinstance(value, dict):
                    return slow(instance)
                value = getattr(value, attr)
                if callable(value):
                    if not _method_without_arguments(value):
                        return slow(instance)
                    value = value()
        except Exception:
            return slow(instance)
        return value

    return get


def datetime_writer(field: serializers.Field) -> Callable[[Any], Any] | None:
    """DateTimeField.to_representation() for an aware datetime in ISO 8601, with the
    current time zone read once per row rather than once per value; None where DRF's own is
    needed (another format, a time zone of the field's own)."""
    if type(field) is not serializers.DateTimeField or hasattr(field, "timezone"):
        return None
    if getattr(field, "format", api_settings.DATETIME_FORMAT) != "iso-8601":
        return None
    slow = field.to_representation

    def write(value, zone):
        if zone is None or getattr(value, "tzinfo", None) is None or isinstance(value, str):
            return slow(value)
        try:
            text = value.astimezone(zone).isoformat()
        except OverflowError:
            return slow(value)  # DRF's error
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return write


class FastRowsMixin:
    """Serializer.to_representation() with the per-row work done once per serializer: the
    readable fields, how each reads its value and writes it out. A list's rows share one
    child serializer, so 50 tickets pay for the plan once."""

    def _row_plan(self) -> tuple[list, Any]:
        """The plan, and the time zone its times are written in: the request's, which
        stays the same while one serializer writes its rows (asked once, not per row)."""
        plan = self.__dict__.get("_plan")
        if plan is None:
            plan = (
                [
                    (field.field_name, _plain_getter(field), datetime_writer(field), field)
                    for field in self._readable_fields
                ],
                timezone.get_current_timezone(),
            )
            self._plan = plan
        return plan

    def to_representation(self, instance):
        if isinstance(instance, Mapping):
            return super().to_representation(instance)
        plan, zone = self._row_plan()
        row = {}
        for name, get, write_datetime, field in plan:
            try:
                attribute = get(instance)
            except SkipField:
                continue
            check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            if check_for_none is None:
                row[name] = None
            elif write_datetime is not None:
                row[name] = write_datetime(attribute, zone)
            else:
                row[name] = field.to_representation(attribute)
        return row


def _unbound_copy(field: serializers.Field) -> serializers.Field:
    """A copy of a field built once per class, for one serializer instance to bind.

    deepcopy() (DRF's own way) builds every field anew from its arguments, nested
    serializers included: for a ticket's detail, most of the cost of writing it. Binding
    sets only the copy's own attributes (its name, parent, source), so a shallow copy is
    enough, except for what a field binds to itself: a list's child (ListSerializer,
    ListField, many related fields) is copied too and bound to the copy, and a nested
    serializer builds its own fields when first asked (never those of another instance)."""
    clone = copy.copy(field)
    for name in ("fields", "_plan"):
        clone.__dict__.pop(name, None)
    for name in ("child", "child_relation"):
        inner = field.__dict__.get(name)
        if isinstance(inner, serializers.Field):
            inner = _unbound_copy(inner)
            # Bound as the list's __init__ bound it (to the list, without a name).
            inner.parent = clone
            setattr(clone, name, inner)
    return clone


class Serializer(FastRowsMixin, serializers.Serializer):
    """DRF's Serializer, writing rows with FastRowsMixin, and giving each instance copies
    of its declared fields made as ModelSerializer's are (_unbound_copy()), not DRF's
    deepcopy(), which builds every field anew from its arguments: for the filing
    serializer's fourteen fields, about 2 % of the CPU of filing a ticket."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {name: _unbound_copy(field) for name, field in self._declared_fields.items()}


class ModelSerializer(FastRowsMixin, serializers.ModelSerializer):
    """DRF's ModelSerializer, working out its fields from the model once per class rather
    than once per instance, and writing rows with FastRowsMixin.

    DRF builds a ModelSerializer's fields anew for every instance it makes: it reads the
    model's fields and relations and decides each field's class and options (build_field),
    the same every time. For a ticket's detail that was about an eighth of the CPU of
    filing one through the API. The fields are built once per class and each instance gets
    a copy, as DRF itself copies the declared fields: unbound, so each instance
    binds its own to its own parent and context (the request); see _unbound_copy()."""

    def get_fields(self) -> dict[str, serializers.Field]:
        built = type(self).__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            # On the class itself, not inherited: a subclass has fields of its own.
            type(self)._built_fields = built
        return {name: _unbound_copy(field) for name, field in built.items()}
