"""Speed and memory of pooling_lint.runtime's masked pooling against the unmasked floor.

    python benchmarks/bench_runtime.py            # x of shape (64, 512, 512) float32
    python benchmarks/bench_runtime.py --quick    # (8, 64, 32), a smoke run
    python benchmarks/bench_runtime.py --device cuda --framework torch

Methods run in shuffled, interleaved rounds so that background load hits them all alike; the
table reports the median per method and its ratio to the floor (the unmasked mean) measured in
the same run. Peak extra memory is measured in a fresh subprocess per framework: for torch on
CPU the rise of the resident-set high-water mark (VmHWM, reset through /proc/self/clear_refs)
over the resident set before the call; for CUDA ``max_memory_allocated``; for TensorFlow the
allocator peak from ``tf.config.experimental.get_memory_info`` (TF pools freed buffers, so RSS
would under-count), falling back to VmHWM. Every method's result is checked against a reference
before timing. Prints a markdown table and the goals check.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MiB = 1024 * 1024
Method = Callable[[], Any]


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


QUIET_ROUNDS: dict[str, tuple[int, int, int]] = {}


def _busy_seconds() -> float:
    """CPU seconds all processes have spent busy since boot (0 where /proc/stat is missing)."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return 0.0
    values = [int(v) for v in fields]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _reset_peak_rss() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


CHECKED = "checked: "
UNCHECKED = "validate=False: "


