"""The language server on Python documents, end to end through a real LSP client."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from pooling_lint.server.actions import FIX_ALL_KIND, UNSAFE_SUFFIX
from tests.lsp.conftest import (
    SOURCE,
    apply_edits,
    code_actions,
    codes,
    diagnostics_for,
    open_python,
)

pytestmark = pytest.mark.asyncio


def change(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def test_open_reports_code_link_range_and_severity(
    client: LanguageClient, workspace: Path
) -> None:
    uri = open_python(client, workspace / "model.py", SOURCE)
    diags = await diagnostics_for(client, uri, lambda d: len(d) == 2)
    by_code = {d.code: d for d in diags}
    plg302 = by_code["PLG302"]
    assert plg302.range.start == types.Position(4, 8)  # 5:9 in the CLI's 1-based terms
    assert plg302.range.end.line == 4 and plg302.range.end.character > 8
    assert plg302.source == "pooling-lint"
    assert plg302.severity == types.DiagnosticSeverity.Warning
    assert plg302.code_description is not None
    assert plg302.code_description.href.endswith("/docs/rules/PLG302.md")
    assert "reduction_indices" in plg302.message
    assert by_code["PLG202"].range.start == types.Position(5, 14)


async def test_change_is_rechecked_and_the_fix_clears_the_finding(
    client: LanguageClient, workspace: Path
) -> None:
    uri = open_python(client, workspace / "model.py", SOURCE)
    await diagnostics_for(client, uri, lambda d: "PLG302" in codes(d))
    found = [a for a in await code_actions(client, uri, 4) if "Rename" in a.title]
    assert len(found) == 1
    fix = found[0]
    assert fix.kind == types.CodeActionKind.QuickFix and fix.is_preferred
    assert fix.edit is not None and fix.edit.changes is not None
    fixed = apply_edits(SOURCE, fix.edit.changes[uri])
    assert "tf.reduce_sum(h, axis=1, keepdims=True)" in fixed
    change(client, uri, 2, fixed)
    diags = await diagnostics_for(client, uri, lambda d: "PLG302" not in codes(d))
    assert codes(diags) == ["PLG202"]
    # An edit that brings the bug back brings the finding back.
    change(client, uri, 3, SOURCE)
    await diagnostics_for(client, uri, lambda d: codes(d) == ["PLG202", "PLG302"])


async def test_unsafe_fix_is_marked_and_not_preferred(
    client: LanguageClient, workspace: Path
) -> None:
    uri = open_python(client, workspace / "model.py", SOURCE)
    await diagnostics_for(client, uri, lambda d: "PLG202" in codes(d))
    fixes = [a for a in await code_actions(client, uri, 5) if "Reshape" in a.title]
    assert len(fixes) == 1
    assert fixes[0].title.endswith(UNSAFE_SUFFIX)
    assert not fixes[0].is_preferred
    assert fixes[0].edit is not None and fixes[0].edit.changes is not None
    fixed = apply_edits(SOURCE, fixes[0].edit.changes[uri])
    assert "tf.reshape(lengths, [-1, 1])" in fixed


async def test_noqa_action_suppresses_the_finding(client: LanguageClient, workspace: Path) -> None:
    uri = open_python(client, workspace / "model.py", SOURCE)
    await diagnostics_for(client, uri, lambda d: "PLG202" in codes(d))
    noqa = [a for a in await code_actions(client, uri, 5) if a.title == "Add `# noqa: PLG202`"]
    assert len(noqa) == 1
    assert noqa[0].edit is not None and noqa[0].edit.changes is not None
    fixed = apply_edits(SOURCE, noqa[0].edit.changes[uri])
    assert "    lengths = tf.reshape(lengths, [-1, 10])  # noqa: PLG202\n" in fixed
    change(client, uri, 2, fixed)
    diags = await diagnostics_for(client, uri, lambda d: "PLG202" not in codes(d))
    assert codes(diags) == ["PLG302"]


async def test_fix_all_applies_the_safe_fixes_like_check_fix(
    client: LanguageClient, workspace: Path
) -> None:
    from click.testing import CliRunner

    from pooling_lint.cli import main

    path = workspace / "model.py"
    uri = open_python(client, path, SOURCE)
    await diagnostics_for(client, uri, lambda d: len(d) == 2)
    fix_all = await code_actions(client, uri, 0, only=["source.fixAll"])
    assert [a.kind for a in fix_all] == [FIX_ALL_KIND]
    assert fix_all[0].edit is not None and fix_all[0].edit.changes is not None
    fixed = apply_edits(SOURCE, fix_all[0].edit.changes[uri])
    path.write_text(SOURCE)
    CliRunner().invoke(main, ["check", "--fix", "--no-cache", str(path)])
    assert fixed == path.read_text()
    assert "[-1, 10]" in fixed  # the unsafe fix is not part of fix-all
    # A request for quick fixes only does not get the source action.
    assert all(
        a.kind != FIX_ALL_KIND for a in await code_actions(client, uri, 4, only=["quickfix"])
    )


async def test_hover_shows_the_rule_docs(client: LanguageClient, workspace: Path) -> None:
    uri = open_python(client, workspace / "model.py", SOURCE)
    await diagnostics_for(client, uri, lambda d: "PLG302" in codes(d))
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri=uri), types.Position(4, 12))
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "PLG302" in hover.contents.value
    assert "## What it does" in hover.contents.value
    assert "PLG302.md" in hover.contents.value
    outside = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri=uri), types.Position(0, 3))
    )
    assert outside is None


async def test_broken_file_gives_plg000_and_the_server_keeps_working(
    client: LanguageClient, workspace: Path
) -> None:
    # The engine reports a syntax error where a finding could be (the file uses a framework
    # and a rule's trigger), as the CLI does.
    uri = open_python(client, workspace / "broken.py", SOURCE + "x = (\n")
    diags = await diagnostics_for(client, uri, lambda d: len(d) > 0)
    assert codes(diags) == ["PLG000"]
    assert diags[0].severity == types.DiagnosticSeverity.Error
    assert diags[0].range.start.line == 7
    assert diags[0].range.end != diags[0].range.start  # widened so that editors show it
    other = open_python(client, workspace / "model.py", SOURCE)
    await diagnostics_for(client, other, lambda d: len(d) == 2)
    change(client, uri, 2, SOURCE + "x = ()\n")
    await diagnostics_for(client, uri, lambda d: codes(d) == ["PLG202", "PLG302"])


async def test_config_noqa_and_per_file_ignores_as_the_cli(
    client: LanguageClient, workspace: Path
) -> None:
    (workspace / "pyproject.toml").write_text(
        '[tool.pooling-lint]\nper-file-ignores = { "legacy_*.py" = ["PLG302"] }\n'
    )
    legacy = open_python(client, workspace / "legacy_model.py", SOURCE)
    assert codes(await diagnostics_for(client, legacy, lambda d: len(d) > 0)) == ["PLG202"]
    sub = workspace / "sub"
    sub.mkdir()
    (sub / "pyproject.toml").write_text('[tool.pooling-lint]\nignore = ["PLG202"]\n')
    nested = open_python(client, sub / "model.py", SOURCE)
    assert codes(await diagnostics_for(client, nested, lambda d: len(d) > 0)) == ["PLG302"]


async def test_close_clears_the_diagnostics(client: LanguageClient, workspace: Path) -> None:
    uri = open_python(client, workspace / "model.py", SOURCE)
    await diagnostics_for(client, uri, lambda d: len(d) == 2)
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri=uri))
    )
    await diagnostics_for(client, uri, lambda d: len(d) == 0)


async def test_a_burst_of_edits_ends_with_the_last_versions_diagnostics(
    client: LanguageClient, workspace: Path
) -> None:
    import asyncio

    fixed = SOURCE.replace("reduction_indices=1, keep_dims=True", "axis=1, keepdims=True")
    uri = open_python(client, workspace / "model.py", SOURCE)
    await diagnostics_for(client, uri, lambda d: len(d) == 2)
    for version in range(2, 8):  # ends on the fixed text (odd versions are the fixed one)
        change(client, uri, version, fixed if version % 2 else SOURCE)

    async def last_version() -> types.PublishDiagnosticsParams:
        while True:
            params = await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
            if params.uri == uri and params.version == 7:
                return params  # type: ignore[no-any-return]

    params = await asyncio.wait_for(last_version(), 30)
    assert codes(params.diagnostics) == ["PLG202"]
    await asyncio.sleep(0.3)  # nothing older arrives afterwards and overwrites it
    assert codes(client.diagnostics[uri]) == ["PLG202"]


#: PLG101 whose unsafe fix switches to the runtime op (docs/fixes.md) and adds its import.
RUNTIME_FIX_SOURCE = """\
import torch


