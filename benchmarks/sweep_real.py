"""Precision of pooling-lint on whole real projects: re-run the sweep and compare to the verdicts.

    python benchmarks/sweep_real.py                       # every tree under /work/sweep-trees
    python benchmarks/sweep_real.py --trees DIR --jobs 2  # another folder, two workers per run
    python benchmarks/sweep_real.py --repo fairseq        # only repositories whose name matches
    python benchmarks/sweep_real.py --strict              # exit 1 if any finding is unreviewed
    python benchmarks/sweep_real.py --emit-unreviewed new.tsv   # verdict rows to fill in

The repositories are listed in ``benchmarks/sweep/repos.toml`` (name, commit, kind); their
checked-out trees live in ``<trees>/<owner>+<name>/`` (see ``docs/sweep.md`` for how to make
them from a fetched mirror with ``--materialise``). Every tree is checked with
``pooling-lint check --format json --no-cache --exit-zero`` (run from the tree's root, so the
reported paths are relative to it), and every finding is matched to a reviewed verdict in
``benchmarks/sweep/verdicts.tsv``: first by (repo, path, cell, code, fingerprint), where the
fingerprint is the sha1 of the stripped source line, so a verdict survives line shifts; then by
(repo, path, cell, code, line) when the line's text changed. The verdict file holds pointers and
verdicts only, never third-party code.

Printed: a table per repository (files, rule findings, TP, FP, unreviewed, PLG000 right/wrong,
PLG999), the precision over reviewed rule findings, the new unreviewed findings, and the
reviewed findings that are no longer reported (a lost TP is a recall drop; a lost FP is a fix).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

HERE = Path(__file__).resolve().parent
REPOS_TOML = HERE / "sweep" / "repos.toml"
VERDICTS_TSV = HERE / "sweep" / "verdicts.tsv"
DEFAULT_TREES = Path("/work/sweep-trees")

#: Engine codes: a file the linter could not parse, an internal error, and the prefix of the
#: other engine codes (a file that cannot be read or is not a notebook: PLG900...).
SYNTAX_CODE = "PLG000"
INTERNAL_CODE = "PLG999"
FILE_ERROR_PREFIX = "PLG9"
#: What the linter reads; the file count in the table counts these (hidden folders skipped).
SUFFIXES = (".py", ".pyi", ".ipynb")
#: The columns of verdicts.tsv, in order.
COLUMNS = (
    "repo",
    "commit",
    "path",
    "cell",
    "line",
    "code",
    "fingerprint",
    "verdict",
    "fp_class",
    "reason",
)


class Verdict(Enum):
    """A reviewer's call on one finding (for PLG000: TP = the file really does not parse)."""

    TP = "TP"
    FP = "FP"


@dataclass(frozen=True)
class Repo:
    """One swept repository, as listed in repos.toml."""

    name: str  # owner/name
    commit: str
    kind: str

    @property
    def folder(self) -> str:
        """The tree's folder name under the trees directory."""
        return self.name.replace("/", "+")


@dataclass(frozen=True)
class Finding:
    """One reported diagnostic, reduced to what identifies it."""

    repo: str
    path: str  # relative to the tree's root, with forward slashes
    cell: int | None
    line: int
    code: str
    fingerprint: str
    message: str = ""


@dataclass(frozen=True)
class Review:
    """One row of verdicts.tsv."""

    repo: str
    commit: str
    path: str
    cell: int | None
    line: int
    code: str
    fingerprint: str
    verdict: Verdict
    fp_class: str
    reason: str


@dataclass
class RepoTally:
    """Counts for one repository's row of the table."""

    files: int = 0
    findings: int = 0  # rule findings (not PLG000/PLG999)
    tp: int = 0
    fp: int = 0
    unreviewed: int = 0
    syntax_right: int = 0
    syntax_wrong: int = 0
    syntax_unreviewed: int = 0
    internal: int = 0
    file_errors: int = 0  # PLG9xx other than PLG999
    seconds: float = 0.0


@dataclass
class Outcome:
    """The result of matching every finding to the verdicts."""

    tallies: dict[str, RepoTally] = field(default_factory=dict)
    matched: list[tuple[Finding, Review]] = field(default_factory=list)
    unreviewed: list[Finding] = field(default_factory=list)
    lost: list[Review] = field(default_factory=list)  # reviewed, no longer reported

    def totals(self) -> RepoTally:
        """The sum over all repositories."""
        total = RepoTally()
        for t in self.tallies.values():
            for name in vars(total):
                setattr(total, name, getattr(total, name) + getattr(t, name))
        return total


