"""Cost of ``%load_ext pooling_lint`` per cell, against the same cells run without it, in one run.

    python benchmarks/bench_ipython.py                  # a 15-cell session, 5 repeats
    python benchmarks/bench_ipython.py --cells 31

A notebook-shaped session (imports, then PyTorch encoder definitions alternating with cells
that use them; see ``model_source.py``) is run cell by cell in a real ``InteractiveShell``,
once without the extension (the baseline) and once with it, interleaved, ``--repeats`` times;
the reported overhead per cell is the median difference of the two. The hook itself (the check
of the cell with everything run before it) is also timed directly, per cell position, so the
growth with the history shows. The cells run for real, so this imports torch (benchmarks may;
the extension itself never does).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from model_source import notebook_cells  # noqa: E402


def run_session(
    cells: list[str], extension: bool
) -> tuple[list[float], list[float], list[float]]:
    """Seconds per ``run_cell`` and, with the extension, wall and CPU seconds in its hook."""
    from IPython.core.interactiveshell import InteractiveShell

    InteractiveShell.clear_instance()
    shell = InteractiveShell.instance()
    hook: list[float] = []
    cpu: list[float] = []
    if extension:
        shell.run_cell("%load_ext pooling_lint")
        checker = shell._pooling_lint_checker
        original = checker.pre_run_cell

        def timed(info: object) -> None:
            start, start_cpu = time.perf_counter(), time.process_time()
            original(info)
            hook.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)

        shell.events.unregister("pre_run_cell", original)
        shell.events.register("pre_run_cell", timed)
    per_cell = []
    for cell in cells:
        start = time.perf_counter()
        result = shell.run_cell(cell, store_history=True)
        per_cell.append(time.perf_counter() - start)
        if not result.success:
            raise SystemExit(f"benchmark cell failed: {result.error_in_exec!r}")
    InteractiveShell.clear_instance()
    return per_cell, hook, cpu


def whole_history_cpu(cells: list[str], repeats: int) -> list[float]:
    """Hook CPU seconds per cell when every earlier cell is checked (no selection)."""
    import pooling_lint.ipython_extension as extension

    selective = extension.relevant_cells
    extension.relevant_cells = lambda history, new: list(range(len(history)))
    try:
        runs = [run_session(cells, extension=True)[2] for _ in range(repeats)]
    finally:
        extension.relevant_cells = selective
    return [statistics.median(r[i] for r in runs) for i in range(len(cells))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=15)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    cells = notebook_cells(args.cells)
    import warnings

    warnings.simplefilter("ignore")  # the findings' warnings are not what is measured
    run_session(cells, extension=False)  # warm up: imports torch once for both
    without: list[list[float]] = []
    with_ext: list[list[float]] = []
    hooks: list[list[float]] = []
    cpus: list[list[float]] = []
    for _ in range(args.repeats):
        without.append(run_session(cells, extension=False)[0])
        timed, hook, cpu = run_session(cells, extension=True)
        with_ext.append(timed)
        hooks.append(hook)
        cpus.append(cpu)
    n = len(cells)
    base = [statistics.median(r[i] for r in without) for i in range(n)]
    ext = [statistics.median(r[i] for r in with_ext) for i in range(n)]
    hook = [statistics.median(r[i] for r in hooks) for i in range(n)]
    cpu = [statistics.median(r[i] for r in cpus) for i in range(n)]
    lines = sum(c.count("\n") for c in cells)
    print(f"session: {n} cells, {lines} lines, {args.repeats} repeats (medians)")
    print("cell  lines  history  run_cell     +extension   hook        hook CPU")
    history = 0
    for i, cell in enumerate(cells):
        print(f"{i + 1:4}  {cell.count(chr(10)):5}  {history:7}  {base[i] * 1000:7.2f} ms  "
              f"{ext[i] * 1000:8.2f} ms  {hook[i] * 1000:7.2f} ms  {cpu[i] * 1000:7.2f} ms")
        history += cell.count("\n")
    overhead = [e - b for e, b in zip(ext, base)]
    whole = whole_history_cpu(cells, args.repeats)
    print(f"hook CPU by cell, the same session checked with the whole history instead of the "
          f"cells it needs: {' '.join(f'{t * 1000:.0f}' for t in whole)} ms (median "
          f"{statistics.median(whole) * 1000:.2f} ms, last {whole[-1] * 1000:.2f} ms, vs "
          f"{cpu[-1] * 1000:.2f} ms)")
    print(f"overhead per cell: median {statistics.median(overhead) * 1000:.2f} ms, "
          f"max {max(overhead) * 1000:.2f} ms; hook median {statistics.median(hook) * 1000:.2f} "
          f"ms (CPU {statistics.median(cpu) * 1000:.2f} ms, the figure a loaded machine "
          f"distorts least); run_cell without the extension: median "
          f"{statistics.median(base) * 1000:.2f} ms "
          f"(ratio {statistics.median(ext) / statistics.median(base):.2f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
