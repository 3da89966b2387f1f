"""Judging answers against an item's rule: C2's "tablespace usage < 90 %" and its kin."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from inspections.models.checklists import validate_rule
from inspections.thresholds import describe_rule, judge

D = Decimal


@pytest.mark.parametrize(
    ("value", "verdict"),
    [("89.9", "pass"), ("90", "fail"), ("93.5", "fail"), ("0", "pass")],
)
def test_tablespace_usage_must_stay_below_90_percent(value, verdict):
    assert judge(kind="measurement", comparator="lt", limit=D("90"), value=D(value)) == verdict


@pytest.mark.parametrize(
    ("comparator", "value", "verdict"),
    [
        ("le", "1", "pass"),  # time offset ≤ 1 s: the limit itself is allowed
        ("le", "1.01", "fail"),
        ("ge", "30", "pass"),  # certificate valid ≥ 30 days
        ("ge", "29", "fail"),
        ("gt", "30", "fail"),
    ],
)
def test_inclusive_and_exclusive_limits_are_kept_to_the_letter(comparator, value, verdict):
    assert (
        judge(
            kind="measurement",
            comparator=comparator,
            limit=D("30") if comparator in ("ge", "gt") else D("1"),
            value=D(value),
        )
        == verdict
    )


def test_between_includes_both_limits():
    rule = {
        "kind": "measurement",
        "comparator": "between",
        "limit": D("10"),
        "upper_limit": D("20"),
    }
    assert [judge(**rule, value=D(v)) for v in ("9.99", "10", "20", "20.01")] == [
        "fail",
        "pass",
        "pass",
        "fail",
    ]


def test_a_measured_value_without_a_threshold_is_recorded_not_judged():
    assert judge(kind="measurement", value=D("42")) == "noted"


def test_unanswered_items_stay_pending_and_not_applicable_is_never_judged():
    assert judge(kind="pass_fail") == "pending"
    assert judge(kind="measurement", comparator="lt", limit=D("90")) == "pending"
    assert judge(kind="text", text="   ") == "pending"
    assert judge(kind="pass_fail", passed=False, not_applicable=True) == "n/a"


def test_pass_fail_and_free_text_items():
    assert judge(kind="pass_fail", passed=True) == "pass"
    assert judge(kind="pass_fail", passed=False) == "fail"
    assert judge(kind="text", text="建议扩容") == "noted"


def test_rules_read_as_people_write_them():
    assert describe_rule("lt", D("90.000"), None, "%") == "< 90 %"
    assert describe_rule("ge", D("30"), None, "天") == "≥ 30 天"
    assert describe_rule("between", D("0.5"), D("2"), "ms") == "0.5–2 ms"
    assert describe_rule("", None, None, "%") == ""


@pytest.mark.parametrize(
    ("kind", "comparator", "limit", "upper", "field"),
    [
        ("pass_fail", "lt", D("1"), None, "comparator"),  # only measurements have thresholds
        ("measurement", "lt", None, None, "limit"),
        ("measurement", "between", D("5"), None, "upper_limit"),
        ("measurement", "between", D("5"), D("5"), "upper_limit"),
        ("measurement", "lt", D("5"), D("9"), "upper_limit"),
        ("measurement", "", D("5"), None, "comparator"),
    ],
)
def test_a_threshold_that_cannot_be_judged_is_refused(kind, comparator, limit, upper, field):
    with pytest.raises(ValidationError) as error:
        validate_rule(kind, comparator, limit, upper)
    assert field in error.value.message_dict
