"""Reading the State Council's notice: the notices for 2024–2026 as published give exactly the
schedule chinesecalendar holds; a text that cannot be read in full is refused, naming the
sentence, and nothing is saved; importing replaces the year and recomputes deadlines."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from audit.models import AuditEntry
from sla.holiday_notice import NoticeNotUnderstood, import_notice, parse_notice, preview_notice
from sla.holidays import package_schedule
from sla.models import HolidayDate, HolidayNotice, HolidayYear
from sla.statutory import statutory_days
from tests.factories import demo_user
from tests.sla.notices import MADE_UP_2027, notice_text
from tickets.errors import TicketError

D = dt.date
TITLE_2027 = "国务院办公厅关于2027年部分节假日安排的通知\n"


@pytest.fixture(autouse=True)
def english():
    """The refusals' wording is checked in English, whatever an earlier test left active."""
    with translation.override("en"):
        yield


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_the_published_notice_reads_as_exactly_the_schedule_chinesecalendar_holds(year):
    holidays, workdays = package_schedule()
    notice = parse_notice(notice_text(year))
    assert notice.year == year
    assert notice.holidays == {day: name for day, name in holidays.items() if day.year == year}
    assert notice.makeup_workdays == {
        day: name for day, name in workdays.items() if day.year == year
    }


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_the_notice_gives_off_every_statutory_day(year):
    notice = parse_notice(notice_text(year))
    assert notice.statutory_days_worked() == []
    assert set(statutory_days(year)) <= set(notice.holidays)


def test_a_joint_break_names_mid_autumn_by_its_own_day():
    notice = parse_notice(notice_text(2025))  # "国庆节、中秋节：10月1日（周三）至8日（周三）"
    assert notice.holidays[D(2025, 10, 6)] == "Mid-autumn Festival"
    assert notice.holidays[D(2025, 10, 8)] == "National Day"
    assert notice.makeup_workdays[D(2025, 9, 28)] == "National Day"


def test_a_break_across_new_year_with_the_years_written_out():
    notice = parse_notice(
        "国务院办公厅关于2023年部分节假日安排的通知\n"
        "一、元旦：2022年12月31日至2023年1月2日放假调休，共3天。\n"
    )
    assert notice.holidays == dict.fromkeys(
        [D(2022, 12, 31), D(2023, 1, 1), D(2023, 1, 2)], "New Year's Day"
    )


def test_full_width_digits_spaces_and_xingqi_are_read_alike():
    typed = (
        "国务院办公厅关于 ２０２６ 年部分节假日安排的通知\n"
        "二、春节： 2月15日（农历腊月二十八、星期日）至 23日（农历正月初七、星期一）放假调休，"
        "共9天。2月14日（星期六）、２月28日（星期六）上班。"
    )
    notice = parse_notice(typed)
    assert len(notice.holidays) == 9
    assert list(notice.makeup_workdays) == [D(2026, 2, 14), D(2026, 2, 28)]


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ("一、元旦：1月1日（周四）放假，与周末连休。", "周五"),  # 2027-01-01 is a Friday
        ("一、元旦：1月1日（周五）至3日（周日）放假，共4天。", "4"),
        ("二、春节：2月5日至13日放假调休，共9天。2月20日（周六）补班。", "补班"),
        ("二、春节：2月5日至13日放假调休，共9天。2月19日（周五）上班。", "2027-02-19"),
        ("二、春节：2月5日至2月31日放假调休。", "2月31日"),
        ("二、春节：2月13日至5日放假调休。", "2月13日"),
        ("七、国庆节：10月1日起放假7天。", "10月1日起"),
    ],
)
def test_a_sentence_that_cannot_be_read_is_refused_by_name(item, reason):
    with pytest.raises(NoticeNotUnderstood) as refused:
        parse_notice(TITLE_2027 + "经国务院批准，现将安排通知如下。\n" + item)
    message = str(refused.value)
    assert refused.value.sentence in item and refused.value.sentence
    assert reason in message and "Nothing was saved" in message


