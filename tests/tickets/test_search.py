"""The search box: a number jumps to its ticket; words find numbers, titles, descriptions and
comments, within what the person may see, best match first, highlighted without injection."""

from __future__ import annotations

import pytest
import time_machine

from contracts.models import Contract
from tests.api.conftest import token_client
from tests.conftest import login
from tests.factories import demo_user
from tests.tickets.conftest import file_ticket
from tickets import search, services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

NOW = "2026-09-15 10:00 +08:00"


@pytest.fixture
def desk(demo):
    with time_machine.travel(NOW, tick=True):
        yield demo


def reported(code: str, title: str, when: str = "2026-09-14 09:00", **changes) -> Ticket:
    ticket = file_ticket(Contract.objects.get(code=code), "level-2", when, title=title)
    if changes:
        Ticket.objects.filter(pk=ticket.pk).update(**changes)
        ticket.refresh_from_db()
    return ticket


def numbers_found(username: str, text: str) -> list[str]:
    page = login(username).get("/search/", {"q": text})
    assert page.status_code == 200
    return [hit.ticket.number for hit in page.context["results"].hits]


def test_a_ticket_number_in_lower_case_jumps_straight_to_the_ticket(desk):
    ticket = reported("yn-his", "挂号系统卡顿")
    response = login("yn-it").get("/search/", {"q": f"  {ticket.number.lower()} "})
    assert response.status_code == 302
    assert response["Location"] == ticket.get_absolute_url()


def test_a_ticket_address_with_the_number_in_lower_case_redirects_to_the_canonical_one(desk):
    ticket = reported("yn-his", "挂号系统卡顿")
    client = login("yn-it")
    response = client.get(f"/tickets/{ticket.number.lower()}/")
    assert response.status_code == 302
    assert response["Location"] == ticket.get_absolute_url()
    assert client.get(response["Location"]).status_code == 200


def test_another_hospitals_number_is_searched_as_words_and_finds_nothing(desk):
    foreign = reported("zj-einvoice", "电子票据开具失败")
    response = login("yn-it").get("/search/", {"q": foreign.number.lower()})
    assert response.status_code == 200
    assert response.context["results"].hits == []
    assert foreign.title not in response.content.decode()


def test_a_chinese_substring_inside_a_description_finds_the_ticket(desk):
    ticket = reported("yn-his", "收费处故障")
    Ticket.objects.filter(pk=ticket.pk).update(description="门诊收费处发票打印机卡纸，无法出票。")
    reported("yn-his", "挂号系统卡顿")
    assert numbers_found("yn-it", "打印机卡纸") == [ticket.number]


def test_a_comment_finds_its_ticket(desk):
    ticket = reported("yn-his", "收费处故障")
    services.add_comment(ticket=ticket, by=demo_user("yn-it"), text="已联系厂商更换色带")
    page = login("ny-engineer").get("/search/", {"q": "更换色带"})
    hit = page.context["results"].hits[0]
    assert (hit.ticket.number, hit.where) == (ticket.number, search.Where.COMMENT)
    assert "<mark>更换色带</mark>" in page.content.decode()


def test_an_internal_note_finds_its_ticket_for_the_vendor_never_for_the_hospital(desk):
    ticket = reported("yn-his", "收费处故障")
    services.add_comment(
        ticket=ticket, by=demo_user("ny-engineer"), text="疑似存储过程缺陷，转研发", internal=True
    )
    assert numbers_found("ny-engineer", "转研发") == [ticket.number]
    assert numbers_found("yn-it", "转研发") == []
    assert numbers_found("yn-reporter", "转研发") == []
    api_hits = token_client("yn-it").get("/api/v1/tickets/search/", {"q": "转研发"}).json()
    assert api_hits["count"] == 0


def test_results_rank_number_then_title_then_description_then_comment_newest_first(desk):
    older_title = reported("yn-his", "医保结算接口超时", when="2026-09-10 09:00")
    newer_title = reported("yn-his", "医保结算接口报错", when="2026-09-12 09:00")
    described = reported("yn-his", "收费窗口故障", when="2026-09-14 09:00")
    Ticket.objects.filter(pk=described.pk).update(description="医保结算接口返回空")
    commented = reported("yn-his", "发票问题", when="2026-09-14 10:00")
    services.add_comment(ticket=commented, by=demo_user("yn-it"), text="疑似医保结算接口变更")
    assert numbers_found("yn-it", "医保结算接口") == [
        newer_title.number,
        older_title.number,
        described.number,
        commented.number,
    ]


def test_every_word_must_be_found(desk):
    both = reported("yn-his", "发票打印失败")
    reported("yn-his", "发票重复开具")
    assert numbers_found("yn-it", "发票 打印") == [both.number]


