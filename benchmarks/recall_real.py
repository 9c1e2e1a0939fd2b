"""Recall and precision of the linter on labelled regions of real public code.

    python benchmarks/recall_real.py /work/recall-trees
    python benchmarks/recall_real.py /work/recall-trees --json results.json --jobs 2

``benchmarks/recall/labels.tsv`` holds pointers and labels only (no third-party code): for each
region a repository, a commit, a path, a line range, a label (``bug`` or ``clean``), the codes a
finding should carry for a bug, the idiom it exercises and how far the padding evidence is from
the region. The trees argument is a folder holding one checked-out folder per repository, named
``<owner>+<name>``, with the files listed in ``benchmarks/recall/trees.tsv`` at the labelled
commit (docs/recall.md says how to obtain it).

The linter is run once per repository folder, as a user would run it on a project, so that
whatever context the other modules give is there:
``python -m pooling_lint check --format json --no-cache --exit-zero <folder>``.

Scoring (``score``):
- a bug region is found when a finding with one of its expected codes lies within
  ``[first_line, last_line]`` of its path;
- a clean region is a false alarm when any rule finding lies within it (``PLG000``,
  ``PLG900`` and ``PLG999`` are not rule findings and are reported separately);
- recall is found bug regions over bug regions; precision is found bug regions over found bug
  regions plus false-alarm clean regions (precision over region hits, so findings outside every
  labelled region do not count either way; they are only counted).
"""

from __future__ import annotations

import argparse
import csv
import enum
import json
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LABELS = REPO / "benchmarks" / "recall" / "labels.tsv"
NOT_RULE_CODES = frozenset({"PLG000", "PLG900", "PLG999"})
LINT_ARGS = ("--format", "json", "--no-cache", "--exit-zero")


class Label(enum.Enum):
    """What a labelled region is: a real bug the linter should report, or correct code."""

    BUG = "bug"
    CLEAN = "clean"


@dataclass(frozen=True)
class Region:
    """One labelled region of one file of one repository."""

    id: str
    repo: str
    commit: str
    path: str
    first_line: int
    last_line: int
    label: Label
    expected: frozenset[str]
    idiom: str
    scope: str
    reason: str

    @property
    def folder(self) -> str:
        """The repository's folder name under the trees root (``owner+name``)."""
        return self.repo.replace("/", "+")

    def contains(self, finding: Finding) -> bool:
        """Whether the finding is in this region's file and line range."""
        return (
            finding.folder == self.folder
            and finding.path == self.path
            and self.first_line <= finding.line <= self.last_line
        )


@dataclass(frozen=True)
class Finding:
    """One diagnostic of the linter, with its path relative to the repository folder."""

    folder: str
    path: str
    line: int
    code: str


@dataclass(frozen=True)
class GroupScore:
    """Counts for one idiom or evidence scope."""

    bugs: int = 0
    found: int = 0
    clean: int = 0
    false_alarms: int = 0


@dataclass(frozen=True)
class Score:
    """The result of scoring findings against the labelled regions."""

    bugs: int
    found: int
    clean: int
    false_alarms: int
    recall: float
    precision: float
    misses: tuple[Region, ...]
    hits: tuple[Region, ...]
    alarms: tuple[tuple[Region, tuple[Finding, ...]], ...]
    by_idiom: Mapping[str, GroupScore] = field(default_factory=dict)
    by_scope: Mapping[str, GroupScore] = field(default_factory=dict)
    outside: int = 0
    not_rule: int = 0


#: a region the labeller could not decide from the whole repository: kept in the file with its
#: reason, left out of the score
UNSURE = "unsure"


def load_regions(path: Path = LABELS) -> list[Region]:
    """Read the labelled regions from a labels TSV file (header row first); ``unsure`` rows
    are skipped."""
    regions = []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row["label"] == UNSURE:
                continue
            expected = row["expected"].strip()
            regions.append(
                Region(
                    id=row["id"],
                    repo=row["repo"],
                    commit=row["commit"],
                    path=row["path"],
                    first_line=int(row["first_line"]),
                    last_line=int(row["last_line"]),
                    label=Label(row["label"]),
                    expected=frozenset(
                        code.strip() for code in expected.split(",") if code.strip() != "-"
                    ),
                    idiom=row["idiom"],
                    scope=row["evidence_scope"],
                    reason=row["reason"],
                )
            )
    return regions


def _ratio(numerator: int, denominator: int) -> float:
    # An empty denominator means there was nothing to get wrong: report 1.0, not a crash.
    return numerator / denominator if denominator else 1.0


def _grouped(
    regions: Iterable[Region], found: set[str], alarmed: set[str], key: str
) -> dict[str, GroupScore]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for region in regions:
        slot = counts[getattr(region, key)]
        if region.label is Label.BUG:
            slot[0] += 1
            slot[1] += region.id in found
        else:
            slot[2] += 1
            slot[3] += region.id in alarmed
    return {name: GroupScore(*values) for name, values in sorted(counts.items())}


