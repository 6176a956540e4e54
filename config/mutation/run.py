"""Mutation testing of one module with that module's tests (mutmut 3): `python3 config/dev.py mutate ...`
runs this file with the virtualenv's python.

    run.py tickets/sla/clock.py [more modules]   # each with its tests from config/mutation/targets.txt
    run.py tickets/sla/                          # every module of targets.txt under that folder
    run.py --all                                 # every module of targets.txt
    run.py tickets/sla/clock.py --survivors      # re-test only the last run's survivors (after new tests)
    run.py tickets/models/tickets.py::ALLOWED_TRANSITIONS   # a table: add or remove each single entry
    run.py --report                              # regenerate config/mutation/REPORT.md

For each module it snapshots the working tree (git's tracked and untracked, not ignored, files) into
.mutation/<dotted.module>/, writes mutmut's setup.cfg there (the module to mutate, its tests), a
pytest.ini without coverage and the root conftest.py of session.py (one test database per run), runs
`mutmut run` there, and writes config/mutation/results/<dotted.module>.md from mutmut's result files
(mutants/<module>.meta) plus the equivalents listed in config/mutation/equivalent/<dotted.module>.txt.
SQLite and one process by default; with DATABASE_URL set the PostgreSQL-only tests run too.
Browser tests never run."""

from __future__ import annotations

import argparse
import configparser
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import report  # noqa: E402

ROOT = HERE.parent.parent
WORK = ROOT / ".mutation"
TARGETS = HERE / "targets.txt"
PYTEST_ARGS = ["-p", "no:cacheprovider", "-m", "not browser", "-W", "ignore::pytest.PytestAssertRewriteWarning"]


def read_targets() -> dict[str, list[str]]:
    """`<module path>: <test path or node id> ...`, one module a line; # starts a comment."""
    targets: dict[str, list[str]] = {}
    for line in TARGETS.read_text().splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        target, _, tests = line.partition(": ")
        targets.setdefault(target.strip(), []).extend(tests.split())
    return targets


def dotted(target: str) -> str:
    path, _, table = target.partition("::")
    name = path.removesuffix(".py").replace("/", ".").removesuffix(".__init__")
    return f"{name}.{table}" if table else name


def expand(names: list[str], targets: dict[str, list[str]]) -> list[str]:
    chosen: list[str] = []
    for name in names:
        if name in targets:
            chosen.append(name)
            continue
        under = [target for target in targets if target.startswith(name.rstrip("/") + "/")]
        if not under:
            sys.exit(f"{name}: not in {TARGETS.relative_to(ROOT)}; add a line `{name}: <its tests>` there first.")
        chosen += under
    return list(dict.fromkeys(chosen))


def snapshot(work: Path, fresh: bool) -> None:
    """Copy the working tree into `work` (mtimes kept: mutmut compares them), with pytest.ini minus
    coverage and session.py as the root conftest.py."""
    if fresh and work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for relative in filter(None, listed.split("\0")):
        source = ROOT / relative
        if source.is_file() and not relative.startswith("config/mutation/results/"):
            (work / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, work / relative)
    ini = configparser.ConfigParser(interpolation=None)
    ini.optionxform = str  # type: ignore[assignment,method-assign]  # keep DJANGO_SETTINGS_MODULE's case
    ini.read(ROOT / "pytest.ini")
    addopts = [opt for opt in ini["pytest"]["addopts"].split() if not opt.startswith("--cov")]
    ini["pytest"]["addopts"] = "\n" + "\n".join(addopts)
    with (work / "pytest.ini").open("w") as handle:
        ini.write(handle)
    own = (ROOT / "conftest.py").read_text() + "\n\n" if (ROOT / "conftest.py").exists() else ""
    (work / "conftest.py").write_text(own + (HERE / "session.py").read_text())


def database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return "PostgreSQL" if url.startswith(("postgres", "pgsql")) else ("SQLite" if not url else url.split(":")[0])


