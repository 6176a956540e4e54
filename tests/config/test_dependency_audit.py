"""The CI dependency audit (.ci/audit.py) never passes silently: unaudited packages or an
unreachable database are a SKIPPED message, a vulnerability a failure."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("ci_audit", Path(__file__).resolve().parents[2] / ".ci" / "audit.py")
assert _spec is not None
assert _spec.loader is not None
audit = importlib.util.module_from_spec(_spec)
sys.modules["ci_audit"] = audit  # dataclasses look their module up there
_spec.loader.exec_module(audit)

CLEAN = json.dumps({"dependencies": [{"name": "django", "version": "5.2.19", "vulns": []}]})
VULNERABLE = json.dumps(
    {"dependencies": [{"name": "django", "version": "5.2.1", "vulns": [{"id": "PYSEC-1", "fix_versions": ["5.2.2"]}]}]}
)
NOT_ON_MIRROR = json.dumps(
    {
        "dependencies": [
            {"name": "django", "skip_reason": "Dependency not found on PyPI and could not be audited: django (5.2.19)"},
            {"name": "celery", "skip_reason": "Dependency not found on PyPI and could not be audited: celery (5.7.0)"},
        ]
    }
)
UNREACHABLE = ("", 1, "Traceback ...\nrequests.exceptions.ConnectionError: Failed to resolve 'api.osv.dev'")


@pytest.mark.parametrize(
    ("pypi", "osv", "required", "expected"),
    [
        pytest.param(
            (CLEAN, 0, ""),
            None,
            False,
            (0, "dependency audit passed: 1 pinned packages, no known vulnerabilities (pypi)"),
            id="clean",
        ),
        pytest.param(
            (VULNERABLE, 1, ""),
            None,
            False,
            (1, "dependency audit FAILED (pypi):\n  django==5.2.1: PYSEC-1 (fixed in: 5.2.2)"),
            id="vulnerable",
        ),
        pytest.param(
            (NOT_ON_MIRROR, 0, ""),
            (CLEAN, 0, ""),
            False,
            (0, "dependency audit passed: 1 pinned packages, no known vulnerabilities (osv)"),
            id="mirror-without-json-api-then-osv",
        ),
        pytest.param(
            (NOT_ON_MIRROR, 0, ""),
            UNREACHABLE,
            False,
            (
                0,
                "dependency audit SKIPPED: no vulnerability database answered for every package (pypi: 2 of 2 "
                "packages could not be audited; osv: requests.exceptions.ConnectionError: Failed to resolve "
                "'api.osv.dev')",
            ),
            id="offline-is-an-explicit-skip-not-a-pass",
        ),
        pytest.param(
            (NOT_ON_MIRROR, 0, ""),
            UNREACHABLE,
            True,
            (
                1,
                "dependency audit SKIPPED: no vulnerability database answered for every package (pypi: 2 of 2 "
                "packages could not be audited; osv: requests.exceptions.ConnectionError: Failed to resolve "
                "'api.osv.dev')",
            ),
            id="offline-fails-when-required",
        ),
    ],
)
def test_verdict(pypi, osv, required, expected):
    reports = {"pypi": audit.read_report(*pypi)}
    if osv is not None:
        reports["osv"] = audit.read_report(*osv)

    assert audit.verdict(reports, required=required) == expected
