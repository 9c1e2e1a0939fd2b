"""The machinery of benchmarks/bench_repo.py: what it measures is what it says (no timings)."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

from pooling_lint import engine, runner
from pooling_lint.config import Config
from pooling_lint.engine import Options
from pooling_lint.runner import check_paths

from .conftest import BUGGY, REPO_ROOT


def _load_bench() -> ModuleType:
    path = REPO_ROOT / "benchmarks" / "bench_repo.py"
    spec = importlib.util.spec_from_file_location("bench_repo_under_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


bench = _load_bench()


def _tree(tmp_path: Path) -> list[Path]:
    files = {
        "pkg/buggy.py": BUGGY,
        "pkg/again.py": BUGGY,
        "pkg/plain.py": "def add(a, b):\n    return a + b\n",
    }
    out = []
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        out.append(path)
    return out


def test_stage_timers_count_every_file_and_are_undone(tmp_path: Path) -> None:
    files = _tree(tmp_path)
    options = Options.for_config(Config())
    originals = (engine.lint_module_text, engine.parse, engine.build_facts, runner.read_source)
    checks = {type(r): vars(type(r)).get("check") for r in options.rules}
    timers, inside, restore = bench.install_stage_timers(options.rules)
    try:
        results = check_paths(files, options, jobs=1, cache=None)
    finally:
        restore()
    assert [d.code for r in results for d in r.diagnostics] == ["PLG302", "PLG302"]
    # Every file was read and went into the per-text container; only the framework files were
    # parsed (the plain one stops at triage) and checked by every rule.
    assert timers.calls["read + decode"] == 3
    assert timers.calls[bench.CONTAINER] == 3
    assert timers.calls["parse (engine.parse)"] == 2
    assert timers.calls[bench.RULES] == 2 * len(options.rules)
    assert bench.RULES in inside and "parse (engine.parse)" in inside
    assert bench.CONTAINER not in inside
    triage_stage = next(s for s in inside if s.startswith("triage"))
    assert timers.passed[triage_stage] == 2
    assert (engine.lint_module_text, engine.parse, engine.build_facts,
            runner.read_source) == originals
    assert {type(r): vars(type(r)).get("check") for r in options.rules} == checks


def test_profile_run_prints_the_split_and_the_profile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _tree(tmp_path)
    config = tmp_path / "empty.toml"
    config.write_text("[tool.pooling-lint]\n", encoding="utf-8")
    assert bench.profile_run(tmp_path / "pkg", config, 5) == 0
    out = capsys.readouterr().out
    assert "3 files, 2 diagnostics" in out
    assert "| - parse (engine.parse) | 2 |" in out
    assert "Top 5 by cumulative time:" in out and "Top 5 by own time:" in out
    assert "pooling_lint/runner.py" in out  # the run itself is in the profile


def test_run_measured_reports_the_exit_status_and_the_tree(tmp_path: Path) -> None:
    # A child that starts a grandchild holding ~60 MB: wait4's ru_maxrss covers the tree.
    code = textwrap.dedent(
        """
        import subprocess, sys
        hold = "b = bytearray(60 * 2**20); b[::4096] = b'x' * len(b[::4096])"
        subprocess.run([sys.executable, "-c", hold])
        sys.exit(3)
        """
    )
    m = bench.run_measured([sys.executable, "-c", code], tmp_path, {}, (3,))
    assert m.rc == 3
    assert m.maxrss_kb > 55 * 1024
    assert m.cpu > 0
    with pytest.raises(RuntimeError, match="exited 3"):
        bench.run_measured([sys.executable, "-c", code], tmp_path, {}, (0,))


@pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="needs Linux /proc")
def test_sample_memory_sees_the_workers(tmp_path: Path) -> None:
    code = textwrap.dedent(
        """
        import multiprocessing as mp, time
        def work(_):
            b = bytearray(40 * 2**20); b[::4096] = b'x' * len(b[::4096]); time.sleep(0.5)
        if __name__ == "__main__":
            with mp.get_context("fork").Pool(2) as pool:
                pool.map(work, range(2))
        """
    )
    script = tmp_path / "pool.py"
    script.write_text(code, encoding="utf-8")
    peaks, measured = bench.sample_memory([sys.executable, str(script)], tmp_path, {})
    assert measured.rc == 0
    assert peaks[0].role == "parent"
    workers = [p for p in peaks if p.role == "worker"]
    assert len(workers) >= 2
    assert max(p.private_kb for p in workers) > 35 * 1024
    assert all(p.hwm_kb >= p.private_kb for p in workers)


def test_one_file_is_the_smallest_model_file(tmp_path: Path) -> None:
    body = "import torch\nfrom torch import nn\n\nclass M(nn.Module):\n    pass\n"
    small = tmp_path / "models" / "small.py"
    big = tmp_path / "models" / "big.py"
    short = tmp_path / "models" / "short.py"
    other = tmp_path / "utils" / "tiny.py"
    for path, extra in ((small, 80), (big, 200), (short, 10), (other, 80)):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body + "#\n" * extra, encoding="utf-8")
    assert bench.pick_one_file([big, small, short, other]) == small


def test_import_times_lists_top_level_modules_and_their_imports(tmp_path: Path) -> None:
    rows = bench.import_times(sys.executable, "import json", {}, 100, tmp_path)
    assert "| json |" in {r.split(" | ")[0] + " |" for r in rows}
    assert any(r.startswith("|   - json.") for r in rows)  # one level below, indented


def test_import_times_runs_in_the_given_folder(tmp_path: Path) -> None:
    # `python -c` imports from its working directory first: the benchmark runs it in its
    # scratch folder so that a checkout's own pooling_lint cannot shadow the snapshot.
    (tmp_path / "only_here.py").write_text("import json\n", encoding="utf-8")
    rows = bench.import_times(sys.executable, "import only_here", {}, 100, tmp_path)
    assert any(r.startswith("| only_here |") for r in rows)
