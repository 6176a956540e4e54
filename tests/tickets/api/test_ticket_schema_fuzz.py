"""The schemathesis run (tests/schema_fuzz.py) over /api/v1/tickets…: as an admin and as a customer."""

from __future__ import annotations

from tests.schema_fuzz import (
    EXAMPLES,
    _keep_test_connection,
    _unknown_hosts_do_not_resolve,
    call_and_check,
    customer_token,
    load,
    targets,
)

__all__ = ["_keep_test_connection", "_unknown_hosts_do_not_resolve", "customer_token", "targets"]

schema = load("^/api/v1/tickets")


@schema.parametrize()
@EXAMPLES
def test_ticket_endpoints_as_an_admin(case, admin_token, targets):
    call_and_check(case, admin_token, targets)


@schema.parametrize()
@EXAMPLES
def test_ticket_endpoints_as_a_customer(case, customer_token, targets):
    """The customer's narrower serializers and scope: still no 5xx, still the documented shapes."""
    response = call_and_check(case, customer_token, targets)
    body = response.json() if response.status_code == 200 else None
    if "/comments/" in case.path and isinstance(body, dict) and "results" in body:
        assert all(not c["is_internal"] for c in body["results"])