def pool(x, lengths):
    valid = torch.arange(x.size(1))[None, :] < lengths[:, None]
    x = x.masked_fill(~valid[..., None], 0.0)
    return x.mean(dim=1)
"""


async def test_runtime_op_fix_is_offered_as_unsafe_with_its_import(
    client: LanguageClient, workspace: Path
) -> None:
    uri = open_python(client, workspace / "pool.py", RUNTIME_FIX_SOURCE)
    await diagnostics_for(client, uri, lambda d: "PLG101" in codes(d))
    found = [a for a in await code_actions(client, uri, 6) if "masked_mean" in a.title]
    assert len(found) == 1
    action = found[0]
    assert action.kind == types.CodeActionKind.QuickFix
    assert action.title.endswith(UNSAFE_SUFFIX) and not action.is_preferred
    assert action.edit is not None and action.edit.changes is not None
    fixed = apply_edits(RUNTIME_FIX_SOURCE, action.edit.changes[uri])
    assert fixed.count("from pooling_lint.runtime.torch import masked_mean\n") == 1
    assert "    return masked_mean(x, lengths)\n" in fixed
    # fix-all holds the safe fixes only: this one is not in it
    fix_all = await code_actions(client, uri, 0, only=["source.fixAll"])
    assert all(
        "masked_mean" not in e.new_text
        for a in fix_all
        if a.edit is not None and a.edit.changes
        for e in a.edit.changes.get(uri, [])
    )
    change(client, uri, 2, fixed)
    await diagnostics_for(client, uri, lambda d: "PLG101" not in codes(d))
