"""Which issue-#13 reproductions the linter gets right today.

    python benchmarks/recall_fixtures.py            # one line per case, then the totals
    python benchmarks/recall_fixtures.py --failing  # only the cases that are not right yet

Reads ``tests/fixtures/recall/manifest.toml``. A bad case is right when every expected
``(path, line)`` has a finding with the expected code (or one of the case's ``also`` codes);
a fixed or near-miss case is right when it has no rule finding at all. Single-file cases are
linted as one file; project cases (folders) are linted as a folder, so the other modules are
there. ``PLG000``/``PLG900``/``PLG999`` are not rule findings.

A case runs in pytest once it is wired (`wired = true`); this script shows every case, wired or not.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the project supports 3.10, where tomli is a dependency
    import tomli as tomllib

REPO = Path(__file__).resolve().parent.parent
CASES = REPO / "tests" / "fixtures" / "recall"
NOT_RULE_CODES = frozenset({"PLG000", "PLG900", "PLG999"})


@dataclass(frozen=True)
class Expected:
    """One finding a bad case should produce."""

    path: str
    line: int
    codes: frozenset[str]


@dataclass(frozen=True)
class Case:
    """One reproduction: a file or a project folder, and what it should report."""

    idiom: str
    kind: str
    target: str
    expect: tuple[Expected, ...]


@dataclass(frozen=True)
class Outcome:
    """What the linter reported for a case, and whether that is right."""

    case: Case
    right: bool
    got: tuple[tuple[str, int, str], ...]


def load_cases(manifest: Path = CASES / "manifest.toml") -> list[Case]:
    """Read the cases of the manifest."""
    data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    cases = []
    for item in data["case"]:
        also = frozenset(item.get("also", []))
        expect = tuple(
            Expected(e["path"], int(e["line"]), frozenset({e["code"]}) | also)
            for e in item["expect"]
        )
        cases.append(Case(item["idiom"], item["kind"], item["target"], expect))
    return cases


def judge(case: Case, got: Sequence[tuple[str, int, str]]) -> bool:
    """Whether the findings (path relative to the cases folder, line, code) are right."""
    rule = [g for g in got if g[2] not in NOT_RULE_CODES]
    if case.kind != "bad":
        return not rule
    return all(
        any(path == e.path and line == e.line and code in e.codes for path, line, code in rule)
        for e in case.expect
    )


def lint(case: Case, root: Path = CASES) -> tuple[tuple[str, int, str], ...]:
    """Run the linter on one case; paths come back relative to the cases folder."""
    target = root / case.target
    cwd, arg = (target, ".") if target.is_dir() else (root, case.target)
    command = [sys.executable, "-m", "pooling_lint", "check", "--format", "json"]
    completed = subprocess.run(
        [*command, "--no-cache", "--exit-zero", arg],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    found = []
    for item in json.loads(completed.stdout or "[]"):
        path = (cwd / item["path"]).resolve().relative_to(root.resolve()).as_posix()
        found.append((path, int(item["line"]), str(item["code"])))
    return tuple(sorted(found))


def main(argv: Sequence[str] | None = None) -> int:
    """Lint every case of the manifest and print which are right."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--failing", action="store_true", help="print only the wrong cases")
    args = parser.parse_args(argv)
    outcomes = []
    for case in load_cases():
        got = lint(case)
        outcomes.append(Outcome(case, judge(case, got), got))
    for o in outcomes:
        if args.failing and o.right:
            continue
        found = ", ".join(f"{p}:{n} {c}" for p, n, c in o.got) or "-"
        state = "ok  " if o.right else "WRONG"
        print(f"{state} {o.case.kind:8} {o.case.target}: {found}")
    bad = [o for o in outcomes if o.case.kind == "bad"]
    other = [o for o in outcomes if o.case.kind != "bad"]
    print(
        f"bad cases found: {sum(o.right for o in bad)}/{len(bad)}; "
        f"fixed and near-miss cases clean: {sum(o.right for o in other)}/{len(other)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
