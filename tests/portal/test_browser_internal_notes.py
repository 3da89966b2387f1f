"""An internal note (内部备注) in a real browser: the vendor's engineer writes one beside a
comment the hospital may read; the hospital's reporter sees the comment and not the note,
on a desktop and on a phone. Screenshots land in var/screenshots/."""

from __future__ import annotations

import pytest

from tests.browser import shot, signed_in
from tests.portal.test_browser import file_level1
from tickets.models import Event

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "怀疑是厂商接口缺陷，已转研发排查"
COMMENT = "工程师已远程查看，请保持收费窗口电脑开机"


def test_an_internal_note_the_hospitals_reporter_cannot_see(browser, live_server, demo):
    reporter = signed_in(browser, live_server, "yn-reporter")
    number = file_level1(reporter, live_server, "门诊收费系统偶发卡顿")

    engineer = signed_in(browser, live_server, "ny-engineer")
    engineer.goto(f"{live_server.url}/tickets/{number}/")
    engineer.check("#comment-form input[name=internal][value='1']")
    engineer.fill("#comment", NOTE)
    shot(engineer, "notes-1-engineer-writing-internal")
    engineer.click("#comment-form button")
    engineer.check("#comment-form input[name=internal][value='0']")
    engineer.fill("#comment", COMMENT)
    engineer.click("#comment-form button")
    internal_line = engineer.locator("ol.timeline li.is-internal")
    assert NOTE in internal_line.inner_text()
    assert "内部备注" in internal_line.locator(".tag.internal").inner_text()
    shot(engineer, "notes-2-engineer-timeline")
    engineer.set_viewport_size({"width": 390, "height": 844})
    shot(engineer, "notes-3-engineer-timeline-phone")
    assert engineer.evaluate("document.documentElement.scrollWidth") <= 390
    assert Event.objects.get(note=NOTE).internal
    assert not Event.objects.get(note=COMMENT).internal

    reporter.goto(f"{live_server.url}/tickets/{number}/")
    timeline = reporter.locator("#timeline").inner_text()
    assert COMMENT in timeline
    assert NOTE not in reporter.content()
    assert reporter.locator("input[name=internal]").count() == 0
    shot(reporter, "notes-4-reporter-sees-no-note")
    reporter.set_viewport_size({"width": 390, "height": 844})
    assert NOTE not in reporter.content()
    shot(reporter, "notes-5-reporter-phone")


def test_the_notification_preferences_page_on_a_phone(browser, live_server, demo):
    reporter = signed_in(browser, live_server, "yn-reporter", phone=True)
    reporter.goto(f"{live_server.url}/notifications/preferences/")
    assert reporter.locator("input[name='email:ticket_acknowledged']").is_checked()
    assert not reporter.locator("input[name='email:state_changed']").is_checked()
    assert reporter.evaluate("document.documentElement.scrollWidth") <= 390
    shot(reporter, "notes-6-preferences-phone")
