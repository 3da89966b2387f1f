"""The statutory public holidays of a year, by the national regulation
(《全国年节及纪念日放假办法》).

The regulation fixes which days are holidays; the State Council's yearly notice only moves
days around them (调休) and names the make-up working days. So before the notice is out, a
year's statutory days are already known: OpsDesk counts them as days off and keeps the year
provisional (sla.calendar). Lunar dates and the Qingming solar term come from `lunar-python`.

Names are chinesecalendar's English ones, as in the holiday table (inspection rules plan
"before Spring Festival" by these names).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from django.utils.translation import gettext_lazy as _
from lunar_python import Lunar, Solar

NEW_YEARS_DAY = "New Year's Day"
SPRING_FESTIVAL = "Spring Festival"
TOMB_SWEEPING_DAY = "Tomb-sweeping Day"
LABOUR_DAY = "Labour Day"
DRAGON_BOAT_FESTIVAL = "Dragon Boat Festival"
MID_AUTUMN_FESTIVAL = "Mid-autumn Festival"
NATIONAL_DAY = "National Day"

# The holiday table holds chinesecalendar's English names; people read them in their language.
HOLIDAY_LABELS = {
    NEW_YEARS_DAY: _("New Year's Day"),
    SPRING_FESTIVAL: _("Spring Festival"),
    TOMB_SWEEPING_DAY: _("Tomb-sweeping Day"),
    LABOUR_DAY: _("Labour Day"),
    DRAGON_BOAT_FESTIVAL: _("Dragon Boat Festival"),
    MID_AUTUMN_FESTIVAL: _("Mid-autumn Festival"),
    NATIONAL_DAY: _("National Day"),
}


def holiday_label(name: str) -> str:
    return str(HOLIDAY_LABELS.get(name, name))


# The regulation as amended over the years: (first year in force, the amendment, its rules).
# Each rule is read by statutory_days below.
#   2000: 国务院令第270号 (1999): Spring Festival lunar 1/1–1/3, 1–3 May, 1–3 October.
#   2008: 国务院令第513号 (2007): Qingming, Dragon Boat and Mid-Autumn added; Spring
#         Festival is the eve and lunar 1/1–1/2; Labour Day is 1 May only.
#   2014: 国务院令第644号 (2013): Spring Festival is lunar 1/1–1/3 again.
#   2025: 国务院令第795号 (2024): the eve is added back (four days) and 2 May too.
FIRST_YEAR = 2000


@lru_cache(maxsize=256)
def statutory_days(year: int) -> dict[dt.date, str]:
    """The statutory holidays of `year`, date -> holiday name; empty before 2000."""
    if year < FIRST_YEAR:
        return {}
    new_year = _lunar_new_year(year)
    days: dict[dt.date, str] = {dt.date(year, 1, 1): NEW_YEARS_DAY}
    if year < 2008 or 2014 <= year < 2025:
        spring = [new_year + dt.timedelta(days=n) for n in range(3)]
    elif year < 2014:
        spring = [new_year + dt.timedelta(days=n) for n in range(-1, 2)]
    else:
        spring = [new_year + dt.timedelta(days=n) for n in range(-1, 3)]
    days.update(dict.fromkeys(spring, SPRING_FESTIVAL))
    if year >= 2008:
        days[_qingming(year)] = TOMB_SWEEPING_DAY
        days[_lunar(year, 5, 5)] = DRAGON_BOAT_FESTIVAL
    labour_days = 3 if year < 2008 else 1 if year < 2025 else 2
    days.update({dt.date(year, 5, 1 + n): LABOUR_DAY for n in range(labour_days)})
    days.update({dt.date(year, 10, 1 + n): NATIONAL_DAY for n in range(3)})
    if year >= 2008:
        # Mid-Autumn may fall on 1 October (2020): the day keeps National Day's name there,
        # as in the State Council's schedule and chinesecalendar.
        days.setdefault(_lunar(year, 8, 15), MID_AUTUMN_FESTIVAL)
    return dict(sorted(days.items()))


def _lunar(year: int, month: int, day: int) -> dt.date:
    """A day of the (non-leap) lunar month in the lunar year that begins in `year`."""
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def _lunar_new_year(year: int) -> dt.date:
    return _lunar(year, 1, 1)


def _qingming(year: int) -> dt.date:
    """The day of the Qingming solar term (4–6 April), in China's time zone."""
    # The lunar year around June holds this year's Qingming in its table of solar terms.
    solar = Solar.fromYmd(year, 6, 1).getLunar().getJieQiTable()["清明"]
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())
