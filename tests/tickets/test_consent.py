"""The hospital's consent (holds pause "with consent"; C1: resolve "4 h after arrival,
extendable with the hospital's consent"; C4: restart only with the hospital's consent).

The vendor asks; the hospital's reporter or IT answers; the clocks pause or extend from the
moment of consent, never before. A consent the vendor records as given by phone names the
hospital's person, is told to the hospital at once, and may be disputed within the
contract's window, which undoes it.
"""

from __future__ import annotations

import pytest

from notifications.models import Notification
from tests.factories import MembershipFactory, UserFactory, demo_user
from tests.tickets.conftest import at, due, file_ticket, local
from tickets import selectors, services
from tickets.errors import TicketError
from tickets.models import ConsentRequest, Event, Pause

pytestmark = pytest.mark.django_db

consent = services.consent


def working(contract, code: str, when: str, engineer: str):
    ticket = file_ticket(contract, code, when)
    services.acknowledge(
        ticket=ticket, by=demo_user(engineer), note="已联系院方，承诺处理方案。", now=at(when)
    )
    return ticket


def test_holds_pause_with_consent_a_hold_only_asked_for_leaves_the_clocks_running(demo):
    ticket = working(demo["yn-his"], "level-3", "2026-03-05 10:00", "ny-engineer")  # Thursday
    asked = consent.ask(
        ticket=ticket,
        by=demo_user("ny-engineer"),
        kind="hold",
        reason="hospital",
        note="等待院方停机窗口",
        now=at("2026-03-05 11:00"),
    )
    ticket.refresh_from_db()
    assert asked.state == "pending"
    assert ticket.state == "acknowledged"  # stays in its state, "hold requested" on the page
    assert not ticket.pauses.exists()
    assert due(ticket)["arrive"] == "2026-03-06 10:00"


def test_holds_pause_with_consent_from_the_moment_the_reporter_grants_never_before(demo):
    ticket = working(demo["yn-his"], "level-3", "2026-03-05 10:00", "ny-engineer")
    engineer = demo_user("ny-engineer")
    asked = consent.ask(
        ticket=ticket, by=engineer, kind="hold", reason="hospital", now=at("2026-03-05 11:00")
    )
    granted = consent.grant(consent=asked, by=demo_user("yn-reporter"), now=at("2026-03-05 13:00"))
    ticket.refresh_from_db()
    assert ticket.state == "on_hold"
    assert (granted.state, granted.agreed_by, granted.channel) == ("granted", "黄小梅", "portal")
    assert local(ticket.pauses.get().started_at) == "2026-03-05 13:00"
    services.resume(ticket=ticket, by=engineer, now=at("2026-03-05 15:00"))
    # Two hours held from the grant, not four from the request: due two hours later.
    assert due(ticket)["arrive"] == "2026-03-06 12:00"
    assert ticket.clocks.get(name="arrive").due_at is not None


def test_holds_pause_with_consent_a_refused_hold_leaves_the_ticket_working(demo):
    ticket = working(demo["yn-his"], "level-3", "2026-03-05 10:00", "ny-engineer")
    asked = consent.ask(
        ticket=ticket,
        by=demo_user("ny-engineer"),
        kind="hold",
        reason="parts",
        now=at("2026-03-05 11:00"),
    )
    with pytest.raises(TicketError) as caught:
        consent.refuse(consent=asked, by=demo_user("yn-it"), reason=" ", now=at("2026-03-05 11:10"))
    assert caught.value.code == "note_required"
    refused = consent.refuse(
        consent=asked,
        by=demo_user("yn-it"),
        reason="备件可从信息科借用",
        now=at("2026-03-05 11:10"),
    )
    ticket.refresh_from_db()
    assert (refused.state, refused.refusal_reason) == ("refused", "备件可从信息科借用")
    assert ticket.state == "acknowledged" and not ticket.pauses.exists()
    assert due(ticket)["arrive"] == "2026-03-06 10:00"
    # The vendor who asked hears why.
    assert Notification.objects.filter(
        event="consent", recipient=demo_user("ny-engineer"), subject__contains="院方不同意"
    ).exists()


