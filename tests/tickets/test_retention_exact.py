"""Data retention (tickets/retention.py) stated exactly: which tickets are candidates (a reopened
ticket keeps its old closed_at but is not one), the period's lower bound and its message, the batch
size as the SELECTs of ids show it, and the log lines."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from freezegun import freeze_time
from model_bakery import baker

from tickets import retention
from tickets.models import Status, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with freeze_time("2026-06-01 12:00:00"):
        yield


def _closed(customer, days_ago: int, status: str = Status.CLOSED, **fields) -> Ticket:
    return baker.make_recipe(
        "tests.tickets.ticket",
        customer=customer,
        status=status,
        closed_at=timezone.now() - timedelta(days=days_ago),
        **fields,
    )


def test_the_candidates_are_closed_tickets_past_the_period_from_the_settings(customer_a, settings):
    settings.RETENTION_DAYS = 30
    settings.RETENTION_MODE = "delete"
    old = _closed(customer_a, 31)
    _closed(customer_a, 29)  # within the period
    _closed(customer_a, 400, status=Status.OPEN)  # reopened: its closed_at is history, not a close
    _closed(customer_a, 400, status=Status.RESOLVED, resolved_at=timezone.now())

    assert list(retention.retention_candidates().values_list("pk", flat=True)) == [old.pk]


def test_anonymise_mode_skips_what_is_already_anonymised(customer_a, settings):
    settings.RETENTION_DAYS = 30
    done = _closed(customer_a, 100, anonymized_at=timezone.now())
    todo = _closed(customer_a, 100)

    assert set(retention.retention_candidates(mode="anonymize").values_list("pk", flat=True)) == {todo.pk}
    assert set(retention.retention_candidates(mode="delete").values_list("pk", flat=True)) == {todo.pk, done.pk}


@pytest.mark.parametrize(("days", "handled"), [(1, 1), (3, 0)])
def test_one_day_is_the_shortest_period(customer_a, days, handled):
    _closed(customer_a, 2)

    assert retention.retention_run(days=days, mode="delete") == handled


@pytest.mark.parametrize("days", [0, -5])
def test_a_shorter_period_is_refused_with_the_reason(db, days):
    with pytest.raises(ValidationError) as exc:
        retention.retention_run(days=days, mode="delete")

    assert exc.value.message_dict == {"days": ["The retention period must be at least one day."]}


def test_an_unknown_mode_is_refused_with_the_reason(db):
    with pytest.raises(ValidationError) as exc:
        retention.retention_run(days=30, mode="shred")

    assert exc.value.message_dict == {"mode": ["'shred' is not a retention mode; use delete or anonymize."]}


@pytest.mark.parametrize(
    ("batch_size", "setting", "limits"),
    [
        pytest.param(2, 50, ["LIMIT 2"] * 4, id="2-a-batch-5-tickets"),
        pytest.param(1, 50, ["LIMIT 1"] * 6, id="1-a-batch"),
        pytest.param(0, 50, ["LIMIT 50"] * 2, id="0-means-the-setting"),
        pytest.param(None, 3, ["LIMIT 3"] * 3, id="the-setting"),
        pytest.param(-4, 0, ["LIMIT 1"] * 6, id="never-below-one"),
    ],
)
def test_the_batches_select_their_ids_in_pages_of_the_batch_size(customer_a, settings, batch_size, setting, limits):
    settings.RETENTION_BATCH_SIZE = setting
    for _ in range(5):
        _closed(customer_a, 100)

    with CaptureQueriesContext(connection) as captured:
        assert retention.retention_run(days=30, mode="delete", batch_size=batch_size) == 5

    # The ids alone, a page at a time (never the whole rows).
    pages = [q["sql"] for q in captured.captured_queries if q["sql"].startswith('SELECT "tickets_ticket"."id" AS "pk"')]
    assert [sql[sql.rindex("LIMIT") :] for sql in pages] == limits
    assert Ticket.objects.count() == 0


def test_the_log_lines_name_the_mode_the_period_and_the_count(customer_a, caplog):
    _closed(customer_a, 100)
    _closed(customer_a, 100)

    with caplog.at_level(logging.INFO, logger="tickets.retention"):
        retention.retention_run(days=30, mode="anonymize", dry_run=True)
        retention.retention_run(days=30, mode="anonymize")

    assert [r.getMessage() for r in caplog.records if r.name == "tickets.retention"] == [
        "retention dry run (anonymize, 30 days): 2 ticket(s) would be handled",
        "retention (anonymize, 30 days): 2 closed ticket(s) handled",
    ]
