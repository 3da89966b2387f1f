"""C4: 同样问题出现三次以上的，其故障级别上升到1级故障 — linking occurrences, unlinking them,
and the candidates OpsDesk suggests."""

from __future__ import annotations

import unicodedata

import pytest
from django.db.models.signals import post_init

from tests.factories import demo_user
from tests.tickets.conftest import at, file_ticket, local
from tickets.errors import TicketError
from tickets.models import Event, Ticket
from tickets.recurrence import mark_recurrence, unlink_recurrence
from tickets.recurrence_candidates import (
    NEITHER_LETTER_NOR_NUMBER,
    recurrence_candidates,
    title_similarity,
)

pytestmark = pytest.mark.django_db


# --- the similarity of two titles ----------------------------------------------------------


def test_identical_titles_are_fully_similar_and_unrelated_ones_not_at_all():
    assert title_similarity("扫码支付失败", "扫码支付失败") == 1.0
    assert title_similarity("扫码支付失败", "数字候诊大厅黑屏") == 0.0
    assert title_similarity("", "扫码支付失败") == 0.0


def test_similarity_ignores_spaces_punctuation_and_case():
    assert title_similarity("HIS 登录失败！", "his登录失败") == 1.0


def test_a_reworded_title_of_the_same_problem_stays_similar():
    # 扫码 码支 支付 失败: four bigrams shared of 5 and 9, so 2 × 4 / 14.
    assert title_similarity("扫码支付失败", "门诊扫码支付又失败了") == pytest.approx(8 / 14)


def test_a_title_keeps_exactly_what_unicode_calls_letters_and_numbers():
    # The pattern that strips the rest, held to Unicode's categories (L*, N*) character by
    # character: every Chinese, Latin and full-width one, and the supplementary ideographs.
    for code in range(0x30000):
        char = chr(code)
        kept = NEITHER_LETTER_NOR_NUMBER.sub("", char) == char
        assert kept == (unicodedata.category(char)[0] in "LN"), hex(code)


def test_shared_bigrams_count_as_often_as_both_titles_have_them():
    # 失败 twice in each: both shared; 失败 twice against once: one shared.
    assert title_similarity("失败又失败", "失败再失败") == pytest.approx(2 * 2 / 8)
    assert title_similarity("失败又失败", "登录失败") == pytest.approx(2 * 1 / 7)


# --- candidates ------------------------------------------------------------------------------


def test_of_many_earlier_tickets_only_the_suggested_are_read_whole(demo):
    """A busy system has a thousand tickets in a window: their titles are compared as plain
    columns, and only the tickets suggested are built (the ticket page asks every time)."""
    contract = demo["fd-internet"]
    for day in range(1, 13):
        file_ticket(contract, "level-2", f"2026-08-{day:02d} 10:00", title=f"打印机卡纸{day}号机")
    similar = file_ticket(contract, "level-2", "2026-08-13 10:00", title="扫码支付失败")
    later = file_ticket(contract, "level-2", "2026-08-20 10:00", title="门诊扫码支付又失败了")
    built = []

    def count(sender, instance, **kwargs):
        built.append(instance)

    post_init.connect(count, sender=Ticket)
    try:
        candidates = recurrence_candidates(later)
    finally:
        post_init.disconnect(count, sender=Ticket)

    assert [c.ticket.pk for c in candidates] == [similar.pk]
    assert len(built) == 1


def test_c4_candidates_are_earlier_tickets_of_the_same_system_with_a_similar_title(demo):
    contract = demo["fd-internet"]
    first = file_ticket(contract, "level-2", "2026-08-01 10:00", title="扫码支付失败")
    file_ticket(contract, "level-2", "2026-08-05 10:00", title="数字候诊大厅黑屏")
    later = file_ticket(contract, "level-2", "2026-08-10 10:00", title="门诊扫码支付又失败了")
    file_ticket(contract, "level-2", "2026-08-11 10:00", title="扫码支付失败")  # after it

    candidates = recurrence_candidates(later)

    assert [c.ticket.number for c in candidates] == [first.number]
    assert candidates[0].occurrences == 1


def test_c4_candidates_lie_within_the_contracts_90_day_window(demo):
    contract = demo["fd-internet"]
    file_ticket(contract, "level-2", "2026-07-01 10:00", title="扫码支付失败")  # 96 days before
    inside = file_ticket(contract, "level-2", "2026-08-01 10:00", title="扫码支付失败")
    later = file_ticket(contract, "level-2", "2026-10-05 10:00", title="扫码支付失败")

    assert [c.ticket.pk for c in recurrence_candidates(later)] == [inside.pk]


def test_candidates_are_one_per_problem_and_never_the_tickets_own(demo):
    contract = demo["fd-internet"]
    engineer = demo_user("sk-engineer")
    first = file_ticket(contract, "level-2", "2026-08-01 10:00", title="扫码支付失败")
    second = file_ticket(contract, "level-2", "2026-08-02 10:00", title="扫码支付失败")
    mark_recurrence(ticket=second, by=engineer, of=first, now=at("2026-08-02 10:05"))
    third = file_ticket(contract, "level-2", "2026-08-03 10:00", title="扫码支付失败")

    candidates = recurrence_candidates(third)
    assert len(candidates) == 1 and candidates[0].occurrences == 2

    mark_recurrence(ticket=third, by=engineer, of=second, now=at("2026-08-03 10:05"))
    third.refresh_from_db()
    assert recurrence_candidates(third) == []


