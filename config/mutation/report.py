"""Results of one module's mutation run (config/mutation/results/<dotted.module>.md) and the report over
all of them (config/mutation/REPORT.md). Standard library only; run.py calls it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
EQUIVALENT = HERE / "equivalent"
REPORT = HERE / "REPORT.md"
SUMMARY = re.compile(r"^<!-- summary (\{.*\}) -->$", re.MULTILINE)

# mutmut's statuses (mutmut.stats.status_by_exit_code) grouped: a mutant is detected when a test failed
# on it (killed) or it ran into the time limit (timeout: an endless loop is a detected change).
DETECTED = {"killed", "timeout", "caught by type check"}
REQUIRED_SCORE = 90.0


@dataclass
class Outcome:
    target: str
    dotted: str
    status_by_mutant: dict[str, str]
    tests: list[str]
    database: str
    seconds: float
    diff_by_mutant: dict[str, str] = field(default_factory=dict)
    undecorated: int = 0


def equivalents_file(dotted: str) -> Path:
    return EQUIVALENT / f"{dotted}.txt"


def load_equivalents(dotted: str) -> dict[str, str]:
    """`<mutant name>  # one-line reason` per line; blank lines and lines starting with # are skipped."""
    path = equivalents_file(dotted)
    if not path.exists():
        return {}
    equivalents = {}
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, reason = line.partition("#")
        equivalents[name.strip()] = reason.strip()
    return equivalents


def summarise(outcome: Outcome) -> dict:
    equivalents = load_equivalents(outcome.dotted)
    counts: dict[str, int] = {}
    for status in outcome.status_by_mutant.values():
        counts[status] = counts.get(status, 0) + 1
    undetected = {name for name, status in outcome.status_by_mutant.items() if status not in DETECTED}
    equivalent = sorted(undetected & equivalents.keys())
    survivors = sorted(undetected - equivalents.keys())
    mutants = len(outcome.status_by_mutant)
    detected = mutants - len(undetected)
    judged = mutants - len(equivalent)
    return {
        "target": outcome.target,
        "mutants": mutants,
        "killed": detected,
        "timeout": counts.get("timeout", 0),
        "survived": len(survivors),
        "no_tests": sum(1 for name in survivors if outcome.status_by_mutant[name] == "no tests"),
        "suspicious": sum(1 for name in survivors if outcome.status_by_mutant[name] not in ("survived", "no tests")),
        "equivalent": len(equivalent),
        "score": round(100.0 * detected / judged, 1) if judged else 100.0,
        "seconds": round(outcome.seconds),
        "database": outcome.database,
        "survivors": survivors,
        "equivalents": equivalent,
        # Listed as equivalent, yet a test kills it (not an equivalent) or it no longer exists.
        "stale_equivalents": sorted(equivalents.keys() - undetected),
    }


def write_results(outcome: Outcome) -> dict:
    summary = summarise(outcome)
    equivalents = load_equivalents(outcome.dotted)
    per_mutant = outcome.seconds / summary["mutants"] if summary["mutants"] else 0.0
    compact = {key: value for key, value in summary.items() if key not in ("survivors", "equivalents")}
    lines = [
        f"<!-- summary {json.dumps(compact, sort_keys=True)} -->",
        f"# Mutation results: `{outcome.target}`",
        "",
        f"`python3 config/dev.py mutate {outcome.target}` on {outcome.database},"
        f" {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: {summary['seconds']} s in all, {per_mutant:.1f} s per mutant.",
        "",
        "| mutants | killed | survived | equivalent | score |",
        "|---:|---:|---:|---:|---:|",
        f"| {summary['mutants']} | {summary['killed']} | {summary['survived']} | {summary['equivalent']}"
        f" | {summary['score']:.1f}% |",
        "",
        "killed: a test failed (or the mutant timed out:"
        f" {summary['timeout']}); survived: no test failed (of them, no test ran the code: {summary['no_tests']};"
        f" suspicious/crashed: {summary['suspicious']}); equivalent: listed in"
        f" `config/mutation/equivalent/{outcome.dotted}.txt`; score = killed / (mutants - equivalent).",
        "",
        "Tests: " + " ".join(f"`{test}`" for test in outcome.tests),
        "",
        f"Decorated functions mutated too (decorators applied by assignment in the copy): {outcome.undecorated}.",
        "",
        "## Surviving mutants",
        "",
    ]
    if not summary["survivors"]:
        lines.append("None.")
    for name in summary["survivors"]:
        lines += [f"### `{name}` ({outcome.status_by_mutant[name]})", ""]
        diff = outcome.diff_by_mutant.get(name)
        if diff:
            lines += ["```diff", diff, "```", ""]
    lines += ["", "## Equivalent mutants", ""]
    lines += [f"- `{name}`: {equivalents[name]}" for name in summary["equivalents"]] or ["None."]
    if summary["stale_equivalents"]:
        lines += ["", "## Stale lines in the equivalents file (killed now, or no such mutant): remove them", ""]
        lines += [f"- `{name}`" for name in summary["stale_equivalents"]]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{outcome.dotted}.md").write_text("\n".join(lines).rstrip() + "\n")
    return summary


def write_report() -> Path:
    rows = []
    for path in sorted(RESULTS.glob("*.md")):
        match = SUMMARY.search(path.read_text())
        if match:
            rows.append((json.loads(match.group(1)), path.name))
    rows.sort(key=lambda row: row[0]["target"])
    lines = [
        "# Mutation testing report",
        "",
        "Regenerated by `python3 config/dev.py mutate --report` from `config/mutation/results/*.md` (one file per"
        " module, written by `python3 config/dev.py mutate <module>`). score = killed / (mutants - equivalent);"
        f" the bar is {REQUIRED_SCORE:.0f}% in every domain module and 100% for the lifecycle table, selectors'"
        " scoping and signing. Equivalent mutants are listed with a reason in `config/mutation/equivalent/`.",
        "",
        "| module | mutants | killed | survived | equivalent | score | run time | details |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    totals = dict.fromkeys(("mutants", "killed", "survived", "equivalent"), 0)
    for summary, name in rows:
        flag = "" if summary["score"] >= REQUIRED_SCORE else " ⚠"
        lines.append(
            f"| `{summary['target']}` | {summary['mutants']} | {summary['killed']} | {summary['survived']}"
            f" | {summary['equivalent']} | {summary['score']:.1f}%{flag} | {summary['seconds']} s"
            f" | [results](results/{name}) |"
        )
        for key in totals:
            totals[key] += summary[key]
    judged = totals["mutants"] - totals["equivalent"]
    score = 100.0 * totals["killed"] / judged if judged else 100.0
    lines.append(
        f"| **all** | {totals['mutants']} | {totals['killed']} | {totals['survived']} | {totals['equivalent']}"
        f" | {score:.1f}% | | |"
    )
    REPORT.write_text("\n".join(lines) + "\n")
    return REPORT
