"""Dependency audit for CI (`.ci/run` calls `.ci/audit`): pip-audit over the pinned requirements,
against PyPI's vulnerability data and then OSV's. Three outcomes, never a silent pass:

- every pinned package audited, none vulnerable: "audit passed", exit 0;
- a known vulnerability: the list, exit 1;
- a database unreachable or packages it could not audit (no network, a registry mirror without the
  JSON API): "SKIPPED" with the reason and the count of unaudited packages, exit 0 — CI must not fail
  for want of network, and must not pretend it audited. AUDIT_REQUIRED=1 turns this into exit 1.

Usage: python .ci/audit.py PIP_AUDIT_BIN REQUIREMENTS_FILE..."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field

SERVICES = ("pypi", "osv")


@dataclass
class Report:
    audited: list[str] = field(default_factory=list)
    vulnerable: list[str] = field(default_factory=list)
    unaudited: list[str] = field(default_factory=list)
    error: str = ""


def read_report(output: str, returncode: int, stderr: str = "") -> Report:
    """pip-audit's JSON output (or its failure) as a Report."""
    try:
        data = json.loads(output)
    except ValueError:
        reason = (stderr.strip().splitlines() or [f"pip-audit exited with {returncode} and no report"])[-1]
        return Report(error=reason[:200])
    report = Report()
    for dependency in data.get("dependencies", []):
        name = f"{dependency.get('name')}=={dependency.get('version', '?')}"
        if dependency.get("skip_reason"):
            report.unaudited.append(dependency["name"])
            continue
        report.audited.append(name)
        for vuln in dependency.get("vulns", []):
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
            report.vulnerable.append(f"{name}: {vuln.get('id')} (fixed in: {fixes})")
    return report


def _reason(report: Report) -> str:
    if report.error:
        return report.error
    total = len(report.unaudited) + len(report.audited)
    return f"{len(report.unaudited)} of {total} packages could not be audited"


def verdict(reports: dict[str, Report], *, required: bool) -> tuple[int, str]:
    """The exit code and the message for the reports of each service tried, in order."""
    for service, report in reports.items():
        if report.vulnerable:
            return 1, f"dependency audit FAILED ({service}):\n  " + "\n  ".join(report.vulnerable)
        if not report.error and not report.unaudited and report.audited:
            count = len(report.audited)
            return 0, f"dependency audit passed: {count} pinned packages, no known vulnerabilities ({service})"
    reasons = "; ".join(f"{service}: {_reason(report)}" for service, report in reports.items())
    code = 1 if required else 0
    return code, f"dependency audit SKIPPED: no vulnerability database answered for every package ({reasons})"


def run(pip_audit: str, requirements: list[str], service: str) -> Report:
    command = [pip_audit, "--vulnerability-service", service, "--no-deps", "--disable-pip"]
    command += ["--progress-spinner", "off", "--format", "json", "--timeout", "15"]
    for path in requirements:
        command += ["-r", path]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)  # noqa: S603
    return read_report(result.stdout, result.returncode, result.stderr)


def main(argv: list[str]) -> int:
    pip_audit, requirements = argv[0], argv[1:]
    reports: dict[str, Report] = {}
    for service in SERVICES:
        reports[service] = run(pip_audit, requirements, service)
        code, message = verdict(reports, required=os.environ.get("AUDIT_REQUIRED") == "1")
        if reports[service].vulnerable or "passed" in message:
            break
    print(message)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
