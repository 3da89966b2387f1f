"""Who may write knowledge articles, from which tickets, and how edits keep the old text."""

from __future__ import annotations

import pytest

from knowledge import services
from knowledge.models import Article, ArticleRevision
from knowledge.services import KnowledgeError
from tests.factories import demo_user
from tests.knowledge.conftest import RESOLUTION, resolved_ticket, system, write
from tests.tickets.conftest import at, file_ticket
from tickets import services as tickets

pytestmark = pytest.mark.django_db


def test_an_engineer_drafts_an_article_from_a_resolved_ticket_with_its_resolution(demo):
    ticket = resolved_ticket(demo["yn-his"])
    article, created = services.draft_from_ticket(ticket, demo_user("ny-engineer"))
    assert created
    assert article.status == "draft"
    assert article.title == "门诊收费窗口无法打印发票"
    assert article.problem == ticket.description == "门诊收费窗口无法打开系统。"
    assert article.solution == RESOLUTION
    assert (article.hospital, article.system, article.source_ticket) == (
        demo["yn-his"].hospital,
        ticket.system,
        ticket,
    )
    assert article.author == demo_user("ny-engineer")


@pytest.mark.parametrize("username", ["ny-dispatcher", "ny-manager", "ny-engineer2"])
def test_every_vendor_role_on_the_contract_may_draft(demo, username):
    ticket = resolved_ticket(demo["yn-his"])
    article, created = services.draft_from_ticket(ticket, demo_user(username))
    assert created and article.author.username == username


def test_a_closed_ticket_can_become_an_article(demo):
    ticket = resolved_ticket(demo["yn-his"])
    tickets.confirm(
        ticket=ticket, by=demo_user("yn-reporter"), satisfaction=5, now=at("2026-11-03 11:00")
    )
    article, created = services.draft_from_ticket(ticket, demo_user("ny-engineer"))
    assert created and article.solution == RESOLUTION


def test_a_completed_change_becomes_an_article_with_what_was_done(demo):
    contract = demo["fd-internet"]
    ticket = file_ticket(contract, "upgrade", "2026-11-03 09:00", title="升级互联网医院支付模块")
    engineer = demo_user("sk-engineer")
    tickets.acknowledge(
        note="已联系院方，承诺处理方案。", ticket=ticket, by=engineer, now=at("2026-11-03 09:10")
    )
    tickets.submit_plan(
        ticket=ticket,
        by=engineer,
        upgrade_plan="夜间停机升级",
        rollback_plan="恢复旧版本镜像",
        window_starts_at=at("2026-11-03 22:00"),
        window_ends_at=at("2026-11-04 01:00"),
        now=at("2026-11-03 09:30"),
    )
    tickets.approve_plan(ticket=ticket, by=demo_user("fd-it"), now=at("2026-11-03 10:00"))
    tickets.complete_change(
        ticket=ticket,
        by=engineer,
        note="支付模块升级到 2.3，回归测试通过。",
        now=at("2026-11-03 23:00"),
    )
    article, created = services.draft_from_ticket(ticket, engineer)
    assert created and article.solution == "支付模块升级到 2.3，回归测试通过。"


def test_the_last_resolution_is_used_after_a_reopen(demo):
    ticket = resolved_ticket(demo["yn-his"], note="重启了打印服务")
    tickets.reopen(
        ticket=ticket, by=demo_user("yn-reporter"), note="又不行了", now=at("2026-11-03 11:00")
    )
    tickets.resolve(
        ticket=ticket,
        by=demo_user("ny-engineer"),
        note="更换了打印机驱动",
        now=at("2026-11-03 14:00"),
    )
    article, _ = services.draft_from_ticket(ticket, demo_user("ny-engineer"))
    assert article.solution == "更换了打印机驱动"


def test_a_second_draft_from_the_same_ticket_opens_the_first(demo):
    ticket = resolved_ticket(demo["yn-his"])
    first, created = services.draft_from_ticket(ticket, demo_user("ny-engineer"))
    second, created_again = services.draft_from_ticket(ticket, demo_user("ny-dispatcher"))
    assert created and not created_again
    assert second == first
    assert Article.objects.filter(source_ticket=ticket).count() == 1


def test_a_ticket_reopened_after_its_article_was_drafted_still_opens_it(demo):
    ticket = resolved_ticket(demo["yn-his"])
    first, _ = services.draft_from_ticket(ticket, demo_user("ny-engineer"))
    tickets.reopen(
        ticket=ticket, by=demo_user("yn-reporter"), note="又不行了", now=at("2026-11-03 11:00")
    )
    again, created = services.draft_from_ticket(ticket, demo_user("ny-engineer"))
    assert again == first and not created


def test_an_open_ticket_cannot_become_an_article(demo):
    ticket = file_ticket(demo["yn-his"], "level-3", "2026-11-03 09:00")
    tickets.acknowledge(
        note="已联系院方，承诺处理方案。",
        ticket=ticket,
        by=demo_user("ny-dispatcher"),
        now=at("2026-11-03 09:05"),
    )
    with pytest.raises(KnowledgeError) as error:
        services.draft_from_ticket(ticket, demo_user("ny-engineer"))
    assert error.value.code == "not_finished"
    assert not Article.objects.exists()


def test_a_cancelled_ticket_cannot_become_an_article(demo):
    ticket = file_ticket(demo["yn-his"], "level-3", "2026-11-03 09:00")
    tickets.cancel(ticket=ticket, by=demo_user("yn-reporter"), now=at("2026-11-03 09:05"))
    with pytest.raises(KnowledgeError) as error:
        services.draft_from_ticket(ticket, demo_user("ny-engineer"))
    assert error.value.code == "not_finished"