# --- linking ---------------------------------------------------------------------------------


def test_c4_hospital_it_may_link_the_third_occurrence_and_the_level_rises_at_once(demo):
    contract = demo["fd-internet"]
    it = demo_user("fd-it")
    first = file_ticket(contract, "level-2", "2026-08-03 10:00", title="扫码支付失败")
    second = file_ticket(contract, "level-2", "2026-09-01 10:00", title="扫码支付失败")
    third = file_ticket(contract, "level-2", "2026-10-20 10:00", title="扫码支付又失败")
    mark_recurrence(ticket=second, by=it, of=first, now=at("2026-09-01 10:05"))

    mark_recurrence(ticket=third, by=it, of=second, now=at("2026-10-20 10:30"))

    third.refresh_from_db()
    assert third.level == 1 and third.recurrence_of == first
    # The level-1 clocks count from the report, not from the link.
    clocks = {c.name: local(c.due_at) for c in third.clocks.filter(is_active=True)}
    assert clocks["respond"] == "2026-10-20 11:00" and clocks["resolve"] == "2026-10-21 10:00"
    lines = list(third.events.values_list("action", flat=True))
    assert "tickets.ticket.marked_recurrence" in lines
    assert "tickets.ticket.level_changed" in lines


def test_a_reporter_may_not_link_recurrences(demo):
    contract = demo["fd-internet"]
    first = file_ticket(contract, "level-2", "2026-08-01 10:00")
    second = file_ticket(contract, "level-2", "2026-08-02 10:00")
    with pytest.raises(TicketError) as refused:
        mark_recurrence(ticket=second, by=demo_user("fd-reporter"), of=first)
    assert refused.value.code == "forbidden"


def test_a_ticket_other_tickets_were_linked_to_brings_them_along(demo):
    contract = demo["fd-internet"]
    engineer = demo_user("sk-engineer")
    first = file_ticket(contract, "level-2", "2026-08-01 10:00")
    second = file_ticket(contract, "level-2", "2026-08-02 10:00")
    third = file_ticket(contract, "level-2", "2026-08-03 10:00")
    # The third was linked to the second before anyone saw the first was the same problem.
    mark_recurrence(ticket=third, by=engineer, of=second, now=at("2026-08-03 10:05"))
    third.refresh_from_db()
    assert third.level == 2  # two occurrences so far

    mark_recurrence(ticket=second, by=engineer, of=first, now=at("2026-08-03 11:00"))

    third.refresh_from_db()
    assert third.recurrence_of == first
    assert third.level == 1  # now the third occurrence within 90 days


def test_a_ticket_linked_already_is_unlinked_before_it_joins_another_problem(demo):
    contract = demo["fd-internet"]
    engineer = demo_user("sk-engineer")
    a = file_ticket(contract, "level-2", "2026-08-01 10:00")
    b = file_ticket(contract, "level-2", "2026-08-02 10:00")
    c = file_ticket(contract, "level-2", "2026-08-03 10:00")
    mark_recurrence(ticket=c, by=engineer, of=a, now=at("2026-08-03 10:05"))
    with pytest.raises(TicketError):
        mark_recurrence(ticket=c, by=engineer, of=b, now=at("2026-08-03 10:06"))
    with pytest.raises(TicketError):
        mark_recurrence(ticket=c, by=engineer, of=a, now=at("2026-08-03 10:07"))


# --- unlinking -------------------------------------------------------------------------------


def test_unlinking_says_why_and_leaves_the_raised_level_to_people(demo):
    contract = demo["fd-internet"]
    engineer = demo_user("sk-engineer")
    first = file_ticket(contract, "level-2", "2026-08-01 10:00")
    second = file_ticket(contract, "level-2", "2026-08-02 10:00")
    third = file_ticket(contract, "level-2", "2026-08-03 10:00")
    mark_recurrence(ticket=second, by=engineer, of=first, now=at("2026-08-02 10:05"))
    mark_recurrence(ticket=third, by=engineer, of=first, now=at("2026-08-03 10:05"))
    with pytest.raises(TicketError):
        unlink_recurrence(ticket=third, by=engineer, reason="  ")

    unlink_recurrence(ticket=third, by=demo_user("fd-it"), reason="是支付网关证书问题，另一原因")

    third.refresh_from_db()
    assert third.recurrence_of is None
    assert third.level == 1  # not lowered by itself
    line = Event.objects.get(ticket=third, action="tickets.ticket.recurrence_unlinked")
    assert line.note == "是支付网关证书问题，另一原因"
    assert line.data["raised_by_rule"] is True and line.data["of"] == first.number
    assert first.number in line.label


def test_only_a_linked_ticket_can_be_unlinked(demo):
    ticket = file_ticket(demo["fd-internet"], "level-2", "2026-08-01 10:00")
    with pytest.raises(TicketError) as refused:
        unlink_recurrence(ticket=ticket, by=demo_user("sk-engineer"), reason="误关联")
    assert refused.value.code == "invalid_transition"
    assert Ticket.objects.get(pk=ticket.pk).recurrence_of is None
