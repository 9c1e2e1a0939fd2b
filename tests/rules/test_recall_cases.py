"""The issue-#13 reproductions (tests/fixtures/recall/) whose idiom has landed.

A case joins this test by ``wired = true`` in its ``[[case]]`` block of ``manifest.toml``. A
bad case must report every expected ``(path, line)`` with the expected code (or one of its
``also`` codes) and nothing else; a fixed or near-miss case must have no rule finding. Folders
(project mode) are checked as a whole, as ``pooling-lint check DIR`` would.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pooling_lint.config import Config
from pooling_lint.engine import Options
from pooling_lint.runner import check_paths

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "tests" / "fixtures" / "recall"
NOT_RULE_CODES = frozenset({"PLG000", "PLG900", "PLG999"})
WIRED = [
    item
    for item in tomllib.loads((CASES / "manifest.toml").read_text(encoding="utf-8"))["case"]
    if item.get("wired")
]


def _findings(target: Path) -> set[tuple[str, int, str]]:
    files = sorted(target.rglob("*.py")) if target.is_dir() else [target]
    options = Options.for_config(Config(root=CASES))
    out = set()
    for result in check_paths(files, options):
        rel = result.path.resolve().relative_to(CASES).as_posix()
        out |= {(rel, d.line, d.code) for d in result.diagnostics if d.code not in NOT_RULE_CODES}
    return out


@pytest.mark.parametrize("case", WIRED, ids=lambda c: f"{c['idiom']}-{c['kind']}")
def test_wired_recall_case(case: dict) -> None:
    got = _findings(CASES / case["target"])
    if case["kind"] != "bad":
        assert got == set(), got
        return
    accepted = {case_code for case_code in case.get("also", [])}
    unmatched = set(got)
    for e in case["expect"]:
        codes = {e["code"], *accepted}
        hits = {g for g in got if g[0] == e["path"] and g[1] == e["line"] and g[2] in codes}
        assert hits, (e, sorted(got))
        unmatched -= hits
    assert not unmatched, sorted(unmatched)
