"""Customer-directory permissions (re-exported from agents.permissions for reuse)."""

from agents.permissions import AgentsReadAdminWrite, AgentsReadSeniorWriteAdminDelete, IsAdminRole

__all__ = ["AgentsReadAdminWrite", "AgentsReadSeniorWriteAdminDelete", "IsAdminRole"]
