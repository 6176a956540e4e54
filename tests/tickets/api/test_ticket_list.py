"""Ticket lists: filters, search, ordering, cursor pagination and query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from model_bakery import baker

from tickets.comments import comment_add

URL = "/api/v1/tickets/"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [t["id"] for t in response.json()["results"]]


def test_status_and_priority_take_comma_separated_lists(api_agent, make_ticket):
    open_high = make_ticket(status="open", priority="high")
    pending_low = make_ticket(status="pending", priority="low")
    make_ticket(status="in_progress", priority="high")
    assert set(ids(api_agent.get(URL, {"status": "open,pending"}))) == {open_high.pk, pending_low.pk}
    assert ids(api_agent.get(URL, {"status": "open,pending", "priority": "low"})) == [pending_low.pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param({"status": "open,bogus"}, "status", id="status"),
        pytest.param({"priority": "LOW"}, "priority", id="priority"),
        pytest.param({"created_after": "yesterday"}, "created_after", id="date"),
        pytest.param({"created_after": "0001-01-01T00:00:00+05:00"}, "created_after", id="date-before-utc-year-1"),
        pytest.param({"updated_after": "9999-12-31T23:00:00-05:00"}, "updated_after", id="date-after-utc-9999"),
        pytest.param({"assignee": "someone"}, "assignee", id="assignee"),
        pytest.param({"team": "x"}, "team", id="team"),
        pytest.param({"customer": "1.5"}, "customer", id="customer"),
        pytest.param({"escalated": "perhaps"}, "escalated", id="boolean"),
    ],
)
def test_bad_filter_values_are_400_naming_the_parameter(api_agent, params, field):
    response = api_agent.get(URL, params)
    assert response.status_code == 400
    assert field in response.json()


def test_category_team_customer_organization(api_agent, make_ticket, customer_b):
    category = baker.make_recipe("tests.tickets.category", slug="billing")
    team = baker.make_recipe("tests.agents.team")
    in_category = make_ticket(category=category)
    in_team = make_ticket(team=team)
    of_b = make_ticket(customer=customer_b, organization=customer_b.organization)
    assert ids(api_agent.get(URL, {"category": "billing"})) == [in_category.pk]
    assert ids(api_agent.get(URL, {"team": team.pk})) == [in_team.pk]
    assert ids(api_agent.get(URL, {"customer": customer_b.pk})) == [of_b.pk]
    assert ids(api_agent.get(URL, {"organization": customer_b.organization_id})) == [of_b.pk]


def test_assignee_id_me_none(api_agent, agent, make_agent, make_ticket):
    other = make_agent()
    mine = make_ticket(assignee=agent.user)
    theirs = make_ticket(assignee=other.user)
    nobodys = make_ticket()
    assert ids(api_agent.get(URL, {"assignee": "me"})) == [mine.pk]
    assert ids(api_agent.get(URL, {"assignee": str(other.user_id)})) == [theirs.pk]
    assert ids(api_agent.get(URL, {"assignee": "none"})) == [nobodys.pk]


def test_tag(api_agent, make_ticket):
    tagged = make_ticket(tags=["vip", "billing"])
    make_ticket(tags=["billing-ish"])
    make_ticket(tags=[])
    assert ids(api_agent.get(URL, {"tag": "vip"})) == [tagged.pk]
    assert ids(api_agent.get(URL, {"tag": "VIP"})) == [tagged.pk]
    assert ids(api_agent.get(URL, {"tag": "bill"})) == []


def test_escalated_urgent_breached(api_agent, agent, make_ticket):
    now = timezone.now()
    escalated = make_ticket(escalated=True, escalated_at=now)
    urgent = make_ticket(status="open", priority="critical")
    make_ticket(status="open", priority="critical", assignee=agent.user)  # assigned: not urgent
    make_ticket(status="in_progress", priority="high")  # in progress: not urgent
    breached = make_ticket(sla_breached_at=now)
    assert ids(api_agent.get(URL, {"escalated": "true"})) == [escalated.pk]
    assert ids(api_agent.get(URL, {"urgent": "true"})) == [urgent.pk]
    assert urgent.pk not in ids(api_agent.get(URL, {"urgent": "false"}))
    assert ids(api_agent.get(URL, {"breached": "true"})) == [breached.pk]
    assert breached.pk not in ids(api_agent.get(URL, {"breached": "false"}))
    assert api_agent.get(f"{URL}{urgent.pk}/").json()["is_urgent"] is True


def test_created_and_updated_windows(api_agent, make_ticket):
    now = timezone.now()
    old = make_ticket(created_at=now - timedelta(days=10))
    new = make_ticket(created_at=now - timedelta(hours=1))
    cut = (now - timedelta(days=1)).isoformat()
    assert ids(api_agent.get(URL, {"created_after": cut})) == [new.pk]
    assert ids(api_agent.get(URL, {"created_before": cut})) == [old.pk]
    assert set(ids(api_agent.get(URL, {"updated_after": cut}))) == {old.pk, new.pk}
    assert ids(api_agent.get(URL, {"updated_after": (now + timedelta(hours=1)).isoformat()})) == []


def test_ordering(api_agent, make_ticket):
    now = timezone.now()
    low = make_ticket(priority="low", created_at=now - timedelta(hours=3))
    critical = make_ticket(priority="critical", created_at=now - timedelta(hours=2))
    medium = make_ticket(priority="medium", created_at=now - timedelta(hours=1))
    assert ids(api_agent.get(URL)) == [medium.pk, critical.pk, low.pk]  # newest first by default
    assert ids(api_agent.get(URL, {"ordering": "-priority_rank"})) == [critical.pk, medium.pk, low.pk]
    assert ids(api_agent.get(URL, {"ordering": "created_at"})) == [low.pk, critical.pk, medium.pk]
    assert ids(api_agent.get(URL, {"ordering": "-priority"})) == [critical.pk, medium.pk, low.pk]
    assert ids(api_agent.get(URL, {"ordering": "priority,-created_at"})) == [low.pk, medium.pk, critical.pk]
    assert api_agent.get(URL, {"ordering": "not_a_field"}).status_code == 400


def test_search_title_description_and_comments(api_agent, agent, make_ticket):
    by_title = make_ticket(title="Printer jammed")
    by_comment = make_ticket(title="Office issue")
    comment_add(ticket=by_comment, body="the printer again", actor=agent.user)
    make_ticket(title="Unrelated")
    assert set(ids(api_agent.get(URL, {"search": "printer"}))) == {by_title.pk, by_comment.pk}


def test_customer_search_ignores_internal_notes(api_customer_a, agent, make_ticket):
    ticket = make_ticket(title="Office issue")
    comment_add(ticket=ticket, body="confidential escalation", actor=agent.user, is_internal=True)
    assert ids(api_customer_a.get(URL, {"search": "confidential"})) == []


def test_customers_list_only_their_organisation(api_customer_a, make_ticket, customer_b):
    mine = make_ticket()
    make_ticket(customer=customer_b, organization=customer_b.organization)
    assert ids(api_customer_a.get(URL)) == [mine.pk]
    # filtering cannot widen the scope
    assert ids(api_customer_a.get(URL, {"organization": customer_b.organization_id})) == []


def test_customer_without_organisation_sees_own_tickets(api_client_for, django_user_model):
    user = django_user_model.objects.create_user(email="solo@example.net", password="x")
    solo = baker.make_recipe("tests.customers.customer", email="solo@example.net", organization=None, user=user)
    mine = baker.make_recipe("tests.tickets.ticket", customer=solo, organization=None)
    baker.make_recipe("tests.tickets.ticket", organization=None)  # another org-less customer's
    assert ids(api_client_for(user).get(URL)) == [mine.pk]


def test_cursor_pagination_walks_every_page(api_agent, make_ticket):
    now = timezone.now()
    created = [make_ticket(created_at=now - timedelta(minutes=i)).pk for i in range(5)]
    page = api_agent.get(URL, {"page_size": 2}).json()
    assert set(page) >= {"next", "previous", "results"}
    seen = [t["id"] for t in page["results"]]
    while page["next"]:
        page = api_agent.get(page["next"]).json()
        seen += [t["id"] for t in page["results"]]
    assert seen == created
    assert page["previous"]


def test_page_size_is_capped_at_100(api_agent, make_ticket):
    baker.make_recipe("tests.tickets.ticket", _quantity=101)
    assert len(api_agent.get(URL, {"page_size": 500}).json()["results"]) == 100
    assert len(api_agent.get(URL).json()["results"]) == 25


def test_invalid_cursor_is_404_not_500(api_agent):
    response = api_agent.get(URL, {"cursor": "garbage"})
    assert response.status_code == 404
    assert "cursor" in response.json()["detail"].lower()


# --- query counts: bounded and independent of the page size ---------------------------------------


@pytest.mark.postgres(reason="query plans")
@pytest.mark.parametrize(
    ("params", "index"),
    [
        pytest.param({}, "ticket_created_idx", id="default-ordering"),
        pytest.param({"search": "refund"}, "ticket_created_idx", id="common-word-search"),
    ],
)
def test_list_page_query_walks_the_ordering_index_without_sorting(api_agent, make_ticket, monkeypatch, params, index):
    """The default ordering (-created_at, -id) is ticket_created_idx read backwards, so a page (and
    the cursor's next page) is an index range, not a sort of every ticket; a common search word
    is checked on that walk (tickets.search.ticket_search)."""
    from django.test.utils import CaptureQueriesContext

    from tickets import search

    monkeypatch.setattr(search, "SEARCH_WALK_FROM", 0)  # "refund" counts as a common word
    for _ in range(3):
        make_ticket(title="Refund please")
    with CaptureQueriesContext(connection) as ctx:
        assert len(ids(api_agent.get(URL, params))) == 3
    page_sql = next(
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith('SELECT "tickets_ticket"."id" AS "id", "tickets_ticket"."title"')  # the row dicts
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {page_sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan, plan
    assert "Sort Key" not in plan, plan


@pytest.mark.parametrize(
    ("term", "on_postgres"),
    [pytest.param("refund", 5, id="word"), pytest.param("alice@acme.example", 6, id="email")],
)
def test_search_runs_an_exact_number_of_queries(api_agent, make_ticket, term, on_postgres, django_assert_num_queries):
    """The JWT's user (agent profile joined), then on PostgreSQL: the matching comments' ticket ids, the
    planner's estimate of the matches, the matching ids, (for an email: the customers with it), and
    the page; on SQLite (icontains), just the page."""
    for _ in range(5):
        make_ticket(title="Refund please")
    with django_assert_num_queries(on_postgres if connection.vendor == "postgresql" else 2):
        response = api_agent.get(URL, {"search": term})
    assert len(ids(response)) == 5
