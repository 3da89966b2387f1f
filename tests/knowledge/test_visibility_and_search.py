"""Who sees which articles, and how search finds them."""

from __future__ import annotations

import pytest

from knowledge import selectors, services
from knowledge.models import Article
from tests.factories import demo_user
from tests.knowledge.conftest import system, write

pytestmark = pytest.mark.django_db


def titles(articles) -> list[str]:
    return [article.title for article in articles]


def test_drafts_are_hidden_from_hospital_staff(demo):
    draft = write(title="草稿：收费异常", published=False)
    for username in ("ny-engineer", "ny-engineer2", "ny-dispatcher", "ny-manager"):
        assert draft in Article.objects.visible_to(demo_user(username)), username
    for username in ("yn-it", "yn-reporter", "yn-admin"):
        assert draft not in Article.objects.visible_to(demo_user(username)), username
    services.publish(draft, demo_user("ny-engineer"))
    assert draft in Article.objects.visible_to(demo_user("yn-reporter"))


def test_an_author_keeps_seeing_their_draft(demo):
    draft = write(title="草稿", published=False, by="ny-dispatcher")
    assert draft in Article.objects.visible_to(demo_user("ny-dispatcher"))


def test_another_hospitals_articles_are_never_visible(demo):
    yn = write("YN", title="郁南的文章")
    yn_draft = write("YN", title="郁南的草稿", published=False)
    for username in ("zj-it", "fd-reporter", "sk-engineer", "rk-manager", "cd-it"):
        visible = Article.objects.visible_to(demo_user(username))
        assert yn not in visible and yn_draft not in visible, username
        assert not selectors.search(demo_user(username), "郁南").exists(), username


def test_a_vendor_sees_the_articles_of_every_hospital_it_serves(demo):
    articles = {code: write(code, title=f"{code} 的文章") for code in ("YN", "ZJ", "GZ")}
    fd = write("FD", by="sk-engineer", title="FD 的文章")
    visible = set(Article.objects.visible_to(demo_user("ny-engineer")))
    assert visible == set(articles.values())
    assert set(Article.objects.visible_to(demo_user("zj-it"))) == {articles["ZJ"]}
    assert set(Article.objects.visible_to(demo_user("admin"))) == {*articles.values(), fd}


def test_search_finds_chinese_text_without_spaces(demo):
    write(title="收费问题", problem="门诊收费窗口无法打印发票，提示打印机脱机。")
    write(title="登录问题", problem="HIS 登录缓慢。")
    engineer = demo_user("ny-engineer")
    assert titles(selectors.search(engineer, "打印发票")) == ["收费问题"]
    assert titles(selectors.search(engineer, "无法打印")) == ["收费问题"]
    assert titles(selectors.search(engineer, "发票打印")) == []


def test_search_needs_every_word_somewhere_in_the_article(demo):
    write(title="收费问题", problem="发票无法打印", solution="重装驱动", keywords="打印机")
    write(title="发票重复", problem="电子发票重复开具", solution="作废后重开")
    engineer = demo_user("ny-engineer")
    assert titles(selectors.search(engineer, "发票 驱动")) == ["收费问题"]
    assert titles(selectors.search(engineer, "收费，打印机")) == ["收费问题"]
    assert titles(selectors.search(engineer, "发票")) == ["发票重复", "收费问题"]
    assert titles(selectors.search(engineer, "发票 扫码")) == []


def test_search_is_case_insensitive(demo):
    write(title="PACS 影像调阅慢", problem="Dicom 图像加载超时")
    engineer = demo_user("ny-engineer")
    assert titles(selectors.search(engineer, "pacs DICOM")) == ["PACS 影像调阅慢"]


def test_search_ranks_title_matches_first(demo):
    write(title="数据库备份失败", problem="夜间任务报错", keywords="")
    write(title="夜间作业", problem="数据库备份后空间不足")
    write(title="备份空间", problem="磁盘满了", keywords="数据库")
    write(title="数据库 备份 说明", problem="数据库备份的做法")
    engineer = demo_user("ny-engineer")
    found = titles(selectors.search(engineer, "数据库备份"))
    assert found[0] == "数据库备份失败"  # the whole query in the title
    assert set(found[1:]) == {"夜间作业", "数据库 备份 说明"}
    found = titles(selectors.search(engineer, "数据库 备份"))
    assert found[:2] == ["数据库 备份 说明", "数据库备份失败"]  # phrase, then both words
    assert found[2:] == ["备份空间", "夜间作业"]  # a word in the title, then body only


def test_search_takes_percent_and_underscore_literally(demo):
    write(title="磁盘 90% 告警", problem="D 盘使用率过高")
    write(title="字段 his_user 报错", problem="字段不存在")
    engineer = demo_user("ny-engineer")
    assert titles(selectors.search(engineer, "%")) == ["磁盘 90% 告警"]
    assert titles(selectors.search(engineer, "his_user")) == ["字段 his_user 报错"]
    assert titles(selectors.search(engineer, "90%告警")) == []


def test_search_by_system_includes_its_modules(demo):
    def nutri(title, code):
        write("CD", by="rk-engineer", title=title, system_code=code)

    nutri("整个系统", "NUTRI")
    nutri("门诊子系统", "NUTRI.OPD")
    nutri("筛查模块", "NUTRI.OPD.SCREEN")
    nutri("住院模块", "NUTRI.IPD.THERAPY")
    write("CD", by="rk-engineer", title="通用说明")
    engineer = demo_user("rk-engineer")
    assert set(titles(selectors.search(engineer, "", system=system("CD", "NUTRI")))) == {
        "整个系统",
        "门诊子系统",
        "筛查模块",
        "住院模块",
    }
    assert set(titles(selectors.search(engineer, "", system=system("CD", "NUTRI.OPD")))) == {
        "门诊子系统",
        "筛查模块",
    }
    assert titles(selectors.search(engineer, "", system=system("CD", "NUTRI.OPD.SCREEN"))) == [
        "筛查模块"
    ]
    assert titles(selectors.search(engineer, "模块", system=system("CD", "NUTRI.OPD"))) == [
        "筛查模块"
    ]


def test_an_empty_search_lists_the_newest_first(demo):
    write(title="第一篇")
    write(title="第二篇")
    assert titles(selectors.search(demo_user("yn-it"), "  ")) == ["第二篇", "第一篇"]


def test_an_excerpt_shows_the_text_around_the_word_found():
    found = selectors.excerpt("甲" * 100 + "打印发票失败" + "乙" * 100, ["打印"], width=40)
    assert found.match == "打印"
    assert found.before.startswith("…") and found.before.endswith("甲")
    assert found.after.startswith("发票失败") and found.after.endswith("…")
    assert len(found.before + found.match + found.after) < 50
    plain = selectors.excerpt("short text", [])
    assert (plain.before, plain.match) == ("short text", "")
