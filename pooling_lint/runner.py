"""Running the engine over many files: the result cache and a pool of worker processes.

The parent stats each file and serves what the cache vouches for; the rest is shipped to
workers as paths (never trees), in chunks, and the results come back in the order of
``files``. Small runs (a pre-commit hook passing a few staged files) stay in this process, so
they start fast. A worker that dies takes only its unfinished chunks with it: those are checked
again in this process, and every other result is kept.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from pooling_lint.cache import Stamp, content_hash, stamp_of
from pooling_lint.engine import PARSED, FileResult, Options, check_file, check_source
from pooling_lint.project import compute_contexts, context_hash, served_contexts
from pooling_lint.source import SourceError, read_source

if TYPE_CHECKING:
    from pooling_lint.cache import ResultCache
    from pooling_lint.project import Context, Project

#: Below either threshold a run stays in one process: starting workers would cost more.
PARALLEL_MIN_FILES = 8
PARALLEL_MIN_BYTES = 256 * 1024

#: How many chunks per worker: more balances better, fewer costs less to ship.
CHUNKS_PER_JOB = 8
MAX_CHUNK = 64

#: ``fork`` starts fastest and inherits the loaded rules; override for experiments.
START_METHOD_ENV = "POOLING_LINT_START_METHOD"

# (index, path, display, expected content hash or None, project-mode context or None)
Task = tuple[int, Path, str, str | None, "Context | None"]
# (result or None when the content matched the expected hash, content hash, stamp)
Outcome = tuple[FileResult | None, str | None, Stamp | None]


def default_jobs() -> int:
    """The number of CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def check_one(
    path: Path,
    display: str,
    options: Options,
    expected: str | None,
    project: Context | None = None,
) -> Outcome:
    """Check one file, returning its content hash and stamp for the cache.

    If the content hash equals ``expected`` (the cached one), nothing is checked and the result
    is None: the caller serves the cached diagnostics. With a project-mode context the hash
    covers the content and the context (what the other modules give this file).
    """
    try:
        stamp = stamp_of(os.stat(path))
    except OSError:
        stamp = None
    if path.suffix != ".py" and path.suffix != ".pyi":
        # Notebooks and other formats are read by the engine itself; hash the raw bytes here.
        try:
            digest = content_hash(path.read_bytes())
        except OSError:
            return check_file(path, display, options), None, None
        if digest == expected:
            return None, digest, stamp
        return check_file(path, display, options), digest, stamp
    try:
        source = read_source(path)
    except SourceError:
        return check_file(path, display, options), None, None  # reports the read error
    digest = content_hash(source.raw)
    if project:
        digest = content_hash(f"{digest}:{context_hash(project)}".encode())
    if digest == expected:
        return None, digest, stamp
    result = check_source(source, display, options, FileResult(path, display), project)
    return result, digest, stamp


def _check_chunk(chunk: Sequence[Task], options: Options) -> list[Outcome]:
    return [
        check_one(path, display, options, expected, project)
        for _, path, display, expected, project in chunk
    ]


_worker_options: Options | None = None


def _init_worker(options: Options) -> None:
    global _worker_options
    _worker_options = options


def _worker_chunk(chunk: Sequence[Task]) -> list[Outcome]:
    assert _worker_options is not None, "worker not initialised"
    return _check_chunk(chunk, _worker_options)


