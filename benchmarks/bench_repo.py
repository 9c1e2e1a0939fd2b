"""Speed of pooling-lint on one real repository, against ``ast.parse`` and peer linters, in one run.

    python benchmarks/bench_repo.py /work/bench-trees/fairseq --peers /work/bench-venv
    python benchmarks/bench_repo.py ROOT --repeat 5 --peer-repeat 2 --output out.md
    python benchmarks/bench_repo.py ROOT --peers VENV --peer-every 4   # peers on every 4th file

What one run measures, all on the files ``pooling-lint check ROOT`` checks (same discovery, an
empty config so the repository's own settings do not change the file set):

- **floor**: read and ``ast.parse`` every file in one process (this process);
- **cold**: ``pooling-lint check ROOT`` with a fresh, empty ``--cache-dir`` and the default
  ``--jobs`` (so it also writes the cache), and the same with ``--no-cache`` and ``--jobs 1``;
- **warm**: the same command again on the cache the cold run just filled;
- **peers**: torchfix and ``fixit lint`` (from the venv given with ``--peers``) on the same
  files, named on the command line, with their default rules and default parallelism;
- **one file**: the ``pooling-lint`` console script on one small model file of the repository;
- **memory**: one cold run with its process tree sampled from ``/proc`` (peak RSS and peak
  private memory of the parent and of each worker), and for every timed run the peak RSS of
  the largest process in its tree (``ru_maxrss`` from ``wait4``);
- **profile**: a one-process run split into stages by timing the engine's entry points, and
  the same run under cProfile (top functions).

Timings are interleaved (one round runs every tool once) and reported as medians; every figure
is also given as a ratio to the floor of the same run, with the machine's load average
printed per round. CPU seconds (user + system of the whole process tree) are given next to
wall seconds: they are less sensitive to other processes on a shared machine.

The package measured is the ``pooling_lint`` that the running interpreter would import (run
this script with the venv of the checkout to measure); it is copied to a scratch folder first,
so edits made to the checkout while the benchmark runs do not change what is measured.
See docs/speed.md.
"""

from __future__ import annotations

import argparse
import ast
import cProfile
import importlib.util
import io
import os
import platform
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Targets of issue 11, checked at the end of the report.
TARGET_COLD_X_FLOOR = 1.5
TARGET_PEER_SPEEDUP = 50.0
TARGET_WARM_SPEEDUP = 20.0
TARGET_ONE_FILE_S = 0.2

MEMORY_SAMPLE_S = 0.02


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# -- measuring one command ----------------------------------------------------------------


@dataclass(frozen=True)
class Measured:
    """One timed run: wall seconds, CPU seconds of the process tree, peak RSS, exit status."""

    wall: float
    cpu: float
    maxrss_kb: int  # largest single process of the tree (ru_maxrss); 0 when not measured
    rc: int