def fingerprint(line_text: str) -> str:
    """The sha1 of a source line without its surrounding whitespace."""
    return hashlib.sha1(line_text.strip().encode("utf-8")).hexdigest()


def precision(tp: int, fp: int) -> float | None:
    """TP / (TP + FP), or None when nothing was reviewed."""
    return tp / (tp + fp) if tp + fp else None


# -- reading the lists --------------------------------------------------------------------


def load_repos(path: Path = REPOS_TOML) -> list[Repo]:
    """The repositories of the sweep, in file order."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [Repo(r["name"], r["commit"], r["kind"]) for r in data["repo"]]


def _cell(text: str) -> int | None:
    return int(text) if text.strip() else None


def parse_verdicts(lines: Iterable[str]) -> list[Review]:
    """Rows of verdicts.tsv (tab-separated, header first, ``#`` lines are comments)."""
    rows = [ln for ln in lines if ln.strip() and not ln.startswith("#")]
    reader = csv.DictReader(rows, delimiter="\t", quoting=csv.QUOTE_NONE)
    reviews = []
    for row in reader:
        missing = [c for c in COLUMNS if row.get(c) is None]
        if missing:
            raise ValueError(f"verdicts row {row!r} lacks {missing}")
        reviews.append(
            Review(
                repo=row["repo"],
                commit=row["commit"],
                path=row["path"],
                cell=_cell(row["cell"]),
                line=int(row["line"]),
                code=row["code"],
                fingerprint=row["fingerprint"],
                verdict=Verdict(row["verdict"]),
                fp_class=row["fp_class"],
                reason=row["reason"],
            )
        )
    return reviews


def load_verdicts(path: Path = VERDICTS_TSV) -> list[Review]:
    """The reviewed findings; an absent file means none."""
    if not path.exists():
        return []
    return parse_verdicts(path.read_text(encoding="utf-8").splitlines())


def verdict_row(f: Finding, commit: str, verdict: str = "?", fp_class: str = "") -> str:
    """A verdicts.tsv row for a finding, to be filled in by a reviewer."""
    cell = "" if f.cell is None else str(f.cell)
    reason = f.message.replace("\t", " ").replace("\n", " ")[:160]
    fields = (f.repo, commit, f.path, cell, str(f.line), f.code, f.fingerprint)
    return "\t".join((*fields, verdict, fp_class, reason))


# -- matching -------------------------------------------------------------------------------


def match(findings: Sequence[Finding], reviews: Sequence[Review]) -> Outcome:
    """Pair each finding with at most one verdict; every verdict is used at most once.

    The fingerprint pass goes first so that a verdict follows its line when lines shift; among
    several verdicts with the same fingerprint (a line repeated in a file) the nearest line wins.
    The line pass then pairs what is left by position, for lines whose text changed.
    """
    outcome = Outcome()
    free: dict[tuple[str, str, int | None, str], list[Review]] = defaultdict(list)
    for r in reviews:
        free[(r.repo, r.path, r.cell, r.code)].append(r)
    pending: list[Finding] = []
    for f in findings:
        pool = free.get((f.repo, f.path, f.cell, f.code), [])
        same = [r for r in pool if r.fingerprint == f.fingerprint]
        if same:
            best = min(same, key=lambda r: abs(r.line - f.line))
            pool.remove(best)
            outcome.matched.append((f, best))
        else:
            pending.append(f)
    for f in pending:
        pool = free.get((f.repo, f.path, f.cell, f.code), [])
        at_line = [r for r in pool if r.line == f.line]
        if at_line:
            pool.remove(at_line[0])
            outcome.matched.append((f, at_line[0]))
        else:
            outcome.unreviewed.append(f)
    outcome.lost = [r for pool in free.values() for r in pool]
    outcome.lost.sort(key=lambda r: (r.repo, r.path, r.cell or 0, r.line, r.code))
    return outcome


def is_rule_code(code: str) -> bool:
    """A rule's finding, as opposed to an engine code (PLG000, PLG9xx)."""
    return code != SYNTAX_CODE and not code.startswith(FILE_ERROR_PREFIX)


def tally(outcome: Outcome, files: dict[str, int], repos: Sequence[str]) -> None:
    """Fill ``outcome.tallies`` (one row per repo in ``repos``) from the matches."""
    for name in repos:
        outcome.tallies.setdefault(name, RepoTally(files=files.get(name, 0)))
    for f, r in outcome.matched:
        t = outcome.tallies.setdefault(f.repo, RepoTally())
        if f.code == INTERNAL_CODE:
            t.internal += 1
        elif f.code.startswith(FILE_ERROR_PREFIX):
            t.file_errors += 1
        elif f.code == SYNTAX_CODE:
            if r.verdict is Verdict.TP:
                t.syntax_right += 1
            else:
                t.syntax_wrong += 1
        else:
            t.findings += 1
            if r.verdict is Verdict.TP:
                t.tp += 1
            else:
                t.fp += 1
    for f in outcome.unreviewed:
        t = outcome.tallies.setdefault(f.repo, RepoTally())
        if f.code == INTERNAL_CODE:
            t.internal += 1
        elif f.code.startswith(FILE_ERROR_PREFIX):
            t.file_errors += 1
        elif f.code == SYNTAX_CODE:
            t.syntax_unreviewed += 1
        else:
            t.findings += 1
            t.unreviewed += 1


# -- running the linter ---------------------------------------------------------------------


def linter_command(jobs: int) -> list[str]:
    """The installed console script next to this interpreter, else ``python -m pooling_lint``."""
    script = Path(sys.executable).parent / "pooling-lint"
    base = [str(script)] if script.exists() else [sys.executable, "-m", "pooling_lint"]
    return [*base, "check", "--format", "json", "--no-cache", "--exit-zero", "--jobs", str(jobs)]


def count_files(tree: Path) -> int:
    """Python files and notebooks under ``tree``, hidden folders and ``__pycache__`` skipped."""
    n = 0
    for _root, dirs, names in os.walk(tree):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d != "__pycache__"]
        n += sum(1 for name in names if name.endswith(SUFFIXES))
    return n