def test_a_hospital_sees_only_its_own_hospitals_tickets(desk):
    own = reported("yn-his", "检验报告无法打印")
    reported("zj-einvoice", "电子票据无法打印")
    assert numbers_found("yn-reporter", "无法打印") == [own.number]


def test_a_vendor_sees_only_the_tickets_of_its_contracts(desk):
    own = reported("yn-his", "检验报告无法打印")
    other_vendor = reported("cd-nutrition", "营养配餐单无法打印")
    found = numbers_found("ny-engineer", "无法打印")
    assert own.number in found and other_vendor.number not in found


def test_a_comment_on_a_ticket_out_of_sight_finds_nothing(desk):
    foreign = reported("zj-einvoice", "电子票据开具失败")
    services.add_comment(ticket=foreign, by=demo_user("zj-reporter"), text="患者张某某的票据")
    assert numbers_found("yn-it", "张某某") == []


def test_highlighting_escapes_the_text_and_the_query(desk):
    ticket = reported("yn-his", "<script>alert(1)</script> 打印")
    page = login("yn-it").get("/search/", {"q": "<script>"}).content.decode()
    assert "<script>alert(1)" not in page
    assert "<mark>&lt;script&gt;</mark>alert(1)" in page
    assert ticket.number in page


def test_highlight_marks_each_match_in_any_case_and_never_breaks_an_entity():
    assert search.highlight("A & b amp", ("amp",)) == "A &amp; b <mark>amp</mark>"
    assert search.highlight("HIS his", ("his",)) == "<mark>HIS</mark> <mark>his</mark>"


def test_an_empty_or_long_query_is_answered_without_an_error(desk):
    client = login("yn-it")
    assert client.get("/search/").status_code == 200
    assert client.get("/search/", {"q": "打" * 500}).status_code == 200


def test_the_header_of_every_page_has_the_search_box(desk):
    page = login("yn-reporter").get("/tickets/").content.decode()
    assert 'role="search"' in page and 'action="/search/"' in page


