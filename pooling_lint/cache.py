"""The result cache: unchanged files are not linted again.

A result is stored under the file's display path together with the hash of its content; it is
served only when the content hash matches. The file's size, modification time and status-change
time (ns) are kept beside the hash so that an untouched file need not even be read (as git
does; the change time cannot be set back by a tool, unlike the modification time); a file
changed in the last few seconds gets no such stamp, because a second change within the
timestamps' granularity could otherwise go unseen, and is identified by its hash alone.

One cache file holds the results of one *setting*: the tool version, the cache format, the
Python and libcst versions, the effective configuration (:meth:`Config.fingerprint` and the
project root), the selected rules and the source of the linter itself (every module of the
engine, the analysis and each rule, so editing a rule invalidates its results). It lives in
``.pooling_lint_cache/`` in the project root (with a ``.gitignore`` of ``*``, like ruff's) or
in ``--cache-dir``/``$POOLING_LINT_CACHE_DIR``.

The cache never fails a run: unreadable, corrupt, foreign or concurrently written files are
ignored, writes are atomic (a temporary file renamed into place), and when two runs write at
once the last one wins. Results are JSON (never pickle: a cache directory may come from
someone else). Results with engine errors (unreadable file, internal error) are not stored.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pooling_lint import __version__
from pooling_lint.diagnostics import Diagnostic, Edit, Fix, Location, Related, RequiredImport

if TYPE_CHECKING:
    from pooling_lint.engine import Options

#: Bump when the file layout or the meaning of an entry changes.
CACHE_FORMAT = 1
CACHE_DIR_NAME = ".pooling_lint_cache"
CACHE_DIR_ENV = "POOLING_LINT_CACHE_DIR"

#: A file modified less than this many seconds ago gets no (size, mtime) stamp.
RACY_SECONDS = 2.0

#: The parts of the package whose source decides what a file's results are.
_RESULT_SOURCES = ("", "analysis", "rules")
_NOT_RESULT_SOURCES = ("cli.py", "cache.py", "runner.py", "__main__.py")

Stamp = tuple[int, int, int]  # (size, mtime_ns, ctime_ns)


def content_hash(raw: bytes) -> str:
    """The hash that keys a file's result (BLAKE2b, 128 bits)."""
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def stamp_of(st: os.stat_result, now: float | None = None) -> Stamp | None:
    """The (size, mtime, ctime) stamp of a file, or None if it changed too recently to trust."""
    now = time.time() if now is None else now
    if now - max(st.st_mtime, st.st_ctime) < RACY_SECONDS:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def linter_source_hash(package: Path | None = None) -> str:
    """A hash of the linter's own source: engine, triage, analysis and every rule module."""
    package = package if package is not None else Path(__file__).resolve().parent
    digest = hashlib.blake2b(digest_size=16)
    for sub in _RESULT_SOURCES:
        folder = package / sub if sub else package
        try:
            names = sorted(p.name for p in folder.iterdir() if p.suffix == ".py")
        except OSError:
            continue
        for name in names:
            if not sub and name in _NOT_RESULT_SOURCES:
                continue
            digest.update(f"{sub}/{name}\0".encode())
            with contextlib.suppress(OSError):
                digest.update((folder / name).read_bytes())
    return digest.hexdigest()


def _libcst_version() -> str:
    try:
        from importlib.metadata import version

        return version("libcst")
    except Exception:  # noqa: BLE001 - any failure just means "unknown"
        return "?"


def settings_key(options: Options) -> str:
    """The key of everything besides a file's content that decides its results."""
    config = options.config
    parts = [
        f"pooling-lint {__version__}",
        f"format {CACHE_FORMAT}",
        f"python {sys.version_info[0]}.{sys.version_info[1]}",
        f"libcst {_libcst_version()}",
        f"config {config.fingerprint()}",
        f"root {config.root.resolve()}",
        "rules " + ",".join(sorted(r.code for r in options.rules)),
        f"source {linter_source_hash()}",
    ]
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()


def default_cache_dir(root: Path) -> Path:
    env = os.environ.get(CACHE_DIR_ENV)
    return Path(env) if env else root / CACHE_DIR_NAME


