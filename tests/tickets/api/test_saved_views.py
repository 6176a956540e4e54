"""/api/v1/views/ and /api/v1/views/{id}/tickets/."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from model_bakery import baker

from tickets import saved_views
from tickets.models import SavedView

pytestmark = pytest.mark.django_db


def test_create_list_and_open_a_view(api_agent, agent, customer_a):
    high = baker.make_recipe("tests.tickets.ticket", customer=customer_a, priority="high", _quantity=3)
    baker.make_recipe("tests.tickets.ticket", customer=customer_a, priority="low", _quantity=2)
    response = api_agent.post(
        "/api/v1/views/", {"name": "High", "filters": {"priority": ["high"]}, "ordering": "-created_at"}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["name"], body["visibility"], body["owner"], body["filters"]) == (
        "High",
        "personal",
        agent.user.pk,
        {"priority": ["high"]},
    )
    assert body["tickets_url"] == f"http://testserver/api/v1/views/{body['id']}/tickets/"
    assert [v["id"] for v in api_agent.get("/api/v1/views/").json()["results"]] == [body["id"]]
    page = api_agent.get(f"/api/v1/views/{body['id']}/tickets/", {"page_size": 2}).json()
    assert [t["id"] for t in page["results"]] == [high[2].pk, high[1].pk]
    rest = api_agent.get(page["next"]).json()
    assert [t["id"] for t in rest["results"]] == [high[0].pk]
    assert rest["next"] is None


def test_view_tickets_by_next_deadline_walk_all_pages(api_agent, agent, customer_a):
    now = timezone.now()
    due = [
        baker.make_recipe("tests.tickets.ticket", customer=customer_a, first_response_due_at=now + timedelta(hours=h))
        for h in (5, 1, 3)
    ]
    no_deadline = baker.make_recipe("tests.tickets.ticket", customer=customer_a)
    view = saved_views.saved_view_create(actor=agent.user, name="deadlines", ordering="sla_due")
    seen, url = [], f"/api/v1/views/{view.pk}/tickets/?page_size=2"
    while url:
        page = api_agent.get(url).json()
        seen += [t["id"] for t in page["results"]]
        url = page["next"]
    assert seen == [due[1].pk, due[2].pk, due[0].pk, no_deadline.pk]


@pytest.mark.parametrize("count", [5, 50])
def test_view_tickets_in_constant_queries(api_agent, agent, customer_a, count, django_assert_num_queries):
    baker.make_recipe("tests.tickets.ticket", customer=customer_a, _quantity=count)
    view = saved_views.saved_view_create(actor=agent.user, name="all")
    # user (agent profile joined: the role), the view (its team check is a join), the page of tickets.
    with django_assert_num_queries(3):
        response = api_agent.get(f"/api/v1/views/{view.pk}/tickets/", {"page_size": 100})
    assert len(response.json()["results"]) == count


def test_others_personal_views_are_404(api_agent, make_agent):
    other = make_agent()
    view = saved_views.saved_view_create(actor=other.user, name="theirs")
    assert api_agent.get(f"/api/v1/views/{view.pk}/").status_code == 404
    assert api_agent.get(f"/api/v1/views/{view.pk}/tickets/").status_code == 404
    assert api_agent.get("/api/v1/views/abc/").status_code == 404


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        pytest.param({"name": "x", "filters": {"status": ["lost"]}}, "filters", id="bad-filter"),
        pytest.param({"name": "x", "ordering": "random"}, "ordering", id="bad-ordering"),
        pytest.param({"filters": {}}, "name", id="no-name"),
    ],
)
def test_bad_views_are_400_naming_the_field(api_agent, payload, field):
    response = api_agent.post("/api/v1/views/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_sharing_needs_a_senior_agent(api_agent, api_senior_agent):
    assert api_agent.post("/api/v1/views/", {"name": "x", "visibility": "everyone"}, format="json").status_code == 403
    response = api_senior_agent.post("/api/v1/views/", {"name": "x", "visibility": "everyone"}, format="json")
    assert response.status_code == 201


def test_change_and_delete(api_agent, agent, api_client_for, make_agent):
    view = saved_views.saved_view_create(actor=agent.user, name="mine")
    response = api_agent.patch(f"/api/v1/views/{view.pk}/", {"name": "renamed", "position": 3}, format="json")
    assert (response.status_code, response.json()["name"], response.json()["position"]) == (200, "renamed", 3)
    admin = api_client_for(make_agent("admin").user)
    assert admin.delete(f"/api/v1/views/{view.pk}/").status_code == 204
    assert not SavedView.objects.exists()


def test_customers_have_no_views(api_customer_a):
    assert api_customer_a.get("/api/v1/views/").status_code == 403
