"""Saved views: named queues (filters, ordering, search) for one agent, a team, or everyone.

- `validate_view_filters` checks a filter dict (pure; every bad key is named);
- `ticket_filter` applies a view's filters to a ticket queryset: the one place the admin
  (`?view=<id>` on the queue), the API (`/api/v1/views/{id}/tickets/`) and the counts share;
- `saved_view_list` / `saved_view_get` are the views a user may see; `saved_view_count` is a
  capped count (never more than CAP rows read, whatever the table's size);
- `saved_view_create` / `saved_view_update` / `saved_view_delete` are the writes, with their
  permission rules: agents keep personal views (viewers only open shared ones); team and everyone views are made
  and changed by senior agents and admins; a view is changed by its owner or an admin."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from agents.models import Role, Team
from agents.selectors import agent_for_user, user_role
from config.api.ids import id_or_none
from config.services import fields_refuse_unknown
from tickets import selectors
from tickets.models import ACTIVE_STATUSES, Priority, SavedView, Status, Ticket, ViewOrdering, ViewVisibility
from tickets.search import ticket_search
from tickets.sla import rules as sla

CAP = 1000  # counts stop here: "1000+"
SLA_STATES = ("breached", "at_risk", "ok")
ORDERINGS: dict[str, tuple[str, ...]] = {
    ViewOrdering.URGENCY: ("-priority_rank", "created_at", "id"),
    ViewOrdering.SLA_DUE: ("sla_due_at", "-id"),
    ViewOrdering.UPDATED: ("-updated_at", "-id"),
    ViewOrdering.NEWEST: ("-created_at", "-id"),
    ViewOrdering.OLDEST: ("created_at", "id"),
}
FILTER_KEYS = ("status", "priority", "team", "assignee", "category", "sla", "escalated")


def _id_or(value: Any, *words: str) -> int | str:
    if isinstance(value, str) and value in words:
        return value
    if isinstance(value, bool) or not str(value).isdigit():
        raise ValueError
    return int(value)


def validate_view_filters(filters: Any) -> dict[str, Any]:  # noqa: C901 - one flat check per key
    """The cleaned filters; a ValidationError names each bad key."""
    if not isinstance(filters, dict):
        raise ValidationError({"filters": ["Expected an object of filters."]})
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for key in sorted(set(filters) - set(FILTER_KEYS)):
        errors[key] = [f"Unknown filter; use {', '.join(FILTER_KEYS)}."]
    for key, choices in (("status", Status.values), ("priority", Priority.values)):
        if key in filters:
            values = filters[key]
            values = [values] if isinstance(values, str) else values
            if not isinstance(values, list) or not values or any(v not in choices for v in values):
                errors[key] = [f"A list of: {', '.join(choices)}."]
            else:
                cleaned[key] = sorted(set(values))
    for key, words in (("team", ("none",)), ("assignee", ("me", "none")), ("category", ())):
        if key in filters and filters[key] not in (None, ""):
            try:
                cleaned[key] = _id_or(filters[key], *words)
            except ValueError:
                errors[key] = ["An id" + (f" or {' / '.join(words)}." if words else ".")]
    if filters.get("sla") not in (None, ""):
        if filters["sla"] in SLA_STATES:
            cleaned["sla"] = filters["sla"]
        else:
            errors["sla"] = [f"One of: {', '.join(SLA_STATES)}."]
    if filters.get("escalated") is not None:
        if isinstance(filters["escalated"], bool):
            cleaned["escalated"] = filters["escalated"]
        else:
            errors["escalated"] = ["true or false."]
    if errors:
        raise ValidationError(errors)
    return cleaned


def ticket_filter(
    queryset: QuerySet[Ticket],
    *,
    user: AbstractBaseUser,
    filters: dict[str, Any],
    search: str = "",
    ordering: str = ViewOrdering.URGENCY,
    now: datetime | None = None,
) -> QuerySet[Ticket]:
    """Apply a view's filters, search and ordering. No status filter means active work."""
    now = now or timezone.now()
    queryset = queryset.filter(status__in=filters.get("status") or sorted(ACTIVE_STATUSES))
    if filters.get("priority"):
        queryset = queryset.filter(priority__in=filters["priority"])
    for key, column in (("team", "team_id"), ("assignee", "assignee_id"), ("category", "category_id")):
        value = filters.get(key)
        if value == "none":
            queryset = queryset.filter(**{f"{column}__isnull": True})
        elif value == "me":
            queryset = queryset.filter(**{column: user.pk})
        elif value is not None:
            queryset = queryset.filter(**{column: value})
    if filters.get("sla") == "breached":
        queryset = queryset.filter(sla.breached_q(now))
    elif filters.get("sla") == "at_risk":
        queryset = queryset.filter(sla.at_risk_q(now))
    elif filters.get("sla") == "ok":
        queryset = queryset.exclude(sla.breached_q(now)).exclude(sla.at_risk_q(now))
    if filters.get("escalated") is not None:
        queryset = queryset.filter(escalated=filters["escalated"])
    if search:
        queryset = ticket_search(queryset, search)
    return queryset.order_by(*ORDERINGS.get(ordering, ORDERINGS[ViewOrdering.URGENCY]))


