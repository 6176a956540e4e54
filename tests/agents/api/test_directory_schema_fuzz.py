"""The schemathesis run (tests/schema_fuzz.py) over the directory (auth, me, agents, teams, API keys,
customers, organisations): as an admin and as a customer."""

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

schema = load("^/api/v1/(customers|organizations|agents|teams|api-keys|me|auth)/")


@schema.parametrize()
@EXAMPLES
def test_directory_endpoints_as_an_admin(case, admin_token, targets):
    call_and_check(case, admin_token, targets)


@schema.parametrize()
@EXAMPLES
def test_directory_endpoints_as_a_customer(case, customer_token, targets):
    call_and_check(case, customer_token, targets)
