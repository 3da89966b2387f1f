"""Judging a checklist item's answer against its rule (C2: tablespace usage < 90 %).

Plain functions over plain values, so the same rule judges a phone's form, the API and the
PDF, and is tested without a database.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemKind(models.TextChoices):
    PASS_FAIL = "pass_fail", _("Pass / fail")
    MEASUREMENT = "measurement", _("Measured value")
    TEXT = "text", _("Free text")


class Comparator(models.TextChoices):
    LT = "lt", "<"
    LE = "le", "≤"
    GT = "gt", ">"
    GE = "ge", "≥"
    BETWEEN = "between", _("between")


class Verdict(models.TextChoices):
    PENDING = "pending", _("Not yet checked")
    PASS = "pass", _("Normal")
    FAIL = "fail", _("Abnormal")
    NOTED = "noted", _("Recorded")
    NOT_APPLICABLE = "n/a", _("Not applicable")


def _number(value: Decimal) -> str:
    """90.000 → "90", 0.500 → "0.5": limits as people write them."""
    text = format(value.normalize(), "f")
    return text


def describe_rule(
    comparator: str, limit: Decimal | None, upper_limit: Decimal | None, unit: str = ""
) -> str:
    """ "< 90 %", "≥ 30 天", "10–20 ms"; "" when the item has no threshold."""
    if not comparator or limit is None:
        return ""
    suffix = f" {unit}" if unit else ""
    if comparator == Comparator.BETWEEN:
        return f"{_number(limit)}–{_number(upper_limit)}{suffix}"
    return f"{Comparator(comparator).label} {_number(limit)}{suffix}"


def within(comparator: str, limit: Decimal, upper_limit: Decimal | None, value: Decimal) -> bool:
    """Whether `value` keeps the rule; "between" includes both limits."""
    if comparator == Comparator.LT:
        return value < limit
    if comparator == Comparator.LE:
        return value <= limit
    if comparator == Comparator.GT:
        return value > limit
    if comparator == Comparator.GE:
        return value >= limit
    if comparator == Comparator.BETWEEN:
        return limit <= value <= upper_limit
    raise ValueError(f"Unknown comparator {comparator!r}.")


def judge(
    *,
    kind: str,
    comparator: str = "",
    limit: Decimal | None = None,
    upper_limit: Decimal | None = None,
    passed: bool | None = None,
    value: Decimal | None = None,
    text: str = "",
    not_applicable: bool = False,
) -> str:
    """The verdict of one answered item.

    - pass/fail: as the engineer ticked it;
    - measured value: judged against the threshold when the item has one, else recorded;
    - free text: recorded once written.
    An item not answered yet is pending; one marked not applicable is never judged.
    """
    if not_applicable:
        return Verdict.NOT_APPLICABLE
    if kind == ItemKind.PASS_FAIL:
        if passed is None:
            return Verdict.PENDING
        return Verdict.PASS if passed else Verdict.FAIL
    if kind == ItemKind.MEASUREMENT:
        if value is None:
            return Verdict.PENDING
        if not comparator or limit is None:
            return Verdict.NOTED
        return Verdict.PASS if within(comparator, limit, upper_limit, value) else Verdict.FAIL
    if kind == ItemKind.TEXT:
        return Verdict.NOTED if text.strip() else Verdict.PENDING
    raise ValueError(f"Unknown item kind {kind!r}.")