def checked_pair(
    label: str, op: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> dict[str, Method]:
    """The op with its default value checks and with ``validate=False``, as two methods."""
    return {
        f"{CHECKED}`{label}`": lambda: op(*args, **kwargs),
        f"{UNCHECKED}`{label}`": lambda: op(*args, validate=False, **kwargs),
    }


def without_pairs(methods: dict[str, Method]) -> dict[str, Method]:
    """The methods of the main table: all but the check-cost pairs."""
    return {k: v for k, v in methods.items() if not k.startswith((CHECKED, UNCHECKED))}


def time_check_pairs(
    framework: str, shape: tuple[int, int, int], device: str, rounds: int, clock: str = "wall"
) -> dict[str, tuple[float, float, float, float]]:
    """Per op: median checked ms, unchecked ms, and the median and IQR of checked / unchecked.

    Each round times the pair back to back in the order checked, unchecked, unchecked,
    checked, so that a change of load during the round hits both alike; the round's ratio is
    (c1 + c2) / (u1 + u2). ``clock="cpu"`` counts CPU seconds instead of wall seconds (torch:
    one thread, ``time.thread_time``; TF: one intra-op and one inter-op thread,
    ``time.process_time``), which time spent waiting for a core on a busy machine does not
    inflate; it is only meaningful on the CPU.
    """
    now = time.perf_counter
    if clock == "cpu":
        now = time.thread_time if framework == "torch" else time.process_time
        if framework == "torch":
            import torch

            torch.set_num_threads(1)
        else:
            import tensorflow as tf

            tf.config.threading.set_intra_op_parallelism_threads(1)
            tf.config.threading.set_inter_op_parallelism_threads(1)
    if framework == "torch":
        methods, sync = torch_methods(shape, device)

        def run(fn: Method) -> float:
            start = now()
            fn()
            sync()
            return now() - start
    else:
        methods, sync_result = tf_methods(shape, device)

        def run(fn: Method) -> float:
            start = now()
            sync_result(fn())
            return now() - start

    result: dict[str, tuple[float, float, float, float]] = {}
    for label in methods:
        if not label.startswith(CHECKED):
            continue
        name = label[len(CHECKED) :]
        checked, unchecked = methods[label], methods[UNCHECKED + name]
        for fn in (checked, unchecked, checked, unchecked):  # warm-up
            run(fn)
        ratios, c_ms, u_ms = [], [], []
        for _ in range(rounds):
            c1, u1, u2, c2 = run(checked), run(unchecked), run(unchecked), run(checked)
            ratios.append((c1 + c2) / (u1 + u2))
            c_ms += [c1 * 1e3, c2 * 1e3]
            u_ms += [u1 * 1e3, u2 * 1e3]
        q1, _, q3 = statistics.quantiles(ratios, n=4)
        median = statistics.median
        result[name] = (median(c_ms), median(u_ms), median(ratios), q3 - q1)
    return result


def check_cost_table(pairs: dict[str, tuple[float, float, float, float]]) -> str:
    """A markdown table of :func:`time_check_pairs`."""
    lines = [
        "| op: default checks vs `validate=False` | checked ms | unchecked ms | ratio | IQR |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, (checked, unchecked, ratio, iqr) in pairs.items():
        lines.append(f"| {name} | {checked:.3f} | {unchecked:.3f} | {ratio:.3f} | {iqr:.3f} |")
    return "\n".join(lines)


# --- torch ----------------------------------------------------------------------------------


def torch_methods(shape: tuple[int, int, int], device: str) -> tuple[dict[str, Method], Any]:
    """The torch methods to compare, keyed by the label printed in the table."""
    import torch

    from pooling_lint.runtime import torch as pt

    batch, time_, feat = shape
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(shape, generator=gen).to(device)
    lengths = torch.randint(1, time_ + 1, (batch,), generator=gen).to(device)
    mask = pt.lengths_to_mask(lengths, time_)
    maskf = mask.float()
    count = lengths.float()[:, None]
    scores = torch.randn(batch, time_, generator=gen).to(device)
    rows = torch.arange(batch, device=device)
    methods: dict[str, Method] = {
        "`x.mean(1)` (floor)": lambda: x.mean(1),
        "`x.amax(1)` (unmasked max)": lambda: x.amax(1),
        "naive `(x*maskf[...,None]).sum(1)/len`": lambda: (x * maskf[..., None]).sum(1) / count,
        "naive `x.masked_fill(~m[...,None], -inf).amax(1)`": lambda: x.masked_fill(
            ~mask[..., None], float("-inf")
        ).amax(1),
        "`bmm(m[:,None], x)/len` (not NaN-safe)": lambda: (
            torch.bmm(maskf[:, None], x)[:, 0] / count
        ),
        "**`masked_mean(x, lengths)`**": lambda: pt.masked_mean(x, lengths),
        "**`masked_mean(x, mask=m)`**": lambda: pt.masked_mean(x, mask=mask),
        "**`masked_sum(x, lengths)`**": lambda: pt.masked_sum(x, lengths),
        "**`masked_max(x, lengths)`**": lambda: pt.masked_max(x, lengths),
        "**`attention_pool(x, scores, lengths)`**": lambda: pt.attention_pool(x, scores, lengths),
        "`x[:, -1].clone()` (wrong step)": lambda: x[:, -1].clone(),
        "`x[arange(B), len-1]`": lambda: x[rows, lengths - 1],
        "**`last_valid(x, lengths)`**": lambda: pt.last_valid(x, lengths),
    }
    hf_mask = mask.long()  # a Hugging Face attention_mask: int64 0/1
    for label, op, args, kwargs in [
        ("masked_mean(x, lengths)", pt.masked_mean, (x, lengths), {}),
        ("masked_mean(x, mask=m)", pt.masked_mean, (x,), {"mask": mask}),
        ("masked_mean(x, mask=int64 m)", pt.masked_mean, (x,), {"mask": hf_mask}),
        ("masked_max(x, lengths)", pt.masked_max, (x, lengths), {}),
        ("last_valid(x, lengths)", pt.last_valid, (x, lengths), {}),
        ("attention_pool(x, scores, lengths)", pt.attention_pool, (x, scores, lengths), {}),
    ]:
        methods.update(checked_pair(label, op, args, kwargs))
    reference = {
        "mean": (x * maskf[..., None]).sum(1) / count,
        "max": x.masked_fill(~mask[..., None], float("-inf")).amax(1),
        "last": x[rows, lengths - 1],
    }
    checks = [
        ("**`masked_mean(x, lengths)`**", "mean"),
        ("**`masked_mean(x, mask=m)`**", "mean"),
        ("`bmm(m[:,None], x)/len` (not NaN-safe)", "mean"),
        ("**`masked_max(x, lengths)`**", "max"),
        ("**`last_valid(x, lengths)`**", "last"),
    ]
    for label, key in checks:
        torch.testing.assert_close(methods[label](), reference[key], rtol=1e-4, atol=1e-4)

    def sync() -> None:
        if device.startswith("cuda"):
            torch.cuda.synchronize()

    torch.set_grad_enabled(False)
    return methods, sync


# --- TensorFlow -----------------------------------------------------------------------------


def tf_methods(shape: tuple[int, int, int], device: str) -> tuple[dict[str, Method], Any]:
    """The TensorFlow methods to compare, keyed by the label printed in the table."""
    import keras
    import numpy as np
    import tensorflow as tf

    from pooling_lint.runtime import tensorflow as ptf

    tf_device = "/GPU:0" if device.startswith("cuda") else "/CPU:0"
    batch, time_, feat = shape
    rng = np.random.default_rng(0)
    with tf.device(tf_device):
        x = tf.constant(rng.normal(size=shape).astype("float32"))
        lengths = tf.constant(rng.integers(1, time_ + 1, size=batch).astype("int32"))
        mask = tf.sequence_mask(lengths, time_)
        maskf = tf.cast(mask, tf.float32)
        count = tf.cast(lengths, tf.float32)[:, None]
        scores = tf.constant(rng.normal(size=(batch, time_)).astype("float32"))
    gap = keras.layers.GlobalAveragePooling1D()
    spec = [tf.TensorSpec([None, None, feat]), tf.TensorSpec([None], tf.int32)]
    graph_mean = tf.function(ptf.masked_mean, input_signature=spec)
    xla_mean = tf.function(ptf.masked_mean, input_signature=spec, jit_compile=True)

    def on_device(fn: Method) -> Method:
        def run() -> Any:
            with tf.device(tf_device):
                return fn()

        return run

    methods: dict[str, Method] = {
        "`tf.reduce_mean(x, 1)` (floor)": lambda: tf.reduce_mean(x, 1),
        "naive `reduce_sum(x*maskf[...,None], 1)/len`": lambda: (
            tf.reduce_sum(x * maskf[..., None], 1) / count
        ),
        "`einsum('bt,btd->bd', m, x)/len` (not NaN-safe)": lambda: (
            tf.einsum("bt,btd->bd", maskf, x) / count
        ),
        "Keras `GlobalAveragePooling1D()(x, mask=m)`": lambda: gap(x, mask=mask),
        "**`masked_mean(x, lengths)`**": lambda: ptf.masked_mean(x, lengths),
        "**`masked_mean` in `tf.function`**": lambda: graph_mean(x, lengths),
        "**`masked_mean` in `tf.function(jit_compile=True)`**": lambda: xla_mean(x, lengths),
        "**`masked_max(x, lengths)`**": lambda: ptf.masked_max(x, lengths),
        "**`attention_pool(x, scores, lengths)`**": lambda: ptf.attention_pool(x, scores, lengths),
        "`tf.identity(x[:, -1])` (wrong step)": lambda: tf.identity(x[:, -1]),
        "**`last_valid(x, lengths)`**": lambda: ptf.last_valid(x, lengths),
    }
    unchecked_graph = tf.function(
        lambda x, n: ptf.masked_mean(x, n, validate=False), input_signature=spec
    )
    methods[CHECKED + "`masked_mean` in `tf.function`"] = lambda: graph_mean(x, lengths)
    methods[UNCHECKED + "`masked_mean` in `tf.function`"] = lambda: unchecked_graph(x, lengths)
    hf_mask = tf.cast(mask, tf.int64)
    for label, op, args, kwargs in [
        ("masked_mean(x, lengths)", ptf.masked_mean, (x, lengths), {}),
        ("masked_mean(x, mask=int64 m)", ptf.masked_mean, (x,), {"mask": hf_mask}),
        ("masked_max(x, lengths)", ptf.masked_max, (x, lengths), {}),
        ("last_valid(x, lengths)", ptf.last_valid, (x, lengths), {}),
    ]:
        methods.update(checked_pair(label, op, args, kwargs))
    methods = {label: on_device(fn) for label, fn in methods.items()}
    want = methods["naive `reduce_sum(x*maskf[...,None], 1)/len`"]().numpy()
    for label in (
        "Keras `GlobalAveragePooling1D()(x, mask=m)`",
        "**`masked_mean(x, lengths)`**",
        "**`masked_mean` in `tf.function`**",
        "**`masked_mean` in `tf.function(jit_compile=True)`**",
    ):
        np.testing.assert_allclose(methods[label]().numpy(), want, rtol=1e-4, atol=1e-4)
    last = tf.gather(x, lengths - 1, axis=1, batch_dims=1).numpy()
    np.testing.assert_allclose(methods["**`last_valid(x, lengths)`**"]().numpy(), last)

    def sync_result(value: Any) -> None:
        value.numpy()  # TF eager ops may run asynchronously on a GPU; wait for the result

    return methods, sync_result


# --- timing and memory ----------------------------------------------------------------------


def time_methods(
    framework: str, shape: tuple[int, int, int], device: str, rounds: int
) -> dict[str, float]:
    """Median milliseconds per method over ``rounds`` shuffled, interleaved rounds."""
    if framework == "torch":
        methods, sync = torch_methods(shape, device)

        def run(fn: Method) -> None:
            fn()
            sync()
    else:
        methods, sync_result = tf_methods(shape, device)

        def run(fn: Method) -> None:
            sync_result(fn())

    methods = without_pairs(methods)
    for fn in methods.values():  # warm-up: first-call costs (tracing, XLA, allocator)
        run(fn)
        run(fn)
    samples: dict[str, list[float]] = {label: [] for label in methods}
    order = list(methods)
    kept = tried = quiet_kept = 0
    deadline = time.monotonic() + max(60.0, 4 * rounds)
    # Other processes on a shared machine distort timings; keep only rounds during which they
    # used under a quarter of a core; past the deadline every round counts (the report says how
    # many rounds were quiet).
    while kept < rounds:
        tried += 1
        random.shuffle(order)
        busy_before, cpu_before, wall_before = (
            _busy_seconds(),
            time.process_time(),
            time.monotonic(),
        )
        timings = {}
        for label in order:
            start = time.perf_counter()
            run(methods[label])
            timings[label] = (time.perf_counter() - start) * 1e3
        wall = time.monotonic() - wall_before
        others = (_busy_seconds() - busy_before) - (time.process_time() - cpu_before)
        quiet = others / max(wall, 1e-9) <= 0.25
        if not quiet and time.monotonic() < deadline:
            continue
        kept += 1
        quiet_kept += quiet
        for label, ms in timings.items():
            samples[label].append(ms)
    QUIET_ROUNDS[framework] = (quiet_kept, kept, tried)
    return {label: statistics.median(values) for label, values in samples.items()}


def memory_methods(framework: str, shape: tuple[int, int, int], device: str) -> dict[str, float]:
    """Peak extra MiB per method, measured in this (fresh) process."""
    import gc

    if framework == "torch":
        methods, sync = torch_methods(shape, device)
    else:
        methods, _ = tf_methods(shape, device)
    result: dict[str, float] = {}
    for label, fn in without_pairs(methods).items():
        fn()  # one-time costs (tracing, kernels) are not per-call memory
        gc.collect()
        if framework == "torch" and device.startswith("cuda"):
            import torch

            torch.cuda.synchronize()
            base = torch.cuda.memory_allocated()
            torch.cuda.reset_peak_memory_stats()
            out = fn()
            torch.cuda.synchronize()
            result[label] = (torch.cuda.max_memory_allocated() - base) / MiB
        elif framework == "tf" and _tf_allocator_stats(device) is not None:
            import tensorflow as tf

            name = "GPU:0" if device.startswith("cuda") else "CPU:0"
            tf.config.experimental.reset_memory_stats(name)
            base = tf.config.experimental.get_memory_info(name)["current"]
            out = fn()
            out.numpy()
            result[label] = (tf.config.experimental.get_memory_info(name)["peak"] - base) / MiB
        else:
            _reset_peak_rss()
            base = _status_kib("VmRSS")
            out = fn()
            result[label] = (_status_kib("VmHWM") - base) / 1024
        del out
    return result


def _tf_allocator_stats(device: str) -> dict[str, int] | None:
    import tensorflow as tf

    try:
        return dict(
            tf.config.experimental.get_memory_info(
                "GPU:0" if device.startswith("cuda") else "CPU:0"
            )
        )
    except (ValueError, RuntimeError, tf.errors.OpError):
        return None


def memory_in_subprocess(
    framework: str, shape: tuple[int, int, int], device: str
) -> dict[str, float]:
    """Run :func:`memory_methods` in a fresh interpreter: no earlier high-water mark."""
    command = [
        sys.executable,
        __file__,
        "--memory-child",
        framework,
        "--shape",
        ",".join(map(str, shape)),
        "--device",
        device,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def table(title: str, times: dict[str, float], memory: dict[str, float], floor: str) -> str:
    """A markdown table: median ms, ratio to the floor, peak extra MiB."""
    lines = [f"| {title} | median ms | × floor | +MiB |", "|---|---:|---:|---:|"]
    for label, ms in times.items():
        ratio = ms / times[floor]
        lines.append(
            f"| {label} | {ms:.3f} | {ratio:.2f} | {memory.get(label, float('nan')):.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the requested frameworks, print the tables and the goals check."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small shape (8, 64, 32), few rounds")
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    parser.add_argument("--framework", choices=["torch", "tf", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=None, help="timing rounds (default 40)")
    parser.add_argument("--shape", default=None, help="batch,time,feat (default 64,512,512)")
    parser.add_argument(
        "--check-rounds", type=int, default=None, help="rounds of the check-cost pairs (40)"
    )
    parser.add_argument(
        "--checks-only", action="store_true", help="time only the check-cost pairs"
    )
    parser.add_argument(
        "--clock",
        choices=["wall", "cpu"],
        default="wall",
        help="check-cost pairs: wall time, or CPU time of one thread (a busy machine)",
    )
    parser.add_argument("--memory-child", choices=["torch", "tf"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    shape_text = args.shape or ("8,64,32" if args.quick else "64,512,512")
    shape = tuple(int(part) for part in shape_text.split(","))
    assert len(shape) == 3, "--shape needs batch,time,feat"
    if args.memory_child:
        print(json.dumps(memory_methods(args.memory_child, shape, args.device)))  # type: ignore[arg-type]
        return 0
    rounds = args.rounds or (5 if args.quick else 40)
    frameworks = ["torch", "tf"] if args.framework == "both" else [args.framework]
    print(
        f"x: {shape} float32, lengths ~ U[1, {shape[1]}], device {args.device}, "
        f"{rounds} rounds, {os.cpu_count()} CPUs\n"
    )
    for framework in frameworks:
        if args.checks_only:
            pair_rounds = args.check_rounds or (5 if args.quick else 40)
            pairs = time_check_pairs(framework, shape, args.device, pair_rounds, args.clock)  # type: ignore[arg-type]
            print(
                f"{framework}: value-check cost, {pair_rounds} rounds of c/u/u/c, "
                f"{args.clock} clock:\n"
            )
            print(check_cost_table(pairs) + "\n")
            continue
        try:
            times = time_methods(framework, shape, args.device, rounds)  # type: ignore[arg-type]
        except ImportError as exc:
            print(f"skipping {framework}: {exc}\n")
            continue
        memory = memory_in_subprocess(framework, shape, args.device)  # type: ignore[arg-type]
        if framework == "torch":
            import torch

            floor = "`x.mean(1)` (floor)"
            title = f"PyTorch {torch.__version__}"
        else:
            import tensorflow as tf

            floor = "`tf.reduce_mean(x, 1)` (floor)"
            title = f"TensorFlow {tf.__version__}"
        quiet, kept, tried = QUIET_ROUNDS[framework]
        print(
            f"{kept} rounds timed ({quiet} of them quiet: other processes under 0.25 cores; "
            f"{tried - kept} noisy rounds discarded)\n"
        )
        print(table(title, times, memory, floor))
        print()
        pair_rounds = args.check_rounds or (5 if args.quick else 40)
        pairs = time_check_pairs(framework, shape, args.device, pair_rounds)  # type: ignore[arg-type]
        print(f"value-check cost, {pair_rounds} rounds of checked/unchecked/unchecked/checked:\n")
        print(check_cost_table(pairs))
        print()
        if framework == "torch":
            mean = times["**`masked_mean(x, lengths)`**"]
            naive = times["naive `(x*maskf[...,None]).sum(1)/len`"]
            max_ratio = times["**`masked_max(x, lengths)`**"] / times[floor]
            print(
                f"goals: masked_mean {mean / times[floor]:.2f}x floor (<= 1.2), "
                f"{naive / mean:.1f}x faster than naive (>= 5); masked_max {max_ratio:.2f}x "
                "floor (<= 3)\n"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
