"""The language server on notebooks (LSP 3.17 notebook document sync): the code cells are
checked together as one program and reported per cell, as ``pooling-lint check`` does."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from pooling_lint.server.actions import FIX_ALL_KIND
from tests.lsp.conftest import apply_edits, code_actions, codes, diagnostics_for

pytestmark = pytest.mark.asyncio

CELLS = [
    (types.NotebookCellKind.Markup, "# Pooling\nThe model is defined below."),
    (types.NotebookCellKind.Code, "import tensorflow as tf\n%matplotlib inline\n"),
    (
        types.NotebookCellKind.Code,
        "def pool(h):\n    return tf.reduce_sum(h, reduction_indices=1)\n",
    ),
]


def cell_uri(nb: Path, index: int) -> str:
    return f"vscode-notebook-cell:{nb.as_posix()}#cell{index}"


def open_notebook(
    client: LanguageClient, nb: Path, cells: list[tuple[types.NotebookCellKind, str]]
) -> list[str]:
    uris = [cell_uri(nb, i) for i in range(len(cells))]
    client.notebook_document_did_open(
        types.DidOpenNotebookDocumentParams(
            notebook_document=types.NotebookDocument(
                uri=nb.as_uri(),
                notebook_type="jupyter-notebook",
                version=1,
                cells=[types.NotebookCell(kind=k, document=u) for (k, _), u in zip(cells, uris)],
            ),
            cell_text_documents=[
                types.TextDocumentItem(
                    uri=u,
                    language_id="python" if k == types.NotebookCellKind.Code else "markdown",
                    version=1,
                    text=text,
                )
                for (k, text), u in zip(cells, uris)
            ],
        )
    )
    return uris


def change_cell(client: LanguageClient, nb: Path, version: int, uri: str, text: str) -> None:
    client.notebook_document_did_change(
        types.DidChangeNotebookDocumentParams(
            notebook_document=types.VersionedNotebookDocumentIdentifier(
                version=version, uri=nb.as_uri()
            ),
            change=types.NotebookDocumentChangeEvent(
                cells=types.NotebookDocumentCellChanges(
                    text_content=[
                        types.NotebookDocumentCellContentChanges(
                            document=types.VersionedTextDocumentIdentifier(
                                uri=uri, version=version
                            ),
                            changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
                        )
                    ]
                )
            ),
        )
    )


async def test_cells_are_one_program_reported_per_cell(
    client: LanguageClient, workspace: Path
) -> None:
    nb = workspace / "model.ipynb"
    uris = open_notebook(client, nb, CELLS)
    # The import is in cell 2 and the call in cell 3: only checked together is it TF code.
    diags = await diagnostics_for(client, uris[2], lambda d: len(d) > 0)
    assert codes(diags) == ["PLG302"]
    assert diags[0].range.start == types.Position(1, 11)  # cell-relative
    await diagnostics_for(client, uris[1], lambda d: len(d) == 0)  # the magic line is fine
    assert uris[0] not in client.diagnostics  # markdown is not checked


async def test_cell_fix_then_change_clears(client: LanguageClient, workspace: Path) -> None:
    nb = workspace / "model.ipynb"
    uris = open_notebook(client, nb, CELLS)
    await diagnostics_for(client, uris[2], lambda d: len(d) > 0)
    fixes = [a for a in await code_actions(client, uris[2], 1) if "Rename" in a.title]
    assert len(fixes) == 1 and fixes[0].is_preferred
    assert fixes[0].edit is not None and fixes[0].edit.changes is not None
    assert list(fixes[0].edit.changes) == [uris[2]]
    fixed = apply_edits(CELLS[2][1], fixes[0].edit.changes[uris[2]])
    assert fixed == "def pool(h):\n    return tf.reduce_sum(h, axis=1)\n"
    change_cell(client, nb, 2, uris[2], fixed)
    await diagnostics_for(client, uris[2], lambda d: len(d) == 0)


async def test_noqa_and_fix_all_in_a_notebook(client: LanguageClient, workspace: Path) -> None:
    nb = workspace / "model.ipynb"
    uris = open_notebook(client, nb, CELLS)
    await diagnostics_for(client, uris[2], lambda d: len(d) > 0)
    noqa = [a for a in await code_actions(client, uris[2], 1) if "noqa" in a.title]
    assert len(noqa) == 1 and noqa[0].edit is not None and noqa[0].edit.changes is not None
    assert apply_edits(CELLS[2][1], noqa[0].edit.changes[uris[2]]).endswith(
        "reduction_indices=1)  # noqa: PLG302\n"
    )
    fix_all = await code_actions(client, uris[1], 0, only=[FIX_ALL_KIND])
    assert len(fix_all) == 1
    assert fix_all[0].edit is not None and fix_all[0].edit.changes is not None
    assert list(fix_all[0].edit.changes) == [uris[2]]  # only the cell that changes


async def test_broken_cell_gets_plg000_and_the_others_are_still_checked(
    client: LanguageClient, workspace: Path
) -> None:
    nb = workspace / "model.ipynb"
    cells = [*CELLS, (types.NotebookCellKind.Code, "y = (\n")]
    uris = open_notebook(client, nb, cells)
    broken = await diagnostics_for(client, uris[3], lambda d: len(d) > 0)
    assert codes(broken) == ["PLG000"] and broken[0].range.start.line == 0
    assert codes(await diagnostics_for(client, uris[2], lambda d: len(d) > 0)) == ["PLG302"]


async def test_closing_the_notebook_clears_its_cells(
    client: LanguageClient, workspace: Path
) -> None:
    nb = workspace / "model.ipynb"
    uris = open_notebook(client, nb, CELLS)
    await diagnostics_for(client, uris[2], lambda d: len(d) > 0)
    client.notebook_document_did_close(
        types.DidCloseNotebookDocumentParams(
            notebook_document=types.NotebookDocumentIdentifier(uri=nb.as_uri()),
            cell_text_documents=[types.TextDocumentIdentifier(uri=u) for u in uris],
        )
    )
    await diagnostics_for(client, uris[2], lambda d: len(d) == 0)


async def test_fix_all_equals_check_fix_on_the_ipynb(
    client: LanguageClient, workspace: Path
) -> None:
    import json

    from click.testing import CliRunner

    from pooling_lint.cli import main

    nb = workspace / "model.ipynb"
    cells = [*CELLS, (types.NotebookCellKind.Code, "s = tf.reduce_sum(h, keep_dims=True)\n")]
    kinds = {types.NotebookCellKind.Markup: "markdown", types.NotebookCellKind.Code: "code"}
    document = {
        "cells": [
            {
                "cell_type": kinds[k],
                "metadata": {},
                "source": text,
                **({"outputs": [], "execution_count": None} if kinds[k] == "code" else {}),
            }
            for k, text in cells
        ],
        "metadata": {"language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    nb.write_text(json.dumps(document, indent=1) + "\n")
    uris = open_notebook(client, nb, cells)
    await diagnostics_for(client, uris[3], lambda d: len(d) > 0)
    fix_all = await code_actions(client, uris[2], 0, only=["source.fixAll"])
    assert len(fix_all) == 1
    edit = fix_all[0].edit
    assert edit is not None and edit.changes is not None
    fixed = {u: apply_edits(cells[uris.index(u)][1], e) for u, e in edit.changes.items()}
    CliRunner().invoke(main, ["check", "--fix", "--no-cache", str(nb)])
    on_disk = [c["source"] for c in json.loads(nb.read_text())["cells"]]
    assert set(fixed) == {uris[2], uris[3]}
    assert fixed[uris[2]] == on_disk[2] and fixed[uris[3]] == on_disk[3]
    assert "axis=1" in on_disk[2] and "keepdims=True" in on_disk[3]


async def test_hover_in_a_cell(client: LanguageClient, workspace: Path) -> None:
    nb = workspace / "model.ipynb"
    uris = open_notebook(client, nb, CELLS)
    await diagnostics_for(client, uris[2], lambda d: len(d) > 0)
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri=uris[2]), types.Position(1, 14))
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "PLG302" in hover.contents.value and "## Fix safety" in hover.contents.value