def test_the_api_search_ranks_and_scopes_like_the_page(desk):
    title = reported("yn-his", "检验报告无法打印", when="2026-09-10 09:00")
    described = reported("yn-his", "检验科故障", when="2026-09-12 09:00")
    Ticket.objects.filter(pk=described.pk).update(description="报告无法打印，打印机脱机")
    reported("zj-einvoice", "电子票据无法打印")
    response = token_client("yn-it").get("/api/v1/tickets/search/", {"q": "无法打印"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [(hit["ticket"]["number"], hit["matched_in"]) for hit in body["results"]] == [
        (title.number, "title"),
        (described.number, "description"),
    ]


def test_the_api_search_refuses_a_missing_query_with_a_400(desk):
    response = token_client("yn-it").get("/api/v1/tickets/search/")
    assert response.status_code == 400
    assert "q" in response.json()["fields"]


def test_the_search_page_reads_a_bounded_number_of_queries(desk, django_assert_max_num_queries):
    for day in range(1, 8):
        reported("yn-his", f"打印机故障 {day}", when=f"2026-09-0{day} 09:00")
    client = login("ny-engineer")
    client.get("/search/", {"q": "打印机"})  # session and caches warm
    with django_assert_max_num_queries(12):
        response = client.get("/search/", {"q": "打印机"})
    assert len(response.context["results"].hits) == 7


def test_the_search_reads_the_trigram_indexes_on_postgresql(desk):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the trigram indexes exist on PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'tickets_search_%%'")
        names = {name for (name,) in cursor.fetchall()}
        assert names == {
            "tickets_search_number",
            "tickets_search_title",
            "tickets_search_description",
            "tickets_search_comment",
        }
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM tickets_ticket WHERE UPPER(description::text) LIKE %s",
            ["%打印机卡纸%"],
        )
        plan = " ".join(line for (line,) in cursor.fetchall())
    assert "tickets_search_description" in plan


def test_part_of_a_number_finds_that_ticket_before_one_that_mentions_it(desk):
    numbered = reported("yn-his", "挂号系统卡顿", when="2026-09-10 09:00")
    mentioning = reported("yn-his", "收费窗口故障", when="2026-09-14 09:00")
    Ticket.objects.filter(pk=mentioning.pk).update(description=f"与 {numbered.number} 同一故障")
    fragment = numbered.number.split("-", 1)[1]  # 2026-00001: no hospital code, so no jump
    page = login("yn-it").get("/search/", {"q": fragment})
    hits = [(hit.ticket.number, hit.where) for hit in page.context["results"].hits]
    assert hits[:2] == [
        (numbered.number, search.Where.NUMBER),
        (mentioning.number, search.Where.DESCRIPTION),
    ]


def test_a_word_that_cannot_be_in_a_number_is_not_looked_for_in_numbers():
    assert search.may_be_in_a_number("yn-2026")
    assert search.may_be_in_a_number("00042")
    assert not search.may_be_in_a_number("打印")
    assert not search.may_be_in_a_number("yn_2026")


def test_beyond_the_count_an_older_title_match_still_ranks_before_newer_descriptions(
    desk, monkeypatch
):
    # More tickets match than are counted: the newest matches read are all descriptions,
    # yet the best are still asked for rank by rank.
    monkeypatch.setattr(search, "MAX_COUNT", 3)
    titled = reported("yn-his", "医保结算接口超时", when="2026-09-01 09:00")
    described = []
    for day in range(10, 14):
        ticket = reported("yn-his", "收费窗口故障", when=f"2026-09-{day} 09:00")
        Ticket.objects.filter(pk=ticket.pk).update(description="医保结算接口返回空")
        described.append(ticket)
    page = login("yn-it").get("/search/", {"q": "医保结算接口"})
    results = page.context["results"]
    assert results.count == 4  # more than MAX_COUNT: "more than 3 match"
    assert [hit.ticket.number for hit in results.hits] == [titled.number] + [
        ticket.number for ticket in reversed(described)
    ]
    assert "匹配的工单超过 3 张" in page.content.decode()


def test_beyond_the_count_the_page_keeps_to_its_limit_newest_first(desk, monkeypatch):
    monkeypatch.setattr(search, "MAX_COUNT", 2)
    titles = [
        reported("yn-his", f"打印机故障 {day}", when=f"2026-09-0{day} 09:00")
        for day in (1, 2, 3, 4)
    ]
    tickets = Ticket.objects.visible_to(demo_user("yn-it"))
    results = search.search(
        tickets, search.visible_comments(tickets, demo_user("yn-it")), "打印机故障", limit=3
    )
    assert results.count == 3
    assert [hit.ticket.number for hit in results.hits] == [
        ticket.number for ticket in reversed(titles)
    ][:3]


def test_only_short_words_are_looked_for_in_the_last_days_and_the_page_says_so(desk):
    older = reported("yn-his", "打印机卡纸", when="2026-05-01 09:00")
    recent = reported("yn-his", "打印机卡纸", when="2026-09-14 09:00")
    assert numbers_found("yn-it", "卡纸") == [recent.number]
    page = login("yn-it").get("/search/", {"q": "卡纸"})
    assert page.context["results"].since is not None
    assert f"最近 {search.SHORT_WORDS_DAYS} 天" in page.content.decode()
    # A longer word lifts the limit: its index bounds what is read.
    assert numbers_found("yn-it", "打印机卡纸") == [recent.number, older.number]
    assert numbers_found("yn-it", "卡纸 打印机") == [recent.number, older.number]
    assert login("yn-it").get("/search/", {"q": "打印机卡纸"}).context["results"].since is None


def test_a_short_word_is_found_in_any_letter_case(desk):
    ticket = reported("yn-his", "CT机影像无法上传")
    reported("yn-his", "挂号系统卡顿")
    assert numbers_found("yn-it", "ct") == [ticket.number]
    assert numbers_found("yn-it", "影像") == [ticket.number]


def test_the_api_says_when_only_short_words_were_searched(desk):
    reported("yn-his", "打印机卡纸")
    client = token_client("yn-it")
    assert client.get("/api/v1/tickets/search/", {"q": "卡纸"}).json()["since"] is not None
    assert client.get("/api/v1/tickets/search/", {"q": "打印机卡纸"}).json()["since"] is None


def test_several_words_found_more_often_than_counted_give_the_newest_first(desk, monkeypatch):
    # Several words look at the last week first; older matches still count when it is short.
    monkeypatch.setattr(search, "MAX_COUNT", 2)
    days = ("2026-08-01", "2026-09-01", "2026-09-12", "2026-09-13", "2026-09-14")
    found = [reported("yn-his", "接口返回 HTTP 500", when=f"{day} 09:00") for day in days]
    it = demo_user("yn-it")

    def searched():
        return search.search(
            Ticket.objects.visible_to(it),
            search.visible_comments(Ticket.objects.all(), it),
            "http 500",
        )

    results = searched()
    assert results.count == 3
    assert [hit.ticket.number for hit in results.hits] == [
        ticket.number for ticket in reversed(found)
    ]
    monkeypatch.setattr(search, "MAX_COUNT", 4)
    wider = searched()
    assert wider.count == 5
    assert [hit.ticket.number for hit in wider.hits] == [
        ticket.number for ticket in reversed(found)
    ]
