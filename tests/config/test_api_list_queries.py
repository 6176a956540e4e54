"""Exact query counts for every list endpoint of the API (and the job-status pages), written out
by hand. Each row is measured with a few rows and with a full page: both must cost exactly the
expected number of queries, so an N+1 and any other added query fail here. A changed count is
explained in the commit that changes it.

The counts include the request's own work: authentication (JWT: the caller from the cache, no
query; API key: the key and its user, with the agent profile and customer record joined for the
role and scope checks), then the page."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver
from model_bakery import baker

from agents.models import Role
from agents.services import api_key_create
from tickets.comments import comment_add
from tickets.models import Automation, BulkUpdateJob, ExportJob, InboundMessage, Macro, Mailbox, TicketFollower, Trigger

pytestmark = pytest.mark.django_db

FEW, PAGE = 2, 20  # rows in the small and the large measurement; PAGE fits one page (25)


def _tickets(world, n: int) -> None:
    team = baker.make_recipe("tests.agents.team")
    category = baker.make_recipe("tests.tickets.category")
    world.first = baker.make_recipe(
        "tests.tickets.ticket",
        customer=world.customer_a,
        organization=world.customer_a.organization,
        team=team,
        category=category,
        assignee=world.agent.user,
        tags=["a"],
        _quantity=n,
    )[0]


def _comments(world, n: int) -> None:
    _tickets(world, 1)
    for i in range(n):
        actor = world.agent.user if i % 2 else world.customer_a.user
        customer = None if i % 2 else world.customer_a
        comment_add(ticket=world.first, body=f"reply {i}", actor=actor, customer=customer)


def _customers(world, n: int) -> None:
    baker.make_recipe("tests.customers.customer", organization=world.customer_a.organization, _quantity=n)


def _organizations(world, n: int) -> None:
    for i in range(n):
        baker.make_recipe("tests.customers.organization").domains.create(domain=f"d{i}.example")


def _agents(world, n: int) -> None:
    teams = baker.make_recipe("tests.agents.team", _quantity=3)
    for i in range(n):
        user = baker.make("agents.User", email=f"bulk{i}@support.example.com")
        baker.make("agents.Agent", user=user, role=Role.AGENT).teams.set(teams)


def _teams(world, n: int) -> None:
    baker.make_recipe("tests.agents.team", lead=world.agent.user, _quantity=n)


def _api_keys(world, n: int) -> None:
    for i in range(n):
        api_key_create(name=f"key {i}")


def _webhooks(world, n: int) -> None:
    baker.make_recipe("tests.notifications.webhook_subscription", _quantity=n)


def _deliveries(world, n: int) -> None:
    world.first = baker.make_recipe("tests.notifications.webhook_subscription")
    for i in range(n):
        baker.make_recipe(
            "tests.notifications.webhook_delivery",
            subscription=world.first,
            event_id=f"00000000-0000-0000-0000-{i:012d}",
        )


def _exports(world, n: int) -> None:
    baker.make(ExportJob, requested_by=world.agent.user, format="csv", _quantity=n)


def _macros(world, n: int) -> None:
    team = baker.make_recipe("tests.agents.team")
    for i in range(n):
        Macro.objects.create(name=f"macro {i}", body="x", set_team=team, set_assignee=world.agent.user)
    Macro.objects.create(name="someone else's", body="x", owner=baker.make("agents.User", email="o@x.example"))


def _rules(model):
    def make(world, n: int) -> None:
        for i in range(n):
            model.objects.create(name=f"rule {i}", actions=[{"action": "add_tags", "value": ["x"]}])

    return make


def _attachments(world, n: int) -> None:
    _tickets(world, 1)
    for i in range(n):
        upload = SimpleUploadedFile(f"f{i}.txt", b"x", content_type="text/plain")
        comment_add(ticket=world.first, body=f"file {i}", actor=world.agent.user, files=[upload])


def _bulk_job(world, n: int) -> None:
    world.first = baker.make(
        BulkUpdateJob, requested_by=world.agent.user, ticket_ids=list(range(1, n + 1)), changes={"priority": "high"}
    )


def _views(world, n: int) -> None:
    from tickets.saved_views import saved_view_create

    for i in range(n):
        saved_view_create(actor=world.agent.user, name=f"view {i}")


def _view_tickets(world, n: int) -> None:
    from tickets.saved_views import saved_view_create

    baker.make_recipe("tests.tickets.ticket", customer=world.customer_a, _quantity=n)
    world.first = saved_view_create(actor=world.agent.user, name="all active work")


def _mailboxes(world, n: int) -> None:
    for i in range(n):
        Mailbox.objects.create(name=f"box {i}", address=f"box{i}@helpdesk.test", imap_host="imap", username="u")


def _inbound_messages(world, n: int) -> None:
    baker.make(InboundMessage, status="ticket", message_id=iter(f"<m{i}@x>" for i in range(n)), _quantity=n)


def _followers(world, n: int) -> None:
    _tickets(world, 1)
    baker.make(TicketFollower, ticket=world.first, email=iter(f"f{i}@acme.example" for i in range(n)), _quantity=n)


def _time_entries(world, n: int) -> None:
    from tickets.time_tracking import time_entry_add

    _tickets(world, 1)
    for i in range(n):
        time_entry_add(ticket=world.first, actor=world.agent.user, minutes=5 + i, is_billable=bool(i % 2))


def _articles(world, n: int) -> None:
    section = baker.make("knowledge.Section", category=baker.make("knowledge.KBCategory", slug="c"), slug="s")
    baker.make(
        "knowledge.Article",
        section=section,
        status="published",
        title=iter(f"Article {i}" for i in range(n)),
        slug=iter(f"article-{i}" for i in range(n)),
        _quantity=n,
    )


# (id, url, client fixture, setup, exact queries, list route name or None for a detail page).
# Every request starts with 1 query: the JWT's user with their agent profile and customer record
# joined (role and scope need nothing more).
ENDPOINTS: list[tuple[str, str, str, Callable, int | dict[str, int], str | None]] = [
    # + the page of tickets (customer, organisation, team, category, assignee joined)
    ("tickets", "/api/v1/tickets/", "api_agent", _tickets, 1, "ticket-list"),
    # + the page (the caller's customer record, for scoping, came with the user)
    ("tickets-as-customer", "/api/v1/tickets/", "api_customer_a", _tickets, 1, "ticket-list"),
    # PostgreSQL full-text search: + matching comments' ticket ids, + the planner's estimate of the
    # matches (EXPLAIN), + the matching ids, + the page; SQLite's icontains is one query with the page
    (
        "tickets-filtered",
        "/api/v1/tickets/?search=ticket&status=open,pending&tag=a",
        "api_agent",
        _tickets,
        {"postgresql": 4, "sqlite": 1},
        "ticket-list",
    ),
    # + the ticket (scoped), + the page of comments, + their attachments (prefetch)
    ("comments", "/api/v1/tickets/{first}/comments/", "api_agent", _comments, 3, "ticket-comments"),
    # the same as an agent: the customer record came with the user
    ("comments-as-customer", "/api/v1/tickets/{first}/comments/", "api_customer_a", _comments, 3, "ticket-comments"),
    # + the ticket (scoped), + the page of events
    ("events", "/api/v1/tickets/{first}/events/", "api_agent", _comments, 2, "ticket-events"),
    # + the page
    ("customers", "/api/v1/customers/", "api_agent", _customers, 1, "customer-list"),
    # + the page, + the domains (prefetch)
    ("organizations", "/api/v1/organizations/", "api_agent", _organizations, 2, "organization-list"),
    # + the page of agents (user joined), + their teams (prefetch)
    ("agents", "/api/v1/agents/", "api_agent", _agents, 2, "agent-list"),
    # + the page
    ("teams", "/api/v1/teams/", "api_agent", _teams, 1, "team-list"),
    ("api-keys", "/api/v1/api-keys/", "api_admin", _api_keys, 1, "api-key-list"),
    ("webhooks", "/api/v1/webhooks/", "api_admin", _webhooks, 1, "webhook-list"),
    # + the subscription, + the page of deliveries
    ("webhook-deliveries", "/api/v1/webhooks/{first}/deliveries/", "api_admin", _deliveries, 2, "webhook-deliveries"),
    # + the page (the caller's own jobs)
    ("exports", "/api/v1/exports/", "api_agent", _exports, 1, "export-list"),
    # + the page of the views the caller may open (owner, team membership and "everyone" in one query)
    ("saved-views", "/api/v1/views/", "api_agent", _views, 1, "savedview-list"),
    # + the view (scoped), + the page of its tickets
    ("saved-view-tickets", "/api/v1/views/{first}/tickets/", "api_agent", _view_tickets, 2, "savedview-tickets"),
    # + the page
    ("mailboxes", "/api/v1/mailboxes/", "api_admin", _mailboxes, 1, "mailbox-list"),
    ("inbound-messages", "/api/v1/inbound-messages/", "api_admin", _inbound_messages, 1, "inbound-message-list"),
    # + the ticket (scoped), + the followers (unpaged: a ticket has a handful)
    ("followers", "/api/v1/tickets/{first}/followers/", "api_agent", _followers, 2, "ticket-followers"),
    # + the page of time entries (agent and message joined; the ticket's scope check rides along, as for followers)
    ("time-entries", "/api/v1/tickets/{first}/time-entries/", "api_agent", _time_entries, 2, "ticket-time-entries"),
    # + the macros the caller may use (team, assignee and owner joined); one list, no pagination
    ("macros", "/api/v1/macros/", "api_agent", _macros, 1, "macro-list"),
    # + the rules, in the order they run; one list, no pagination (a desk has tens of rules)
    ("triggers", "/api/v1/triggers/", "api_agent", _rules(Trigger), 1, "trigger-list"),
    ("automations", "/api/v1/automations/", "api_agent", _rules(Automation), 1, "automation-list"),
    # + the ticket (scoped), + its files (each with its message, for the internal-note rule)
    ("attachments", "/api/v1/tickets/{first}/attachments/", "api_agent", _attachments, 2, None),
    # + the job (bulk jobs have no list: a job is polled at the URL its POST returned)
    ("bulk-job", "/api/v1/bulk-jobs/{first}/", "api_agent", _bulk_job, 1, None),
    # + the page of articles (section and category joined)
    ("kb-articles", "/api/v1/kb/articles/", "api_agent", _articles, 1, "kb-article-list"),
    # anonymous: no user, no role lookup: the page alone
    ("kb-articles-anonymous", "/api/v1/kb/articles/", "api_client", _articles, 1, "kb-article-list"),
]


# Rows the fixtures already made that the list shows too (customer A, its organisation, the agent).
ALREADY_THERE = {"customers": 1, "organizations": 1, "agents": 1}


@pytest.fixture
def world(agent, customer_a):
    return SimpleNamespace(agent=agent, customer_a=customer_a, first=None)


@pytest.mark.parametrize(
    ("name", "url", "client_fixture", "setup", "expected"),
    [pytest.param(name, url, client, setup, expected, id=name) for name, url, client, setup, expected, _ in ENDPOINTS],
)
@pytest.mark.parametrize("rows", [pytest.param(FEW, id="few"), pytest.param(PAGE, id="page")])
def test_list_costs_exactly(
    request, world, name, url, client_fixture, setup, expected, rows, django_assert_num_queries
):
    client = request.getfixturevalue(client_fixture)
    setup(world, rows)
    url = url.format(first=getattr(world.first, "pk", None))
    client.get(url)  # warm-up: per-process caches (content types, permissions) are not the page's cost

    if isinstance(expected, dict):
        expected = expected[connection.vendor]
    with django_assert_num_queries(expected):
        response = client.get(url)

    assert response.status_code == 200, response.content
    if "results" in response.json():
        assert len(response.json()["results"]) == rows + ALREADY_THERE.get(name, 0)


def _list_route_names(resolver: URLResolver | None = None, prefix: str = "") -> set[str]:
    names = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            names |= _list_route_names(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and (prefix + str(pattern.pattern)).startswith("api/"):
            actions = getattr(pattern.callback, "actions", None) or {}
            if actions.get("get") == "list" and pattern.name:
                names.add(pattern.name)
    return names


def test_every_list_endpoint_has_a_row():
    """A new list endpoint fails here until it gets a row above."""
    covered = {route for *_, route in ENDPOINTS if route}
    assert _list_route_names() <= covered, sorted(_list_route_names() - covered)
