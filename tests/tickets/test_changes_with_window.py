"""C4: "every upgrade needs an upgrade plan and a rollback plan approved by the hospital's
information centre, with the implementation time agreed, before it runs"."""

from __future__ import annotations

import pytest

from tests.factories import demo_user
from tests.tickets.conftest import at, local
from tickets import services
from tickets.errors import TicketError
from tickets.models import Event

pytestmark = pytest.mark.django_db

OPENED = "2026-09-14 10:00"


def open_change(demo, *, by="sk-engineer", start="2026-09-19 22:00", end="2026-09-20 02:00"):
    contract = demo["fd-internet"]
    return services.open_change(
        contract=contract,
        system=contract.systems.first(),
        service_class=contract.service_classes.get(code="upgrade"),
        title="互联网医院平台 V3.2 升级",
        description="修复候诊大厅叫号延迟。",
        upgrade_plan="22:00 停服，部署 V3.2，冒烟测试。",
        rollback_plan="回滚到 V3.1 镜像并恢复数据库快照。",
        window_starts_at=at(start),
        window_ends_at=at(end),
        by=demo_user(by),
        now=at(OPENED),
    )


def test_c4_the_vendor_opens_a_change_with_both_plans_and_a_proposed_window(demo):
    change = open_change(demo)
    assert (change.kind, change.state) == ("change", "awaiting_approval")
    window = change.change_windows.get()
    assert (local(window.starts_at), local(window.ends_at)) == (
        "2026-09-19 22:00",
        "2026-09-20 02:00",
    )
    assert (window.proposed_by.username, window.proposed_side, window.agreed_at) == (
        "sk-engineer",
        "vendor",
        None,
    )
    labels = [event.label for event in change.events.all()]
    assert labels[0] == "发起了变更"  # not "reported the fault": the vendor opened it
    assert "提出变更时间窗 2026-09-19 22:00 – 2026-09-20 02:00" in labels


def test_c4_hospital_it_approving_the_plan_agrees_the_proposed_window(demo):
    change = open_change(demo)
    services.approve_plan(ticket=change, by=demo_user("fd-it"), now=at("2026-09-15 09:00"))
    window = change.change_windows.get()
    assert change.state == "approved"
    assert (window.agreed_by.username, local(window.agreed_at)) == ("fd-it", "2026-09-15 09:00")


def test_c4_hospital_it_may_approve_the_plan_with_another_window_the_vendor_accepts(demo):
    change = open_change(demo)
    services.approve_plan(
        ticket=change,
        by=demo_user("fd-it"),
        window_starts_at=at("2026-09-26 23:00"),
        window_ends_at=at("2026-09-27 03:00"),
        now=at("2026-09-15 09:00"),
    )
    current = change.change_windows.get(superseded_at__isnull=True)
    assert (current.proposed_side, current.agreed_at) == ("hospital", None)
    with pytest.raises(TicketError) as refused:
        services.agree_window(ticket=change, by=demo_user("fd-it"), now=at("2026-09-15 09:05"))
    assert refused.value.code == "forbidden"  # a side does not agree to its own proposal
    services.agree_window(ticket=change, by=demo_user("sk-engineer"), now=at("2026-09-15 10:00"))
    current.refresh_from_db()
    assert current.agreed_by.username == "sk-engineer"
    assert change.change_windows.count() == 2  # the vendor's first proposal stays on record


def test_c4_a_change_finished_outside_the_agreed_window_needs_the_reason(demo):
    change = open_change(demo)
    services.approve_plan(ticket=change, by=demo_user("fd-it"), now=at("2026-09-15 09:00"))
    engineer = demo_user("sk-engineer")
    with pytest.raises(TicketError) as refused:
        services.complete_change(
            ticket=change, by=engineer, note="已升级。", now=at("2026-09-18 22:00")
        )
    assert (refused.value.code, refused.value.field) == ("outside_window", "outside_window_reason")
    done = services.complete_change(
        ticket=change,
        by=engineer,
        note="已升级。",
        outside_window_reason="信息中心徐主任电话要求提前一天紧急上线。",
        now=at("2026-09-18 22:00"),
    )
    assert done.state == "done"
    finished = Event.objects.get(ticket=change, to_state="done")
    assert finished.data["outside_window"] is True
    assert "信息中心徐主任电话要求提前一天紧急上线" in finished.label


def test_c4_a_change_finished_within_the_agreed_window_needs_no_reason(demo):
    change = open_change(demo)
    services.approve_plan(ticket=change, by=demo_user("fd-it"), now=at("2026-09-15 09:00"))
    done = services.roll_back(
        ticket=change,
        by=demo_user("sk-engineer"),
        note="冒烟失败，已回滚。",
        now=at("2026-09-20 01:00"),
    )
    assert done.state == "rolled_back"
    assert Event.objects.get(ticket=change, to_state="rolled_back").data["outside_window"] is False


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("2026-09-20 02:00", "2026-09-19 22:00", "window_ends_at"),  # ends before it starts
        ("2026-09-10 22:00", "2026-09-11 02:00", "window_ends_at"),  # already past
        ("2026-09-19 22:00", "2026-09-29 22:00", "window_ends_at"),  # longer than 7 days
    ],
)
def test_c4_a_proposed_window_must_be_a_time_still_to_come(demo, start, end, field):
    with pytest.raises(TicketError) as refused:
        open_change(demo, start=start, end=end)
    assert refused.value.field == field


def test_c4_only_the_contracts_parties_open_a_change(demo):
    with pytest.raises(TicketError) as refused:
        open_change(demo, by="ny-engineer")  # another vendor's engineer
    assert refused.value.code == "forbidden"
