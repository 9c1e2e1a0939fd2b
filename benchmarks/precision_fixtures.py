"""Status of the precision fixtures (tests/fixtures/precision/) against their manifest.

    python benchmarks/precision_fixtures.py            # one line per fixture, a summary per class
    python benchmarks/precision_fixtures.py --failing  # only the fixtures that do not pass yet
    python benchmarks/precision_fixtures.py --strict   # exit 1 if any fixture does not pass

Each ``[[fixture]]`` of ``manifest.toml`` lists the findings its file must produce, exactly, as
``[cell, line, code]`` (cell 0 for ``.py`` files); near-misses list none. The fixtures are not in
the pytest corpus yet (several fail until the fixes of issue 12 land); this shows the progress.
The ``today`` field of the manifest is the status when the fixture was written.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "precision"

Key = tuple[int, int, str]  # (cell or 0, line, code)


@dataclass(frozen=True)
class Status:
    """One fixture's comparison of what the linter reported with what the manifest expects."""

    file: str
    fp_class: str
    kind: str
    unexpected: tuple[Key, ...]
    missing: tuple[Key, ...]

    @property
    def passes(self) -> bool:
        """True when the findings equal the expectation exactly."""
        return not self.unexpected and not self.missing


def reported(folder: Path) -> dict[str, set[Key]]:
    """The linter's findings per file name, for every file in ``folder``."""
    script = Path(sys.executable).parent / "pooling-lint"
    base = [str(script)] if script.exists() else [sys.executable, "-m", "pooling_lint"]
    cmd = [*base, "check", "--format", "json", "--no-cache", "--exit-zero", "--jobs", "1", "."]
    proc = subprocess.run(cmd, cwd=folder, capture_output=True, text=True, check=False)
    found: dict[str, set[Key]] = defaultdict(set)
    for d in json.loads(proc.stdout or "[]"):
        found[Path(d["path"]).name].add((int(d.get("cell") or 0), int(d["line"]), d["code"]))
    return found


def compare(manifest: dict[str, object], found: dict[str, set[Key]]) -> list[Status]:
    """A status for every fixture of the manifest."""
    out = []
    fixtures = manifest.get("fixture", [])
    assert isinstance(fixtures, list)
    for fx in fixtures:
        want = {(int(c), int(n), str(code)) for c, n, code in fx["expect"]}
        have = found.get(fx["file"], set())
        out.append(
            Status(
                fx["file"],
                fx["class"],
                fx["kind"],
                tuple(sorted(have - want)),
                tuple(sorted(want - have)),
            )
        )
    return out


def _keys(keys: Sequence[Key]) -> str:
    return ", ".join(f"{f'cell {c} ' if c else ''}{n} {code}" for c, n, code in keys)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--folder", type=Path, default=FIXTURES)
    ap.add_argument("--failing", action="store_true", help="list only fixtures that fail")
    ap.add_argument("--strict", action="store_true", help="exit 1 if any fixture fails")
    args = ap.parse_args(argv)

    manifest = tomllib.loads((args.folder / "manifest.toml").read_text(encoding="utf-8"))
    listed = {fx["file"] for fx in manifest.get("fixture", [])}
    on_disk = {p.name for p in args.folder.iterdir() if p.suffix in (".py", ".ipynb")}
    statuses = compare(manifest, reported(args.folder))
    for s in statuses:
        if args.failing and s.passes:
            continue
        detail = []
        if s.unexpected:
            detail.append(f"unexpected {_keys(s.unexpected)}")
        if s.missing:
            detail.append(f"missing {_keys(s.missing)}")
        print(f"{'pass' if s.passes else 'FAIL'}  {s.file}  {'; '.join(detail)}")
    per_class: dict[str, list[Status]] = defaultdict(list)
    for s in statuses:
        per_class[s.fp_class].append(s)
    print("\nclass                          near-misses clean   bugs found")
    for name, group in sorted(per_class.items()):
        near = [s for s in group if s.kind == "nearmiss"]
        bugs = [s for s in group if s.kind == "bug"]
        print(
            f"{name:30s} {sum(s.passes for s in near):>5}/{len(near):<12}"
            f"{sum(s.passes for s in bugs):>4}/{len(bugs)}"
        )
    passed = sum(s.passes for s in statuses)
    print(f"\n{passed}/{len(statuses)} fixtures pass")
    if on_disk - listed:
        print(f"not in the manifest: {', '.join(sorted(on_disk - listed))}")
    return 1 if args.strict and (passed < len(statuses) or on_disk - listed) else 0


if __name__ == "__main__":
    sys.exit(main())
