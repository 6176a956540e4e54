"""The ticket changelist at scale: estimated counts (no COUNT over a big table), capped filtered
counts, deep pages read by id, index-shaped ordering and plans, and the SLA filters answered from
their partial indexes."""

import pytest
from django.db import connection
from model_bakery import baker

from agents.models import Role
from config.admin_tools import EstimatedCountPaginator
from config.db import table_row_estimate
from tests.tickets.admin.helpers import (
    CHANGELIST,
    make_tickets,
)
from tickets.models import Status, Ticket

pytestmark = pytest.mark.django_db


def test_paginator_uses_the_estimate_only_unfiltered_and_on_big_tables(customer_a):
    make_tickets(3, customer_a)
    paginator = EstimatedCountPaginator(Ticket.objects.order_by("pk"), 50)
    assert paginator.count == 3  # small table: exact
    filtered = EstimatedCountPaginator(Ticket.objects.filter(status=Status.OPEN).order_by("pk"), 50)
    assert filtered.count == 3


@pytest.mark.postgres(reason="pg_class estimate")
def test_paginator_reads_the_planner_estimate_on_postgres(customer_a, django_assert_num_queries, monkeypatch):
    make_tickets(3, customer_a)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tickets_ticket")
    assert table_row_estimate("tickets_ticket") == 3
    monkeypatch.setattr(EstimatedCountPaginator, "exact_below", 1)
    paginator = EstimatedCountPaginator(Ticket.objects.order_by("pk"), 50)
    with django_assert_num_queries(1) as captured:
        assert paginator.count == 3
    assert "pg_class" in captured.captured_queries[0]["sql"]
    assert "COUNT" not in captured.captured_queries[0]["sql"].upper()


def test_table_row_estimate_is_none_off_postgres_or_for_unknown_tables():
    if connection.vendor == "postgresql":
        assert table_row_estimate("no_such_table") is None
    else:
        assert table_row_estimate("tickets_ticket") is None


@pytest.mark.postgres(reason="pg_class estimate")
def test_unfiltered_changelist_runs_no_count_on_a_big_table(client, login, customer_a, monkeypatch):
    from django.test.utils import CaptureQueriesContext

    login(Role.AGENT)
    make_tickets(3, customer_a)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tickets_ticket")
    monkeypatch.setattr(EstimatedCountPaginator, "exact_below", 1)  # "big" from one row on
    with CaptureQueriesContext(connection) as unfiltered:
        response = client.get(CHANGELIST, {"status": "all"})
    assert response.context["cl"].result_count == 3
    assert not [q["sql"] for q in unfiltered.captured_queries if "COUNT(" in q["sql"].upper()]
    with CaptureQueriesContext(connection) as filtered:
        client.get(CHANGELIST)  # the default queue (active work) is filtered: counted up to the cap
    assert [q["sql"] for q in filtered.captured_queries if "COUNT(" in q["sql"].upper()]  # filtered: exact


# --- counts and deep pages at scale (EstimatedCountPaginator) ----------------------------------


postgres_only = pytest.mark.postgres(reason="planner estimates")


def test_filtered_count_is_exact_up_to_the_cap(customer_a, django_assert_num_queries):
    make_tickets(3, customer_a, status=Status.OPEN)
    paginator = EstimatedCountPaginator(Ticket.objects.filter(status=Status.OPEN).order_by("pk"), 2)
    with django_assert_num_queries(1) as captured:
        assert paginator.count == 3
    if connection.vendor == "postgresql":
        assert "LIMIT 1001" in captured.captured_queries[0]["sql"]  # never reads more than the cap


@postgres_only
def test_filtered_count_above_the_cap_is_the_planner_estimate(customer_a, monkeypatch, django_assert_num_queries):
    make_tickets(5, customer_a, status=Status.OPEN)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tickets_ticket")
    monkeypatch.setattr(EstimatedCountPaginator, "count_up_to", 2)
    paginator = EstimatedCountPaginator(Ticket.objects.filter(status=Status.OPEN).order_by("pk"), 2)
    with django_assert_num_queries(2) as captured:
        count = paginator.count
    capped, explain = (q["sql"] for q in captured.captured_queries)
    assert "LIMIT 3" in capped
    assert explain.startswith("EXPLAIN (FORMAT JSON)")
    assert count == 5  # the estimate (ANALYZE saw all five); never below what was counted
    monkeypatch.setattr("config.admin_tools.queryset_row_estimate", lambda qs: 1)
    assert EstimatedCountPaginator(Ticket.objects.filter(status=Status.OPEN).order_by("pk"), 2).count == 3