def test_only_the_tickets_reporter_or_hospital_it_answers_for_the_hospital(demo):
    contract = demo["yn-his"]
    ticket = working(contract, "level-3", "2026-03-05 10:00", "ny-engineer")
    asked = consent.ask(
        ticket=ticket,
        by=demo_user("ny-engineer"),
        kind="hold",
        reason="hospital",
        now=at("2026-03-05 11:00"),
    )
    other_reporter = MembershipFactory(
        user=UserFactory(username="yn-reporter-2"), organization=contract.hospital
    ).user
    for person in (demo_user("ny-engineer"), demo_user("ny-manager"), other_reporter):
        with pytest.raises(TicketError) as caught:
            consent.grant(consent=asked, by=person, now=at("2026-03-05 11:30"))
        assert caught.value.code == "forbidden"
    assert consent.grant(consent=asked, by=demo_user("yn-it"), now=at("2026-03-05 11:30")).state


def test_hospital_it_holds_at_once_with_its_own_consent(demo):
    ticket = working(demo["yn-his"], "level-3", "2026-03-05 10:00", "ny-engineer")
    held = services.hold(
        ticket=ticket, by=demo_user("yn-it"), reason="hospital", now=at("2026-03-05 11:00")
    )
    given = ConsentRequest.objects.get(ticket=ticket)
    assert held.state == "on_hold"
    assert (given.decided_by, local(given.decided_at)) == (demo_user("yn-it"), "2026-03-05 11:00")


def test_c1_resolve_4h_after_arrival_extends_from_the_hospitals_consent_when_granted(demo):
    ticket = working(demo["cd-nutrition"], "level-1", "2026-11-03 10:00", "rk-engineer")
    engineer = demo_user("rk-engineer")
    services.arrive(ticket=ticket, by=engineer, now=at("2026-11-03 15:00"))
    asked = consent.ask(
        ticket=ticket,
        by=engineer,
        kind="extension",
        clock="resolve",
        minutes=60,
        note="需更换数据库服务器硬盘",
        now=at("2026-11-03 18:00"),
    )
    assert due(ticket)["resolve"] == "2026-11-03 19:00"  # asked, not yet agreed
    consent.grant(consent=asked, by=demo_user("cd-it"), now=at("2026-11-03 18:30"))
    assert due(ticket)["resolve"] == "2026-11-03 20:00"
    extended = Event.objects.get(ticket=ticket, action="tickets.clock.extended")
    assert extended.data["consent_by"] == "刘建国"


def test_c1_an_extension_is_agreed_before_the_deadline_not_after_it(demo):
    ticket = working(demo["cd-nutrition"], "level-1", "2026-11-03 10:00", "rk-engineer")
    engineer = demo_user("rk-engineer")
    services.arrive(ticket=ticket, by=engineer, now=at("2026-11-03 15:00"))
    asked = consent.ask(
        ticket=ticket,
        by=engineer,
        kind="extension",
        clock="resolve",
        minutes=60,
        note="需更换硬盘",
        now=at("2026-11-03 18:00"),
    )
    with pytest.raises(TicketError) as caught:
        consent.grant(consent=asked, by=demo_user("cd-it"), now=at("2026-11-03 19:30"))
    assert caught.value.code == "deadline_passed"
    assert due(ticket)["resolve"] == "2026-11-03 19:00"


def test_phone_consent_recorded_by_the_vendor_pauses_from_its_time_and_tells_the_hospital(demo):
    ticket = working(demo["yn-his"], "level-1", "2026-03-02 09:00", "ny-engineer")
    recorded = services.hold(
        ticket=ticket,
        by=demo_user("ny-engineer"),
        reason="hospital",
        consent_person=demo_user("yn-reporter"),
        consent_channel="phone",
        consent_at=at("2026-03-02 09:40"),
        now=at("2026-03-02 09:50"),
    )
    row = ConsentRequest.objects.get(ticket=ticket)
    assert recorded.state == "on_hold"
    assert (row.channel, row.agreed_by, row.recorded_by) == (
        "phone",
        "黄小梅",
        demo_user("ny-engineer"),
    )
    assert local(ticket.pauses.get().started_at) == "2026-03-02 09:40"
    told = set(
        Notification.objects.filter(event="consent", ticket=ticket).values_list(
            "recipient__username", flat=True
        )
    )
    assert {"yn-reporter", "yn-it"} <= told


def test_a_phone_consent_names_a_person_without_an_account_by_name_and_phone(demo):
    ticket = working(demo["yn-his"], "level-1", "2026-03-02 09:00", "ny-engineer")
    engineer = demo_user("ny-engineer")
    with pytest.raises(TicketError) as caught:
        services.hold(
            ticket=ticket, by=engineer, reason="hospital", consent_by="门诊部王主任",
            now=at("2026-03-02 09:30"),
        )  # fmt: skip
    assert (caught.value.code, caught.value.field) == ("consent_required", "consent_person")
    services.hold(
        ticket=ticket,
        by=engineer,
        reason="hospital",
        consent_by="门诊部王主任",
        consent_phone="13912345678",
        consent_channel="on_site",
        now=at("2026-03-02 09:30"),
    )
    row = ConsentRequest.objects.get(ticket=ticket)
    assert (row.decided_by, row.agreed_by, row.decided_by_phone) == (
        None,
        "门诊部王主任",
        "13912345678",
    )