def write_setup_cfg(work: Path, module: str, tests: list[str]) -> None:
    top_level = sorted(entry.name for entry in work.iterdir() if entry.name not in ("mutants", "setup.cfg"))
    cfg = configparser.ConfigParser(interpolation=None)
    cfg["mutmut"] = {
        "source_paths": module,
        "also_copy": "\n" + "\n".join(top_level),
        "pytest_add_cli_args": "\n" + "\n".join(PYTEST_ARGS),
        "pytest_add_cli_args_test_selection": "\n" + "\n".join(tests),
        "use_git_change_detection": "false",
        "timeout_multiplier": "10",
        "timeout_constant": "5",
    }
    with (work / "setup.cfg").open("w") as handle:
        cfg.write(handle)


def mutate_module(target: str, tests: list[str], jobs: int, survivors: bool) -> dict:
    work = WORK / dotted(target)
    previous = survivors and (work / "mutants" / f"{target}.meta").exists()
    names = report.summarise(read_outcome(target, work, tests, 0.0))["survivors"] if previous else []
    if survivors and not names:
        print(f"==> {target}: no survivors from an earlier run here; running every mutant")
    meta = work / "mutants" / f"{target}.meta"
    earlier = json.loads(meta.read_text())["exit_code_by_key"] if names else {}
    snapshot(work, fresh=not names)
    undecorated = undecorate_module(work / target)
    write_setup_cfg(work, target, tests)
    mutmut = Path(sys.executable).with_name("mutmut")
    started = time.monotonic()
    ran = subprocess.run([str(mutmut), "run", "--max-children", str(jobs), *names], cwd=work, check=False)
    seconds = time.monotonic() - started
    if ran.returncode != 0 or not meta.exists():
        sys.exit(f"mutmut failed on {target} (exit code {ran.returncode}); its output is above. Work dir: {work}")
    if names:  # mutmut regenerated the meta: the mutants not re-tested keep the earlier run's outcome
        keep_earlier(meta, earlier, names)
    outcome = read_outcome(target, work, tests, seconds)
    outcome.undecorated = undecorated
    if names:  # a partial run: keep the full run's time
        outcome.seconds = last_seconds(dotted(target), seconds)
    return report.write_results(outcome)


def keep_earlier(meta: Path, earlier: dict[str, int | None], names: list[str]) -> None:
    data = json.loads(meta.read_text())
    codes = data["exit_code_by_key"]
    for name in codes.keys() - set(names):
        if earlier.get(name) is not None:
            codes[name] = earlier[name]
    meta.write_text(json.dumps(data))


def undecorate_module(path: Path) -> int:
    """Decorators applied by assignment in the work copy, so mutmut mutates decorated functions too."""
    from undecorate import undecorate

    source, rewritten = undecorate(path.read_text())
    if rewritten:
        path.write_text(source)
    return rewritten


def read_outcome(target: str, work: Path, tests: list[str], seconds: float) -> report.Outcome:
    from mutmut.stats import status_by_exit_code

    meta = json.loads((work / "mutants" / f"{target}.meta").read_text())
    status_by_mutant = {name: status_by_exit_code[code] for name, code in meta["exit_code_by_key"].items()}
    outcome = report.Outcome(target, dotted(target), status_by_mutant, tests, database(), seconds)
    undetected = [name for name, status in status_by_mutant.items() if status not in report.DETECTED]
    outcome.diff_by_mutant = diffs(work, target, undetected)
    return outcome


def diffs(work: Path, target: str, names: list[str]) -> dict[str, str]:
    if not names:
        return {}
    code = (
        "import json, sys\nfrom mutmut.mutation.diff_apply import get_diff_for_mutant\n"
        "print(json.dumps({n: get_diff_for_mutant(n, path=sys.argv[1]) for n in sys.argv[2:]}))"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code, target, *names], cwd=work, capture_output=True, text=True, check=False
    )
    if shown.returncode != 0:
        return {}
    return {name: "\n".join(diff.splitlines()[2:]) for name, diff in json.loads(shown.stdout).items()}


