"""The command line: parse arguments, call the engine, print. Nothing else lives here."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pooling_lint import __version__

if TYPE_CHECKING:
    from pooling_lint.cache import ResultCache
    from pooling_lint.engine import FileResult, Options
    from pooling_lint.files import WalkError

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _split_codes(values: Sequence[str]) -> list[str] | None:
    if not values:
        return None
    return [c.strip().upper() for v in values for c in v.split(",") if c.strip()]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="pooling-lint")
def main() -> None:
    """pooling-lint: find pooling bugs on padded sequences in TF/Keras and PyTorch code."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--select", multiple=True, metavar="CODES", help="Only these codes (prefixes ok).")
@click.option("--ignore", multiple=True, metavar="CODES", help="Skip these codes.")
@click.option("--extend-select", multiple=True, metavar="CODES", help="Add to the selection.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "sarif", "github"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option("--fix", is_flag=True, help="Apply safe fixes in place.")
@click.option("--unsafe-fixes", is_flag=True, help="With --fix/--diff, apply unsafe fixes too.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff; write nothing.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--statistics", is_flag=True, help="Print counts per rule instead of findings.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the result cache.")
@click.option(
    "--no-project",
    is_flag=True,
    help="Check each file on its own: do not follow imports between the checked files.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes (default: the number of CPUs; small runs use one).",
)
@click.option(
    "--cache-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Where to keep the result cache (default: $POOLING_LINT_CACHE_DIR or "
    ".pooling_lint_cache/ in the project root).",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    default=None,
    help="Read settings from this TOML file instead of the nearest pyproject.toml.",
)
@click.option("--force-exclude", is_flag=True, help="Apply excludes to files named explicitly.")
@click.option(
    "--add-noqa", is_flag=True, help="Add `# noqa: CODE` to every current finding; exit 0."
)
@click.option("--show-fixes", is_flag=True, help="List the fixes that --fix would apply.")
@click.option(
    "--docs-url",
    metavar="URL",
    default=None,
    help="Base URL of the rule docs in SARIF helpUri (default: $POOLING_LINT_DOCS_URL or the "
    "project's docs/rules/ on GitHub).",
)
@click.option("--verbose", "-v", is_flag=True, help="Show tracebacks of internal errors.")
@click.option("--color/--no-color", default=None, help="Colour output (default: only on a TTY).")
def check(
    paths: tuple[Path, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    extend_select: tuple[str, ...],
    output_format: str,
    fix: bool,
    unsafe_fixes: bool,
    diff: bool,
    exit_zero: bool,
    statistics: bool,
    no_cache: bool,
    no_project: bool,
    jobs: int | None,
    cache_dir: Path | None,
    config_file: Path | None,
    force_exclude: bool,
    add_noqa: bool,
    show_fixes: bool,
    docs_url: str | None,
    verbose: bool,
    color: bool | None,
) -> None:
    """Check PATHS (files or directories; default: the current directory)."""
    from pooling_lint.config import ConfigError, load_config, override
    from pooling_lint.engine import Options
    from pooling_lint.files import discover
    from pooling_lint.report import renderer
    from pooling_lint.rules import known_codes
    from pooling_lint.runner import check_paths, default_jobs

    targets = list(paths) or [Path(".")]
    codes = known_codes()
    try:
        config = load_config(config_file, targets[0], codes)
        config = override(
            config, _split_codes(select), _split_codes(ignore), _split_codes(extend_select), codes
        )
    except ConfigError as exc:
        click.echo(f"pooling-lint: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    options = Options.for_config(
        config,
        fix=fix,
        unsafe_fixes=unsafe_fixes,
        diff=diff,
        verbose=verbose,
        project=not no_project,
    )
    files, walk_errors = discover(targets, config, force_exclude=force_exclude)
    for err in walk_errors:
        click.echo(f"pooling-lint: error: {err.path}: {err.message}", err=True)
    if add_noqa:
        _add_noqa(files, options, walk_errors)
    cache = _cache(options, no_cache, cache_dir)
    results = check_paths(files, options, jobs or default_jobs(), cache)
    fixed = sum(r.fixes_applied for r in results) if fix and not diff else 0
    if color is None:
        color = sys.stdout.isatty()
    render = renderer(output_format)
    if output_format == "text":
        out = render(results, color=color, statistics=statistics, fixed=fixed)
        if show_fixes:
            out += _fixes_listing(results, fix and not diff, unsafe_fixes)
    elif output_format == "sarif":
        out = render(results, docs_url=docs_url)
    else:
        out = render(results)
    # color= is passed on: click.echo would otherwise strip the codes that --color asked for.
    click.echo(out, nl=False, color=color)
    diags = [d for r in results for d in r.diagnostics]
    if walk_errors or any(d.is_error for d in diags):
        sys.exit(EXIT_ERROR)
    if diags and not exit_zero:
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_CLEAN)


def _cache(options: Options, no_cache: bool, cache_dir: Path | None) -> ResultCache | None:
    """The result cache of this run, or None with ``--no-cache``."""
    if no_cache:
        return None
    from pooling_lint.cache import ResultCache

    return ResultCache.open(options, cache_dir)


def _add_noqa(files: Sequence[Path], options: Options, walk_errors: Sequence[WalkError]) -> None:
    """``check --add-noqa``: suppress every current finding in place, say how many, exit 0."""
    from pooling_lint.add_noqa import add_noqa_to_files

    added, errors = add_noqa_to_files(files, options)
    for message in errors:
        click.echo(f"pooling-lint: error: {message}", err=True)
    click.echo(f"Added {added} noqa directive{'s' if added != 1 else ''}.")
    sys.exit(EXIT_ERROR if errors or walk_errors else EXIT_CLEAN)


def _fixes_listing(results: Sequence[FileResult], applied: bool, unsafe: bool) -> str:
    """``--show-fixes``: one line per fix (``path:line:col: CODE title``), or what --fix did."""
    from pooling_lint.report.text import location

    lines: list[str] = []
    if applied:
        for r in results:
            n = r.fixes_applied
            if n:
                lines.append(f"  {r.display}: {n} fix{'es' if n != 1 else ''}")
        head = "Applied fixes:" if lines else "No fixes applied."
        return "\n".join([head, *lines]) + "\n"
    for r in results:
        for d in r.diagnostics:
            if d.fix is not None and (d.fix.applicability == "safe" or unsafe):
                title = d.fix.message or f"Fix {d.code}"
                lines.append(f"  {location(d)}: {d.code} {title}")
    head = "Fixes that --fix would apply:" if lines else "No fixes available."
    return "\n".join([head, *lines]) + "\n"


@main.command()
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
def rules(output_format: str) -> None:
    """List every rule: code, name, fixable, summary."""
    from pooling_lint.rules import ENGINE_CODES, all_rules

    rows = [(c, n, "never", s) for c, (n, s) in ENGINE_CODES.items()]
    rows += [(r.code, r.name, r.fixable, r.summary) for r in all_rules()]
    rows.sort()
    from pooling_lint.report.sarif import docs_base_url, rule_doc_url

    if output_format == "json":
        import json

        data = [
            {
                "code": c,
                "name": n,
                "fixable": f,
                "summary": s,
                "docs": f"docs/rules/{c}.md",
                "url": rule_doc_url(c),
            }
            for c, n, f, s in rows
        ]
        click.echo(json.dumps(data, indent=2))
        return
    width = max(len(n) for _, n, _, _ in rows)
    for code, name, fixable, summary in rows:
        mark = {"always": "fix", "sometimes": "fix?", "never": ""}[fixable]
        click.echo(f"{code}  {name:<{width}}  {mark:<4}  {summary}")
    click.echo(
        f"\nDocs: `pooling-lint explain CODE`, docs/rules/CODE.md, or {docs_base_url()}CODE.md"
    )


@main.command()
@click.argument("code")
def explain(code: str) -> None:
    """Print the documentation of one rule (by code or name)."""
    from pooling_lint.report.sarif import engine_code_docs, rule_doc_url
    from pooling_lint.rules import ENGINE_CODES, rule_by_code

    upper = code.upper()
    if upper in ENGINE_CODES:
        click.echo(engine_code_docs(upper), nl=False)
        click.echo(f"\nDocs: docs/rules/{upper}.md ({rule_doc_url(upper)})")
        return
    rule = rule_by_code(code)
    if rule is None:
        click.echo(
            f"pooling-lint: error: unknown rule {code!r}; see `pooling-lint rules`", err=True
        )
        sys.exit(EXIT_ERROR)
    click.echo(rule.full_docs(), nl=False)
    click.echo(f"\nDocs: {rule.doc_path()} ({rule_doc_url(rule.code)})")


@main.command()
@click.option(
    "--docs-url",
    metavar="URL",
    default=None,
    help="Base URL of the rule docs linked from each diagnostic (default: as for `check`).",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    default=None,
    help="Read settings from this TOML file instead of each document's nearest pyproject.toml.",
)
@click.option(
    "--debounce-ms",
    type=click.IntRange(min=0),
    default=150,
    show_default=True,
    help="Wait this long after the last change before checking a document again.",
)
def server(docs_url: str | None, config_file: Path | None, debounce_ms: int) -> None:
    """Run the language server over stdio (needs `pip install "pooling-lint[lsp]"`)."""
    from pooling_lint.server import ServerSettings, serve

    try:
        import pygls  # noqa: F401 - only to say what is missing
    except ImportError:
        click.echo(
            'pooling-lint: error: the language server needs pygls: pip install "pooling-lint[lsp]"',
            err=True,
        )
        sys.exit(EXIT_ERROR)
    serve(ServerSettings(docs_url=docs_url, config_file=config_file, debounce_s=debounce_ms / 1000))
