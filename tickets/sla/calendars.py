"""Business calendars from the database: the pure calendar of a BusinessCalendar row, and the
holiday import from the `holidays` package."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from tickets import business_time
from tickets.models import (
    BusinessCalendar,
    Holiday,
)
from tickets.sla.cache import sla_policies_changed

logger = logging.getLogger(__name__)


# --- calendars ---


def calendar_spec(calendar: BusinessCalendar | None) -> business_time.Calendar:
    """The pure calendar of a BusinessCalendar row (None: Mon-Fri 09:00-17:00 UTC)."""
    if calendar is None:
        return business_time.make_calendar()
    try:
        spec = business_time.make_calendar(
            time_zone=calendar.time_zone,
            working_hours=calendar.working_hours,
            holidays=Holiday.objects.filter(calendar=calendar).values_list("date", flat=True),
            is_24x7=calendar.is_24x7,
        )
    except ValueError as exc:  # saved around the admin's validation: never fail a ticket write for it
        logger.warning("SLA calendar %r is invalid (%s); using Mon-Fri 09:00-17:00 UTC", calendar.name, exc)
        return business_time.make_calendar()
    if not spec.is_24x7 and not any(spec.hours):
        logger.warning("SLA calendar %r has no working time; using Mon-Fri 09:00-17:00", calendar.name)
        return business_time.make_calendar(time_zone=spec.time_zone, holidays=spec.holidays)
    return spec


# --- holidays ---------------------------------------------------------------------------------------


@transaction.atomic
def calendar_import_holidays(*, calendar: BusinessCalendar, years: Iterable[int]) -> int:
    """Fill the calendar's holidays from the `holidays` package for its `holiday_country`
    ("FR", or "US-CA" with a subdivision). Existing dates are kept; returns the rows added."""
    import holidays

    country, _, subdivision = (calendar.holiday_country or "").upper().partition("-")
    if not country:
        raise ValidationError({"holiday_country": ["Set the calendar's holiday country first (e.g. FR or US-CA)."]})
    try:
        found = holidays.country_holidays(country, subdiv=subdivision or None, years=sorted(set(years)))
    except NotImplementedError as exc:
        raise ValidationError(
            {
                "holiday_country": [
                    f"'{calendar.holiday_country}' is not a country (or subdivision) the holidays package knows."
                ]
            }
        ) from exc
    existing = set(Holiday.objects.filter(calendar=calendar).values_list("date", flat=True))
    rows = [
        Holiday(calendar=calendar, date=day, name=str(name)[:200])
        for day, name in sorted(found.items())
        if day not in existing
    ]
    Holiday.objects.bulk_create(rows, ignore_conflicts=True)
    sla_policies_changed()  # bulk_create sends no signal
    return len(rows)
