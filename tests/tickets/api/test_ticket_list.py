"""Ticket lists: filters, search, ordering, cursor pagination and query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from model_bakery import baker

from agents.models import Role
from agents.services import api_key_create
from tickets.comments import comment_add

URL = "/api/v1/tickets/"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [t["id"] for t in response.json()["results"]]


@pytest.fixture
def make_ticket(customer_a):
    def _make(**kwargs):
        kwargs.setdefault("customer", customer_a)
        kwargs.setdefault("organization", customer_a.organization)
        return baker.make_recipe("tests.tickets.ticket", **kwargs)

    return _make


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


def _count_queries(client, url, page_size, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(f"{url}{'&' if '?' in url else '?'}page_size={page_size}")
    assert response.status_code == 200, response.content
    assert len(response.json()["results"]) == page_size
    return len(captured.captured_queries)


def _many_tickets(customer_a, agent):
    team = baker.make_recipe("tests.agents.team")
    category = baker.make_recipe("tests.tickets.category")
    tickets = baker.make_recipe(
        "tests.tickets.ticket",
        customer=customer_a,
        organization=customer_a.organization,
        team=team,
        category=category,
        assignee=agent.user,
        tags=["a"],
        _quantity=100,
    )
    return tickets[0]


def _many_comments(customer_a, agent):
    first = _many_tickets(customer_a, agent)
    for i in range(50):
        comment_add(ticket=first, body=f"reply {i}", actor=agent.user)
        comment_add(ticket=first, body=f"customer {i}", actor=customer_a.user, customer=customer_a)
    return first


def _many_agents(customer_a, agent):
    teams = baker.make_recipe("tests.agents.team", _quantity=3)
    for i in range(100):
        user = baker.make("agents.User", email=f"bulk{i}@support.example.com")
        baker.make("agents.Agent", user=user, role=Role.AGENT).teams.set(teams)


def _many_api_keys(customer_a, agent):
    for i in range(100):
        api_key_create(name=f"key {i}")


SETUPS = {
    "tickets": _many_tickets,
    "comments": _many_comments,
    "events": _many_comments,
    "customers": lambda *_: baker.make_recipe("tests.customers.customer", _quantity=100),
    "organizations": lambda *_: [
        baker.make_recipe("tests.customers.organization").domains.create(domain=f"d{i}.example") for i in range(100)
    ],
    "agents": _many_agents,
    "teams": lambda *_: baker.make_recipe("tests.agents.team", _quantity=100),
    "api-keys": _many_api_keys,
}


@pytest.mark.parametrize(
    ("kind", "url", "client_fixture"),
    [
        pytest.param("tickets", URL, "api_agent", id="tickets"),
        pytest.param("tickets", URL, "api_customer_a", id="tickets-as-customer"),
        pytest.param("tickets", f"{URL}?search=ticket&status=open,pending&tag=a", "api_agent", id="tickets-filtered"),
        pytest.param("comments", "/api/v1/tickets/{first}/comments/", "api_agent", id="comments"),
        pytest.param("comments", "/api/v1/tickets/{first}/comments/", "api_customer_a", id="comments-as-customer"),
        pytest.param("events", "/api/v1/tickets/{first}/events/", "api_agent", id="events"),
        pytest.param("customers", "/api/v1/customers/", "api_agent", id="customers"),
        pytest.param("organizations", "/api/v1/organizations/", "api_agent", id="organizations"),
        pytest.param("agents", "/api/v1/agents/", "api_agent", id="agents"),
        pytest.param("teams", "/api/v1/teams/", "api_agent", id="teams"),
        pytest.param("api-keys", "/api/v1/api-keys/", "api_admin", id="api-keys"),
    ],
)
def test_list_query_count_is_bounded(
    request, customer_a, agent, kind, url, client_fixture, django_assert_max_num_queries
):
    first = SETUPS[kind](customer_a, agent)
    client = request.getfixturevalue(client_fixture)
    url = url.format(first=getattr(first, "pk", None))
    small = _count_queries(client, url, 10, django_assert_max_num_queries, 8)
    large = _count_queries(client, url, 100, django_assert_max_num_queries, 8)
    assert small == large, connection.queries[-large:]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (query plans)")
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
        if q["sql"].startswith('SELECT "tickets_ticket"."id", "tickets_ticket"."title"')
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {page_sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan, plan
    assert "Sort Key" not in plan, plan


@pytest.mark.parametrize("term", [pytest.param("refund", id="word"), pytest.param("alice@acme.example", id="email")])
def test_search_runs_a_bounded_number_of_queries(api_agent, make_ticket, term, django_assert_max_num_queries):
    for _ in range(5):
        make_ticket(title="Refund please")
    with django_assert_max_num_queries(8):
        response = api_agent.get(URL, {"search": term})
    assert len(ids(response)) == 5
