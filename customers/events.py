"""The domain events the customers app publishes (registered with notifications in
CustomersConfig.ready)."""

from __future__ import annotations

EVENTS: tuple[str, ...] = (
    "customer.created",
    "customer.updated",
    "customer.deleted",
    "customer.erased",
    "customer.merged",
    "customer.portal_access_granted",
)
