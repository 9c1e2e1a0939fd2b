"""Finding the files to check: directories walked, excludes and ``.gitignore`` honoured."""

from __future__ import annotations

import fnmatch
import functools
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pathspec

from pooling_lint.config import Config, match_path, real_path, relative_posix

SUFFIXES = (".py", ".pyi", ".ipynb")


@dataclass(frozen=True)
class WalkError:
    """A path that could not be listed (missing, permission denied)."""

    path: Path
    message: str


@functools.lru_cache(maxsize=32)
def _exclude_regex(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    """All exclude globs as one regular expression: ``fnmatch`` of each, joined (on POSIX
    ``fnmatch.fnmatch`` is ``re.match(fnmatch.translate(pattern))``, case-sensitive)."""
    if not patterns or os.path.normcase("A") != "A":
        return None  # case-folding systems: keep fnmatch's own normalisation
    return re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns))


def _is_excluded(rel: str, name: str, patterns: Sequence[str]) -> bool:
    regex = _exclude_regex(tuple(patterns))
    if regex is not None:
        # what match_path does for each pattern: the relative path, else its last component
        last = rel.rpartition("/")[2]
        if regex.match(rel) or (last != rel and regex.match(last)):
            return True
        if name == last:
            return False
        name_last = name.rpartition("/")[2]
        return bool(regex.match(name) or (name_last != name and regex.match(name_last)))
    return _is_excluded_slow(rel, name, patterns)


def _is_excluded_slow(rel: str, name: str, patterns: Sequence[str]) -> bool:
    # match_path(rel, p) also tries rel's last component, which is `name`: one call suffices
    if name != rel.rpartition("/")[2]:
        return any(match_path(rel, p) or match_path(name, p) for p in patterns)
    return any(match_path(rel, p) for p in patterns)


class _GitIgnores:
    """The ``.gitignore`` files met while walking down from a root, each scoped to its folder."""

    def __init__(self) -> None:
        self._specs: dict[Path, pathspec.PathSpec[Any] | None] = {}

    def _spec_for(self, directory: Path) -> pathspec.PathSpec[Any] | None:
        if directory not in self._specs:
            spec = None
            gi = directory / ".gitignore"
            try:
                if gi.is_file():
                    lines = gi.read_text(encoding="utf-8", errors="replace").splitlines()
                    spec = pathspec.GitIgnoreSpec.from_lines(lines)
            except OSError:
                spec = None
            self._specs[directory] = spec
        return self._specs[directory]

    def ignored(self, absolute: Path, stop: Path, is_dir: bool) -> bool:
        """Whether a ``.gitignore`` in a folder from ``absolute``'s up to ``stop`` ignores it."""
        for directory in (absolute.parent, *absolute.parent.parents):
            spec = self._spec_for(directory)
            if spec is not None:
                rel = absolute.relative_to(directory).as_posix() + ("/" if is_dir else "")
                if spec.match_file(rel):
                    return True
            if directory == stop:
                break
        return False


def _gitignore_stop(top: Path, root: Path) -> Path:
    """The highest folder whose ``.gitignore`` applies to a walk of ``top``: the project root
    when ``top`` is inside it (``check pkg`` from the root honours the root's .gitignore)."""
    top_abs, root_abs = real_path(top), real_path(root)
    return root_abs if root_abs == top_abs or root_abs in top_abs.parents else top_abs


def discover(
    paths: Sequence[Path], config: Config, force_exclude: bool = False
) -> tuple[list[Path], list[WalkError]]:
    """Expand ``paths`` into a sorted, de-duplicated list of files to check.

    Files named explicitly are always checked unless ``force_exclude`` is set (pre-commit passes
    every staged file by name and still expects the excludes to hold).
    """
    found: dict[Path, None] = {}
    errors: list[WalkError] = []
    gitignores = _GitIgnores()
    for given in paths:
        if not given.exists() and not given.is_symlink():
            errors.append(WalkError(given, "no such file or directory"))
            continue
        if not given.is_dir():  # a file, or a broken link the engine reports as unreadable
            if (force_exclude or config.force_exclude) and _explicit_excluded(given, config):
                continue
            found.setdefault(given, None)
            continue
        for file in _walk(given, config, gitignores, errors):
            found.setdefault(file, None)
    return sorted(found, key=lambda p: p.as_posix()), errors


def _explicit_excluded(path: Path, config: Config) -> bool:
    """An explicitly named file is excluded if it or any folder above it (up to the config
    root) matches an exclude pattern, as a directory walk would have skipped it."""
    rel = relative_posix(path, config.root)
    if _is_excluded(rel, path.name, config.exclude):
        return True
    parts = rel.split("/")[:-1]
    for n in range(len(parts)):
        folder = "/".join(parts[: n + 1])
        if _is_excluded(folder, parts[n], config.exclude):
            return True
    return False


def _walk(
    top: Path, config: Config, gitignores: _GitIgnores, errors: list[WalkError]
) -> Iterator[Path]:
    def onerror(exc: OSError) -> None:
        where = Path(exc.filename) if exc.filename else top
        errors.append(WalkError(where, f"cannot list directory: {exc.strerror or exc}"))

    top_abs = real_path(top)
    root_abs = real_path(config.root)
    stop = _gitignore_stop(top, config.root)

    def relative(here_real: Path, entry: Path, name: str) -> str:
        """``relative_posix(entry, config.root)``, resolving only ``entry`` itself when it is
        a link (its folder's real path is known)."""
        real = real_path(entry) if os.path.islink(entry) else here_real / name
        try:
            return real.relative_to(root_abs).as_posix()
        except ValueError:
            return entry.as_posix()

    # followlinks=False: a symlink loop cannot make the walk run forever.
    for dirpath, dirnames, filenames in os.walk(top, onerror=onerror, followlinks=False):
        here = Path(dirpath)
        here_abs = top_abs / here.relative_to(top)
        here_real = real_path(here)
        keep = []
        for d in sorted(dirnames):
            rel = relative(here_real, here / d, d)
            if _is_excluded(rel, d, config.exclude) or gitignores.ignored(here_abs / d, stop, True):
                continue
            keep.append(d)
        dirnames[:] = keep
        for name in sorted(filenames):
            if not name.endswith(SUFFIXES):
                continue
            file = here / name
            rel = relative(here_real, file, name)
            if _is_excluded(rel, name, config.exclude) or gitignores.ignored(
                here_abs / name, stop, False
            ):
                continue
            yield file