def run_measured(cmd: Sequence[str], cwd: Path, env: dict[str, str], ok: Iterable[int]) -> Measured:
    """Run ``cmd`` and measure it with ``wait4`` (its own rusage, workers it reaped included)."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in set(ok):
            err.seek(0)
            tail = err.read().decode(errors="replace")[-800:]
            raise RuntimeError(f"{' '.join(cmd[:3])} ... exited {proc.returncode}: {tail}")
    return Measured(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, proc.returncode)


def floor(files: Sequence[Path]) -> Measured:
    """Read and ``ast.parse`` every file in this process: the floor."""
    start = time.perf_counter()
    cpu = time.process_time()
    for f in files:
        try:
            ast.parse(f.read_bytes())
        except (SyntaxError, ValueError, RecursionError):
            pass
    return Measured(time.perf_counter() - start, time.process_time() - cpu, 0, 0)


@dataclass
class ProcPeak:
    """Peaks seen for one process of a sampled tree."""

    pid: int
    role: str
    hwm_kb: int = 0  # VmHWM: peak resident set, pages shared with the parent included
    private_kb: int = 0  # Private_Clean + Private_Dirty (smaps_rollup): only this process's


def _proc_children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                out.extend(int(c) for c in fh.read().split())
    except (OSError, ValueError):
        pass
    return out


def _proc_sample(pid: int) -> tuple[int, int] | None:
    hwm = private = 0
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith(("Private_Clean:", "Private_Dirty:")):
                    private += int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return hwm, private


def sample_memory(
    cmd: Sequence[str], cwd: Path, env: dict[str, str]
) -> tuple[list[ProcPeak], Measured]:
    """Run ``cmd`` once, sampling its process tree from /proc every MEMORY_SAMPLE_S seconds."""
    peaks: dict[int, ProcPeak] = {}
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    while True:
        tree = [proc.pid]
        i = 0
        while i < len(tree):
            tree.extend(_proc_children(tree[i]))
            i += 1
        for pid in tree:
            sample = _proc_sample(pid)
            if sample is None:
                continue
            peak = peaks.setdefault(pid, ProcPeak(pid, "parent" if pid == proc.pid else "worker"))
            peak.hwm_kb = max(peak.hwm_kb, sample[0])
            peak.private_kb = max(peak.private_kb, sample[1])
        waited, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if waited:
            break
        time.sleep(MEMORY_SAMPLE_S)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    measured = Measured(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, proc.returncode)
    return sorted(peaks.values(), key=lambda p: (p.role != "parent", p.pid)), measured


# -- the package under test ---------------------------------------------------------------


def snapshot_package(work: Path) -> tuple[Path, dict[str, str]]:
    """Copy the importable ``pooling_lint`` to ``work`` and return (origin, env using it)."""
    spec = importlib.util.find_spec("pooling_lint")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("pooling_lint is not importable by this interpreter")
    origin = Path(next(iter(spec.submodule_search_locations)))
    target = work / "snapshot"
    shutil.copytree(origin, target / "pooling_lint",
                    ignore=shutil.ignore_patterns("__pycache__"))
    sys.path.insert(0, str(target))  # this process imports the snapshot too
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(target), os.environ.get("PYTHONPATH", "")) if p
    )
    env.pop("POOLING_LINT_CACHE_DIR", None)
    return origin, env


def describe_checkout(origin: Path) -> str:
    """The git commit (and whether the tree was dirty) of the measured package."""
    def git(*args: str) -> str:
        proc = subprocess.run(["git", "-C", str(origin), *args], capture_output=True, text=True,
                              check=False)
        return proc.stdout.strip()

    commit = git("rev-parse", "--short=12", "HEAD")
    if not commit:
        return f"{origin} (not a git checkout)"
    dirty = git("status", "--porcelain", "--", ".")
    subject = git("log", "-1", "--format=%s")
    return f"{origin} at {commit}{' (uncommitted changes)' if dirty else ''}: {subject}"


def discover_files(root: Path, config_file: Path) -> list[Path]:
    """The files ``pooling-lint check ROOT --config CONFIG_FILE`` checks."""
    from pooling_lint.config import load_config
    from pooling_lint.files import discover
    from pooling_lint.rules import known_codes

    config = load_config(config_file, root, known_codes())
    files, _ = discover([root], config)
    return files


def pick_one_file(files: Sequence[Path]) -> Path:
    """A small model file: the smallest file of 80+ lines under a ``models`` folder that defines
    a torch ``nn.Module`` (deterministic for a given tree)."""
    best: tuple[int, str, Path] | None = None
    for f in files:
        if "models" not in f.parts:
            continue
        text = f.read_text(encoding="utf-8", errors="replace")
        lines = text.count("\n")
        if lines < 80 or "import torch" not in text or "nn.Module" not in text:
            continue
        key = (len(text), f.as_posix(), f)
        if best is None or key[:2] < best[:2]:
            best = key
    if best is None:
        return min(files, key=lambda p: (p.stat().st_size, p.as_posix()))
    return best[2]


# -- rounds and tables --------------------------------------------------------------------


@dataclass
class Series:
    """All runs of one timed thing."""

    label: str
    files: int
    runs: list[Measured] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def min_wall(self) -> float:
        return min(r.wall for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    @property
    def maxrss_mb(self) -> float:
        return max(r.maxrss_kb for r in self.runs) / 1024


def run_rounds(
    things: dict[str, Callable[[], Measured]], rounds: int, loads: list[str], what: str
) -> dict[str, list[Measured]]:
    """Run every thing once per round, ``rounds`` rounds; note the load at each round's start."""
    out: dict[str, list[Measured]] = {label: [] for label in things}
    for r in range(rounds):
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        which = what if rounds == 1 else f"{what} round {r + 1}/{rounds}"
        loads.append(f"{which} starts at load {load}")
        log(loads[-1])
        for label, fn in things.items():
            m = fn()
            out[label].append(m)
            log(f"  {label}: {m.wall:.3f} s wall, {m.cpu:.3f} s CPU")
    return out


