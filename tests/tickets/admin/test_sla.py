"""The SLA pieces of the admin: the ticket changelist's SLA badge and filter (no query per row),
and the policy / calendar / holiday pages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from freezegun import freeze_time
from model_bakery import baker

from tickets.admin.sla import format_remaining, sla_badge
from tickets.models import BusinessCalendar, Holiday, SLAPolicy, Status, Ticket

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)
CHANGELIST = reverse("admin:tickets_ticket_changelist")


def _ticket(customer, *, due_in: timedelta, warn_in: timedelta, **kwargs) -> Ticket:
    return baker.make_recipe(
        "tests.tickets.ticket",
        customer=customer,
        first_response_due_at=NOW + due_in,
        first_response_warn_at=NOW + warn_in,
        resolution_due_at=NOW + timedelta(hours=8),
        resolution_warn_at=NOW + timedelta(hours=6),
        **kwargs,
    )


@pytest.fixture
def sla_mix(customer_a):
    return {
        "ok": _ticket(customer_a, due_in=timedelta(hours=3), warn_in=timedelta(hours=2), title="fine"),
        "at_risk": _ticket(customer_a, due_in=timedelta(minutes=20), warn_in=timedelta(minutes=-5), title="risky"),
        "breached": _ticket(customer_a, due_in=timedelta(minutes=-30), warn_in=timedelta(minutes=-40), title="late"),
        "done": _ticket(
            customer_a,
            due_in=timedelta(hours=-3),
            warn_in=timedelta(hours=-4),
            status=Status.CLOSED,
            closed_at=NOW,
            resolved_at=NOW - timedelta(hours=5),
            first_responded_at=NOW - timedelta(hours=6),
        ),
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("breached", {"breached"}, id="breached"),
        pytest.param("at_risk", {"at_risk"}, id="at-risk"),
        pytest.param("ok", {"ok"}, id="ok"),
        pytest.param(None, {"ok", "at_risk", "breached", "done"}, id="all"),
    ],
)
def test_changelist_sla_filter(admin_client_, sla_mix, value, expected):
    with freeze_time(NOW):
        response = admin_client_.get(CHANGELIST, {"sla": value} if value else {})

    assert response.status_code == 200
    ids = {t.pk for t in response.context["cl"].result_list}
    assert ids == {sla_mix[k].pk for k in expected}


def test_changelist_shows_the_badge_with_time_remaining(admin_client_, sla_mix):
    with freeze_time(NOW):
        html = admin_client_.get(CHANGELIST).content.decode()

    assert "sla-breached" in html
    assert "30m over" in html
    assert "sla-at_risk" in html
    assert "20m left" in html
    assert "sla-ok" in html
    assert "3h 00m left" in html


@pytest.mark.parametrize("count", [3, 30])
def test_changelist_with_sla_column_in_bounded_queries(admin_client_, customer_a, count, django_assert_max_num_queries):
    for _ in range(count):
        _ticket(customer_a, due_in=timedelta(minutes=-30), warn_in=timedelta(minutes=-40))

    with freeze_time(NOW), django_assert_max_num_queries(14):
        response = admin_client_.get(CHANGELIST, {"sla": "breached"})

    assert response.context["cl"].result_count == count


def test_badge_of_a_paused_pending_ticket(customer_a):
    ticket = _ticket(
        customer_a,
        due_in=timedelta(hours=-5),
        warn_in=timedelta(hours=-6),
        status=Status.PENDING,
        first_responded_at=NOW - timedelta(hours=6),
        sla_paused_at=NOW - timedelta(hours=1),
    )

    with freeze_time(NOW):
        html = sla_badge(ticket)

    assert "sla-ok" in html
    assert "9h 00m left" in html
    assert "(paused)" in html


def test_badge_of_a_ticket_without_target(customer_a):
    ticket = baker.make_recipe("tests.tickets.ticket", customer=customer_a)

    assert sla_badge(ticket) == "—"


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        pytest.param(timedelta(minutes=12, seconds=30), "12m left", id="minutes"),
        pytest.param(timedelta(hours=2, minutes=5), "2h 05m left", id="hours"),
        pytest.param(timedelta(days=1, hours=3), "1d 3h left", id="days"),
        pytest.param(-timedelta(hours=1, minutes=30), "1h 30m over", id="overdue"),
    ],
)
def test_format_remaining(delta, text):
    assert format_remaining(delta) == text


# --- policies, calendars, holidays -------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "admin:tickets_slapolicy_changelist",
        "admin:tickets_slapolicy_add",
        "admin:tickets_businesscalendar_changelist",
        "admin:tickets_businesscalendar_add",
        "admin:tickets_holiday_changelist",
        "admin:tickets_holiday_add",
    ],
)
def test_sla_admin_pages_render(admin_client_, name):
    assert admin_client_.get(reverse(name)).status_code == 200


def test_policy_change_page_lists_its_targets(admin_client_):
    policy = SLAPolicy.objects.get(is_default=True)

    response = admin_client_.get(reverse("admin:tickets_slapolicy_change", args=[policy.pk]))

    assert response.status_code == 200
    assert response.content.decode().count('name="targets-') > 4


def test_calendar_add_refuses_a_bad_time_zone_naming_the_field(admin_client_):
    response = admin_client_.post(
        reverse("admin:tickets_businesscalendar_add"),
        {
            "name": "Bad",
            "time_zone": "Mars/Olympus",
            "working_hours": '{"mon": [["09:00", "17:00"]]}',
            "holidays-TOTAL_FORMS": "0",
            "holidays-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "time_zone" in response.context["adminform"].form.errors
    assert not BusinessCalendar.objects.filter(name="Bad").exists()


def test_import_holidays_action(admin_client_):
    good = BusinessCalendar.objects.create(name="Germany", holiday_country="DE")
    bad = BusinessCalendar.objects.create(name="Nowhere")

    with freeze_time(datetime(2025, 6, 1, tzinfo=UTC)):
        response = admin_client_.post(
            reverse("admin:tickets_businesscalendar_changelist"),
            {"action": "import_holidays", "_selected_action": [good.pk, bad.pk]},
            follow=True,
        )

    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(m.startswith("Germany:") and "imported" in m for m in messages)
    assert any(m.startswith("Nowhere:") and "holiday country" in m for m in messages)
    assert Holiday.objects.filter(calendar=good, date=date(2025, 10, 3)).exists()
    assert Holiday.objects.filter(calendar=good, date=date(2026, 10, 3)).exists()
