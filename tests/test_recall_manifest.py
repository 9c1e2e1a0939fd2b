"""The manifest of the issue-#13 reproductions, and how benchmarks/recall_fixtures.py judges a
case. The linter is not run here: the cases are wired into the test suite as their idioms land."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parent.parent


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "recall_fixtures", REPO / "benchmarks" / "recall_fixtures.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["recall_fixtures"] = module
    spec.loader.exec_module(module)
    return module


rf = _load()
MARKER = re.compile(r"#\s*expect:\s*(PLG\d{3})\s*$")


def test_judge_bad_needs_every_expected_line_with_an_accepted_code() -> None:
    case = rf.Case(
        "x", "bad", "x_bad.py", (rf.Expected("x_bad.py", 7, frozenset({"PLG101", "PLG102"})),)
    )
    assert rf.judge(case, [("x_bad.py", 7, "PLG102")])
    assert not rf.judge(case, [("x_bad.py", 8, "PLG101")])
    assert not rf.judge(case, [("other.py", 7, "PLG101")])
    assert not rf.judge(case, [("x_bad.py", 7, "PLG000")])
    assert not rf.judge(case, [])


def test_judge_fixed_and_nearmiss_need_no_rule_finding() -> None:
    case = rf.Case("x", "fixed", "x_fixed.py", ())
    assert rf.judge(case, [])
    assert rf.judge(case, [("x_fixed.py", 3, "PLG000")])
    assert not rf.judge(case, [("x_fixed.py", 3, "PLG106")])


def test_manifest_matches_the_files_and_their_markers() -> None:
    cases = rf.load_cases()
    by_idiom: dict[str, set[str]] = {}
    for case in cases:
        target = rf.CASES / case.target
        assert target.exists(), case.target
        by_idiom.setdefault(case.idiom, set()).add(case.kind)
        files = sorted(target.rglob("*.py")) if target.is_dir() else [target]
        markers = {
            (f.relative_to(rf.CASES).as_posix(), n, m.group(1))
            for f in files
            for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1)
            if (m := MARKER.search(line))
        }
        listed = {
            (e.path, e.line, c)
            for e in case.expect
            for c in e.codes
            if (e.path, e.line, c) in markers
        }
        assert {(p, n) for p, n, _ in markers} == {(e.path, e.line) for e in case.expect}, (
            case.target
        )
        assert len(listed) == len(markers), case.target
        assert (case.kind == "bad") == bool(case.expect), case.target
    # Every idiom has its bad, fixed and near-miss case.
    assert all(kinds == {"bad", "fixed", "nearmiss"} for kinds in by_idiom.values()), by_idiom
    assert len(by_idiom) >= 30