def table(series: Sequence[Series], floor_label: str) -> str:
    base = next(s for s in series if s.label == floor_label)
    rows = [
        "| what | files | runs | median wall s | x floor (wall) | min wall s | x floor (min) "
        "| median CPU s | x floor (CPU) | peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in series:
        rss = f"{s.maxrss_mb:.0f}" if s.maxrss_mb else "-"
        rows.append(
            f"| {s.label} | {s.files:,} | {len(s.runs)} | {s.wall:.3f} | {s.wall / base.wall:.2f} "
            f"| {s.min_wall:.3f} | {s.min_wall / base.min_wall:.2f} "
            f"| {s.cpu:.3f} | {s.cpu / base.cpu:.2f} | {rss} |"
        )
    return "\n".join(rows)


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


# -- profile (runs in a child process: python bench_repo.py --profile-run ROOT CONFIG TOP) --

PROFILE_RUN = "--profile-run"


class StageTimers:
    """Wall time and calls of the engine's entry points, by monkeypatching them."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self.passed: dict[str, int] = {}

    def wrap(self, stage: str, fn: Callable[..., Any], consume: bool = False) -> Callable[..., Any]:
        self.seconds.setdefault(stage, 0.0)
        self.calls.setdefault(stage, 0)
        self.passed.setdefault(stage, 0)

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                result = fn(*args, **kwargs)
                if consume:  # a generator does its work while it is iterated
                    result = list(result)
                return result
            finally:
                self.seconds[stage] += time.perf_counter() - start
                self.calls[stage] += 1

        def counted(*args: Any, **kwargs: Any) -> Any:
            result = timed(*args, **kwargs)
            if result is True or (result is not None and not isinstance(result, bool)):
                self.passed[stage] += 1  # True, or a plan (not None): the file goes on
            return result

        return counted


@dataclass(frozen=True)
class StageSpec:
    """A stage of the engine and where to time it.

    ``candidates`` are (label, module, attribute) where the engine looks the function up at
    call time (``Class.method`` for a method); the first that exists is timed, so one table
    serves the libcst engine and the ast one. ``inside`` stages run within the per-text
    container and are subtracted from it.
    """

    inside: bool
    candidates: tuple[tuple[str, str, str], ...]


CONTAINER = "lint one text (container)"
RULES = "rules (rule.check)"
STAGES: tuple[StageSpec, ...] = (
    StageSpec(False, (("read + decode", "pooling_lint.runner", "read_source"),)),
    StageSpec(False, (("content hash (cache key)", "pooling_lint.runner", "content_hash"),)),
    StageSpec(False, ((CONTAINER, "pooling_lint.engine", "lint_module_text"),)),
    StageSpec(True, (
        ("triage: text stage", "pooling_lint.engine", "triage_plan"),  # ast engine
        ("triage: text + ast.parse stages", "pooling_lint.engine", "triage"),  # libcst engine
    )),
    StageSpec(True, (("parse (engine.parse)", "pooling_lint.engine", "parse"),)),
    StageSpec(True, (
        ("triage: ast test on the parsed tree", "pooling_lint.triage", "Triage.tree_stage"),
    )),
    StageSpec(True, (("nesting check", "pooling_lint.engine", "long_bool_chain"),)),
    StageSpec(True, (("analysis (build facts)", "pooling_lint.engine", "build_facts"),)),
    StageSpec(True, (("statement spans (noqa)", "pooling_lint.engine", "statement_spans"),)),
    StageSpec(False, (("filter (noqa, ignores)", "pooling_lint.engine", "filter_diagnostics"),)),
)

_MISSING = object()


def install_stage_timers(
    rules: Sequence[Any],
) -> tuple[StageTimers, list[str], Callable[[], None]]:
    """Time the engine's stages; returns the timers, the inside stages and an undo."""
    timers = StageTimers()
    inside: list[str] = []
    undo: list[tuple[Any, str, Any]] = []
    for spec in STAGES:
        for label, module_name, attr in spec.candidates:
            try:
                owner: Any = importlib.import_module(module_name)
            except ImportError:
                continue
            *path, name = attr.split(".")
            for part in path:
                owner = getattr(owner, part, None)
            fn = getattr(owner, name, None) if owner is not None else None
            if fn is None:
                continue
            undo.append((owner, name, vars(owner).get(name, _MISSING)))
            setattr(owner, name, timers.wrap(label, fn))
            if spec.inside:
                inside.append(label)
            break
    inside.append(RULES)
    for cls in sorted({type(r) for r in rules}, key=lambda c: c.__name__):
        fn = cls.check
        if getattr(fn, "bench_wrapped", False):
            continue  # inherited from a class already wrapped: count it once
        wrapped = timers.wrap(RULES, fn, consume=True)
        wrapped.bench_wrapped = True  # type: ignore[attr-defined]
        undo.append((cls, "check", vars(cls).get("check", _MISSING)))
        cls.check = wrapped

    def restore() -> None:
        for obj, attr, original in reversed(undo):
            if original is _MISSING:
                delattr(obj, attr)
            else:
                setattr(obj, attr, original)

    return timers, inside, restore


def profile_run(root: Path, config_file: Path, top: int) -> int:
    """Print the stage split and the cProfile tables of a one-process run (markdown)."""
    from pooling_lint.config import load_config
    from pooling_lint.engine import Options
    from pooling_lint.files import discover
    from pooling_lint.rules import known_codes
    from pooling_lint.runner import check_paths

    config = load_config(config_file, root, known_codes())
    files, _ = discover([root], config)
    options = Options.for_config(config)

    timers, inside, restore = install_stage_timers(options.rules)
    start = time.perf_counter()
    results = check_paths(files, options, jobs=1, cache=None)
    total = time.perf_counter() - start
    findings = sum(len(r.diagnostics) for r in results)
    out = [
        f"One process (`check_paths(..., jobs=1, cache=None)`), {len(files):,} files, "
        f"{findings} diagnostics, {total:.2f} s wall with stage timers.\n",
        "| stage | calls | returned True | s | share of total |",
        "|---|---:|---:|---:|---:|",
    ]
    own = dict(timers.seconds)
    if CONTAINER in own:
        own[CONTAINER] -= sum(own.get(s, 0.0) for s in inside)
    order = [stage for stage in own if stage not in inside]
    at = order.index(CONTAINER) + 1 if CONTAINER in order else len(order)
    order[at:at] = [stage for stage in inside if stage in own]
    for stage in order:
        secs = own[stage]
        label = "positions + diagnostics (rest of lint one text)" if stage == CONTAINER else stage
        passed = timers.passed[stage] if stage.startswith("triage") else ""
        indent = "- " if stage in inside else ""
        out.append(f"| {indent}{label} | {timers.calls[stage]:,} | {passed} | {secs:.2f} "
                   f"| {100 * secs / total:.0f}% |")
    rest = total - sum(secs for stage, secs in timers.seconds.items() if stage not in inside)
    out.append(f"| everything else (run loop, results) | | | {rest:.2f} "
               f"| {100 * rest / total:.0f}% |")
    out.append("\nRows starting with `-` run inside \"lint one text\" and are not counted in "
               "its own row. \"returned True\" counts the files a triage stage let through.")

    # The same run under cProfile, without the stage timers.
    restore()
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    check_paths(files, options, jobs=1, cache=None)
    profiler.disable()
    profiled = time.perf_counter() - start
    stats = pstats.Stats(profiler, stream=io.StringIO())
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats  # type: ignore[attr-defined]

    def name(key: tuple[str, int, str]) -> str:
        filename, line, func = key
        if filename == "~":
            return func.replace("|", "\\|")
        parts = Path(filename).parts
        for anchor in ("pooling_lint", "libcst", "site-packages", "lib"):
            if anchor in parts:
                i = len(parts) - 1 - parts[::-1].index(anchor)
                short = "/".join(parts[i:] if anchor in ("pooling_lint", "libcst")
                                 else parts[i + 1:])
                break
        else:
            short = "/".join(parts[-2:])
        return f"{short}:{line}({func})"

    def listing(sort_index: int, title: str) -> list[str]:
        rows = sorted(raw.items(), key=lambda kv: -kv[1][sort_index])[:top]
        lines = [f"\n{title}\n", "| function | calls | own s | cumulative s |",
                 "|---|---:|---:|---:|"]
        for key, (_, nc, tt, ct, _) in rows:
            lines.append(f"| `{name(key)}` | {nc:,} | {tt:.2f} | {ct:.2f} |")
        return lines

    out.append(f"\nUnder cProfile the same run took {profiled:.2f} s (profiler overhead included).")
    out += listing(3, f"Top {top} by cumulative time:")
    out += listing(2, f"Top {top} by own time:")

    # Where the own time lives, by package.
    by_pkg: dict[str, float] = {}
    for key, (_, _, tt, _, _) in raw.items():
        filename = key[0]
        if "pooling_lint" in filename:
            parts = Path(filename).parts
            i = parts.index("pooling_lint")
            pkg = "/".join(parts[i:i + 2]) if parts[i + 1] in ("analysis", "rules") else \
                "pooling_lint (engine, triage, source, cache)"
        elif "libcst" in filename:
            pkg = "libcst"
        elif filename == "~":
            pkg = "builtins (ast.parse/compile, re, str, ...)"
        else:
            pkg = "other Python (stdlib, ...)"
        by_pkg[pkg] = by_pkg.get(pkg, 0.0) + tt
    own_total = sum(by_pkg.values()) or 1.0
    out += ["\nOwn time by where the code lives (under cProfile):\n",
            "| where | own s | share |", "|---|---:|---:|"]
    for pkg, secs in sorted(by_pkg.items(), key=lambda kv: -kv[1]):
        out.append(f"| {pkg} | {secs:.2f} | {100 * secs / own_total:.0f}% |")
    print("\n".join(out))
    return 0


def import_times(
    python: str, statement: str, env: dict[str, str], top: int, cwd: Path
) -> list[str]:
    """Imports of ``statement`` (top level and one below) by cumulative time (``-X importtime``).

    ``cwd`` matters: ``python -c`` puts it first on ``sys.path``, so run it where no other
    ``pooling_lint`` can shadow the one under test (the scratch folder).
    """
    proc = subprocess.run([python, "-X", "importtime", "-c", statement], capture_output=True,
                          text=True, check=False, env=env, cwd=cwd)
    rows: list[tuple[int, str]] = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.split("|", 2)
        depth = (len(name) - len(name.lstrip()) - 1) // 2
        if depth > 1 or not cumulative.strip().isdigit():
            continue  # deeper imports are counted in their parents
        rows.append((int(cumulative), ("  - " if depth else "") + name.strip()))
    rows.sort(reverse=True)
    return [f"| {name} | {us / 1000:.0f} |" for us, name in rows[:top]]


# -- main -------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("root", type=Path, help="the repository to check")
    parser.add_argument("--peers", type=Path, default=None,
                        help="a venv with torchfix and fixit (its bin/ is used)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of floor/cold/warm")
    parser.add_argument("--peer-repeat", type=int, default=2,
                        help="rounds that also run the peers (at most --repeat)")
    parser.add_argument("--peer-every", type=int, default=1,
                        help="peers on every k-th file only (then the floor and pooling-lint "
                        "are measured on that subset too, in the same rounds)")
    parser.add_argument("--one-file", type=Path, default=None,
                        help="the file of the one-file run (default: a small model file)")
    parser.add_argument("--one-file-runs", type=int, default=11)
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--top", type=int, default=25, help="rows of the cProfile tables")
    parser.add_argument("--output", type=Path, default=None, help="also write the report here")
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == [PROFILE_RUN]:  # the child process of the profile section
        return profile_run(Path(argv[1]), Path(argv[2]), int(argv[3]))
    args = parser.parse_args(argv)
    root: Path = args.root.resolve()
    if not root.is_dir():
        parser.error(f"{root} is not a directory")

    work = Path(tempfile.mkdtemp(prefix="bench-repo-"))
    report: list[str] = []
    loads: list[str] = []
    try:
        origin, env = snapshot_package(work)
        measured_what = describe_checkout(origin)  # now: the checkout may move during the run
        config_file = work / "pooling-lint.toml"
        config_file.write_text("[tool.pooling-lint]\n", encoding="utf-8")
        files = discover_files(root, config_file)
        lines = sum(f.read_bytes().count(b"\n") for f in files)
        size = sum(f.stat().st_size for f in files)
        log(f"{root}: {len(files):,} files, {lines:,} lines, {size / 1e6:.1f} MB")

        bindir = Path(sys.executable).parent
        script = bindir / "pooling-lint"
        lint = [str(script)] if script.exists() else [sys.executable, "-m", "pooling_lint"]
        common = ["--config", str(config_file), "--exit-zero", "--statistics"]
        ok_lint = (0,)
        counter = iter(range(10**6))

        def cold(extra: Sequence[str] = ()) -> Callable[[], Measured]:
            def run() -> Measured:
                cache = work / f"cache-{next(counter)}"
                run.last_cache = cache  # type: ignore[attr-defined]
                return run_measured([*lint, "check", str(root), *common, "--cache-dir",
                                     str(cache), *extra], work, env, ok_lint)
            return run

        cold_default = cold()

        def warm() -> Measured:
            cache = cold_default.last_cache  # type: ignore[attr-defined]
            return run_measured([*lint, "check", str(root), *common, "--cache-dir", str(cache)],
                                work, env, ok_lint)

        no_cache = [*lint, "check", str(root), *common, "--no-cache"]
        # Fill the OS page cache (the floor reads the same files) and check the command works.
        found = subprocess.run(no_cache, cwd=work, env=env, capture_output=True, text=True,
                               check=False)
        if found.returncode != 0:
            raise SystemExit(f"pooling-lint failed: {found.stderr[-800:]}")
        floor(files)

        labels = {
            "floor": "floor: read + ast.parse, one process",
            "cold": "pooling-lint cold (fresh --cache-dir, default jobs)",
            "warm": "pooling-lint warm (the cache of that cold run)",
            "nocache": "pooling-lint --no-cache (default jobs)",
            "serial": "pooling-lint cold, --jobs 1 (fresh --cache-dir)",
            "torchfix": "torchfix (default rules)",
            "fixit": "fixit lint (default rules)",
        }
        things: dict[str, Callable[[], Measured]] = {
            labels["floor"]: lambda: floor(files),
            labels["cold"]: cold_default,
            labels["warm"]: warm,
            labels["nocache"]: lambda: run_measured(no_cache, work, env, ok_lint),
            labels["serial"]: cold(["--jobs", "1"]),
        }
        peer_files = files[:: max(1, args.peer_every)]
        subset = args.peer_every > 1
        peer_things: dict[str, Callable[[], Measured]] = {}
        notes: list[str] = []
        if args.peers is not None:
            pbin = args.peers / "bin"
            names = [str(p) for p in peer_files]
            if subset:
                peer_things["floor on the subset"] = lambda: floor(peer_files)
                peer_things["pooling-lint cold on the subset"] = lambda: run_measured(
                    [*lint, "check", *names, *common, "--cache-dir",
                     str(work / f"cache-{next(counter)}")], work, env, ok_lint)
            for tool, cmd in (("torchfix", [str(pbin / "torchfix"), *names]),
                              ("fixit", [str(pbin / "fixit"), "lint", *names])):
                if not Path(cmd[0]).exists():
                    notes.append(f"{tool}: not found in {pbin}")
                    continue
                peer_things[labels[tool]] = (
                    lambda cmd=cmd: run_measured(cmd, work, env, range(256)))  # type: ignore[misc]
        else:
            notes.append("peers not measured (no --peers VENV)")

        times: dict[str, list[Measured]] = {label: [] for label in [*things, *peer_things]}
        peer_rounds = min(args.peer_repeat, args.repeat) if peer_things else 0
        for r in range(args.repeat):
            round_things = {**things, **(peer_things if r < peer_rounds else {})}
            for label, ms in run_rounds(round_things, 1, loads,
                                        f"main round {r + 1}/{args.repeat}").items():
                times[label].extend(ms)

        # One file, as a pre-commit hook or an editor runs it.
        one = (args.one_file or pick_one_file(files)).resolve()
        one_cache = work / "cache-one"
        run_measured([*lint, "check", str(one), *common, "--cache-dir", str(one_cache)], work,
                     env, ok_lint)
        imports = "import pooling_lint.cli, pooling_lint.engine, pooling_lint.rules"
        startup: dict[str, Callable[[], Measured]] = {
            "python -c pass": lambda: run_measured([sys.executable, "-c", "pass"], work, env,
                                                   (0,)),
            "python -c 'import the CLI, engine and rules'": lambda: run_measured(
                [sys.executable, "-c", imports], work, env, (0,)),
            "pooling-lint check ONE_FILE --no-cache": lambda: run_measured(
                [*lint, "check", str(one), *common, "--no-cache"], work, env, ok_lint),
            "pooling-lint check ONE_FILE (warm cache)": lambda: run_measured(
                [*lint, "check", str(one), *common, "--cache-dir", str(one_cache)], work, env,
                ok_lint),
        }
        one_loads: list[str] = []
        stimes = run_rounds(startup, args.one_file_runs, one_loads, "one-file runs:")
        loads.append(one_loads[0])

        # Memory: one sampled cold run with the default jobs.
        log("memory: one sampled cold run")
        peaks, mem_run = sample_memory(
            [*lint, "check", str(root), *common, "--cache-dir", str(work / "cache-mem")],
            work, env)

        profile_text = ""
        if not args.no_profile:
            log("profile: one-process run with stage timers, then under cProfile")
            prof = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), PROFILE_RUN, str(root),
                 str(config_file), str(args.top)],
                cwd=work, env=env, capture_output=True, text=True, check=False)
            profile_text = prof.stdout if prof.returncode == 0 else (
                f"profile failed ({prof.returncode}):\n```\n{prof.stderr[-2000:]}\n```")
        end_load = " ".join(f"{x:.2f}" for x in os.getloadavg())

        # -- the report --
        series = {label: Series(label, len(files), ms) for label, ms in times.items()}
        for label in peer_things:
            series[label].files = len(peer_files)
        flo = series[labels["floor"]]
        c = series[labels["cold"]]
        w = series[labels["warm"]]
        report.append(f"Repository: {root} ({len(files):,} files, {lines:,} lines, "
                      f"{size / 1e6:.1f} MB of Python).\n")
        imported = subprocess.run(
            [sys.executable, "-c", "import pooling_lint.cli; print(pooling_lint.cli.__file__)"],
            cwd=work, env=env, capture_output=True, text=True, check=False).stdout.strip()
        snapshot = ("the snapshot" if imported.startswith(str(work))
                    else f"NOT the snapshot: {imported}")
        report.append(f"Measured: {measured_what} (the runs import {snapshot}).\n")
        main_rows = [series[labels[k]] for k in ("floor", "cold", "warm", "nocache", "serial")]
        if not subset:
            main_rows += [series[label] for label in peer_things]
        report.append(table(main_rows, flo.label))
        if subset and peer_things:
            report.append(f"\nPeers on every {args.peer_every}th file ({len(peer_files)} files), "
                          "with the floor and pooling-lint on the same subset:\n")
            report.append(table([series[label] for label in peer_things], "floor on the subset"))
        report.append("")
        report.append("Load average (1, 5, 15 min) of the machine:\n")
        report.append("- " + "\n- ".join(loads))
        report.append(f"- at the end: {end_load}\n")

        report.append("## One file\n")
        one_lines = one.read_bytes().count(b"\n")
        report.append(f"`{one.relative_to(root)}` ({one_lines} lines), console script "
                      f"`{' '.join(lint)}`.\n")
        report.append("| what | runs | median wall s | min wall s | median CPU s |\n"
                      "|---|---:|---:|---:|---:|")
        for label, ms in stimes.items():
            report.append(f"| {label} | {len(ms)} | {statistics.median(m.wall for m in ms):.3f} "
                          f"| {min(m.wall for m in ms):.3f} "
                          f"| {statistics.median(m.cpu for m in ms):.3f} |")

        report.append("\nWhere the import of the CLI, engine and rules goes (`python -X "
                      "importtime`, one run; top-level modules, and indented the largest modules "
                      "imported one level below some top-level one, which `importtime` lists "
                      "before their parent):\n")
        report.append("| module | cumulative ms |\n|---|---:|")
        report.extend(import_times(sys.executable, imports, env, 10, work))

        report.append("\n## Memory (one cold run, default jobs, sampled every "
                      f"{MEMORY_SAMPLE_S * 1000:.0f} ms)\n")
        report.append("| process | peak RSS MB (VmHWM) | peak private MB (USS) |\n|---|---:|---:|")
        for p in peaks:
            report.append(f"| {p.role} (pid {p.pid}) | {p.hwm_kb / 1024:.0f} "
                          f"| {p.private_kb / 1024:.0f} |")
        workers = [p for p in peaks if p.role == "worker"]
        report.append(
            f"\nThat run: {mem_run.wall:.2f} s wall, {len(workers)} worker(s); ru_maxrss of the "
            f"tree (largest single process) {mem_run.maxrss_kb / 1024:.0f} MB. A forked "
            "worker's RSS counts the pages it shares with the parent; its private memory is "
            "what each extra worker costs.")

        report.append("\n## Statistics of the cold run (what pooling-lint reported)\n")
        report.append("```\n" + (found.stdout.strip() or "(nothing)") + "\n```")

        report.append("\n## Targets (issue 11)\n")
        one_runs = stimes["pooling-lint check ONE_FILE --no-cache"]
        one_med = statistics.median(m.wall for m in one_runs)
        one_cpu = statistics.median(m.cpu for m in one_runs)
        one_min = min(m.wall for m in one_runs)
        one_warm = statistics.median(
            m.wall for m in stimes["pooling-lint check ONE_FILE (warm cache)"])
        cold_x = c.wall / flo.wall
        checks = [
            f"- cold / floor = {cold_x:.2f}x wall ({c.min_wall / flo.min_wall:.2f}x on the "
            f"fastest runs, {c.cpu / flo.cpu:.2f}x CPU); "
            f"target <= {TARGET_COLD_X_FLOOR}x: {verdict(cold_x <= TARGET_COLD_X_FLOOR)}",
            f"- cold / warm = {c.wall / w.wall:.1f}x wall ({c.min_wall / w.min_wall:.1f}x on the "
            f"fastest runs, {c.cpu / w.cpu:.1f}x CPU); target "
            f">= {TARGET_WARM_SPEEDUP:.0f}x: {verdict(c.wall / w.wall >= TARGET_WARM_SPEEDUP)}",
            f"- one file: {one_med:.3f} s wall (min {one_min:.3f} s, {one_cpu:.3f} s CPU) "
            f"without cache, {one_warm:.3f} s with a warm cache; target < {TARGET_ONE_FILE_S} "
            f"s: {verdict(one_med < TARGET_ONE_FILE_S)} (on CPU seconds: "
            f"{verdict(one_cpu < TARGET_ONE_FILE_S)})",
        ]
        ours = series["pooling-lint cold on the subset"] if subset and peer_things else c
        peer_floor = series["floor on the subset"] if subset and peer_things else flo
        for tool in ("torchfix", "fixit"):
            label = labels[tool]
            if label in series:
                s = series[label]
                speedup = s.wall / ours.wall
                checks.append(
                    f"- {tool} / pooling-lint cold = {speedup:.1f}x wall "
                    f"({s.min_wall / ours.min_wall:.1f}x on the fastest runs, "
                    f"{s.cpu / ours.cpu:.1f}x CPU); "
                    f"{tool} is {s.wall / peer_floor.wall:.0f}x "
                    f"the floor; target >= {TARGET_PEER_SPEEDUP:.0f}x: "
                    f"{verdict(speedup >= TARGET_PEER_SPEEDUP)}")
        if workers:
            checks.append(f"- peak memory per worker: {max(p.hwm_kb for p in workers) / 1024:.0f} "
                          f"MB RSS, {max(p.private_kb for p in workers) / 1024:.0f} MB private "
                          f"(reported)")
        report.append("\n".join(checks))
        report.extend(f"- note: {n}" for n in notes)
        if profile_text:
            report.append("\n## Profile (one process)\n")
            report.append(profile_text.strip())
    finally:
        shutil.rmtree(work, ignore_errors=True)

    header = (
        f"Command: `python benchmarks/bench_repo.py {' '.join(argv or sys.argv[1:])}`\n\n"
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs (default jobs here: "
        f"{_default_jobs()}), Python {platform.python_version()}, {platform.system()}; "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.\n"
    )
    text = header + "\n" + "\n".join(report) + "\n"
    print(text)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    return 0


def _default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


if __name__ == "__main__":
    sys.exit(main())