def test_a_holiday_sentence_outside_any_item_is_refused():
    with pytest.raises(NoticeNotUnderstood) as refused:
        parse_notice(TITLE_2027 + "春节2月5日至13日放假调休，共9天。")
    assert refused.value.sentence.startswith("春节2月5日")


def test_a_text_without_the_year_or_without_holidays_is_refused():
    with pytest.raises(NoticeNotUnderstood, match="year"):
        parse_notice("一、元旦：1月1日（周五）至3日（周日）放假，共3天。")
    with pytest.raises(NoticeNotUnderstood, match="No holiday"):
        parse_notice(TITLE_2027 + "节假日期间，各地区、各部门要妥善安排好值班工作。")


def test_the_2024_advice_to_rest_on_the_eve_is_not_a_holiday():
    notice = parse_notice(notice_text(2024))
    assert D(2024, 2, 9) not in notice.holidays


def test_the_preview_lays_the_year_out_in_months_beside_the_statutory_days(db):
    preview = preview_notice(parse_notice(notice_text(MADE_UP_2027)))
    assert [month.first.month for month in preview.months] == list(range(1, 13))
    cells = {
        cell.date: cell for month in preview.months for week in month.weeks for cell in week if cell
    }
    assert len(cells) == 365
    assert (cells[D(2027, 2, 5)].kind, cells[D(2027, 2, 5)].statutory) == ("holiday", True)
    assert cells[D(2027, 2, 20)].kind == "makeup"
    assert cells[D(2027, 2, 21)].kind == "weekend"
    assert [row.date for row in preview.statutory if not row.off] == []


# Importing.


@pytest.fixture
def platform_admin(demo):
    return demo_user("admin")


def test_importing_replaces_the_years_dates_marks_it_published_and_records_who(
    platform_admin, django_capture_on_commit_callbacks
):
    HolidayDate.objects.create(date=D(2027, 3, 8), kind="holiday", name="typed", source="manual")
    text = notice_text(MADE_UP_2027)
    with django_capture_on_commit_callbacks(execute=False):
        imported = import_notice(text=text, by=platform_admin)

    parsed = parse_notice(text)
    rows = HolidayDate.objects.filter(date__year=2027)
    assert {row.date: (row.kind, row.name) for row in rows} == parsed.kinds()
    assert set(rows.values_list("source", flat=True)) == {"notice"}
    year = HolidayYear.objects.get(year=2027)
    assert (year.source, year.note) == ("notice", "国务院办公厅关于2027年部分节假日安排的通知")
    assert (imported.text, imported.imported_by, imported.holidays) == (text, platform_admin, 29)
    assert imported.makeup_workdays == 5 and imported.change is not None
    entry = AuditEntry.objects.get(action="sla.holiday_notice.imported")
    assert entry.actor_id == platform_admin.pk and entry.data["text"] == text
    assert entry.object_id == str(imported.pk)


def test_a_notice_refused_halfway_saves_nothing(platform_admin):
    broken = notice_text(MADE_UP_2027).replace("10月9日（周六）", "10月9日（周日）")
    with pytest.raises(NoticeNotUnderstood) as refused:
        import_notice(text=broken, by=platform_admin)
    assert "10月9日（周日）" in refused.value.sentence
    assert not HolidayDate.objects.filter(date__year=2027).exists()
    assert not HolidayYear.objects.filter(year=2027).exists()
    assert not HolidayNotice.objects.exists()
    assert not AuditEntry.objects.filter(action="sla.holiday_notice.imported").exists()


def test_only_platform_administrators_import(demo):
    with pytest.raises(TicketError) as refused:
        import_notice(text=notice_text(MADE_UP_2027), by=demo_user("yn-admin"))
    assert refused.value.code == "forbidden"
    assert not HolidayYear.objects.filter(year=2027).exists()


def test_seeding_from_the_package_leaves_an_imported_year_alone(platform_admin):
    from sla.holidays import seed_from_package

    import_notice(text=notice_text(2026), by=platform_admin)
    HolidayDate.objects.filter(date=D(2026, 10, 10)).update(name="as the notice")
    seed_from_package([2026])
    assert HolidayDate.objects.get(date=D(2026, 10, 10)).name == "as the notice"