def test_a_consent_in_the_future_or_before_the_request_is_refused(demo):
    ticket = working(demo["yn-his"], "level-1", "2026-03-02 09:00", "ny-engineer")
    engineer = demo_user("ny-engineer")
    consent.ask(
        ticket=ticket, by=engineer, kind="hold", reason="hospital", now=at("2026-03-02 10:00")
    )
    terms = {
        "ticket": ticket,
        "by": engineer,
        "kind": "hold",
        "reason": "hospital",
        "channel": "phone",
        "person": demo_user("yn-it"),
        "now": at("2026-03-02 10:30"),
    }
    with pytest.raises(TicketError) as future:
        consent.record(**terms, consent_at=at("2026-03-02 10:45"))
    with pytest.raises(TicketError) as before:
        consent.record(**terms, consent_at=at("2026-03-02 09:55"))
    assert (future.value.code, before.value.code) == ("consent_in_future", "consent_before_request")
    answered = consent.record(**terms, consent_at=at("2026-03-02 10:20"))
    # The pending request is the one the phone call answered.
    assert ConsentRequest.objects.filter(ticket=ticket).count() == 1
    assert (answered.state, local(answered.decided_at)) == ("granted", "2026-03-02 10:20")


def test_a_disputed_pause_is_undone_and_the_clocks_count_as_if_there_had_been_none(demo):
    ticket = working(demo["yn-his"], "level-1", "2026-03-02 09:00", "ny-engineer")
    before = due(ticket)
    services.hold(
        ticket=ticket,
        by=demo_user("ny-engineer"),
        reason="hospital",
        consent_person=demo_user("yn-reporter"),
        now=at("2026-03-02 10:00"),
    )
    recorded = ConsentRequest.objects.get(ticket=ticket)
    disputed = consent.dispute(
        consent=recorded,
        by=demo_user("yn-reporter"),
        reason="我没有同意挂起",
        now=at("2026-03-02 12:00"),
    )
    ticket.refresh_from_db()
    assert disputed.state == "disputed" and disputed.pause is None
    assert ticket.state == "acknowledged"
    assert not Pause.objects.filter(ticket=ticket).exists()
    assert due(ticket) == before
    assert Event.objects.filter(ticket=ticket, action="tickets.consent.disputed").exists()


def test_a_disputed_pause_turns_a_resolution_in_the_paused_time_into_a_breach(demo):
    ticket = working(demo["yn-his"], "level-1", "2026-03-02 09:00", "ny-engineer")
    engineer = demo_user("ny-engineer")
    services.hold(
        ticket=ticket,
        by=engineer,
        reason="parts",
        consent_person=demo_user("yn-it"),
        now=at("2026-03-02 10:00"),
    )
    services.resume(ticket=ticket, by=engineer, now=at("2026-03-02 14:00"))
    services.resolve(ticket=ticket, by=engineer, note="更换硬盘", now=at("2026-03-02 17:00"))
    resolve = ticket.clocks.get(name="resolve")
    assert resolve.breached_at is None  # due 19:00 with the four hours held
    consent.dispute(
        consent=ConsentRequest.objects.get(ticket=ticket),
        by=demo_user("yn-it"),
        reason="未同意",
        now=at("2026-03-02 18:00"),
    )
    resolve.refresh_from_db()
    assert (local(resolve.due_at), local(resolve.breached_at)) == (
        "2026-03-02 15:00",
        "2026-03-02 15:00",
    )


def test_a_disputed_extension_is_taken_back(demo):
    ticket = working(demo["cd-nutrition"], "level-1", "2026-11-03 10:00", "rk-engineer")
    engineer = demo_user("rk-engineer")
    services.arrive(ticket=ticket, by=engineer, now=at("2026-11-03 15:00"))
    clock = services.extend_clock(
        ticket=ticket,
        by=engineer,
        clock="resolve",
        minutes=60,
        reason="需更换硬盘",
        consent_person=demo_user("cd-it"),
        now=at("2026-11-03 18:00"),
    )
    assert clock.extension_minutes == 60 and due(ticket)["resolve"] == "2026-11-03 20:00"
    consent.dispute(
        consent=ConsentRequest.objects.get(ticket=ticket),
        by=demo_user("cd-it"),
        reason="未同意延期",
        now=at("2026-11-03 18:10"),
    )
    assert ticket.clocks.get(name="resolve").extension_minutes == 0
    assert due(ticket)["resolve"] == "2026-11-03 19:00"


