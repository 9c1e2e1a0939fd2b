"""The real-project sweep's bookkeeping (benchmarks/sweep_real.py), on synthetic data only.

Matching findings to verdicts (fingerprint first, then line), the tallies and the precision,
and one end-to-end run of the script over a tiny made-up tree with its own repos.toml and
verdicts.tsv (``--strict`` fails on an unreviewed finding and passes once it is reviewed).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "sweep_real.py"


@pytest.fixture(scope="module")
def sr() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pooling_lint_sweep_real", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


HEADER = "repo\tcommit\tpath\tcell\tline\tcode\tfingerprint\tverdict\tfp_class\treason"


def row(
    sr: ModuleType,
    path: str,
    line: int,
    code: str,
    text: str,
    verdict: str,
    cell: str = "",
    fp_class: str = "",
) -> str:
    fields = (
        "o/r",
        "c0",
        path,
        cell,
        str(line),
        code,
        sr.fingerprint(text),
        verdict,
        fp_class,
        "why",
    )
    return "\t".join(fields)


def finding(
    sr: ModuleType, path: str, line: int, code: str, text: str, cell: int | None = None
) -> object:
    return sr.Finding("o/r", path, cell, line, code, sr.fingerprint(text))


def test_fingerprint_ignores_surrounding_whitespace_only(sr: ModuleType) -> None:
    assert sr.fingerprint("    x = h[:, -1]  \n") == sr.fingerprint("x = h[:, -1]")
    assert sr.fingerprint("x = h[:, -1]") != sr.fingerprint("x = h[:,-1]")


def test_parse_verdicts_skips_comments_and_reads_cells(sr: ModuleType) -> None:
    lines = [
        "# a comment",
        HEADER,
        row(sr, "a.py", 3, "PLG101", "m = x.mean(1)", "TP"),
        row(sr, "n.ipynb", 2, "PLG000", "!ls \\", "FP", cell="4", fp_class="shell"),
    ]
    reviews = sr.parse_verdicts(lines)
    assert [r.cell for r in reviews] == [None, 4]
    assert reviews[1].verdict is sr.Verdict.FP and reviews[1].fp_class == "shell"
    with pytest.raises(ValueError):
        sr.parse_verdicts([HEADER, row(sr, "a.py", 3, "PLG101", "t", "maybe")])


def test_verdict_follows_its_line_when_lines_shift(sr: ModuleType) -> None:
    reviews = sr.parse_verdicts([HEADER, row(sr, "a.py", 10, "PLG103", "y = h[:, -1]", "FP")])
    moved = finding(sr, "a.py", 14, "PLG103", "  y = h[:, -1]")
    out = sr.match([moved], reviews)
    assert len(out.matched) == 1 and out.unreviewed == [] and out.lost == []


def test_line_fallback_when_the_text_changed(sr: ModuleType) -> None:
    reviews = sr.parse_verdicts([HEADER, row(sr, "a.py", 10, "PLG103", "y = h[:, -1]", "TP")])
    edited = finding(sr, "a.py", 10, "PLG103", "y = hidden[:, -1]")
    elsewhere = finding(sr, "a.py", 11, "PLG103", "z = hidden[:, -1]")
    out = sr.match([elsewhere, edited], reviews)
    assert [f for f, _ in out.matched] == [edited]
    assert out.unreviewed == [elsewhere]


def test_code_path_and_cell_must_agree(sr: ModuleType) -> None:
    text = "y = h[:, -1]"
    reviews = sr.parse_verdicts([HEADER, row(sr, "n.ipynb", 5, "PLG103", text, "TP", cell="2")])
    other_cell = finding(sr, "n.ipynb", 5, "PLG103", text, cell=3)
    other_code = finding(sr, "n.ipynb", 5, "PLG104", text, cell=2)
    out = sr.match([other_cell, other_code], reviews)
    assert out.matched == [] and len(out.unreviewed) == 2 and len(out.lost) == 1


def test_repeated_line_takes_the_nearest_verdict_once(sr: ModuleType) -> None:
    text = "return x.mean(dim=1)"
    reviews = sr.parse_verdicts(
        [
            HEADER,
            row(sr, "a.py", 10, "PLG101", text, "TP"),
            row(sr, "a.py", 40, "PLG101", text, "FP"),
        ]
    )
    near_40 = finding(sr, "a.py", 42, "PLG101", text)
    near_10 = finding(sr, "a.py", 12, "PLG101", text)
    third = finding(sr, "a.py", 80, "PLG101", text)
    out = sr.match([near_40, near_10, third], reviews)
    pairs = {f.line: r.verdict for f, r in out.matched}
    assert pairs == {42: sr.Verdict.FP, 12: sr.Verdict.TP}
    assert out.unreviewed == [third]


def test_tally_precision_engine_codes_and_lost(sr: ModuleType) -> None:
    lines = [
        HEADER,
        row(sr, "a.py", 1, "PLG101", "a", "TP"),
        row(sr, "a.py", 2, "PLG104", "b", "TP"),
        row(sr, "a.py", 3, "PLG103", "c", "FP", fp_class="incremental_step"),
        row(sr, "n.ipynb", 1, "PLG000", "d", "FP", cell="1", fp_class="shell"),
        row(sr, "p.py", 1, "PLG000", "e", "TP"),
        row(sr, "gone.py", 7, "PLG101", "f", "TP"),
    ]
    findings = [
        finding(sr, "a.py", 1, "PLG101", "a"),
        finding(sr, "a.py", 2, "PLG104", "b"),
        finding(sr, "a.py", 3, "PLG103", "c"),
        finding(sr, "a.py", 9, "PLG202", "new"),
        finding(sr, "n.ipynb", 1, "PLG000", "d", cell=1),
        finding(sr, "p.py", 1, "PLG000", "e"),
        finding(sr, "q.py", 1, "PLG999", "boom"),
        finding(sr, "r.ipynb", 1, "PLG900", ""),
    ]
    out = sr.match(findings, sr.parse_verdicts(lines))
    sr.tally(out, {"o/r": 5, "x/y": 2}, ["o/r", "x/y"])
    t = out.tallies["o/r"]
    assert (t.files, t.findings, t.tp, t.fp, t.unreviewed) == (5, 4, 2, 1, 1)
    assert (t.syntax_right, t.syntax_wrong, t.internal, t.file_errors) == (1, 1, 1, 1)
    assert out.tallies["x/y"].files == 2 and out.tallies["x/y"].findings == 0
    total = out.totals()
    assert total.files == 7 and sr.precision(total.tp, total.fp) == pytest.approx(2 / 3)
    assert [r.path for r in out.lost] == ["gone.py"]
    assert "1  incremental_step" in sr.fp_classes(out)
    assert "PLG000 shell" in sr.fp_classes(out)
    assert sr.precision(0, 0) is None


def test_notebook_fingerprint_reads_the_cell(sr: ModuleType, tmp_path: Path) -> None:
    cells = [
        {"cell_type": "markdown", "source": ["# title\n"]},
        {"cell_type": "code", "source": ["a = 1\n", "  b = a[:, -1]\n"]},
    ]
    (tmp_path / "n.ipynb").write_text(json.dumps({"cells": cells}))
    (tmp_path / "m.py").write_text("x = 1\ny = x\n")
    data = [
        {"path": "./n.ipynb", "cell": 2, "line": 2, "code": "PLG103", "message": "m"},
        {"path": "m.py", "cell": None, "line": 2, "code": "PLG101", "message": "m"},
        {"path": "m.py", "cell": None, "line": 99, "code": "PLG101", "message": "m"},
    ]
    found = list(sr.to_findings("o/r", tmp_path, data))
    assert found[0].path == "n.ipynb" and found[0].fingerprint == sr.fingerprint("b = a[:, -1]")
    assert found[1].fingerprint == sr.fingerprint("y = x")
    assert found[2].fingerprint == sr.fingerprint("")  # past the end: still a finding


BUGGY = (
    "import tensorflow as tf\n"
    "\n"
    "def pool(hidden):\n"
    "    return tf.reduce_sum(hidden, reduction_indices=1)\n"
)


def test_end_to_end_strict(
    sr: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trees = tmp_path / "trees"
    (trees / "me+tiny").mkdir(parents=True)
    (trees / "me+tiny" / "m.py").write_text(BUGGY)
    (trees / "me+tiny" / "ok.py").write_text(BUGGY.replace("reduction_indices=", "axis="))
    repos = tmp_path / "repos.toml"
    repos.write_text('[[repo]]\nname = "me/tiny"\ncommit = "c1"\nkind = "test"\n')
    verdicts = tmp_path / "verdicts.tsv"
    verdicts.write_text(HEADER + "\n")
    emitted = tmp_path / "new.tsv"
    argv = ["--trees", str(trees), "--repos", str(repos), "--verdicts", str(verdicts)]

    assert sr.main([*argv, "--strict", "--emit-unreviewed", str(emitted)]) == 1
    out = capsys.readouterr().out
    assert "NEW unreviewed findings (1)" in out and "m.py:4 PLG302" in out
    new_row = emitted.read_text().strip().split("\t")
    assert new_row[:6] == ["me/tiny", "c1", "m.py", "", "4", "PLG302"]

    new_row[7] = "TP"
    verdicts.write_text(HEADER + "\n" + "\t".join(new_row) + "\n")
    assert sr.main([*argv, "--strict"]) == 0
    out = capsys.readouterr().out
    assert "| me/tiny | 2 | 1 | 1 | 0 | 0 |" in out
    assert "precision over reviewed: 1.00" in out


def test_precision_fixture_status_compares_exactly() -> None:
    path = SCRIPT.parent / "precision_fixtures.py"
    spec = importlib.util.spec_from_file_location("pooling_lint_precision_fixtures", path)
    assert spec is not None and spec.loader is not None
    pf = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = pf
    spec.loader.exec_module(pf)
    manifest = {
        "fixture": [
            {"file": "a_bug_1.py", "class": "a", "kind": "bug", "expect": [[0, 3, "PLG101"]]},
            {"file": "a_nearmiss_1.py", "class": "a", "kind": "nearmiss", "expect": []},
            {"file": "n.ipynb", "class": "nb", "kind": "bug", "expect": [[2, 3, "PLG000"]]},
        ]
    }
    found = {
        "a_bug_1.py": {(0, 3, "PLG101")},
        "a_nearmiss_1.py": {(0, 5, "PLG104")},
        "n.ipynb": {(2, 2, "PLG000")},
    }
    bug, near, nb = pf.compare(manifest, found)
    assert bug.passes and not near.passes and not nb.passes
    assert near.unexpected == ((0, 5, "PLG104"),) and near.missing == ()
    assert nb.unexpected == ((2, 2, "PLG000"),) and nb.missing == ((2, 3, "PLG000"),)