def run_linter(tree: Path, jobs: int) -> list[dict[str, object]]:
    """The JSON findings of one tree; raises if the linter did not produce JSON."""
    proc = subprocess.run(
        [*linter_command(jobs), "."], cwd=tree, capture_output=True, text=True, check=False
    )
    try:
        data = json.loads(proc.stdout or "[]")
    except json.JSONDecodeError as exc:
        tail = (proc.stderr or proc.stdout)[-800:]
        raise RuntimeError(f"{tree.name}: no JSON (exit {proc.returncode}): {tail}") from exc
    if not isinstance(data, list):
        raise RuntimeError(f"{tree.name}: unexpected JSON {type(data).__name__}")
    return data


class SourceLines:
    """Source lines of the files of one tree (notebook cells by 1-based position), cached."""

    def __init__(self, tree: Path) -> None:
        self.tree = tree
        self._files: dict[tuple[str, int | None], list[str]] = {}

    def line(self, path: str, cell: int | None, line: int) -> str:
        """The text of ``line`` (1-based), or "" when it cannot be read."""
        key = (path, cell)
        if key not in self._files:
            self._files[key] = self._read(path, cell)
        lines = self._files[key]
        return lines[line - 1] if 0 < line <= len(lines) else ""

    def _read(self, path: str, cell: int | None) -> list[str]:
        file = self.tree / path
        try:
            text = file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return []
        if cell is None:
            return text.splitlines()
        try:
            cells = json.loads(text).get("cells", [])
            source = cells[cell - 1].get("source", "")
        except (ValueError, IndexError, AttributeError):
            return []
        return ("".join(source) if isinstance(source, list) else str(source)).splitlines()


def to_findings(repo: str, tree: Path, data: Iterable[dict[str, object]]) -> Iterator[Finding]:
    """Findings from the linter's JSON, with fingerprints read from the tree."""
    lines = SourceLines(tree)
    for d in data:
        path = str(d["path"]).replace(os.sep, "/")
        path = path[2:] if path.startswith("./") else path
        cell = d.get("cell")
        cell_no = int(str(cell)) if cell is not None else None
        line = int(str(d.get("line") or 0))
        text = lines.line(path, cell_no, line)
        yield Finding(
            repo, path, cell_no, line, str(d["code"]), fingerprint(text), str(d.get("message"))
        )


# -- making the trees -----------------------------------------------------------------------


