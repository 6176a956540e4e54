"""One rule for every API list: unknown query parameters and unknown `ordering` values are a 400
naming them; the schema lists the allowed orderings."""

from __future__ import annotations

import pytest
from model_bakery import baker

TICKETS = "/api/v1/tickets/"
ACCEPTED_ON_TICKETS = (
    "assignee, at_risk, breached, category, created_after, created_before, cursor, customer, escalated, "
    "ordering, organization, page_size, priority, search, status, tag, team, type, updated_after, urgent"
)


@pytest.fixture
def first_ticket(customer_a):
    return baker.make_recipe("tests.tickets.ticket", customer=customer_a, organization=customer_a.organization)


@pytest.fixture
def webhook(admin_agent):
    from notifications.subscriptions import webhook_subscription_create

    return webhook_subscription_create(actor=admin_agent.user, url="http://127.0.0.1:9/hook", events=["ticket.created"])


LISTS = [
    pytest.param(TICKETS, "api_agent", id="tickets"),
    pytest.param("/api/v1/tickets/{ticket}/comments/", "api_agent", id="comments"),
    pytest.param("/api/v1/tickets/{ticket}/events/", "api_agent", id="events"),
    pytest.param("/api/v1/customers/", "api_agent", id="customers"),
    pytest.param("/api/v1/organizations/", "api_agent", id="organizations"),
    pytest.param("/api/v1/agents/", "api_agent", id="agents"),
    pytest.param("/api/v1/teams/", "api_agent", id="teams"),
    pytest.param("/api/v1/api-keys/", "api_admin", id="api-keys"),
    pytest.param("/api/v1/webhooks/", "api_admin", id="webhooks"),
    pytest.param("/api/v1/webhooks/{webhook}/deliveries/", "api_admin", id="webhook-deliveries"),
    pytest.param("/api/v1/exports/", "api_agent", id="exports"),
]


@pytest.mark.parametrize(("url", "client_fixture"), LISTS)
def test_every_list_refuses_an_unknown_query_parameter(request, first_ticket, webhook, url, client_fixture):
    client = request.getfixturevalue(client_fixture)
    url = url.format(ticket=first_ticket.pk, webhook=webhook.pk)

    assert client.get(url, {"page_size": "5"}).status_code == 200
    response = client.get(url, {"stauts": "open", "page_size": "5"})

    assert response.status_code == 400
    assert list(response.json()) == ["stauts"]
    assert response.json()["stauts"][0].startswith("Unknown query parameter. This list accepts: ")


def test_unknown_parameters_are_all_named_with_what_the_list_accepts(api_agent):
    response = api_agent.get(TICKETS, {"page": "2", "sort": "priority", "status": "open"})

    assert response.status_code == 400
    assert response.json() == {
        "page": [
            "Unknown query parameter. Lists are paged by cursor: follow the `next` link (or send its `cursor`); "
            f"`page_size` sets the size. This list accepts: {ACCEPTED_ON_TICKETS}."
        ],
        "sort": [f"Unknown query parameter. Use `ordering`. This list accepts: {ACCEPTED_ON_TICKETS}."],
    }


def test_list_specific_parameters_are_accepted_only_where_they_belong(api_admin, webhook):
    assert api_admin.get(f"/api/v1/webhooks/{webhook.pk}/deliveries/", {"status": "failed"}).status_code == 200
    response = api_admin.get("/api/v1/webhooks/", {"status": "failed"})

    assert response.status_code == 400
    assert response.json() == {
        "status": ["Unknown query parameter. This list accepts: cursor, page_size."],
    }


def test_format_is_always_accepted(api_agent):
    assert api_agent.get(TICKETS, {"format": "json"}).status_code == 200


@pytest.mark.parametrize(
    ("ordering", "bad"),
    [
        pytest.param("foo", "'foo'", id="unknown"),
        pytest.param("-priority,title", "'title'", id="one-of-two"),
        pytest.param("", "''", id="empty"),
        pytest.param("--created_at", "'--created_at'", id="double-minus"),
    ],
)
def test_unknown_ordering_is_a_400_listing_the_allowed_values(api_agent, ordering, bad):
    response = api_agent.get(TICKETS, {"ordering": ordering})

    assert response.status_code == 400
    assert response.json() == {
        "ordering": [
            f"Unknown ordering {bad}. Use one of: priority, -priority, created_at, -created_at, updated_at, "
            "-updated_at, priority_rank, -priority_rank, id, -id."
        ]
    }


def test_schema_lists_the_allowed_orderings(api_agent):
    schema = api_agent.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/tickets/"]["get"]["parameters"]}

    ordering = parameters["ordering"]
    assert ordering["schema"] == {
        "type": "array",
        "items": {
            "type": "string",
            "enum": [
                "priority",
                "-priority",
                "created_at",
                "-created_at",
                "updated_at",
                "-updated_at",
                "priority_rank",
                "-priority_rank",
                "id",
                "-id",
            ],
        },
    }
    assert ordering["explode"] is False
    assert "Default: `-created_at, -id`" in ordering["description"]
    assert "`priority`: priority rank" in ordering["description"]
    assert {"cursor", "page_size", "status", "search"} <= set(parameters)


@pytest.mark.parametrize(
    ("filterset", "params"),
    [
        (
            "tickets.filters.TicketFilter",
            {
                "assignee", "at_risk", "breached", "category", "created_after", "created_before", "customer",
                "escalated", "organization", "priority", "search", "status", "tag", "team", "type",
                "updated_after", "urgent",
            },
        ),
        ("customers.api.filters.CustomerFilter", {"email", "organization", "search", "tier"}),
    ],
)  # fmt: skip
def test_a_filter_sets_parameters_are_read_once_per_class(filterset, params):
    from django.utils.module_loading import import_string

    from config.api.lists import filterset_params

    filterset_class = import_string(filterset)
    filterset_params.cache_clear()
    assert filterset_params(filterset_class) == frozenset(params)
    assert filterset_params.cache_info().misses == 1
    assert filterset_params(filterset_class) == frozenset(params)
    assert filterset_params.cache_info().hits == 1
