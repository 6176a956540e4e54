"""Webhooks are an integration's keys to the kingdom: admins only."""

from __future__ import annotations

try:  # the API engineer's shared role permissions
    from agents.permissions import IsAdminRole
except ImportError:  # pragma: no cover - fallback when agents.permissions is absent
    from rest_framework.permissions import BasePermission

    from agents.models import Role
    from agents.selectors import user_role

    class IsAdminRole(BasePermission):  # type: ignore[no-redef]
        message = "You do not have permission to perform this action with your role."

        def has_permission(self, request, view) -> bool:
            return user_role(request.user) == Role.ADMIN


__all__ = ["IsAdminRole"]