# --- reads -------------------------------------------------------------------------------------


def _team_ids(user: AbstractBaseUser) -> list[int]:
    agent = agent_for_user(user)
    if agent is None:
        return []
    return list(agent.teams.values_list("id", flat=True))


def saved_view_list(*, user: AbstractBaseUser) -> QuerySet[SavedView]:
    """The views `user` may open: their own, their teams', everyone's (admins see all)."""
    views = SavedView.objects.select_related("team", "owner")
    if user_role(user) == Role.ADMIN:
        return views
    if user_role(user) not in Role.values:
        return views.none()
    visible = Q(owner_id=user.pk) | Q(visibility=ViewVisibility.EVERYONE)
    visible |= Q(visibility=ViewVisibility.TEAM, team__agents__user_id=user.pk)
    return views.filter(visible).distinct()


def saved_view_get(*, user: AbstractBaseUser, pk: Any) -> SavedView | None:
    view_id = id_or_none(pk)
    if view_id is None:
        return None
    return saved_view_list(user=user).filter(pk=view_id).first()


def saved_view_tickets(*, view: SavedView, user: AbstractBaseUser) -> QuerySet[Ticket]:
    """The view's tickets, scoped to what `user` may see."""
    return ticket_filter(
        selectors.ticket_list(user=user), user=user, filters=view.filters, search=view.search, ordering=view.ordering
    )


def saved_view_count(*, view: SavedView, user: AbstractBaseUser, cap: int = CAP) -> tuple[int, bool]:
    """(count, capped): at most cap + 1 rows are read (COUNT over a LIMIT)."""
    n = saved_view_tickets(view=view, user=user).order_by().values("pk")[: cap + 1].count()
    return min(n, cap), n > cap


# --- writes ------------------------------------------------------------------------------------

SHARED_ROLES = frozenset({Role.ADMIN, Role.SENIOR_AGENT})
WRITER_ROLES = frozenset({Role.ADMIN, Role.SENIOR_AGENT, Role.AGENT})


def _check(actor: AbstractBaseUser, *, visibility: str, view: SavedView | None = None) -> None:
    role = user_role(actor)
    if role not in WRITER_ROLES:
        raise PermissionDenied("Only agents keep saved views (viewers open the shared ones).")
    if view is not None and view.owner_id != actor.pk and role != Role.ADMIN:
        raise PermissionDenied("Only the view's owner or an admin may change it.")
    if visibility != ViewVisibility.PERSONAL and role not in SHARED_ROLES:
        raise PermissionDenied("Only senior agents and admins share views with a team or everyone.")


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(data)
    if "filters" in cleaned:
        cleaned["filters"] = validate_view_filters(cleaned["filters"])
    if cleaned.get("ordering") is not None and cleaned["ordering"] not in ViewOrdering.values:
        raise ValidationError({"ordering": [f"One of: {', '.join(ViewOrdering.values)}."]})
    if cleaned.get("visibility") is not None and cleaned["visibility"] not in ViewVisibility.values:
        raise ValidationError({"visibility": [f"One of: {', '.join(ViewVisibility.values)}."]})
    if "name" in cleaned and not str(cleaned["name"]).strip():
        raise ValidationError({"name": ["A view needs a name."]})
    return cleaned


def _team_rule(view: SavedView) -> None:
    if view.visibility == ViewVisibility.TEAM and view.team_id is None:
        raise ValidationError({"team": ["A team view needs its team."]})
    if view.visibility != ViewVisibility.TEAM:
        view.team = None


@transaction.atomic
def saved_view_create(
    *,
    actor: AbstractBaseUser,
    name: str,
    filters: dict[str, Any] | None = None,
    search: str = "",
    ordering: str = ViewOrdering.URGENCY,
    visibility: str = ViewVisibility.PERSONAL,
    team: Team | None = None,
    position: int = 0,
) -> SavedView:
    data = _clean({"name": name, "filters": filters or {}, "ordering": ordering, "visibility": visibility})
    _check(actor, visibility=visibility)
    view = SavedView(owner=actor, team=team, search=search.strip(), position=position, **data)
    view.name = view.name.strip()
    _team_rule(view)
    view.full_clean()
    view.save()
    return view


UPDATABLE = ("name", "filters", "search", "ordering", "visibility", "team", "position")


@transaction.atomic
def saved_view_update(*, view: SavedView, actor: AbstractBaseUser, data: dict[str, Any]) -> SavedView:
    fields_refuse_unknown(data, UPDATABLE)
    data = _clean(data)
    _check(actor, visibility=data.get("visibility", view.visibility), view=view)
    for field, value in data.items():
        setattr(view, field, value.strip() if field in ("name", "search") else value)
    _team_rule(view)
    view.full_clean()
    view.save()
    return view


@transaction.atomic
def saved_view_delete(*, view: SavedView, actor: AbstractBaseUser) -> None:
    _check(actor, visibility=ViewVisibility.PERSONAL, view=view)
    view.delete()