@pytest.mark.parametrize(
    "username",
    [
        "yn-reporter",  # the hospital reports; the vendor writes the knowledge base
        "yn-it",
        "sk-engineer",  # another vendor's engineer
        "rk-manager",
    ],
)
def test_a_reporter_cannot_draft_articles(demo, username):
    ticket = resolved_ticket(demo["yn-his"])
    with pytest.raises(KnowledgeError) as error:
        services.draft_from_ticket(ticket, demo_user(username))
    assert error.value.code == "forbidden"
    assert not Article.objects.exists()


def test_hospital_staff_cannot_write_edit_or_publish(demo):
    article = write(published=False)
    with pytest.raises(KnowledgeError):
        write(by="yn-it")
    with pytest.raises(KnowledgeError):
        services.edit(article, demo_user("yn-it"), title="改掉")
    with pytest.raises(KnowledgeError):
        services.publish(article, demo_user("yn-it"))
    article.refresh_from_db()
    assert article.title == "HIS 登录缓慢" and article.status == "draft"


def test_a_vendor_cannot_write_for_a_hospital_it_does_not_serve(demo):
    with pytest.raises(KnowledgeError) as error:
        write("FD", by="ny-engineer")
    assert error.value.code == "forbidden"


def test_editing_keeps_the_previous_text_as_a_revision(demo):
    article = write(title="HIS 登录慢", solution="重启应用服务器。", keywords="登录")
    services.edit(
        article,
        demo_user("ny-engineer2"),
        solution="清理数据库临时表空间，再重启应用服务器。",
        now=at("2026-11-05 10:00"),
    )
    services.edit(article, demo_user("ny-engineer"), title="HIS 早高峰登录缓慢")
    assert (article.title, article.version) == ("HIS 早高峰登录缓慢", 3)
    assert article.solution == "清理数据库临时表空间，再重启应用服务器。"
    assert article.updated_by == demo_user("ny-engineer")
    first, second = ArticleRevision.objects.filter(article=article).order_by("version")
    assert (first.version, first.title, first.solution, first.keywords) == (
        1,
        "HIS 登录慢",
        "重启应用服务器。",
        "登录",
    )
    assert first.edited_by == demo_user("ny-engineer2") and first.edited_at == at(
        "2026-11-05 10:00"
    )
    assert (second.version, second.title, second.solution) == (
        2,
        "HIS 登录慢",
        "清理数据库临时表空间，再重启应用服务器。",
    )


def test_an_edit_that_changes_nothing_writes_no_revision(demo):
    article = write()
    services.edit(article, demo_user("ny-engineer"), title=" HIS 登录缓慢 ", keywords="")
    assert article.version == 1 and not article.revisions.exists()


def test_moving_an_article_to_another_system_keeps_the_text(demo):
    article = write()
    services.edit(article, demo_user("ny-engineer"), system=system("YN", "HIS"))
    assert article.system == system("YN", "HIS") and not article.revisions.exists()


def test_a_stale_edit_is_refused_and_changes_nothing(demo):
    article = write()
    opened_on = article.version
    services.edit(article, demo_user("ny-engineer2"), solution="新的办法")
    with pytest.raises(KnowledgeError) as error:
        services.edit(
            article, demo_user("ny-engineer"), expected_version=opened_on, solution="旧的办法"
        )
    assert error.value.code == "conflict"
    article.refresh_from_db()
    assert article.solution == "新的办法" and article.version == 2


def test_a_system_of_another_hospital_is_refused(demo):
    article = write()
    with pytest.raises(KnowledgeError) as error:
        services.edit(article, demo_user("ny-engineer"), system=system("ZJ", "EINV"))
    assert error.value.field == "system"


def test_empty_title_or_problem_is_refused(demo):
    article = write()
    for field in ("title", "problem"):
        with pytest.raises(KnowledgeError) as error:
            services.edit(article, demo_user("ny-engineer"), **{field: "   "})
        assert error.value.field == field


def test_revisions_are_append_only(demo):
    article = write()
    services.edit(article, demo_user("ny-engineer"), title="新标题")
    revision = article.revisions.get()
    revision.title = "篡改"
    with pytest.raises(ValueError):
        revision.save()


def test_keywords_are_kept_as_one_comma_separated_list(demo):
    article = write(keywords="打印  发票，打印、 Printer printer;驱动")
    assert article.keywords == "打印, 发票, Printer, 驱动"
    assert article.keyword_list() == ["打印", "发票", "Printer", "驱动"]


def test_publishing_needs_a_solution(demo):
    article = write(solution="", published=False)
    with pytest.raises(KnowledgeError) as error:
        services.publish(article, demo_user("ny-engineer"))
    assert error.value.field == "solution"
    services.edit(article, demo_user("ny-engineer"), solution="重启服务")
    services.publish(article, demo_user("ny-dispatcher"), now=at("2026-11-05 10:00"))
    assert article.status == "published" and article.published_at == at("2026-11-05 10:00")


def test_publishing_twice_is_refused(demo):
    article = write()
    with pytest.raises(KnowledgeError) as error:
        services.publish(article, demo_user("ny-engineer"))
    assert error.value.code == "already_published"


def test_a_refusal_says_which_state_the_ticket_is_in(demo):
    from django.utils import translation

    ticket = file_ticket(demo["yn-his"], "level-3", "2026-11-03 09:00")
    with pytest.raises(KnowledgeError) as error:
        services.draft_from_ticket(ticket, demo_user("ny-engineer"))
    with translation.override("en"):
        assert "this one is “New”" in str(error.value)
