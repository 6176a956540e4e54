"""Every SLA scan run is recorded with when beat published it and when it started; /metrics shows
the last run's lateness, duration and age, and the tickets at risk and breached."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time
from model_bakery import baker

from tests.prometheus import scrape, value
from tickets.models import SLAScanKind, SLAScanRun, Status
from tickets.sla.runs import sla_scan_run_record
from tickets.tasks import sla_breach_scan_task, sla_escalate_task

T0 = datetime(2026, 11, 30, 10, 0, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_beat_run_records_its_lateness_and_metrics_show_it(client, settings):
    published = (T0 - timedelta(seconds=7)).timestamp()
    with freeze_time(T0):
        result = sla_breach_scan_task.apply(headers={"helpdesk_published_at": published}).get()
    with freeze_time(T0 + timedelta(seconds=40)):
        samples = scrape(client, settings)

    run = SLAScanRun.objects.get()
    assert result == {"breached": 0, "warned": 0}
    assert (run.kind, run.scheduled_at, run.started_at, run.result) == (
        "breach_scan",
        T0 - timedelta(seconds=7),
        T0,
        {"breached": 0, "warned": 0},
    )
    assert run.lateness_seconds == 7
    assert value(samples, "helpdesk_sla_scan_lateness_seconds", kind="breach_scan") == 7
    assert value(samples, "helpdesk_sla_scan_duration_seconds", kind="breach_scan") == 0
    assert value(samples, "helpdesk_sla_scan_last_start_age_seconds", kind="breach_scan") == 40
    assert value(samples, "helpdesk_sla_scan_lateness_seconds", kind="escalation") is None


@pytest.mark.django_db
def test_run_by_hand_has_no_lateness(client, settings):
    with freeze_time(T0):
        sla_escalate_task.apply().get()

    run = SLAScanRun.objects.get()
    assert (run.kind, run.scheduled_at, run.started_at, run.lateness_seconds) == ("escalation", T0, T0, 0)


@pytest.mark.django_db
def test_runs_older_than_a_week_are_forgotten():
    with freeze_time(T0 - timedelta(days=8)):
        sla_scan_run_record(kind=SLAScanKind.BREACH_SCAN, scheduled_at=None, started_at=timezone.now(), result={})
    with freeze_time(T0 - timedelta(days=6)):
        sla_scan_run_record(kind=SLAScanKind.BREACH_SCAN, scheduled_at=None, started_at=timezone.now(), result={})
    with freeze_time(T0):
        sla_scan_run_record(kind=SLAScanKind.BREACH_SCAN, scheduled_at=None, started_at=timezone.now(), result={})

    assert sorted(SLAScanRun.objects.values_list("started_at", flat=True)) == [T0 - timedelta(days=6), T0]


@pytest.mark.django_db
def test_tickets_at_risk_and_breached(client, settings):
    now = timezone.now()
    for status, warned, breached in [
        (Status.OPEN, now, now),  # breached (warned before)
        (Status.PENDING, None, now),  # breached
        (Status.IN_PROGRESS, now, None),  # at risk
        (Status.OPEN, None, None),  # fine
        (Status.CLOSED, now, now),  # closed: neither
        (Status.RESOLVED, now, None),  # resolved: neither
    ]:
        baker.make_recipe(
            "tests.tickets.ticket",
            status=status,
            sla_warned_at=warned,
            sla_breached_at=breached,
            resolved_at=now if status in (Status.RESOLVED, Status.CLOSED) else None,
            closed_at=now if status == Status.CLOSED else None,
        )

    samples = scrape(client, settings)

    assert value(samples, "helpdesk_sla_tickets", state="breached") == 2
    assert value(samples, "helpdesk_sla_tickets", state="at_risk") == 1


def test_str_names_kind_and_start():
    run = SLAScanRun(kind="breach_scan", started_at=T0, scheduled_at=T0, finished_at=T0)
    assert str(run) == "breach_scan at 2026-11-30 10:00:00"


RUNS_URL = "/admin/tickets/slascanrun/"


@pytest.fixture
def three_runs():
    return [
        sla_scan_run_record(
            kind=kind, scheduled_at=T0 - timedelta(seconds=late), started_at=T0, result={"breached": late}
        )
        for kind, late in [("breach_scan", 2), ("breach_scan", 41), ("escalation", 0)]
    ]


@pytest.mark.django_db
def test_admin_lists_runs_with_lateness_in_constant_queries(admin_client_, three_runs, django_assert_num_queries):
    # session, user (the sidebar's role joined), the sidebar's saved views, filtered count, the page,
    # date_hierarchy's min/max and its distinct days
    with django_assert_num_queries(7):
        response = admin_client_.get(RUNS_URL, {"kind": "breach_scan"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "41.0" in html
    assert "2.0" in html
    assert html.count("field-kind") == 2  # one cell per breach-scan run (unfold adds its own classes)


@pytest.mark.django_db
def test_admin_runs_are_read_only(admin_client_, three_runs):
    run = three_runs[0]

    assert admin_client_.get(f"{RUNS_URL}{run.pk}/change/").status_code == 200
    assert admin_client_.get(f"{RUNS_URL}add/").status_code == 403
    assert admin_client_.post(f"{RUNS_URL}{run.pk}/delete/", {"post": "yes"}).status_code == 403
    assert SLAScanRun.objects.count() == 3


@pytest.mark.django_db
def test_agents_do_not_see_scan_runs(client, login, three_runs):
    login("agent")

    assert client.get(RUNS_URL).status_code == 403