# -- (de)serialisation -------------------------------------------------------------------


def _loc(value: Any) -> Location:
    line, column = value
    return Location(int(line), int(column))


def diagnostic_to_json(d: Diagnostic) -> dict[str, Any]:
    out: dict[str, Any] = {
        "code": d.code,
        "name": d.name,
        "message": d.message,
        "path": d.path,
        "start": [d.start.line, d.start.column],
        "end": [d.end.line, d.end.column],
        "stmt": [d.stmt_first_line, d.stmt_last_line],
    }
    if d.cell is not None:
        out["cell"] = d.cell
    if d.fix is not None:
        out["fix"] = {
            "applicability": d.fix.applicability,
            "message": d.fix.message,
            "edits": [
                [e.start.line, e.start.column, e.end.line, e.end.column, e.content]
                for e in d.fix.edits
            ],
            "imports": [[i.module, i.name] for i in d.fix.imports],
        }
    if d.related:
        out["related"] = [
            [r.message, r.start.line, r.start.column, r.end.line, r.end.column] for r in d.related
        ]
    return out


def diagnostic_from_json(data: dict[str, Any]) -> Diagnostic:
    """The inverse of :func:`diagnostic_to_json`; raises on anything malformed."""
    fix = None
    if "fix" in data:
        f = data["fix"]
        applicability = f["applicability"]
        if applicability not in ("safe", "unsafe"):
            raise ValueError(f"bad applicability {applicability!r}")
        edits = tuple(
            Edit(Location(int(a), int(b)), Location(int(c), int(d)), str(content))
            for a, b, c, d, content in f["edits"]
        )
        imports = tuple(RequiredImport(str(m), str(n)) for m, n in f.get("imports", ()))
        fix = Fix(edits, applicability, str(f["message"]), imports)
    related = tuple(
        Related(str(message), Location(int(a), int(b)), Location(int(c), int(d)))
        for message, a, b, c, d in data.get("related", ())
    )
    first, last = data["stmt"]
    cell = data.get("cell")
    return Diagnostic(
        code=str(data["code"]),
        name=str(data["name"]),
        message=str(data["message"]),
        path=str(data["path"]),
        start=_loc(data["start"]),
        end=_loc(data["end"]),
        fix=fix,
        stmt_first_line=int(first),
        stmt_last_line=int(last),
        cell=None if cell is None else int(cell),
        related=related,
    )


# -- the cache ---------------------------------------------------------------------------


@dataclass
class Entry:
    """One file's cached result."""

    digest: str
    stamp: Stamp | None
    diagnostics: list[dict[str, Any]]


