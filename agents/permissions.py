"""Reusable role permissions for the API. A role is `agents.selectors.user_role`: admin,
senior_agent, agent, viewer or customer. A refusal is a 403 whose message mentions permission;
an unauthenticated caller gets a 401 (DRF does that before these run).

Scoping (which tickets a customer may see at all) is not done here but in the selectors, so a
ticket of another organisation is a 404, never a 403."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission

from agents.models import Role
from agents.selectors import user_role

AGENT_ROLES = frozenset(Role.values)  # every staff role, viewer included
WRITER_ROLES = frozenset({Role.ADMIN, Role.SENIOR_AGENT, Role.AGENT})
SENIOR_ROLES = frozenset({Role.ADMIN, Role.SENIOR_AGENT})
ADMIN_ROLES = frozenset({Role.ADMIN})


def request_role(request: Any) -> str | None:
    """The caller's role, computed once per request."""
    if not hasattr(request, "_helpdesk_role"):
        request._helpdesk_role = user_role(request.user)
    return request._helpdesk_role


class RolePermission(BasePermission):
    """Allow reads to `read_roles` and writes (any unsafe method) to `write_roles`; DELETE to
    `delete_roles` (defaults to `write_roles`). Subclass and set the three sets."""

    message = "You do not have permission to perform this action with your role."
    read_roles: frozenset[str] = frozenset()
    write_roles: frozenset[str] = frozenset()
    delete_roles: frozenset[str] | None = None

    def allowed_roles(self, method: str) -> frozenset[str]:
        if method in SAFE_METHODS:
            return self.read_roles
        if method == "DELETE" and self.delete_roles is not None:
            return self.delete_roles
        return self.write_roles

    def has_permission(self, request: Any, view: Any) -> bool:
        return request_role(request) in self.allowed_roles(request.method)


class IsAdminRole(RolePermission):
    """Admins only, for every method."""

    read_roles = ADMIN_ROLES
    write_roles = ADMIN_ROLES


class IsAgentRole(RolePermission):
    """Any agent, viewers included, for every method (combine with ReadOnlyForViewer)."""

    read_roles = AGENT_ROLES
    write_roles = AGENT_ROLES


class IsWritingAgent(RolePermission):
    """Admins, senior agents and agents (not viewers, not customers), for every method."""

    read_roles = WRITER_ROLES
    write_roles = WRITER_ROLES


class ReadOnlyForViewer(BasePermission):
    """Viewers may only read; everybody else passes (other classes decide for them)."""

    message = "You do not have permission to change anything: the viewer role is read-only."

    def has_permission(self, request: Any, view: Any) -> bool:
        return request.method in SAFE_METHODS or request_role(request) != Role.VIEWER


class AgentsReadAdminWrite(RolePermission):
    """Directory data (organisations, agents, teams): agents read, admins write."""

    read_roles = AGENT_ROLES
    write_roles = ADMIN_ROLES


class AgentsReadSeniorWriteAdminDelete(RolePermission):
    """Customers: agents read, senior agents and admins write, admins delete."""

    read_roles = AGENT_ROLES
    write_roles = SENIOR_ROLES
    delete_roles = ADMIN_ROLES