@pytest.mark.parametrize("number", [1, 2, 3])
def test_deep_pages_read_ids_first_and_show_exactly_the_same_rows(customer_a, monkeypatch, number):
    make_tickets(5, customer_a)
    ordered = Ticket.objects.order_by("-priority_rank", "created_at", "id")
    expected = list(ordered.values_list("pk", flat=True))[(number - 1) * 2 : number * 2]
    monkeypatch.setattr(EstimatedCountPaginator, "deferred_from", 2)
    from django.test.utils import CaptureQueriesContext

    paginator = EstimatedCountPaginator(ordered, 2)
    paginator.count  # noqa: B018 - counted outside the capture
    with CaptureQueriesContext(connection) as ctx:
        page = paginator.page(number)
        assert [t.pk for t in page.object_list] == expected
    if number > 1:
        ids_query, rows_query = (q["sql"] for q in ctx.captured_queries)
        assert "OFFSET" in ids_query
        assert "OFFSET" not in rows_query
    else:
        assert len(ctx.captured_queries) == 1


def test_changelist_ordering_is_total_and_index_shaped(client, login, customer_a):
    """(-priority_rank, created_at, id) is ticket_urgency_idx exactly: Django adds no "-pk" tie-breaker."""
    login(Role.AGENT)
    make_tickets(2, customer_a)
    response = client.get(CHANGELIST)
    order_by = response.context["cl"].queryset.query.order_by
    assert order_by[:3] == ("-priority_rank", "created_at", "id")
    assert "-pk" not in order_by
    index = next(i for i in Ticket._meta.indexes if i.name == "ticket_urgency_idx")
    assert index.fields == ["-priority_rank", "created_at", "id"]