def last_seconds(name: str, default: float) -> float:
    path = report.RESULTS / f"{name}.md"
    match = report.SUMMARY.search(path.read_text()) if path.exists() else None
    return float(json.loads(match.group(1))["seconds"]) if match else default


def mutate_table(target: str, tests: list[str]) -> dict:
    """A module-level dict of sets (the lifecycle table): one mutant per (key, member) pair, adding the
    member where it is missing and removing it where it is present; run in forks of one warm process."""
    import importlib

    work = WORK / dotted(target)
    snapshot(work, fresh=True)
    module_path, _, name = target.partition("::")
    module = dotted(module_path)
    os.chdir(work)
    sys.path.insert(0, str(work))
    import pytest

    args = ["--rootdir=.", "-x", "-q", *PYTEST_ARGS, *tests]
    started = time.monotonic()
    if pytest.main(args) != 0:
        sys.exit(f"The tests of {target} fail without any mutation; fix them first.")
    baseline = time.monotonic() - started
    table = getattr(importlib.import_module(module), name)
    universe = sorted(set(table) | {member for members in table.values() for member in members})
    status_by_mutant: dict[str, str] = {}
    for key in sorted(table):
        for member in universe:
            sign = "-" if member in table[key] else "+"
            mutant = f"{module}.{name}[{sign}{key}->{member}]"
            status_by_mutant[mutant] = run_flip(f"{module}:{name}:{key}:{member}", args, limit=int(baseline * 10) + 30)
            print(f"    {mutant}: {status_by_mutant[mutant]}", flush=True)
    outcome = report.Outcome(target, dotted(target), status_by_mutant, tests, database(), time.monotonic() - started)
    return report.write_results(outcome)


def run_flip(flip: str, args: list[str], limit: int) -> str:
    import signal

    import pytest

    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        os.environ["MUTATION_TABLE_FLIP"] = flip
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        signal.alarm(limit)
        os._exit(int(pytest.main(args)))
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    return {0: "survived", 1: "killed", -signal.SIGALRM: "timeout"}.get(code, "suspicious")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python3 config/dev.py mutate", description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help="module paths (or folders) listed in config/mutation/targets.txt")
    parser.add_argument("--all", action="store_true", help="every module of targets.txt")
    parser.add_argument("--survivors", action="store_true", help="re-test only the last run's survivors")
    parser.add_argument("-j", "--jobs", type=int, default=1, help="mutants tested at once (default 1)")
    parser.add_argument("--report", action="store_true", help="regenerate config/mutation/REPORT.md")
    options = parser.parse_args(argv)
    targets = read_targets()
    chosen = list(targets) if options.all else expand(options.modules, targets)
    if not chosen and not options.report:
        parser.print_help()
        return 2
    for target in chosen:
        print(f"==> mutating {target} with {' '.join(targets[target])} on {database()}", flush=True)
        if "::" in target:
            pid = os.fork()  # the table runner imports Django and chdirs: keep that out of this process
            if pid == 0:
                summary = mutate_table(target, targets[target])
                os._exit(0)
            if os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) != 0:
                return 1
            summary = json.loads(report.SUMMARY.search((report.RESULTS / f"{dotted(target)}.md").read_text())[1])
        else:
            summary = mutate_module(target, targets[target], options.jobs, options.survivors)
        print(
            f"==> {target}: {summary['mutants']} mutants, {summary['killed']} killed, {summary['survived']} survived,"
            f" {summary['equivalent']} equivalent: {summary['score']:.1f}% in {summary['seconds']} s"
            f" (config/mutation/results/{dotted(target)}.md)",
            flush=True,
        )
    if options.report or chosen:
        print(f"==> report: {report.write_report().relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
