"""Finding the files to check: recursion, default excludes, .gitignore, explicit files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from pooling_lint.cli import main
from pooling_lint.config import Config
from pooling_lint.files import discover

BAD = "import tensorflow as tf\ny = tf.reduce_sum(h, keep_dims=True)\n"


def touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(BAD)


def found(root: Path, *paths: str, config: Config | None = None, force: bool = False) -> list[str]:
    config = config or Config(root=root)
    files, errors = discover([root / p for p in paths or ("",)], config, force_exclude=force)
    assert not errors
    return [f.relative_to(root).as_posix() for f in files]


def test_recursive_python_files_only(tmp_path: Path) -> None:
    touch(tmp_path, "a.py", "pkg/b.py", "pkg/sub/c.py", "stubs/d.pyi", "notes.txt", "pkg/e.pyc")
    assert found(tmp_path) == ["a.py", "pkg/b.py", "pkg/sub/c.py", "stubs/d.pyi"]


def test_default_excludes(tmp_path: Path) -> None:
    excluded = [
        ".git/hooks/x.py",
        ".venv/lib/x.py",
        "venv/lib/x.py",
        "build/lib/x.py",
        "dist/x.py",
        "node_modules/pkg/x.py",
        "pkg/__pycache__/x.py",
        ".mypy_cache/x.py",
        ".pytest_cache/x.py",
        ".tox/py/x.py",
        "pkg.egg-info/x.py",
        "deep/er/build/x.py",
    ]
    touch(tmp_path, "keep.py", "src/model.py", *excluded)
    assert found(tmp_path) == ["keep.py", "src/model.py"]


def test_gitignore_at_the_top_and_nested(tmp_path: Path) -> None:
    touch(tmp_path, "a.py", "gen/g.py", "pkg/b.py", "pkg/tmp_x.py", "pkg/inner/keep.py")
    (tmp_path / ".gitignore").write_text("gen/\n# a comment\n")
    (tmp_path / "pkg" / ".gitignore").write_text("tmp_*.py\n")
    assert found(tmp_path) == ["a.py", "pkg/b.py", "pkg/inner/keep.py"]


def test_gitignore_negation_and_anchoring(tmp_path: Path) -> None:
    touch(tmp_path, "x/skip.py", "x/keep.py", "sub/x/nested.py", "top.py")
    (tmp_path / ".gitignore").write_text("/x/*\n!/x/keep.py\n")
    assert found(tmp_path) == ["sub/x/nested.py", "top.py", "x/keep.py"]


def test_gitignore_above_the_directory_given_still_applies(tmp_path: Path) -> None:
    """``pooling-lint check pkg`` from the project root honours the root .gitignore."""
    touch(tmp_path, "pkg/a.py", "pkg/generated/g.py")
    (tmp_path / ".gitignore").write_text("pkg/generated/\n")
    assert found(tmp_path, "pkg") == ["pkg/a.py"]


def test_explicit_files_are_always_checked(tmp_path: Path) -> None:
    touch(tmp_path, "build/gen.py", "ignored.py")
    (tmp_path / ".gitignore").write_text("ignored.py\n")
    assert found(tmp_path, "build/gen.py", "ignored.py") == ["build/gen.py", "ignored.py"]
    assert found(tmp_path, "build/gen.py", force=True) == []


def test_config_exclude_and_extend_exclude(tmp_path: Path) -> None:
    touch(tmp_path, "a.py", "legacy/old.py", "tests/test_x.py", "build/b.py")
    only_legacy = Config(root=tmp_path, exclude=("legacy",))
    assert found(tmp_path, config=only_legacy) == ["a.py", "build/b.py", "tests/test_x.py"]
    (tmp_path / "pyproject.toml").write_text(
        '[tool.pooling-lint]\nextend-exclude = ["legacy", "test_*.py"]\n'
    )
    result = CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", str(tmp_path)])
    paths = sorted({Path(line.split('"')[3]).name for line in result.stdout.splitlines()
                    if '"path"' in line})
    assert paths == ["a.py"]  # build/ stays excluded: extend-exclude adds to the defaults


def test_duplicates_and_order_are_stable(tmp_path: Path) -> None:
    touch(tmp_path, "b.py", "a.py")
    assert found(tmp_path, "b.py", "", "a.py") == ["a.py", "b.py"]


def test_symlink_loop_does_not_hang(tmp_path: Path) -> None:
    touch(tmp_path, "pkg/a.py")
    os.symlink("..", tmp_path / "pkg" / "up")
    os.symlink("loop2", tmp_path / "pkg" / "loop1")
    os.symlink("loop1", tmp_path / "pkg" / "loop2")
    assert found(tmp_path) == ["pkg/a.py"]


def test_missing_path_is_an_error_not_a_crash(tmp_path: Path) -> None:
    files, errors = discover([tmp_path / "nope.py"], Config(root=tmp_path))
    assert files == []
    assert [e.message for e in errors] == ["no such file or directory"]


def test_unlistable_directory_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Root ignores permissions, so listing failure is simulated by patching ``os.scandir``."""
    touch(tmp_path, "ok/a.py", "locked/b.py")
    real = os.scandir

    def scandir(path: object = ".") -> object:
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    files, errors = discover([tmp_path], Config(root=tmp_path))
    assert [f.name for f in files] == ["a.py"]
    assert len(errors) == 1 and errors[0].path.name == "locked"
    assert "Permission denied" in errors[0].message


def test_the_joined_exclude_regex_matches_like_fnmatch_per_pattern() -> None:
    from pooling_lint.files import _exclude_regex, _is_excluded, _is_excluded_slow

    patterns = ("build", "*.egg-info", "tests/*.py", "*_test.py", "[ab]?c", "docs/**")
    assert _exclude_regex(patterns) is not None
    cases = [
        ("build", "build"),
        ("src/build", "build"),
        ("pkg.egg-info", "pkg.egg-info"),
        ("tests/x.py", "x.py"),
        ("tests/sub/x.py", "x.py"),
        ("src/a_test.py", "a_test.py"),
        ("abc", "abc"),
        ("src/bxc", "bxc"),
        ("src/abcd", "abcd"),
        ("docs/a/b.md", "b.md"),
        ("src/model.py", "model.py"),
        ("src/model.py", "other_test.py"),  # name differs from the path's last part
        ("", ""),
    ]
    for rel, name in cases:
        assert _is_excluded(rel, name, patterns) == _is_excluded_slow(rel, name, patterns), rel
    assert _is_excluded("src/a_test.py", "a_test.py", patterns)
    assert not _is_excluded("src/model.py", "model.py", patterns)
