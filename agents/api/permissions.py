"""Agent-directory permissions (defined in agents.permissions, shared by every app's API)."""

from agents.permissions import AgentsReadAdminWrite, IsAdminRole

__all__ = ["AgentsReadAdminWrite", "IsAdminRole"]