def test_a_recorded_consent_may_be_disputed_only_within_the_contracts_window(demo):
    contract = demo["yn-his"]
    assert contract.consent_dispute_hours == 48
    ticket = working(contract, "level-3", "2026-03-02 09:00", "ny-engineer")
    services.hold(
        ticket=ticket,
        by=demo_user("ny-engineer"),
        reason="hospital",
        consent_person=demo_user("yn-it"),
        now=at("2026-03-02 10:00"),
    )
    with pytest.raises(TicketError) as caught:
        consent.dispute(
            consent=ConsentRequest.objects.get(ticket=ticket),
            by=demo_user("yn-it"),
            reason="未同意",
            now=at("2026-03-04 10:01"),
        )
    assert caught.value.code == "dispute_window_passed"


def test_a_consent_the_hospital_gave_itself_cannot_be_disputed(demo):
    ticket = working(demo["yn-his"], "level-3", "2026-03-02 09:00", "ny-engineer")
    asked = consent.ask(
        ticket=ticket,
        by=demo_user("ny-engineer"),
        kind="hold",
        reason="hospital",
        now=at("2026-03-02 10:00"),
    )
    consent.grant(consent=asked, by=demo_user("yn-it"), now=at("2026-03-02 10:05"))
    with pytest.raises(TicketError) as caught:
        consent.dispute(
            consent=asked, by=demo_user("yn-it"), reason="x", now=at("2026-03-02 10:10")
        )
    assert caught.value.code == "not_disputable"


def test_c4_restart_only_with_the_hospitals_consent_leaves_the_clocks_alone(demo):
    ticket = working(demo["fd-internet"], "level-2", "2026-11-03 10:00", "sk-engineer")
    before = due(ticket)
    asked = consent.ask(
        ticket=ticket,
        by=demo_user("sk-engineer"),
        kind="restart",
        note="今晚 22:00 重启支付网关",
        now=at("2026-11-03 10:30"),
    )
    granted = consent.grant(consent=asked, by=demo_user("fd-it"), now=at("2026-11-03 10:40"))
    ticket.refresh_from_db()
    assert granted.state == "granted" and ticket.state == "acknowledged"
    assert due(ticket) == before


def test_one_question_of_a_kind_at_a_time_and_the_vendor_may_withdraw_it(demo):
    ticket = working(demo["yn-his"], "level-3", "2026-03-05 10:00", "ny-engineer")
    engineer = demo_user("ny-engineer")
    terms = {"ticket": ticket, "by": engineer, "kind": "hold", "reason": "parts"}
    asked = consent.ask(**terms, now=at("2026-03-05 11:00"))
    with pytest.raises(TicketError) as caught:
        consent.ask(**terms, now=at("2026-03-05 11:05"))
    assert caught.value.code == "consent_pending"
    assert consent.withdraw(consent=asked, by=engineer, now=at("2026-03-05 11:10")).state == (
        "withdrawn"
    )
    with pytest.raises(TicketError) as late:
        consent.grant(consent=asked, by=demo_user("yn-it"), now=at("2026-03-05 11:20"))
    assert late.value.code == "consent_decided"


def test_consents_awaiting_lists_the_requests_a_hospital_person_may_answer(demo):
    ticket = working(demo["yn-his"], "level-3", "2026-03-05 10:00", "ny-engineer")
    asked = consent.ask(
        ticket=ticket,
        by=demo_user("ny-engineer"),
        kind="hold",
        reason="hospital",
        now=at("2026-03-05 11:00"),
    )
    assert list(selectors.consents_awaiting(demo_user("yn-it"))) == [asked]
    assert list(selectors.consents_awaiting(demo_user("yn-reporter"))) == [asked]
    for someone_else in ("zj-it", "cd-reporter", "ny-engineer", "admin"):
        assert not selectors.consents_awaiting(demo_user(someone_else)).exists()
    consent.grant(consent=asked, by=demo_user("yn-it"), now=at("2026-03-05 11:30"))
    assert not selectors.consents_awaiting(demo_user("yn-it")).exists()
