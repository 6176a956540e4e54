"""Saved views in the admin: the page, the queue's ?view=, the sidebar counts, query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse
from model_bakery import baker

from agents.models import Role
from tickets import saved_views
from tickets.models import SavedView

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:tickets_ticket_changelist")
ADD = reverse("admin:tickets_savedview_add")


def _tickets(n, customer, **kwargs):
    return baker.make_recipe("tests.tickets.ticket", customer=customer, _quantity=n, **kwargs)


def test_a_view_made_on_the_admin_page_opens_in_the_queue(client, login, customer_a):
    me = login(Role.AGENT)
    high = _tickets(2, customer_a, priority="high")
    _tickets(3, customer_a, priority="low")
    response = client.post(
        ADD,
        {"name": "High ones", "visibility": "personal", "priority": ["high"], "ordering": "urgency", "position": 0},
    )
    view = SavedView.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{CHANGELIST}?view={view.pk}"
    assert (view.owner_id, view.filters) == (me.user.pk, {"priority": ["high"]})
    queue = client.get(response["Location"])
    assert sorted(t.pk for t in queue.context["cl"].result_list) == sorted(t.pk for t in high)
    assert queue.context["saved_view"] == view
    sidebar = {item["title"]: item for group in queue.context["sidebar_navigation"] for item in group["items"]}
    assert sidebar["High ones"]["badge"] == "2"
    assert sidebar["High ones"]["active"] is True


def test_an_agent_cannot_share_a_view_from_the_admin(client, login):
    login(Role.AGENT)
    response = client.post(
        ADD, {"name": "For all", "visibility": "everyone", "ordering": "urgency", "position": 0}, follow=True
    )
    assert not SavedView.objects.exists()
    assert "Not saved: Only senior agents and admins share views with a team or everyone." in response.content.decode()


def test_save_as_view_carries_the_queue_filters(client, login):
    login(Role.AGENT)
    response = client.get(CHANGELIST, {"priority__exact": "high", "assignee": "me", "q": "refund", "o": "8"})
    url = response.context["save_view_url"]
    assert url == f"{ADD}?priority=high&assignee=me&sla=&search=refund&ordering=sla_due".replace("sla=&", "")
    form = client.get(url).context["adminform"].form
    assert (form.initial["priority"], form.initial["assignee"], form.initial["search"]) == ("high", "me", "refund")


def test_the_edit_page_shows_the_stored_filters(client, login, customer_a):
    me = login(Role.SENIOR_AGENT)
    team = baker.make_recipe("tests.agents.team")
    view = saved_views.saved_view_create(
        actor=me.user, name="v", filters={"status": ["open"], "team": team.pk, "assignee": "none", "sla": "at_risk"}
    )
    form = client.get(reverse("admin:tickets_savedview_change", args=[view.pk])).context["adminform"].form
    assert (form.initial["status"], form.initial["ticket_team"], form.initial["assignee"], form.initial["sla"]) == (
        ["open"],
        str(team.pk),
        "none",
        "at_risk",
    )
    response = client.post(
        reverse("admin:tickets_savedview_change", args=[view.pk]),
        {"name": "renamed", "visibility": "personal", "ordering": "sla_due", "position": 1, "status": ["pending"]},
    )
    assert response.status_code == 302
    view.refresh_from_db()
    assert (view.name, view.filters, view.ordering) == ("renamed", {"status": ["pending"]}, "sla_due")


def test_someone_elses_shared_view_is_read_only(client, login, make_agent):
    senior = make_agent(Role.SENIOR_AGENT)
    view = saved_views.saved_view_create(actor=senior.user, name="shared", visibility="everyone")
    login(Role.AGENT)
    page = client.get(reverse("admin:tickets_savedview_change", args=[view.pk]))
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    client.post(reverse("admin:tickets_savedview_delete", args=[view.pk]), {"post": "yes"})
    assert SavedView.objects.filter(pk=view.pk).exists()


@pytest.mark.parametrize("count", [5, 50])
def test_queue_page_costs_the_same_queries_for_5_and_50_tickets(
    client, login, customer_a, count, django_assert_num_queries
):
    login(Role.AGENT)
    _tickets(count, customer_a, team=baker.make_recipe("tests.agents.team"))
    # session, user (agent profile joined: the sidebar role), 2 x permissions, saved views for the
    # sidebar (none), saved views for the filter, teams, categories, ticket types, agents (filter
    # lookups), capped count, page: the type filter's choices, 12 -> 13; the custom field filter's
    # choices (dropdown, multi-select and checkbox fields), 13 -> 14.
    with django_assert_num_queries(14):
        response = client.get(CHANGELIST)
    assert response.context["cl"].result_count == count


@pytest.mark.parametrize("count", [5, 50])
def test_saved_view_page_costs_the_same_queries_for_5_and_50_tickets(
    client, login, customer_a, count, django_assert_num_queries
):
    me = login(Role.AGENT)
    _tickets(count, customer_a, priority="high", assignee=me.user)
    view = saved_views.saved_view_create(actor=me.user, name="mine", filters={"assignee": "me"})
    client.get(CHANGELIST)  # the sidebar's counts are cached for a minute
    # session, 2 x permissions, the view (?view=), agent teams (scope), saved views (filter
    # lookups), teams, categories, ticket types, agents, capped count, page; the user (agent profile
    # joined) comes from the caller cache (agents/callers.py): 12 -> 11; the type filter: 11 -> 12;
    # the custom field filter's choices: 12 -> 13.
    with django_assert_num_queries(13):
        response = client.get(CHANGELIST, {"view": view.pk})
    assert response.context["cl"].result_count == count