def score(regions: Sequence[Region], findings: Sequence[Finding]) -> Score:
    """Score findings against labelled regions (see the module docstring for the rules)."""
    rule_findings = [f for f in findings if f.code not in NOT_RULE_CODES]
    hits: list[Region] = []
    misses: list[Region] = []
    alarms: list[tuple[Region, tuple[Finding, ...]]] = []
    inside: set[Finding] = set()
    for region in regions:
        in_region = [f for f in rule_findings if region.contains(f)]
        inside.update(in_region)
        if region.label is Label.BUG:
            if any(f.code in region.expected for f in in_region):
                hits.append(region)
            else:
                misses.append(region)
        elif in_region:
            alarms.append((region, tuple(in_region)))
    found_ids = {r.id for r in hits}
    alarmed_ids = {r.id for r, _ in alarms}
    bugs = sum(r.label is Label.BUG for r in regions)
    clean = len(regions) - bugs
    return Score(
        bugs=bugs,
        found=len(hits),
        clean=clean,
        false_alarms=len(alarms),
        recall=_ratio(len(hits), bugs),
        precision=_ratio(len(hits), len(hits) + len(alarms)),
        misses=tuple(misses),
        hits=tuple(hits),
        alarms=tuple(alarms),
        by_idiom=_grouped(regions, found_ids, alarmed_ids, "idiom"),
        by_scope=_grouped(regions, found_ids, alarmed_ids, "scope"),
        outside=len(set(rule_findings) - inside),
        not_rule=len(findings) - len(rule_findings),
    )


def parse_findings(folder: str, root: Path, report: str) -> list[Finding]:
    """Turn the linter's JSON report for one repository folder into findings."""
    findings = []
    for item in json.loads(report or "[]"):
        path = Path(item["path"])
        if not path.is_absolute():
            path = root / path
        try:
            relative = path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            relative = path.as_posix()
        findings.append(Finding(folder, relative, int(item["line"]), str(item["code"])))
    return findings


def lint_folder(root: Path, python: str = sys.executable) -> list[Finding]:
    """Run the linter over one repository folder (the whole folder, for cross-file context)."""
    completed = subprocess.run(
        [python, "-m", "pooling_lint", "check", *LINT_ARGS, "."],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode not in (0, 1):
        # Exit code 2 also means "some file could not be checked"; the report is still there.
        print(f"note: {root.name}: exit {completed.returncode}: {completed.stderr.strip()[:200]}")
    return parse_findings(root.name, root, completed.stdout)


def _table(title: str, groups: Mapping[str, GroupScore]) -> list[str]:
    lines = [f"| {title} | bugs found | recall | clean regions | false alarms |", "|---" * 5 + "|"]
    for name, group in groups.items():
        recall = f"{_ratio(group.found, group.bugs):.2f}" if group.bugs else "-"
        counts = f"{group.found}/{group.bugs} | {recall} | {group.clean} | {group.false_alarms}"
        lines.append(f"| {name} | {counts} |")
    return lines


def render(result: Score) -> str:
    """A plain-text (Markdown-friendly) report of a score."""
    lines = [
        f"bug regions: {result.bugs}, found: {result.found}, recall: {result.recall:.3f}",
        f"clean regions: {result.clean}, false alarms: {result.false_alarms}",
        f"precision (over region hits): {result.precision:.3f}",
        f"rule findings outside every labelled region: {result.outside}; "
        f"PLG000/PLG900/PLG999: {result.not_rule}",
        "",
        *_table("idiom", result.by_idiom),
        "",
        *_table("evidence scope", result.by_scope),
        "",
        "misses:",
    ]
    for region in result.misses:
        expected = ",".join(sorted(region.expected))
        lines.append(
            f"  {region.id} {region.repo} {region.path}:{region.first_line}-{region.last_line}"
            f" [{expected}] ({region.idiom}, {region.scope})"
        )
    lines.append("false alarms:")
    for region, found in result.alarms:
        codes = ", ".join(f"{f.code}@{f.line}" for f in found)
        where = f"{region.path}:{region.first_line}-{region.last_line}"
        lines.append(f"  {region.id} {region.repo} {where} {codes}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Lint every labelled repository folder under TREES and print the score."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("trees", type=Path, help="folder with one <owner>+<name> folder per repo")
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--jobs", type=int, default=2, help="repository folders linted at once")
    parser.add_argument("--json", type=Path, help="also write the score as JSON here")
    args = parser.parse_args(argv)

    regions = load_regions(args.labels)
    folders = sorted({r.folder for r in regions})
    missing = [name for name in folders if not (args.trees / name).is_dir()]
    if missing:
        print(f"error: {len(missing)} repository folders are missing under {args.trees}:")
        for name in missing:
            print(f"  {name}")
        return 2
    absent = [r for r in regions if not (args.trees / r.folder / r.path).is_file()]
    if absent:
        first = f"{absent[0].folder}/{absent[0].path}"
        print(f"error: {len(absent)} labelled files are missing, e.g. {first}")
        return 2
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        per_folder = pool.map(lambda name: lint_folder(args.trees / name), folders)
        findings = [f for batch in per_folder for f in batch]
    result = score(regions, findings)
    print(render(result))
    if args.json:
        payload = {
            "recall": result.recall,
            "precision": result.precision,
            "bugs": result.bugs,
            "found": result.found,
            "clean": result.clean,
            "false_alarms": result.false_alarms,
            "outside": result.outside,
            "not_rule": result.not_rule,
            "by_idiom": {k: asdict(v) for k, v in result.by_idiom.items()},
            "by_scope": {k: asdict(v) for k, v in result.by_scope.items()},
            "misses": [r.id for r in result.misses],
            "false_alarm_regions": [r.id for r, _ in result.alarms],
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
