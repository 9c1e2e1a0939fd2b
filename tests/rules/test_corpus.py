"""Every fixture and example is linted; findings must equal its `# expect: CODE` comments.

A line ending in `# expect: PLG101, PLG102` must be reported with exactly those codes; a file
without such comments must be clean. This covers the seed reproductions, each rule's bad
variants and near-misses, and the demo scripts in examples/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pooling_lint.config import Config
from pooling_lint.engine import Options, check_text

ROOT = Path(__file__).resolve().parents[2]
#: Reproductions checked against a manifest instead of `# expect:` comments: the real-project
#: sweep's (tests/fixtures/precision/, tests/rules/test_precision_fixtures.py) and the recall
#: corpus's (tests/fixtures/recall/, issue 13: wired as their idioms land).
MANIFEST_FOLDERS = ("precision", "recall")
CORPUS = sorted(
    [
        *(
            p
            for p in (ROOT / "tests" / "fixtures").rglob("*.py")
            if p.relative_to(ROOT / "tests" / "fixtures").parts[0] not in MANIFEST_FOLDERS
        ),
        *(ROOT / "examples").glob("*.py"),
    ]
)
EXPECT = re.compile(r"#\s*expect:\s*([A-Z0-9,\s]+)$")


def expected(text: str) -> set[tuple[int, str]]:
    out: set[tuple[int, str]] = set()
    for n, line in enumerate(text.splitlines(), 1):
        m = EXPECT.search(line.rstrip())
        if m:
            out |= {(n, c.strip()) for c in m.group(1).split(",") if c.strip()}
    return out


@pytest.fixture(scope="module")
def options() -> Options:
    return Options.for_config(Config(root=ROOT))


def test_corpus_is_not_empty() -> None:
    assert len(CORPUS) > 40
    assert sum(1 for p in CORPUS if expected(p.read_text(encoding="utf-8"))) > 20


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_findings_match_expect_comments(path: Path, options: Options) -> None:
    text = path.read_text(encoding="utf-8")
    diags = check_text(text, path.name, path, options)
    got = {(d.line, d.code) for d in diags}
    want = expected(text)
    detail = "\n".join(f"  {d.line}:{d.column} {d.code} {d.message}" for d in diags)
    assert got == want, f"missing {sorted(want - got)}, unexpected {sorted(got - want)}\n{detail}"


@pytest.mark.parametrize("path", [p for p in CORPUS if expected(p.read_text("utf-8"))],
                         ids=lambda p: p.relative_to(ROOT).as_posix())
def test_messages_name_evidence_and_fix(path: Path, options: Options) -> None:
    """House style: a message says what is wrong, names the evidence and ends with the fix."""
    text = path.read_text(encoding="utf-8")
    for d in check_text(text, path.name, path, options):
        if d.code == "PLG000":
            continue
        assert "`" in d.message, d.message  # names code from the file
        assert re.search(r"\b(use|pass|set|put|apply|transpose|make|concatenate|reduce|consume|"
                         r"divide)\b", d.message), d.message