@postgres_only
@pytest.mark.parametrize(
    ("params", "index"),
    [
        pytest.param({}, "ticket_urgency_idx", id="unfiltered"),
        pytest.param({"status__exact": "on_hold"}, "ticket_status_urgency_idx", id="status"),
    ],
)
def test_changelist_page_query_is_an_index_scan(client, login, customer_a, params, index):
    from django.test.utils import CaptureQueriesContext

    login(Role.AGENT)
    # A table the planner can tell apart: on a handful of rows with stale statistics either index
    # costs the same, so 300 open tickets beside 3 on hold, and fresh statistics.
    make_tickets(300, customer_a, status=Status.OPEN, _bulk_create=True)
    make_tickets(3, customer_a, status=Status.ON_HOLD)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tickets_ticket")
    with CaptureQueriesContext(connection) as ctx:
        client.get(CHANGELIST, params)
    page_sql = next(
        q["sql"] for q in ctx.captured_queries if 'FROM "tickets_ticket"' in q["sql"] and "ORDER BY" in q["sql"]
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {page_sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan, plan
    assert "Sort Key" not in plan, plan


@postgres_only
def test_retention_query_uses_the_closed_at_partial_index(customer_a):
    from django.utils import timezone

    qs = Ticket.objects.filter(status=Status.CLOSED, closed_at__lt=timezone.now())
    sql, params = qs.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "ticket_closed_at_idx" in plan, plan


def test_changelist_search_in_bounded_queries_for_common_and_rare_words(
    client, login, customer_a, monkeypatch, django_assert_max_num_queries
):
    from tickets import search

    login(Role.AGENT)
    tickets = make_tickets(3, customer_a, title="Refund please")
    for walk_from in (10_000, 0):  # rare word (ids inlined), common word (index walk)
        monkeypatch.setattr(search, "SEARCH_WALK_FROM", walk_from)
        # 17: the action bar's macro list; the sidebar reads the caller's role and saved views, the
        # filter lists saved views; the custom-field filter's choices (fields with choices).
        with django_assert_max_num_queries(17):
            response = client.get(CHANGELIST, {"q": "refund"})
        assert {t.pk for t in response.context["cl"].result_list} == {t.pk for t in tickets}


SLA_PARTIAL_INDEXES = (
    "ticket_sla_breached_idx",
    "ticket_sla_warned_idx",
    "ticket_frt_due_open_idx",
    "ticket_res_due_open_idx",
    "ticket_frt_warn_open_idx",
    "ticket_res_warn_open_idx",
    "ticket_nrt_due_open_idx",
)


@postgres_only
@pytest.mark.parametrize(
    ("condition", "own_index"),
    [
        pytest.param("breached_q", "ticket_sla_breached_idx", id="breached"),
        # On an empty table one partial index whose predicate covers every branch may win;
        # at 1M rows the plan is a BitmapOr with ticket_sla_warned_idx (bench/README.md).
        pytest.param("at_risk_q", None, id="at-risk"),
    ],
)
def test_sla_filters_are_answered_from_partial_indexes(customer_a, condition, own_index):
    """The "SLA" filter's conditions are ORs; every branch is covered by a small partial index
    (most shared with the breach and warning scans), so few breaches never mean a walk over every
    ticket."""
    from django.utils import timezone

    from tickets.sla import rules

    qs = Ticket.objects.filter(getattr(rules, condition)(timezone.now())).values("pk")
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan" not in plan, plan
    if own_index:
        assert "BitmapOr" in plan, plan
        assert own_index in plan, plan
    scans = [line for line in plan.splitlines() if "Bitmap Index Scan on" in line]
    assert all(any(index in line for index in SLA_PARTIAL_INDEXES) for line in scans), plan


@pytest.mark.parametrize("warned_stamped", [pytest.param(False, id="not-stamped"), pytest.param(True, id="stamped")])
@pytest.mark.parametrize(
    "breached_stamped", [pytest.param(False, id="not-breached"), pytest.param(True, id="breached")]
)
@pytest.mark.parametrize("responded", [pytest.param(False, id="no-response"), pytest.param(True, id="responded")])
@pytest.mark.parametrize("status", [Status.OPEN, Status.PENDING, Status.RESOLVED])
def test_index_shaped_sla_conditions_select_what_the_plain_ones_do(
    customer_a, warned_stamped, breached_stamped, responded, status
):
    """breached_q and at_risk_q were split into index-shaped branches; the tickets they select
    are those of the plain definitions."""
    from datetime import timedelta

    from django.db.models import Q
    from django.utils import timezone

    from tickets.sla import rules

    now = timezone.now()
    hour = timedelta(hours=1)
    for warn, due in ((-hour, hour), (-2 * hour, -hour), (hour, 2 * hour), (None, None)):
        baker.make_recipe(
            "tests.tickets.ticket",
            customer=customer_a,
            status=status,
            resolved_at=now if status == Status.RESOLVED else None,
            first_responded_at=now - hour if responded else None,
            first_response_warn_at=None if warn is None else now + warn,
            first_response_due_at=None if due is None else now + due,
            resolution_warn_at=None if warn is None else now + warn,
            resolution_due_at=None if due is None else now + due,
            sla_warned_at=now - hour if warned_stamped else None,
            sla_breached_at=now - hour if breached_stamped else None,
            sla_paused_at=now - hour if status == Status.PENDING else None,  # pending pauses resolution
        )
    active = Q(status__in=["in_progress", "on_hold", "open", "pending"])
    plain_breached = (
        Q(sla_breached_at__isnull=False) | rules.first_response_overdue_q(now) | rules.resolution_overdue_q(now)
    )
    plain_at_risk = (
        (active & Q(first_responded_at__isnull=True, first_response_warn_at__lte=now))
        | (
            active
            & Q(sla_paused_at__isnull=True)
            & (Q(first_responded_at__isnull=False) | Q(first_response_due_at__isnull=True))
            & Q(resolution_warn_at__lte=now)
        )
    ) & ~plain_breached

    def ids(condition):
        return set(Ticket.objects.filter(condition).values_list("pk", flat=True))

    assert ids(rules.breached_q(now)) == ids(plain_breached)
    assert ids(rules.at_risk_q(now)) == ids(plain_at_risk)
