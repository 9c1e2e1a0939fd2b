"""The scoring of benchmarks/recall_real.py, on synthetic regions and findings, and the shape of
the real labels file (pointers and labels only)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parent.parent


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "recall_real", REPO / "benchmarks" / "recall_real.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look the module up in sys.modules while the class bodies run.
    sys.modules["recall_real"] = module
    spec.loader.exec_module(module)
    return module


rr = _load()

COLUMNS = "id repo commit path first_line last_line label expected idiom evidence_scope reason"
HEADER = "\t".join(COLUMNS.split()) + "\n"


def region(
    rid: str,
    label: str = "bug",
    expected: str = "PLG101",
    path: str = "m.py",
    lines: tuple[int, int] = (10, 12),
    idiom: str = "hf-mean",
    scope: str = "same-function",
    repo: str = "o/r",
):
    return rr.Region(
        id=rid,
        repo=repo,
        commit="0" * 40,
        path=path,
        first_line=lines[0],
        last_line=lines[1],
        label=rr.Label(label),
        expected=frozenset() if expected == "-" else frozenset(expected.split(",")),
        idiom=idiom,
        scope=scope,
        reason="synthetic",
    )


def finding(line: int, code: str = "PLG101", path: str = "m.py", folder: str = "o+r"):
    return rr.Finding(folder, path, line, code)


def test_bug_found_only_with_an_expected_code_inside_the_range() -> None:
    regions = [region("B1", expected="PLG101,PLG104")]
    assert rr.score(regions, [finding(11, "PLG104")]).found == 1
    assert rr.score(regions, [finding(10, "PLG101")]).found == 1  # first line counts
    assert rr.score(regions, [finding(12, "PLG101")]).found == 1  # last line counts
    assert rr.score(regions, [finding(13, "PLG101")]).found == 0  # just past the range
    assert rr.score(regions, [finding(11, "PLG105")]).found == 0  # wrong code
    assert rr.score(regions, [finding(11, "PLG101", path="other.py")]).found == 0
    assert rr.score(regions, [finding(11, "PLG101", folder="x+y")]).found == 0


def test_clean_region_alarms_on_any_rule_finding_but_not_on_file_level_codes() -> None:
    regions = [region("C1", label="clean", expected="-")]
    result = rr.score(regions, [finding(11, "PLG203")])
    assert result.false_alarms == 1
    assert result.alarms[0][0].id == "C1"
    assert rr.score(regions, [finding(11, "PLG000"), finding(10, "PLG999")]).false_alarms == 0
    assert rr.score(regions, [finding(9, "PLG203")]).false_alarms == 0


def test_recall_precision_groups_and_outside_counts() -> None:
    regions = [
        region("B1", lines=(1, 5)),
        region("B2", lines=(20, 25), idiom="tf1-dynamic-rnn", scope="cross-file"),
        region("B3", lines=(40, 45), idiom="tf1-dynamic-rnn", scope="cross-file"),
        region("C1", label="clean", expected="-", lines=(60, 70)),
        region("C2", label="clean", expected="-", lines=(80, 90), idiom="tf1-dynamic-rnn"),
    ]
    findings = [
        finding(3),  # B1 found
        finding(42, "PLG101"),  # B3 found
        finding(61, "PLG106"),  # C1 false alarm
        finding(100, "PLG101"),  # outside every region
        finding(2, "PLG000"),  # not a rule finding
    ]
    result = rr.score(regions, findings)
    assert (result.bugs, result.found, result.clean, result.false_alarms) == (3, 2, 2, 1)
    assert result.recall == pytest.approx(2 / 3)
    assert result.precision == pytest.approx(2 / 3)
    assert [r.id for r in result.misses] == ["B2"]
    assert result.outside == 1
    assert result.not_rule == 1
    assert result.by_idiom["tf1-dynamic-rnn"] == rr.GroupScore(bugs=2, found=1, clean=1)
    assert result.by_idiom["hf-mean"] == rr.GroupScore(bugs=1, found=1, clean=1, false_alarms=1)
    assert result.by_scope["cross-file"] == rr.GroupScore(bugs=2, found=1)
    rendered = rr.render(result)
    assert "recall: 0.667" in rendered
    assert "B2 o/r m.py:20-25" in rendered


def test_empty_denominators_do_not_crash() -> None:
    result = rr.score([], [])
    assert (result.recall, result.precision) == (1.0, 1.0)


def test_parse_findings_makes_paths_relative_to_the_repository_folder(tmp_path: Path) -> None:
    root = tmp_path / "o+r"
    (root / "pkg").mkdir(parents=True)
    report = (
        '[{"code": "PLG101", "path": "pkg/a.py", "line": 3},'
        ' {"code": "PLG104", "path": "./pkg/b.py", "line": 4},'
        f' {{"code": "PLG105", "path": "{(root / "c.py").as_posix()}", "line": 5}}]'
    )
    found = rr.parse_findings("o+r", root, report)
    assert found == [
        rr.Finding("o+r", "pkg/a.py", 3, "PLG101"),
        rr.Finding("o+r", "pkg/b.py", 4, "PLG104"),
        rr.Finding("o+r", "c.py", 5, "PLG105"),
    ]
    assert rr.parse_findings("o+r", root, "") == []


def test_load_regions_reads_codes_and_dashes(tmp_path: Path) -> None:
    labels = tmp_path / "labels.tsv"
    labels.write_text(
        HEADER
        + f"X1\to/r\t{'a' * 40}\tm.py\t3\t4\tbug\tPLG101,PLG104\thf-mean\tsame-file\twhy\n"
        + f"X2\to/r\t{'a' * 40}\tm.py\t8\t9\tclean\t-\thf-mean\tsame-file\twhy not\n",
        encoding="utf-8",
    )
    first, second = rr.load_regions(labels)
    assert first.expected == frozenset({"PLG101", "PLG104"}) and first.label is rr.Label.BUG
    assert second.expected == frozenset() and second.label is rr.Label.CLEAN
    assert first.folder == "o+r"


def test_unsure_regions_are_left_out_of_the_score(tmp_path: Path) -> None:
    labels = tmp_path / "labels.tsv"
    labels.write_text(
        HEADER
        + f"X1\to/r\t{'a' * 40}\tm.py\t3\t4\tunsure\t-\thf-mean\tsame-file\tundecidable\n"
        + f"X2\to/r\t{'a' * 40}\tm.py\t8\t9\tclean\t-\thf-mean\tsame-file\twhy not\n",
        encoding="utf-8",
    )
    assert [r.id for r in rr.load_regions(labels)] == ["X2"]


def test_held_out_labels_are_well_formed_and_apart() -> None:
    """The blind held-out set (benchmarks/recall/holdout.tsv): the same format, no repository
    of the main labels, and every labelled file listed in holdout_trees.tsv."""
    held = rr.load_regions(rr.LABELS.with_name("holdout.tsv"))
    main = {r.repo for r in rr.load_regions()}
    assert held and not main & {r.repo for r in held}
    assert len({r.id for r in held}) == len(held)
    trees = rr.LABELS.with_name("holdout_trees.tsv").read_text(encoding="utf-8").splitlines()
    listed = {tuple(line.split("\t")) for line in trees[1:]}
    for r in held:
        assert re.fullmatch(r"H\d{3}", r.id) and re.fullmatch(r"[0-9a-f]{40}", r.commit), r.id
        assert (r.repo, r.commit, r.path) in listed, r.id
        assert bool(r.expected) == (r.label is rr.Label.BUG), r.id


def test_real_labels_are_well_formed_pointers() -> None:
    regions = rr.load_regions()
    ids = [r.id for r in regions]
    assert len(ids) == len(set(ids))
    bugs = [r for r in regions if r.label is rr.Label.BUG]
    clean = [r for r in regions if r.label is rr.Label.CLEAN]
    # The bar: at least 40 buggy regions and 30 correct near-misses.
    assert len(bugs) >= 40 and len(clean) >= 30
    for r in regions:
        assert re.fullmatch(r"[0-9a-f]{40}", r.commit), r.id
        assert re.fullmatch(r"[\w.-]+/[\w.-]+", r.repo), r.id
        assert 1 <= r.first_line <= r.last_line, r.id
        assert r.scope in {"same-function", "same-file", "cross-file", "no-evidence"}, r.id
        assert r.idiom and r.reason, r.id
    assert all(b.expected and all(re.fullmatch(r"PLG\d{3}", c) for c in b.expected) for b in bugs)
    assert all(not c.expected for c in clean)
    # One commit per repository, so one folder per repository holds every labelled file.
    commits: dict[str, set[str]] = {}
    for r in regions:
        commits.setdefault(r.repo, set()).add(r.commit)
    assert all(len(c) == 1 for c in commits.values())