@dataclass
class ResultCache:
    """The results of one setting, loaded once and saved once per run."""

    path: Path  # the cache file
    key: str
    entries: dict[str, Entry] = field(default_factory=dict)
    dirty: bool = False
    #: project mode's work (pooling_lint/project.py): the snapshot key of the last tree, its
    #: contexts, and the module summaries by "content hash:context hash"
    project: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def open(cls, options: Options, cache_dir: Path | None = None) -> ResultCache:
        """Load the cache for ``options`` (an empty one if there is none or it is unusable)."""
        directory = cache_dir if cache_dir is not None else default_cache_dir(options.config.root)
        key = settings_key(options)
        cache = cls(path=directory / f"v{CACHE_FORMAT}" / f"{key}.json", key=key)
        cache.entries, cache.project = _load(cache.path, key)
        return cache

    # -- project mode (the ProjectStore of pooling_lint/project.py) ----------------------
    def project_snapshot(self, key: str) -> dict[str, Any] | None:
        """The contexts of the last run if its tree had this snapshot key."""
        contexts = self.project.get("contexts")
        if self.project.get("snapshot") != key or not isinstance(contexts, dict):
            return None
        if not all(isinstance(c, dict) for c in contexts.values()):
            return None  # garbled: compute them again
        return contexts

    def project_memo(self) -> dict[str, Any]:
        """The stored module summaries that have the shape of one (a garbled one is a miss)."""
        memo = self.project.get("summaries")
        if not isinstance(memo, dict):
            return {}
        return {k: v for k, v in memo.items() if _summary_shaped(v)}

    def store_project(
        self, key: str | None, contexts: dict[str, Any], memo: dict[str, Any]
    ) -> None:
        self.project = {"snapshot": key, "contexts": contexts, "summaries": memo}
        self.dirty = True

    def lookup(
        self, display: str, st: os.stat_result | None
    ) -> tuple[list[Diagnostic] | None, str | None]:
        """(diagnostics, None) if the stamp vouches for the entry; else (None, expected hash)."""
        entry = self.entries.get(display)
        if entry is None:
            return None, None
        if (
            st is not None
            and entry.stamp is not None
            and entry.stamp == (st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        ):
            diags = self.decode(entry)
            if diags is not None:
                return diags, None
        return None, entry.digest

    def decode(self, entry: Entry) -> list[Diagnostic] | None:
        try:
            return [diagnostic_from_json(d) for d in entry.diagnostics]
        except Exception:  # noqa: BLE001 - a garbled entry is a miss
            return None

    def confirm(self, display: str, stamp: Stamp | None) -> list[Diagnostic] | None:
        """The content hash matched: serve the entry and refresh its stamp."""
        entry = self.entries.get(display)
        if entry is None:
            return None
        diags = self.decode(entry)
        if diags is not None and entry.stamp != stamp:
            entry.stamp = stamp
            self.dirty = True
        return diags

    def store(
        self, display: str, digest: str, stamp: Stamp | None, diagnostics: list[Diagnostic]
    ) -> None:
        if any(d.is_error for d in diagnostics):
            self.entries.pop(display, None)  # environment-dependent: never served from cache
        else:
            encoded = [diagnostic_to_json(d) for d in diagnostics]
            self.entries[display] = Entry(digest, stamp, encoded)
        self.dirty = True

    def save(self) -> None:
        """Write the cache atomically; any failure (read-only tree, full disk) is ignored."""
        if not self.dirty:
            return
        data = {
            "format": CACHE_FORMAT,
            "key": self.key,
            "tool": __version__,
            "entries": {
                name: [e.digest, list(e.stamp) if e.stamp else None, e.diagnostics]
                for name, e in self.entries.items()
            },
        }
        if self.project:
            data["project"] = self.project
        try:
            _prepare_dir(self.path.parent)
            text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
            _write_atomic(self.path, text.encode("utf-8"))
            self.dirty = False
        except (OSError, ValueError, TypeError):
            pass


def _summary_shaped(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("kinds"), dict)
        and isinstance(value.get("exports"), dict)
        and isinstance(value.get("outbound"), list)
        and all(isinstance(o, list) and len(o) == 4 for o in value["outbound"])
    )


def _load(path: Path, key: str) -> tuple[dict[str, Entry], dict[str, Any]]:
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return {}, {}
    if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT or data.get("key") != key:
        return {}, {}
    raw_entries = data.get("entries")
    if not isinstance(raw_entries, dict):
        return {}, {}
    project = data.get("project")
    if not isinstance(project, dict):
        project = {}
    entries: dict[str, Entry] = {}
    for name, value in raw_entries.items():
        try:
            digest, stamp, diags = value
            if not (isinstance(digest, str) and isinstance(diags, list)):
                continue
            good: Stamp | None = None
            if isinstance(stamp, list) and len(stamp) == 3:
                good = (int(stamp[0]), int(stamp[1]), int(stamp[2]))
            entries[name] = Entry(digest, good, diags)
        except (TypeError, ValueError):
            continue  # a garbled entry is a miss
    return entries, project


def _prepare_dir(directory: Path) -> None:
    """Create the cache folder; its top gets a ``.gitignore`` of ``*`` and a CACHEDIR.TAG."""
    top = directory.parent
    if not top.is_dir():
        top.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            (top / ".gitignore").write_text(
                "# Automatically created by pooling-lint.\n*\n", encoding="utf-8"
            )
        with contextlib.suppress(OSError):
            (top / "CACHEDIR.TAG").write_text(
                "Signature: 8a477f597d28d172789f06886806bc55\n"
                "# This file is a cache directory tag created by pooling-lint.\n",
                encoding="utf-8",
            )
    directory.mkdir(parents=True, exist_ok=True)


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
