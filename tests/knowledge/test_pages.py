"""The knowledge base pages: list and search, an article, the form, drafting from a ticket."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from knowledge.models import Article
from tests.conftest import login
from tests.knowledge.conftest import RESOLUTION, resolved_ticket, system, write
from tests.tickets.conftest import file_ticket

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def test_the_pages_need_a_login(demo):
    article = write()
    for url in (reverse("knowledge-list"), article.get_absolute_url()):
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_list_searches_and_filters_by_system(demo):
    write(title="收费窗口打印失败", problem="无法打印发票", system_code="HIS")
    write(title="检验报告延迟", problem="LIS 报告回传慢", system_code="LIS")
    client = login("yn-it")
    page = text(client.get(reverse("knowledge-list")))
    assert "收费窗口打印失败" in page and "检验报告延迟" in page
    page = text(client.get(reverse("knowledge-list"), {"q": "发票打印"}))
    assert "收费窗口打印失败" not in page  # the query as written is not in the text
    page = text(client.get(reverse("knowledge-list"), {"q": "打印 发票"}))
    assert "收费窗口打印失败" in page and "检验报告延迟" not in page
    assert "<mark>打印</mark>" in page
    his = system("YN", "HIS")
    page = text(client.get(reverse("knowledge-list"), {"system": his.pk}))
    assert "收费窗口打印失败" in page and "检验报告延迟" not in page


def test_the_system_filter_offers_only_the_users_systems(demo):
    page = text(login("yn-it").get(reverse("knowledge-list")))
    assert "医院信息系统（HIS）" in page and "电子票据管理系统" not in page
    foreign = system("ZJ", "EINV")
    response = login("yn-it").get(reverse("knowledge-list"), {"system": foreign.pk})
    assert response.status_code == 200 and "field-error" in text(response)


def test_another_hospitals_articles_are_404_and_never_listed(demo):
    article = write("YN", title="郁南收费问题")
    draft = write("YN", title="郁南草稿", published=False)
    for username in ("zj-it", "sk-engineer"):
        client = login(username)
        page = text(client.get(reverse("knowledge-list"), {"q": "郁南"}))
        assert "郁南收费问题" not in page and "郁南草稿" not in page
        for target in (article, draft):
            assert client.get(target.get_absolute_url()).status_code == 404
            assert client.get(reverse("knowledge-edit", args=[target.pk])).status_code == 404
            response = client.post(reverse("knowledge-publish", args=[target.pk]))
            assert response.status_code == 404
    assert login("yn-it").get(draft.get_absolute_url()).status_code == 404
    assert login("yn-it").get(article.get_absolute_url()).status_code == 200


def test_drafts_are_hidden_from_hospital_staff_on_the_list(demo):
    write(title="已发布的文章")
    write(title="还在写的草稿", published=False)
    hospital = text(login("yn-reporter").get(reverse("knowledge-list")))
    assert "已发布的文章" in hospital and "还在写的草稿" not in hospital
    vendor = text(login("ny-engineer2").get(reverse("knowledge-list")))
    assert "已发布的文章" in vendor and "还在写的草稿" in vendor


def test_an_article_page_shows_problem_solution_and_source_ticket(demo):
    ticket = resolved_ticket(demo["yn-his"])
    client = login("ny-engineer")
    client.post(reverse("knowledge-draft-from-ticket", args=[ticket.number]))
    article = Article.objects.get(source_ticket=ticket)
    page = text(client.get(article.get_absolute_url()))
    assert ticket.description in page and RESOLUTION in page
    assert reverse("ticket-detail", args=[ticket.number]) in page
    assert reverse("knowledge-publish", args=[article.pk]) in page


def test_hospital_staff_read_but_cannot_write(demo):
    article = write()
    client = login("yn-it")
    page = text(client.get(article.get_absolute_url()))
    assert reverse("knowledge-edit", args=[article.pk]) not in page
    assert reverse("knowledge-new") not in text(client.get(reverse("knowledge-list")))
    assert client.get(reverse("knowledge-new")).status_code == 403
    assert client.get(reverse("knowledge-edit", args=[article.pk])).status_code == 403
    response = client.post(reverse("knowledge-edit", args=[article.pk]), {"title": "x"})
    assert response.status_code == 403
    client.post(reverse("knowledge-publish", args=[article.pk]))
    article.refresh_from_db()
    assert article.title == "HIS 登录缓慢"


def test_an_engineer_writes_and_publishes_an_article(demo):
    client = login("ny-engineer")
    his = system("YN", "HIS")
    response = client.post(
        reverse("knowledge-new"),
        {
            "hospital": his.hospital_id,
            "system": his.pk,
            "title": "医保结算超时",
            "problem": "门诊医保结算提示超时。",
            "solution": "检查前置机网络。",
            "keywords": "医保 结算",
        },
    )
    article = Article.objects.get(title="医保结算超时")
    assert response.status_code == 302 and response["Location"] == article.get_absolute_url()
    assert (article.status, article.system, article.keywords) == ("draft", his, "医保, 结算")
    client.post(reverse("knowledge-publish", args=[article.pk]))
    article.refresh_from_db()
    assert article.status == "published"


def test_save_and_publish_in_one_step(demo):
    article = write(published=False)
    response = login("ny-engineer").post(
        reverse("knowledge-edit", args=[article.pk]),
        {
            "system": "",
            "title": article.title,
            "problem": article.problem,
            "solution": "新的解决办法",
            "keywords": "",
            "version": article.version,
            "publish": "1",
        },
    )
    article.refresh_from_db()
    assert response.status_code == 302
    assert article.status == "published" and article.solution == "新的解决办法"


def test_save_and_publish_without_a_solution_saves_the_draft_and_says_why(demo):
    client = login("ny-engineer")
    yn = system("YN", "HIS").hospital
    response = client.post(
        reverse("knowledge-new"),
        {"hospital": yn.pk, "title": "只有问题", "problem": "现象", "publish": "1"},
        follow=True,
    )
    article = Article.objects.get(title="只有问题")
    assert article.status == "draft"
    assert response.redirect_chain[-1][0] == reverse("knowledge-edit", args=[article.pk])
    assert "msg-warning" in text(response)


def test_a_form_error_keeps_what_was_typed(demo):
    client = login("ny-engineer")
    his = system("YN", "HIS")
    typed = {
        "hospital": his.hospital_id,
        "system": his.pk,
        "title": "",
        "problem": "挂号时提示<号源不足>，实际还有号。",
        "solution": "第一步：检查排班。\n第二步：刷新号源缓存。",
        "keywords": "挂号 号源",
    }
    response = client.post(reverse("knowledge-new"), typed)
    page = text(response)
    assert response.status_code == 400
    assert not Article.objects.exists()
    assert "field-error" in page and 'role="alert"' in page
    assert "挂号时提示&lt;号源不足&gt;，实际还有号。" in page
    assert "第一步：检查排班。\n第二步：刷新号源缓存。" in page
    assert 'value="挂号 号源"' in page
    assert re.search(rf'<option value="{his.pk}" selected>', page)
    assert re.search(rf'<option value="{his.hospital_id}" selected>', page)


def test_a_system_of_another_hospital_is_refused_on_the_form(demo):
    client = login("ny-engineer")
    yn = system("YN", "HIS").hospital
    response = client.post(
        reverse("knowledge-new"),
        {"hospital": yn.pk, "system": system("ZJ", "EINV").pk, "title": "t", "problem": "p"},
    )
    assert response.status_code == 400 and not Article.objects.exists()
    assert "field-error" in text(response)


def test_editing_on_the_page_keeps_the_previous_text_as_a_revision(demo):
    article = write(solution="旧办法")
    client = login("ny-engineer2")
    form = text(client.get(reverse("knowledge-edit", args=[article.pk])))
    assert "旧办法" in form
    client.post(
        reverse("knowledge-edit", args=[article.pk]),
        {
            "system": "",
            "title": article.title,
            "problem": article.problem,
            "solution": "新办法",
            "keywords": "",
            "version": "1",
        },
    )
    article.refresh_from_db()
    assert article.solution == "新办法" and article.revisions.get().solution == "旧办法"
    page = text(client.get(article.get_absolute_url()))
    assert "旧办法" in page  # in the history, for the vendor's staff
    assert "旧办法" not in text(login("yn-it").get(article.get_absolute_url()))


def test_a_stale_form_keeps_the_typed_text_and_saves_on_the_second_try(demo):
    article = write(solution="原来的办法")
    client = login("ny-engineer")
    stale = {
        "system": "",
        "title": article.title,
        "problem": article.problem,
        "solution": "我的办法",
        "keywords": "",
        "version": "1",
    }
    login("ny-engineer2").post(
        reverse("knowledge-edit", args=[article.pk]), {**stale, "solution": "同事的办法"}
    )
    response = client.post(reverse("knowledge-edit", args=[article.pk]), stale)
    assert response.status_code == 400
    assert "我的办法" in text(response) and 'name="version" value="2"' in text(response)
    article.refresh_from_db()
    assert article.solution == "同事的办法"
    client.post(reverse("knowledge-edit", args=[article.pk]), {**stale, "version": "2"})
    article.refresh_from_db()
    assert article.solution == "我的办法"
    assert [r.solution for r in article.revisions.order_by("version")] == [
        "原来的办法",
        "同事的办法",
    ]


def test_drafting_from_a_ticket_opens_the_edit_form_and_a_second_click_the_same_draft(demo):
    ticket = resolved_ticket(demo["yn-his"])
    client = login("ny-engineer")
    url = reverse("knowledge-draft-from-ticket", args=[ticket.number])
    assert url == f"/knowledge/draft-from/{ticket.number}/"
    first = client.post(url)
    article = Article.objects.get(source_ticket=ticket)
    assert first.status_code == 302
    assert first["Location"] == reverse("knowledge-edit", args=[article.pk])
    second = login("ny-dispatcher").post(url)
    assert second["Location"] == first["Location"]
    assert Article.objects.count() == 1
    form = text(client.get(first["Location"]))
    assert RESOLUTION in form and ticket.number in form


def test_drafting_from_an_open_ticket_returns_to_the_ticket_with_the_reason(demo):
    ticket = file_ticket(demo["yn-his"], "level-3", "2026-11-03 09:00")
    client = login("ny-engineer")
    response = client.post(reverse("knowledge-draft-from-ticket", args=[ticket.number]))
    assert response.status_code == 302
    assert response["Location"] == reverse("ticket-detail", args=[ticket.number])
    assert not Article.objects.exists()


def test_drafting_needs_a_post_and_a_visible_ticket(demo):
    ticket = resolved_ticket(demo["yn-his"])
    url = reverse("knowledge-draft-from-ticket", args=[ticket.number])
    assert login("ny-engineer").get(url).status_code == 405
    assert login("sk-engineer").post(url).status_code == 404
    assert login("ny-engineer").post("/knowledge/draft-from/YN-2026-99999/").status_code == 404


def test_a_reporter_cannot_draft_articles_from_the_ticket_page(demo):
    ticket = resolved_ticket(demo["yn-his"])
    response = login("yn-reporter").post(
        reverse("knowledge-draft-from-ticket", args=[ticket.number])
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("ticket-detail", args=[ticket.number])
    assert not Article.objects.exists()


def test_pages_have_no_inline_scripts_or_event_handlers(demo):
    article = write(published=False)
    client = login("ny-engineer")
    for url in (
        reverse("knowledge-list"),
        reverse("knowledge-list") + "?q=HIS",
        article.get_absolute_url(),
        reverse("knowledge-new"),
        reverse("knowledge-edit", args=[article.pk]),
    ):
        page = text(client.get(url))
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == [], url
        assert re.findall(r"\son[a-z]+\s*=", page) == [], url
        assert ' style="' not in page, url
        assert "https://" not in page and "http://" not in page, url


def test_the_pages_speak_english_for_an_english_reader(demo):
    from accounts.models import User

    article = write()
    User.objects.filter(username="ny-engineer").update(language="en")
    client = login("ny-engineer")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Knowledge base" in text(client.get(reverse("knowledge-list")))
    assert "Solution" in text(client.get(article.get_absolute_url()))


def test_the_list_pages_through_many_articles(demo):
    for number in range(25):
        write(title=f"文章{number:02d}", published=number % 2 == 0)
    client = login("yn-it")
    first = text(client.get(reverse("knowledge-list")))
    assert first.count('class="kb-result"') == 13  # the 13 published ones fit one page
    vendor = login("ny-engineer")
    page_one = text(vendor.get(reverse("knowledge-list"), {"q": "文章"}))
    page_two = text(vendor.get(reverse("knowledge-list"), {"q": "文章", "page": 2}))
    assert page_one.count('class="kb-result"') == 20 and page_two.count('class="kb-result"') == 5
    assert "q=%E6%96%87%E7%AB%A0&amp;page=2" in page_one


def test_the_list_costs_the_same_queries_for_many_articles(demo):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login("rk-engineer")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("knowledge-list"), {"q": "营养"}).status_code == 200
        return len(captured)

    write("CD", by="rk-engineer", title="营养筛查 1", system_code="NUTRI.OPD.SCREEN")
    few = queries()
    for number in range(10):
        write("CD", by="rk-engineer", title=f"营养模块 {number}", system_code="NUTRI.IPD.THERAPY")
    assert queries() == few
