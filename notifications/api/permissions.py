"""Webhooks are an integration's keys to the kingdom: admins only."""

from __future__ import annotations

from agents.permissions import IsAdminRole

__all__ = ["IsAdminRole"]
