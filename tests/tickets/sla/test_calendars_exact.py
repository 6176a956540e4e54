"""Business calendars from the database (tickets/sla/calendars.py) stated exactly: the pure
calendar of a row (minutes from local midnight per weekday, its own holidays only), the fallbacks
for rows saved around the admin's validation with their log lines, and the holiday import (dates
and names written out by hand, existing rows kept, exact error messages) (found by mutation testing)."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from tickets.business_time import Calendar
from tickets.models import BusinessCalendar, Holiday
from tickets.sla import calendars

pytestmark = pytest.mark.django_db

NINE_TO_FIVE = ((540, 1020),)
MON_FRI_9_17 = (NINE_TO_FIVE,) * 5 + ((), ())
FRANCE_2025 = [
    (date(2025, 1, 1), "New Year's Day"),
    (date(2025, 4, 21), "Easter Monday"),
    (date(2025, 5, 1), "Labor Day"),
    (date(2025, 5, 8), "Victory Day"),
    (date(2025, 5, 29), "Ascension Day"),
    (date(2025, 6, 9), "Pentecost Monday"),
    (date(2025, 7, 14), "National Day"),
    (date(2025, 8, 15), "Assumption Day"),
    (date(2025, 11, 1), "All Saints' Day"),
    (date(2025, 11, 11), "Armistice Day"),
    (date(2025, 12, 25), "Christmas Day"),
]


def warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "tickets.sla.calendars" and r.levelname == "WARNING"]


def holidays(calendar: BusinessCalendar) -> list[tuple[date, str]]:
    return list(Holiday.objects.filter(calendar=calendar).order_by("date").values_list("date", "name"))


# --- calendar_spec ------------------------------------------------------------------------------------


def test_no_calendar_is_monday_to_friday_nine_to_five_utc():
    assert calendars.calendar_spec(None) == Calendar(
        time_zone="UTC", hours=MON_FRI_9_17, holidays=frozenset(), is_24x7=False
    )


def test_a_rows_calendar_with_its_own_holidays_only(caplog):
    paris = BusinessCalendar.objects.create(
        name="Paris",
        time_zone="Europe/Paris",
        working_hours={"mon": [["08:00", "12:00"], ["13:00", "17:00"]], "sat": [["10:00", "14:00"]]},
    )
    Holiday.objects.create(calendar=paris, date=date(2025, 7, 14), name="National Day")
    Holiday.objects.create(calendar=paris, date=date(2025, 12, 25), name="Christmas Day")
    other = BusinessCalendar.objects.create(name="Other")
    Holiday.objects.create(calendar=other, date=date(2025, 1, 6), name="Not Paris")

    with caplog.at_level(logging.WARNING, logger="tickets.sla.calendars"):
        spec = calendars.calendar_spec(paris)

    assert spec == Calendar(
        time_zone="Europe/Paris",
        hours=(((480, 720), (780, 1020)), (), (), (), (), ((600, 840),), ()),
        holidays=frozenset({date(2025, 7, 14), date(2025, 12, 25)}),
        is_24x7=False,
    )
    assert warnings(caplog) == []


def test_a_24x7_row_needs_no_working_hours(caplog):
    row = BusinessCalendar.objects.create(name="Always", time_zone="Asia/Tokyo", is_24x7=True, working_hours={})

    with caplog.at_level(logging.WARNING, logger="tickets.sla.calendars"):
        spec = calendars.calendar_spec(row)

    assert spec == Calendar(time_zone="Asia/Tokyo", hours=((),) * 7, holidays=frozenset(), is_24x7=True)
    assert warnings(caplog) == []


def test_an_unknown_time_zone_falls_back_to_business_hours_in_utc(caplog):
    row = BusinessCalendar.objects.create(name="Mars", time_zone="Mars/Olympus")
    Holiday.objects.create(calendar=row, date=date(2025, 1, 6), name="Landing Day")

    with caplog.at_level(logging.WARNING, logger="tickets.sla.calendars"):
        spec = calendars.calendar_spec(row)

    assert spec == Calendar(time_zone="UTC", hours=MON_FRI_9_17, holidays=frozenset(), is_24x7=False)
    assert warnings(caplog) == [
        "SLA calendar 'Mars' is invalid (Unknown time zone 'Mars/Olympus'.); using Mon-Fri 09:00-17:00 UTC"
    ]


def test_no_working_time_falls_back_to_business_hours_keeping_zone_and_holidays(caplog):
    row = BusinessCalendar.objects.create(name="Empty", time_zone="Europe/Paris", working_hours={"mon": []})
    Holiday.objects.create(calendar=row, date=date(2025, 5, 1), name="Labor Day")

    with caplog.at_level(logging.WARNING, logger="tickets.sla.calendars"):
        spec = calendars.calendar_spec(row)

    assert spec == Calendar(
        time_zone="Europe/Paris", hours=MON_FRI_9_17, holidays=frozenset({date(2025, 5, 1)}), is_24x7=False
    )
    assert warnings(caplog) == ["SLA calendar 'Empty' has no working time; using Mon-Fri 09:00-17:00"]


# --- calendar_import_holidays -----------------------------------------------------------------------


def test_import_adds_every_holiday_of_the_year_with_its_name():
    calendar = BusinessCalendar.objects.create(name="France", holiday_country="FR")

    assert calendars.calendar_import_holidays(calendar=calendar, years=[2025]) == 11

    assert holidays(calendar) == FRANCE_2025


def test_import_keeps_existing_dates_and_their_names():
    calendar = BusinessCalendar.objects.create(name="France", holiday_country="fr")
    Holiday.objects.create(calendar=calendar, date=date(2025, 7, 14), name="Bastille Day")

    assert calendars.calendar_import_holidays(calendar=calendar, years=[2025, 2025]) == 10

    assert holidays(calendar) == [
        (day, "Bastille Day" if day == date(2025, 7, 14) else name) for day, name in FRANCE_2025
    ]


def test_import_of_a_country_and_of_one_of_its_subdivisions():
    country = BusinessCalendar.objects.create(name="US", holiday_country="US")
    california = BusinessCalendar.objects.create(name="California", holiday_country="us-ca")

    calendars.calendar_import_holidays(calendar=country, years=[2025])
    calendars.calendar_import_holidays(calendar=california, years=[2025])

    cesar_chavez = date(2025, 3, 31)
    assert cesar_chavez not in dict(holidays(country))
    assert dict(holidays(california))[cesar_chavez] == "Cesar Chavez Day"


def test_import_cuts_a_long_name_to_the_column(monkeypatch):
    import holidays as package

    monkeypatch.setattr(package, "country_holidays", lambda *args, **kwargs: {date(2025, 1, 1): "N" * 250})
    calendar = BusinessCalendar.objects.create(name="Long", holiday_country="FR")

    assert calendars.calendar_import_holidays(calendar=calendar, years=[2025]) == 1

    assert holidays(calendar) == [(date(2025, 1, 1), "N" * 200)]


def test_import_asks_the_package_for_each_year_once_in_order(monkeypatch):
    import holidays as package

    calls = []

    def country_holidays(country, subdiv=None, years=()):
        calls.append((country, subdiv, years))
        return {}

    monkeypatch.setattr(package, "country_holidays", country_holidays)
    calendar = BusinessCalendar.objects.create(name="Twice", holiday_country="fr")

    assert calendars.calendar_import_holidays(calendar=calendar, years=[2026, 2025, 2026]) == 0

    assert calls == [("FR", None, [2025, 2026])]


@pytest.mark.parametrize(
    ("country", "message"),
    [
        pytest.param("", "Set the calendar's holiday country first (e.g. FR or US-CA).", id="missing"),
        pytest.param("XX", "'XX' is not a country (or subdivision) the holidays package knows.", id="unknown"),
        pytest.param("us-zz", "'us-zz' is not a country (or subdivision) the holidays package knows.", id="subdiv"),
    ],
)
def test_import_errors_name_the_field_with_a_message(country, message):
    calendar = BusinessCalendar.objects.create(name="Nowhere", holiday_country=country)

    with pytest.raises(ValidationError) as exc:
        calendars.calendar_import_holidays(calendar=calendar, years=[2025])

    assert exc.value.message_dict == {"holiday_country": [message]}
    assert holidays(calendar) == []