def materialise(git_dir: Path, dest: Path, commit: str) -> tuple[int, int]:
    """Write the Python files, notebooks and pyproject.toml files of ``commit`` into ``dest``.

    Only what the linter reads (and its config) is written, so a mirror whose large data files
    are absent still gives a usable tree; returns (files written, files absent from the mirror).
    """
    git = ["git", f"--git-dir={git_dir}"]
    listing = subprocess.run(
        [*git, "ls-tree", "-r", "-z", commit], capture_output=True, check=True
    ).stdout
    wanted: list[tuple[str, str]] = []
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, raw_path = entry.split(b"\t", 1)
        mode, kind, blob = meta.split()
        path = raw_path.decode("utf-8", errors="replace")
        if kind != b"blob" or mode == b"120000":  # submodules and links are skipped
            continue
        if path.endswith(SUFFIXES) or path.rsplit("/", 1)[-1] == "pyproject.toml":
            wanted.append((blob.decode(), path))
    if dest.exists():
        shutil.rmtree(dest)
    written = missing = 0
    with subprocess.Popen(
        [*git, "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    ) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        for sha, path in wanted:
            proc.stdin.write(f"{sha}\n".encode())
            proc.stdin.flush()
            header = proc.stdout.readline().split()
            if len(header) < 3 or header[1] == b"missing":
                missing += 1
                continue
            data = proc.stdout.read(int(header[2]))
            proc.stdout.read(1)
            out = dest / path
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(data)
            written += 1
        proc.stdin.close()
    return written, missing


# -- printing -------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def table(outcome: Outcome) -> str:
    """The per-repository table (markdown, so docs/sweep.md can take it as it is)."""
    head = (
        "repository",
        "files",
        "findings",
        "TP",
        "FP",
        "unreviewed",
        "PLG000 ok/wrong/?",
        "PLG999",
        "PLG9xx",
        "seconds",
    )
    rows = [head, tuple("---" for _ in head)]

    def row(name: str, t: RepoTally) -> tuple[str, ...]:
        syntax = f"{t.syntax_right}/{t.syntax_wrong}/{t.syntax_unreviewed}"
        return (
            name,
            str(t.files),
            str(t.findings),
            str(t.tp),
            str(t.fp),
            str(t.unreviewed),
            syntax,
            str(t.internal),
            str(t.file_errors),
            f"{t.seconds:.1f}",
        )

    for name, t in outcome.tallies.items():
        rows.append(row(name, t))
    rows.append(row("**total**", outcome.totals()))
    return "\n".join("| " + " | ".join(r) + " |" for r in rows)


def summary(outcome: Outcome) -> str:
    """Precision and the engine-code counts, in one paragraph."""
    t = outcome.totals()
    return (
        f"rule findings: {t.findings} ({t.tp} TP, {t.fp} FP, {t.unreviewed} unreviewed); "
        f"precision over reviewed: {_pct(precision(t.tp, t.fp))}\n"
        f"PLG000: {t.syntax_right + t.syntax_wrong + t.syntax_unreviewed} "
        f"({t.syntax_right} right, {t.syntax_wrong} wrong, {t.syntax_unreviewed} unreviewed); "
        f"PLG999 (internal errors): {t.internal}; other PLG9xx (unreadable files): "
        f"{t.file_errors}"
    )


def per_code(outcome: Outcome) -> str:
    """Rule findings per code: reviewed TP and FP, unreviewed, precision (markdown)."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for f, r in outcome.matched:
        if is_rule_code(f.code):
            counts[f.code][0 if r.verdict is Verdict.TP else 1] += 1
    for f in outcome.unreviewed:
        if is_rule_code(f.code):
            counts[f.code][2] += 1
    rows = [
        "| code | findings | TP | FP | unreviewed | precision |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for code, (tp, fp, new) in sorted(counts.items()):
        rows.append(
            f"| {code} | {tp + fp + new} | {tp} | {fp} | {new} | {_pct(precision(tp, fp))} |"
        )
    return "\n".join(rows)


def fp_classes(outcome: Outcome) -> str:
    """False alarms still reported, counted by class."""
    counts: dict[str, int] = defaultdict(int)
    for f, r in outcome.matched:
        if r.verdict is Verdict.FP:
            counts[f"{f.code} {r.fp_class}" if f.code == SYNTAX_CODE else r.fp_class] += 1
    return "\n".join(f"  {n:3d}  {c}" for c, n in sorted(counts.items(), key=lambda x: -x[1]))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trees", type=Path, default=DEFAULT_TREES, help="folder of trees")
    ap.add_argument("--jobs", type=int, default=1, help="linter workers per repository")
    ap.add_argument("--repo", action="append", default=[], help="only names containing this")
    ap.add_argument("--repos", type=Path, default=REPOS_TOML, help="repos.toml to use")
    ap.add_argument("--verdicts", type=Path, default=VERDICTS_TSV, help="verdicts.tsv to use")
    ap.add_argument("--strict", action="store_true", help="exit 1 on unreviewed findings")
    ap.add_argument("--emit-unreviewed", type=Path, help="write unreviewed rows (TSV) here")
    ap.add_argument("--save-json", type=Path, help="keep each tree's JSON output in this folder")
    ap.add_argument(
        "--materialise",
        type=Path,
        metavar="MIRRORS",
        help="first (re)write each tree from MIRRORS/<owner>+<name>/repo (git dir)",
    )
    args = ap.parse_args(argv)

    repos = [
        r
        for r in load_repos(args.repos)
        if not args.repo or any(s.lower() in r.name.lower() for s in args.repo)
    ]
    names = {r.name for r in repos}
    reviews = [v for v in load_verdicts(args.verdicts) if v.repo in names]
    stale = [v for v in reviews if v.commit != next(r.commit for r in repos if r.name == v.repo)]
    if stale:
        print(
            f"warning: {len(stale)} verdicts name another commit than repos.toml", file=sys.stderr
        )

    findings: list[Finding] = []
    files: dict[str, int] = {}
    seconds: dict[str, float] = {}
    for repo in repos:
        tree = args.trees / repo.folder
        if args.materialise:
            git_dir = args.materialise / repo.folder / "repo"
            if (git_dir / ".git").is_dir():
                git_dir = git_dir / ".git"
            written, missing = materialise(git_dir, tree, repo.commit)
            print(
                f"  {repo.name}: wrote {written} files ({missing} absent from the mirror)",
                file=sys.stderr,
            )
        if not tree.is_dir():
            print(f"warning: no tree for {repo.name} at {tree}; skipped", file=sys.stderr)
            continue
        start = time.perf_counter()
        data = run_linter(tree, args.jobs)
        seconds[repo.name] = time.perf_counter() - start
        if args.save_json:
            args.save_json.mkdir(parents=True, exist_ok=True)
            (args.save_json / f"{repo.folder}.json").write_text(json.dumps(data, indent=1))
        files[repo.name] = count_files(tree)
        findings.extend(to_findings(repo.name, tree, data))
        print(
            f"  {repo.name}: {len(data)} diagnostics in {seconds[repo.name]:.1f}s", file=sys.stderr
        )

    swept = [r.name for r in repos if r.name in files]
    outcome = match(findings, [v for v in reviews if v.repo in files])
    tally(outcome, files, swept)
    for name, t in outcome.tallies.items():
        t.seconds = seconds.get(name, 0.0)

    print(table(outcome))
    print()
    print(summary(outcome))
    print()
    print(per_code(outcome))
    classes = fp_classes(outcome)
    if classes:
        print("\nfalse alarms still reported, by class:\n" + classes)
    commits = {r.name: r.commit for r in repos}
    if outcome.unreviewed:
        print(f"\nNEW unreviewed findings ({len(outcome.unreviewed)}):")
        for f in outcome.unreviewed:
            where = f"{f.path}" + (f" cell {f.cell}" if f.cell is not None else "")
            print(f"  {f.repo} {where}:{f.line} {f.code} {f.message[:110]}")
    if outcome.lost:
        print(f"\nreviewed findings no longer reported ({len(outcome.lost)}):")
        for r in outcome.lost:
            where = f"{r.path}" + (f" cell {r.cell}" if r.cell is not None else "")
            tag = "LOST TP (recall drop)" if r.verdict is Verdict.TP else "fixed FP"
            print(f"  {tag}: {r.repo} {where}:{r.line} {r.code} {r.fp_class}")
    if args.emit_unreviewed:
        rows = [verdict_row(f, commits[f.repo]) for f in outcome.unreviewed]
        args.emit_unreviewed.write_text("\n".join(rows) + ("\n" if rows else ""))
    lost_tp = any(r.verdict is Verdict.TP for r in outcome.lost)
    return 1 if args.strict and (outcome.unreviewed or lost_tp) else 0


if __name__ == "__main__":
    sys.exit(main())