def _chunks(tasks: Sequence[Task], sizes: Sequence[int], jobs: int) -> list[list[int]]:
    """Task positions in chunks of about equal bytes, the largest files first.

    Handing out the big files first keeps one worker from being left with a large file while
    the others are idle (longest-processing-time-first scheduling).
    """
    order = sorted(range(len(tasks)), key=lambda i: -sizes[i])
    target = max(1, sum(sizes) // (jobs * CHUNKS_PER_JOB))
    chunks: list[list[int]] = []
    current: list[int] = []
    weight = 0
    for i in order:
        current.append(i)
        weight += sizes[i]
        if weight >= target or len(current) >= MAX_CHUNK:
            chunks.append(current)
            current, weight = [], 0
    if current:
        chunks.append(current)
    return chunks


def _start_method() -> str:
    wanted = os.environ.get(START_METHOD_ENV, "")
    methods = multiprocessing.get_all_start_methods()
    if wanted in methods:
        return wanted
    return "fork" if "fork" in methods else "spawn"


def _run_parallel(
    tasks: Sequence[Task], sizes: Sequence[int], options: Options, jobs: int
) -> list[Outcome]:
    """Check ``tasks`` in ``jobs`` workers."""
    positions = _chunks(tasks, sizes, jobs)
    chunks = [[tasks[i] for i in chunk] for chunk in positions]
    done: list[list[Outcome] | None] = [None] * len(chunks)
    try:
        context = multiprocessing.get_context(_start_method())
        with ProcessPoolExecutor(
            max_workers=min(jobs, len(chunks)),
            mp_context=context,
            initializer=_init_worker,
            initargs=(options,),
        ) as pool:
            futures: list[Future[list[Outcome]]] = [
                pool.submit(_worker_chunk, chunk) for chunk in chunks
            ]
            for i, future in enumerate(futures):
                try:
                    done[i] = future.result()
                except Exception:  # noqa: BLE001 - a broken worker: redo its chunk below
                    done[i] = None
    except (OSError, RuntimeError, ValueError, ImportError):
        pass  # no processes to be had here (sandbox, no /dev/shm): check in this process
    out: list[Outcome | None] = [None] * len(tasks)
    for chunk, where, outcomes in zip(chunks, positions, done, strict=True):
        results = outcomes if outcomes is not None else _check_chunk(chunk, options)
        for i, outcome in zip(where, results, strict=True):
            out[i] = outcome
    return [o for o in out if o is not None]


class _Ahead:
    """Checks run while this process runs the project pass: ``workers`` processes (one core
    is the pass's) check files on their own, those least likely to get a context first (those
    that take no part, then those that make no padding: ``Project.likelihood``; a file that
    may make padding waits for the pass). The pass then decides: a file that got no context
    keeps the result of its check; the others, and the files not reached, are checked after
    it."""

    def __init__(
        self, tasks: Sequence[Task], sizes: Sequence[int], options: Options, workers: int
    ) -> None:
        self.tasks, self.sizes, self.options, self.workers = tasks, sizes, options, workers
        self.pool: ProcessPoolExecutor | None = None
        self.futures: list[tuple[list[int], Future[list[Outcome]]]] = []

    def start(self, project: Project) -> None:
        edges = project.taking_part()
        rank = [project.likelihood(t[1], edges) for t in self.tasks]
        # a module that may make padding is likely to get a context, and is the pass's to
        # parse: it is checked after the pass, with the pass's tree
        order = sorted(
            (i for i in range(len(self.tasks)) if rank[i] < 2),
            key=lambda i: (rank[i], -self.sizes[i]),
        )
        # small chunks: the pass does not wait long for the one running when it ends
        target = max(1, sum(self.sizes) // (self.workers * CHUNKS_PER_JOB * 4))
        chunks: list[list[int]] = []
        current: list[int] = []
        weight = 0
        for i in order:
            current.append(i)
            weight += self.sizes[i]
            if weight >= target or len(current) >= MAX_CHUNK:
                chunks.append(current)
                current, weight = [], 0
        if current:
            chunks.append(current)
        try:
            context = multiprocessing.get_context(_start_method())
            self.pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=context,
                initializer=_init_worker,
                initargs=(self.options,),
            )
            for chunk in chunks:
                future = self.pool.submit(_worker_chunk, [self.tasks[i] for i in chunk])
                self.futures.append((chunk, future))
        except (OSError, RuntimeError, ValueError, ImportError):
            self.close()  # no processes to be had here: everything is checked after the pass

    def collect(self) -> dict[int, Outcome]:
        """The outcomes of the chunks done (the ones not started are dropped), by task index."""
        out: dict[int, Outcome] = {}
        for _, future in self.futures:
            future.cancel()  # only those not started yet
        for chunk, future in self.futures:
            if future.cancelled():
                continue
            try:
                outcomes = future.result()
            except Exception:  # noqa: BLE001 - a broken worker: its files are checked after
                continue
            for i, outcome in zip(chunk, outcomes, strict=True):
                out[self.tasks[i][0]] = outcome
        return out

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _parallel_sizes(tasks: Sequence[Task], jobs: int) -> list[int] | None:
    """The files' sizes if ``tasks`` are worth workers, else None (stay in this process)."""
    if jobs > 1 and len(tasks) >= PARALLEL_MIN_FILES:
        sizes = [_size(t[1]) for t in tasks]
        if sum(sizes) >= PARALLEL_MIN_BYTES:
            return sizes
    return None


def run_tasks(tasks: Sequence[Task], options: Options, jobs: int) -> list[Outcome]:
    """Check ``tasks`` in this process or in ``jobs`` workers; outcomes in task order."""
    sizes = _parallel_sizes(tasks, jobs)
    if sizes is not None:
        # the project pass's trees serve checks in this process only: a forked worker that
        # used them would copy their pages (about 40 MB per worker on fairseq) to save a parse
        PARSED.clear()
        return _run_parallel(tasks, sizes, options, jobs)
    return _check_chunk(tasks, options)


def check_paths(
    files: Sequence[Path],
    options: Options,
    jobs: int = 1,
    cache: ResultCache | None = None,
) -> list[FileResult]:
    """Check ``files`` and return results in the same (deterministic) order.

    With a ``cache``, unchanged files are served from it and new results are stored. With
    ``--fix``/``--diff`` only cached results without any fix are served (a cached fix must be
    applied, not shown) and nothing is stored (the files are being rewritten).

    Project mode: when the cache does not already hold this tree's contexts, this process
    runs the project pass, and meanwhile (with workers) ``jobs - 1`` workers check files on
    their own, those least likely to get a context first (:class:`_Ahead`). A file whose
    context gives it no padding fact has none (project.py), so its own check is its result;
    the files that got a context, and those not reached, are then checked after the pass. A
    check in this process takes the tree the pass parsed instead of parsing the file again
    (engine.PARSED); workers do not (they would copy the trees' memory).
    """
    try:
        return _check_paths(files, options, jobs, cache)
    finally:
        PARSED.clear()  # the project pass's trees serve this run only


def _check_paths(
    files: Sequence[Path],
    options: Options,
    jobs: int,
    cache: ResultCache | None,
) -> list[FileResult]:
    fixing = options.fix or options.diff
    # with --fix/--diff the cache is not written, so its project part is not used either
    store = cache if not fixing else None
    results: list[FileResult | None] = [None] * len(files)
    contexts: dict[Path, Context] = {}
    key = None
    pass_needed = False
    if options.project and len(files) > 1:
        served, key = served_contexts(files, store)
        if served is not None:
            contexts = served
        else:
            pass_needed = True
    everything = range(len(files))
    if not pass_needed:
        tasks = _plan(files, everything, contexts, options, cache, results)
        _finish(tasks, run_tasks(tasks, options, jobs), options, cache, results)
    else:
        tasks = _plan(files, everything, {}, options, cache, results)
        sizes = _parallel_sizes(tasks, jobs)
        done: dict[int, Outcome] = {}
        if sizes is None or fixing:  # never a fix written from a check without the context
            # the file turns out to have
            contexts = compute_contexts(files, store, key, PARSED)
        else:
            ahead = _Ahead(tasks, sizes, options, max(1, jobs - 1))
            try:
                contexts = compute_contexts(files, store, key, PARSED, meanwhile=ahead.start)
                done = ahead.collect()
            finally:
                ahead.close()
        # what was checked ahead holds for the files that got no context
        kept = [t for t in tasks if t[0] in done and files[t[0]] not in contexts]
        _finish(kept, [done[t[0]] for t in kept], options, cache, results)
        rest = [i for i, path in enumerate(files) if path in contexts or (results[i] is None)]
        tasks = _plan(files, rest, contexts, options, cache, results)
        _finish(tasks, run_tasks(tasks, options, jobs), options, cache, results)
    if cache is not None and not fixing:
        cache.save()
    return [r for r in results if r is not None]


def _plan(
    files: Sequence[Path],
    which: Sequence[int],
    contexts: dict[Path, Context],
    options: Options,
    cache: ResultCache | None,
    results: list[FileResult | None],
) -> list[Task]:
    """The tasks for ``files[i]`` (``i`` in ``which``); what the cache vouches for goes
    straight into ``results``."""
    fixing = options.fix or options.diff
    tasks: list[Task] = []
    for i in which:
        path = files[i]
        display = path.as_posix()
        expected = None
        project = contexts.get(path)
        results[i] = None
        if cache is not None:
            try:
                st: os.stat_result | None = os.stat(path)
            except OSError:
                st = None
            diags, expected = cache.lookup(display, st if project is None else None)
            if diags is not None and not (fixing and any(d.fix for d in diags)):
                results[i] = FileResult(path, display, diags)
                continue
            if fixing:
                expected = None
        tasks.append((i, path, display, expected, project))
    return tasks


def _finish(
    tasks: Sequence[Task],
    outcomes: Sequence[Outcome],
    options: Options,
    cache: ResultCache | None,
    results: list[FileResult | None],
) -> None:
    """Put the outcomes of ``tasks`` into ``results`` (and new results into the cache)."""
    fixing = options.fix or options.diff
    for (i, path, display, _, project), (result, digest, stamp) in zip(
        tasks, outcomes, strict=True
    ):
        if result is None:
            diags = cache.confirm(display, stamp) if cache is not None else None
            if diags is None:  # the entry went bad meanwhile: check again
                result = check_one(path, display, options, None, project)[0]
                assert result is not None
            else:
                result = FileResult(path, display, diags)
        elif cache is not None and not fixing and digest is not None:
            # a file checked with a project context is never served by its stamp alone: the
            # modules it depends on may have changed (its digest covers its context)
            cache.store(display, digest, stamp if project is None else None, result.diagnostics)
        results[i] = result
