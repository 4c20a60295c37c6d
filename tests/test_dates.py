"""wuhgong.dates: the |date every template uses gives Django's output, faster."""

import datetime as dt
import zoneinfo

import pytest
from django.template import Context, Template, defaultfilters, engines
from django.utils import timezone, translation

from wuhgong import dates

FORMATS = [
    None,
    "DATE_FORMAT",
    "DATETIME_FORMAT",
    "SHORT_DATE_FORMAT",
    "SHORT_DATETIME_FORMAT",
    "MONTH_DAY_FORMAT",
    "YEAR_MONTH_FORMAT",
    "Y年n月j日 H:i",
    "Y\\年m\\月",
    "D, d M Y",
    "l jS \\o\\f F Y h:i:s A",
    "N j, Y, P",
    "c",
    "r",
    "U",
    "e O T I",
    "w W z t L o y b E",
    "\\\\Y",
    "",
]
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
VALUES = [
    dt.datetime(2024, 10, 31, 19, 30, tzinfo=SHANGHAI),
    dt.datetime(2025, 1, 1, 0, 5, 9, tzinfo=dt.UTC),
    dt.datetime(2024, 2, 29, 12, 0),
    dt.date(2024, 10, 31),
    dt.date(1999, 12, 1),
]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("value", VALUES)
def test_the_filter_gives_djangos_output(language, value):
    with translation.override(language):
        for format_name in FORMATS:
            try:
                expected = defaultfilters.date(value, format_name)
            except TypeError:
                # A date with time specifiers: the same error as Django's.
                with pytest.raises(TypeError):
                    dates.date(value, format_name)
                continue
            assert dates.date(value, format_name) == expected, format_name


@pytest.mark.parametrize("value", [None, "", "2024-10-31", 12, dt.time(19, 30)])
def test_values_that_are_not_dates_get_djangos_answer(value):
    assert dates.date(value, "Y-m-d") == defaultfilters.date(value, "Y-m-d")
    assert dates.date(value, "H:i") == defaultfilters.date(value, "H:i")


def test_every_template_uses_it_with_the_local_time():
    builtins = Template("{% load i18n %}").engine.template_builtins
    # The last builtin that defines it is the one templates use.
    assert [lib.filters["date"] for lib in builtins if "date" in lib.filters][-1] is dates.date
    moment = dt.datetime(2024, 10, 31, 16, 30, tzinfo=dt.UTC)
    rendered = (
        engines["django"].from_string("{{ moment|date:'Y-m-d H:i' }}").render({"moment": moment})
    )
    assert rendered == "2024-11-01 00:30"  # Asia/Shanghai
    assert rendered == defaultfilters.date(timezone.localtime(moment), "Y-m-d H:i")
    assert Template("{{ d|date }}").render(Context({"d": dt.date(2024, 10, 31)})) == (
        defaultfilters.date(dt.date(2024, 10, 31))
    )
