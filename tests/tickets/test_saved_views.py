"""Saved views (tickets/saved_views.py): filter validation, the tickets a view lists, who sees
and changes which view, capped counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from model_bakery import baker

from agents.models import Role
from tickets import saved_views
from tickets.models import SavedView, Status

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("filters", "cleaned"),
    [
        pytest.param({}, {}, id="empty"),
        pytest.param({"status": "open"}, {"status": ["open"]}, id="one-status"),
        pytest.param(
            {"priority": ["high", "critical", "high"]}, {"priority": ["critical", "high"]}, id="priorities-deduplicated"
        ),
        pytest.param({"assignee": "me", "team": "none"}, {"assignee": "me", "team": "none"}, id="me-and-no-team"),
        pytest.param({"category": "7", "assignee": 3}, {"category": 7, "assignee": 3}, id="ids"),
        pytest.param({"sla": "breached", "escalated": True}, {"sla": "breached", "escalated": True}, id="sla"),
        pytest.param({"team": None, "sla": ""}, {}, id="blanks-dropped"),
    ],
)
def test_validate_view_filters(filters, cleaned):
    assert saved_views.validate_view_filters(filters) == cleaned


@pytest.mark.parametrize(
    ("filters", "bad"),
    [
        pytest.param([], ["filters"], id="not-an-object"),
        pytest.param({"colour": "red"}, ["colour"], id="unknown-key"),
        pytest.param({"status": ["open", "lost"]}, ["status"], id="bad-status"),
        pytest.param({"priority": []}, ["priority"], id="empty-priority"),
        pytest.param({"assignee": "you"}, ["assignee"], id="bad-assignee"),
        pytest.param({"category": "none"}, ["category"], id="category-none"),
        pytest.param({"team": True}, ["team"], id="bool-team"),
        pytest.param({"sla": "late", "escalated": "yes"}, ["escalated", "sla"], id="sla-and-escalated"),
    ],
)
def test_validate_view_filters_names_each_bad_key(filters, bad):
    with pytest.raises(ValidationError) as caught:
        saved_views.validate_view_filters(filters)
    assert sorted(caught.value.message_dict) == bad


@pytest.fixture
def desk(customer_a, make_agent):
    me = make_agent(Role.AGENT)
    other = make_agent(Role.AGENT)
    team = baker.make_recipe("tests.agents.team", name="Billing")
    me.teams.add(team)
    now = timezone.now()

    def ticket(**kwargs):
        return baker.make_recipe("tests.tickets.ticket", customer=customer_a, **kwargs)

    return {
        "me": me,
        "other": other,
        "team": team,
        "mine_high": ticket(
            assignee=me.user, priority="high", team=team, first_response_due_at=now + timedelta(hours=5)
        ),
        "mine_low": ticket(assignee=me.user, priority="low", first_response_due_at=now + timedelta(hours=1)),
        "theirs": ticket(assignee=other.user, priority="high", team=team),
        "unassigned_breached": ticket(priority="critical", first_response_due_at=now - timedelta(hours=1)),
        "mine_closed": ticket(assignee=me.user, status=Status.CLOSED, closed_at=now, resolved_at=now),
    }


@pytest.mark.parametrize(
    ("filters", "search", "ordering", "expected"),
    [
        pytest.param({}, "", "urgency", ["unassigned_breached", "mine_high", "theirs", "mine_low"], id="active-work"),
        pytest.param({"assignee": "me"}, "", "urgency", ["mine_high", "mine_low"], id="mine"),
        pytest.param({"assignee": "me"}, "", "sla_due", ["mine_low", "mine_high"], id="mine-by-deadline"),
        pytest.param({"assignee": "none"}, "", "urgency", ["unassigned_breached"], id="unassigned"),
        pytest.param({"status": ["closed"]}, "", "urgency", ["mine_closed"], id="closed"),
        pytest.param({"priority": ["high"], "team": "TEAM"}, "", "urgency", ["mine_high", "theirs"], id="team-high"),
        pytest.param({"sla": "breached"}, "", "urgency", ["unassigned_breached"], id="breached"),
        pytest.param({}, "MINE_HIGH", "urgency", ["mine_high"], id="search-by-number"),
    ],
)
def test_a_view_lists_the_right_tickets_in_its_order(desk, filters, search, ordering, expected):
    filters = {k: (desk["team"].pk if v == "TEAM" else v) for k, v in filters.items()}
    search = str(desk["mine_high"].pk) if search == "MINE_HIGH" else search
    view = saved_views.saved_view_create(
        actor=desk["me"].user, name="v", filters=filters, search=search, ordering=ordering
    )
    got = list(saved_views.saved_view_tickets(view=view, user=desk["me"].user).values_list("pk", flat=True))
    assert got == [desk[name].pk for name in expected]
    assert saved_views.saved_view_count(view=view, user=desk["me"].user) == (len(expected), False)


def test_counts_are_capped(desk):
    view = saved_views.saved_view_create(actor=desk["me"].user, name="all active")
    assert saved_views.saved_view_count(view=view, user=desk["me"].user, cap=3) == (3, True)
    assert saved_views.saved_view_count(view=view, user=desk["me"].user, cap=4) == (4, False)


def test_who_sees_which_view(desk, make_agent):
    me, other = desk["me"], desk["other"]
    senior = make_agent(Role.SENIOR_AGENT)
    admin = make_agent(Role.ADMIN)
    personal = saved_views.saved_view_create(actor=other.user, name="other's own")
    team_view = saved_views.saved_view_create(actor=senior.user, name="billing", visibility="team", team=desk["team"])
    everyone = saved_views.saved_view_create(actor=senior.user, name="all breached", visibility="everyone")
    mine = saved_views.saved_view_create(actor=me.user, name="my own")
    assert set(saved_views.saved_view_list(user=me.user)) == {team_view, everyone, mine}
    assert set(saved_views.saved_view_list(user=other.user)) == {personal, everyone}
    assert set(saved_views.saved_view_list(user=admin.user)) == {personal, team_view, everyone, mine}
    assert saved_views.saved_view_get(user=me.user, pk=personal.pk) is None
    assert saved_views.saved_view_get(user=me.user, pk="x") is None


@pytest.mark.parametrize(
    ("role", "visibility", "allowed"),
    [
        pytest.param(Role.VIEWER, "personal", False, id="viewer-personal"),
        pytest.param(Role.AGENT, "personal", True, id="agent-personal"),
        pytest.param(Role.AGENT, "everyone", False, id="agent-everyone"),
        pytest.param(Role.AGENT, "team", False, id="agent-team"),
        pytest.param(Role.SENIOR_AGENT, "team", True, id="senior-team"),
        pytest.param(Role.ADMIN, "everyone", True, id="admin-everyone"),
    ],
)
def test_who_may_share_a_view(make_agent, role, visibility, allowed):
    actor = make_agent(role)
    team = baker.make_recipe("tests.agents.team")
    kwargs = {"team": team} if visibility == "team" else {}
    if allowed:
        view = saved_views.saved_view_create(actor=actor.user, name="v", visibility=visibility, **kwargs)
        assert (view.visibility, view.owner_id) == (visibility, actor.user.pk)
    else:
        with pytest.raises(PermissionDenied):
            saved_views.saved_view_create(actor=actor.user, name="v", visibility=visibility, **kwargs)


def test_only_the_owner_or_an_admin_changes_a_view(desk, make_agent):
    view = saved_views.saved_view_create(actor=desk["me"].user, name="mine")
    with pytest.raises(PermissionDenied):
        saved_views.saved_view_update(view=view, actor=desk["other"].user, data={"name": "stolen"})
    with pytest.raises(PermissionDenied):
        saved_views.saved_view_delete(view=view, actor=desk["other"].user)
    admin = make_agent(Role.ADMIN)
    saved_views.saved_view_update(view=view, actor=admin.user, data={"name": " renamed "})
    assert SavedView.objects.get().name == "renamed"
    saved_views.saved_view_delete(view=view, actor=desk["me"].user)
    assert not SavedView.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        pytest.param({"name": "  "}, "name", id="blank-name"),
        pytest.param({"ordering": "random"}, "ordering", id="ordering"),
        pytest.param({"visibility": "friends"}, "visibility", id="visibility"),
        pytest.param({"filters": {"status": "lost"}}, "status", id="filters"),
    ],
)
def test_bad_views_are_refused_naming_the_field(desk, kwargs, field):
    with pytest.raises(ValidationError) as caught:
        saved_views.saved_view_create(actor=desk["me"].user, **{"name": "v", **kwargs})
    assert list(caught.value.message_dict) == [field]


def test_a_team_view_needs_its_team_and_other_views_drop_it(desk, make_agent):
    senior = make_agent(Role.SENIOR_AGENT)
    with pytest.raises(ValidationError) as caught:
        saved_views.saved_view_create(actor=senior.user, name="v", visibility="team")
    assert list(caught.value.message_dict) == ["team"]
    view = saved_views.saved_view_create(actor=senior.user, name="v", visibility="everyone", team=desk["team"])
    assert view.team is None
    with pytest.raises(ValidationError):
        saved_views.saved_view_update(view=view, actor=senior.user, data={"owner": desk["me"].user})
