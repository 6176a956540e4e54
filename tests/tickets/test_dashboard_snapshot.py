"""tickets/dashboard.py: the admin home's figures as one snapshot per ticket scope, refreshed by
beat for the whole desk, with a live "Mine"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from freezegun import freeze_time
from model_bakery import baker

from agents.models import Role, TicketScope
from agents.services import agent_update
from tickets import dashboard
from tickets.tasks import dashboard_refresh_task

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
INDEX = reverse("admin:index")


def _open(customer, n=1, **kwargs):
    return baker.make_recipe("tests.tickets.ticket", customer=customer, _quantity=n, **kwargs)


def _scoped(make_agent, role, scope):
    agent = make_agent(role)
    agent_update(agent=agent, data={"ticket_scope": scope})
    agent.refresh_from_db()
    return agent


def _kpis(response) -> dict[str, int]:
    return {kpi["key"]: kpi["value"] for kpi in response.context["dashboard"]["kpis"]}


@pytest.mark.parametrize(
    ("role", "scope", "key"),
    [
        (Role.ADMIN, TicketScope.ASSIGNED, "desk"),  # admins see everything whatever the field says
        (Role.SENIOR_AGENT, TicketScope.ALL, "desk"),
        (Role.AGENT, TicketScope.ALL, "desk"),
        (Role.AGENT, TicketScope.TEAMS, "teams:{user}"),
        (Role.VIEWER, TicketScope.ASSIGNED, "assigned:{user}"),
    ],
)
def test_scope_keys(make_agent, role, scope, key):
    agent = _scoped(make_agent, role, scope)

    assert dashboard.scope_key(agent.user) == key.format(user=agent.user_id)


def test_a_second_visit_reads_the_snapshot_and_mine_stays_live(client, login, customer_a):
    me = login(Role.AGENT)
    _open(customer_a, 2)
    with freeze_time(NOW):
        first = _kpis(client.get(INDEX))
        _open(customer_a, 3)  # not in the snapshot yet
        _open(customer_a, 1, assignee=me.user)  # mine: counted at once
        second = client.get(INDEX)

    assert first == {"mine": 0, "unassigned": 2, "at_risk": 0, "breached": 0, "waiting": 0, "active": 2}
    assert _kpis(second) == {"mine": 1, "unassigned": 2, "at_risk": 0, "breached": 0, "waiting": 0, "active": 2}
    assert second.context["dashboard"]["computed_at"] == NOW
    assert 'data-computed-at="2026-03-10T12:00:00+00:00"' in second.content.decode()


def test_the_beat_refresh_brings_the_desk_up_to_date(client, login, customer_a):
    login(Role.AGENT)
    _open(customer_a, 2)
    with freeze_time(NOW):
        client.get(INDEX)
    _open(customer_a, 3)
    with freeze_time(NOW + timedelta(seconds=60)):
        stamp = dashboard_refresh_task()
        response = client.get(INDEX)

    assert stamp == "2026-03-10T12:01:00+00:00"
    assert _kpis(response)["active"] == 5
    assert response.context["dashboard"]["computed_at"] == NOW + timedelta(seconds=60)


@pytest.mark.parametrize(("age", "active"), [(149, 2), (151, 5)])
def test_a_snapshot_nobody_refreshed_expires_after_its_lifetime(client, login, customer_a, settings, age, active):
    settings.DASHBOARD_SNAPSHOT_SECONDS = 150
    login(Role.AGENT)
    _open(customer_a, 2)
    with freeze_time(NOW):
        client.get(INDEX)
    _open(customer_a, 3)
    with freeze_time(NOW + timedelta(seconds=age)):
        response = client.get(INDEX)

    assert _kpis(response)["active"] == active


def test_a_narrow_scope_has_its_own_snapshot_and_never_sees_the_desks(client, make_agent, customer_a):
    alpha = baker.make_recipe("tests.agents.team", name="Alpha")
    bravo = baker.make_recipe("tests.agents.team", name="Bravo")
    scoped = _scoped(make_agent, Role.AGENT, TicketScope.TEAMS)
    scoped.teams.add(alpha)
    everyone = _scoped(make_agent, Role.AGENT, TicketScope.ALL)
    _open(customer_a, 2, team=alpha)
    _open(customer_a, 3, team=bravo)
    with freeze_time(NOW):
        dashboard_refresh_task()  # the desk's snapshot exists: 5 active
        client.force_login(scoped.user)
        narrow = _kpis(client.get(INDEX))
        client.force_login(everyone.user)
        wide = _kpis(client.get(INDEX))

    assert (narrow["active"], wide["active"]) == (2, 5)
