"""The notice import in the admin: platform administrators paste, check the year laid out
as a calendar beside the statutory days, and confirm; anyone else is refused."""

from __future__ import annotations

import hashlib

import pytest

from sla.models import HolidayNotice, HolidayYear
from tests.conftest import login
from tests.sla.notices import MADE_UP_2027, notice_text

pytestmark = pytest.mark.django_db
URL = "/admin/sla/holidayyear/import-notice/"


def previewed(text: str) -> str:
    return hashlib.sha256(text.strip().encode()).hexdigest()  # the form strips the text


def test_the_holiday_lists_lead_platform_administrators_to_the_import(demo):
    page = login("admin").get("/admin/sla/holidaydate/").content.decode()
    assert URL in page
    assert URL not in login("yn-admin").get("/admin/sla/holidaydate/").content.decode()


def test_only_platform_administrators_reach_the_import(demo):
    assert login("yn-admin").get(URL).status_code == 403
    assert login("ny-manager").post(URL, {"text": "x", "confirm": "1"}).status_code == 403
    assert login("admin").get(URL).status_code == 200


def test_reading_shows_the_year_as_a_calendar_and_saves_nothing(demo):
    text = notice_text(MADE_UP_2027)
    page = login("admin").post(URL, {"text": text, "preview": "1"})
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('class="notice-month"') == 12
    assert 'data-date="2027-02-05"' in html  # the eve, statutory and given off
    assert 'class="day holiday statutory" data-date="2027-02-05"' in html
    assert 'class="day makeup" data-date="2027-04-25"' in html
    assert "法定节假日" in html and "确认并保存 2027" in html
    assert previewed(text) in html
    assert not HolidayYear.objects.filter(year=2027).exists()


def test_confirming_saves_the_year_and_says_so(demo, django_capture_on_commit_callbacks):
    text = notice_text(MADE_UP_2027)
    with django_capture_on_commit_callbacks(execute=False):
        page = login("admin").post(
            URL, {"text": text, "confirm": "1", "previewed": previewed(text)}, follow=True
        )
    assert page.redirect_chain[-1][0] == "/admin/sla/holidaynotice/"
    assert "29" in page.content.decode()
    notice = HolidayNotice.objects.get()
    assert (notice.year, notice.text, notice.imported_by.username) == (2027, text.strip(), "admin")
    assert HolidayYear.objects.get(year=2027).source == "notice"


def test_a_text_edited_after_reading_is_read_again_not_saved(demo):
    text = notice_text(MADE_UP_2027)
    page = login("admin").post(
        URL, {"text": text, "confirm": "1", "previewed": previewed(text + "x")}
    )
    assert page.status_code == 200
    assert 'class="notice-month"' in page.content.decode()
    assert not HolidayNotice.objects.exists()


def test_a_text_that_cannot_be_read_is_refused_with_its_sentence(demo):
    text = notice_text(MADE_UP_2027).replace("1月1日（周五）", "1月1日（周四）")
    for action in ("preview", "confirm"):
        page = login("admin").post(URL, {"text": text, action: "1", "previewed": previewed(text)})
        html = page.content.decode()
        assert page.status_code == 200
        assert "一、元旦：1月1日（周四）至3日（周日）放假，共3天。" in html
        assert "未保存任何内容" in html
    assert not HolidayNotice.objects.exists()
    assert not HolidayYear.objects.filter(year=2027).exists()
