"""Who may do what to tickets (the contract's role rules). Scoping is the selectors' job."""

from __future__ import annotations

from typing import Any

from agents.permissions import (
    AGENT_ROLES,
    SENIOR_ROLES,
    WRITER_ROLES,
    IsAdminRole,
    IsAgentRole,
    IsWritingAgent,
    RolePermission,
    request_role,
)
from agents.selectors import CUSTOMER_ROLE

__all__ = [
    "CanCloseOwnTicket",
    "IsAdminRole",
    "IsAgentRole",
    "IsWritingAgent",
    "TicketAccess",
]


class TicketAccess(RolePermission):
    """Tickets and their comments: agents and customers read; viewers never write; customers
    create and comment within their scope (the selector)."""

    read_roles = AGENT_ROLES | {CUSTOMER_ROLE}
    write_roles = WRITER_ROLES | {CUSTOMER_ROLE}


class CanCloseOwnTicket(RolePermission):
    """PATCH: agents change anything (the serializer says what); a customer only their own tickets."""

    read_roles = AGENT_ROLES | {CUSTOMER_ROLE}
    write_roles = WRITER_ROLES | {CUSTOMER_ROLE}
    message = "You do not have permission to change this ticket: customers may only close or reopen their own."

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        if request_role(request) != CUSTOMER_ROLE or request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        customer = getattr(request.user, "customer", None)
        return customer is not None and obj.customer_id == customer.pk


class _ScopeFirst(RolePermission):
    """For customers, the scope check comes first: the view looks the ticket up (404 when it is
    not theirs to see) and only then refuses the action (403). Everybody else is decided at once."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if request_role(request) == CUSTOMER_ROLE:
            return True
        return super().has_permission(request, view)

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        return request_role(request) in self.allowed_roles(request.method)


class AdminOnlyScopeFirst(_ScopeFirst):
    read_roles = IsAdminRole.read_roles
    write_roles = IsAdminRole.write_roles


class WritingAgentScopeFirst(_ScopeFirst):
    read_roles = WRITER_ROLES
    write_roles = WRITER_ROLES


class AgentOrCustomerReader(RolePermission):
    """Lets agents and customers reach a view that then decides after the scope check."""

    read_roles = AGENT_ROLES | {CUSTOMER_ROLE}


class CanSeeReports(RolePermission):
    """Reports: admins and senior agents (read-only)."""

    read_roles = SENIOR_ROLES
    write_roles = frozenset()
