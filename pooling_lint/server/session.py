"""What the server knows about the open documents: their last check, when to check them again,
and what is published. A *key* is a Python document's URI or a notebook's URI; a notebook's
findings are kept (and published) per cell URI."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from pooling_lint.diagnostics import Diagnostic
from pooling_lint.notebook import CellsCheck
from pooling_lint.server.checking import Target, check_notebook, check_python, target_for
from pooling_lint.server.convert import Evidence, to_lsp
from pooling_lint.server.positions import Positions
from pooling_lint.server.settings import ServerSettings

PYTHON_LANGUAGES = frozenset({"python", "ipython"})
PYTHON_SUFFIXES = (".py", ".pyi")


@dataclass(frozen=True)
class Finding:
    """One engine diagnostic, where it is published (a document or a cell) and as sent."""

    uri: str
    diagnostic: Diagnostic
    lsp: types.Diagnostic


@dataclass(frozen=True)
class Cell:
    """A notebook code cell as the server holds it."""

    uri: str
    text: str
    positions: Positions


@dataclass(frozen=True)
class Snapshot:
    """One check of a document or notebook, at the version it was made for."""

    key: str
    version: int | None
    text: str  # the Python document's text ("" for a notebook)
    positions: Positions  # of ``text``
    cells: tuple[Cell, ...]  # a notebook's code cells (empty for a Python document)
    target: Target
    findings: dict[str, tuple[Finding, ...]]
    notebook: bool = False


def cell_findings(
    cells: Sequence[Cell], result: CellsCheck, docs_url: str | None
) -> dict[str, tuple[Finding, ...]]:
    """A notebook check's findings by cell URI, evidence in other cells pointing there."""
    out: dict[str, list[Finding]] = {c.uri: [] for c in cells}
    if not cells:
        return {}
    for d, related in zip(result.diagnostics, result.related):
        cell = cells[min(max((d.cell or 1) - 1, 0), len(cells) - 1)]
        evidence = [
            Evidence(cells[n - 1].uri, cells[n - 1].positions, r)
            for n, r in related
            if 0 < n <= len(cells)
        ]
        out[cell.uri].append(Finding(cell.uri, d, to_lsp(d, cell.positions, evidence, docs_url)))
    return {uri: tuple(found) for uri, found in out.items()}


class Session:
    """Checks and publishes; the handlers in :mod:`pooling_lint.server.app` call it."""

    def __init__(self, server: LanguageServer, settings: ServerSettings) -> None:
        self.server = server
        self.settings = settings
        self.snapshots: dict[str, Snapshot] = {}
        self.timers: dict[str, asyncio.TimerHandle] = {}
        self.tasks: set[asyncio.Future[None]] = set()
        #: one check at a time: the engine is not promised to be thread-safe
        self.lock = threading.Lock()

    # -- what a URI is -------------------------------------------------------------------

    def path_of(self, uri: str) -> Path:
        """The file system path a document's config is found from (an unsaved document is
        treated as a file of that name in the workspace root)."""
        parsed = urlparse(uri)
        if parsed.scheme in ("", "file"):
            path = to_fs_path(uri)
            if path:
                return Path(path)
        root = self.server.workspace.root_path or str(Path.cwd())
        name = Path(unquote(parsed.path)).name or "untitled.py"
        return Path(root) / name

    def key_of(self, uri: str) -> str:
        """The notebook a cell belongs to, or the document itself."""
        nb = self.server.workspace.get_notebook_document(cell_uri=uri)
        return nb.uri if nb is not None else uri

    def positions(self, text: str) -> Positions:
        return Positions.of(text, self.server.workspace.position_codec.client_num_units)

    # -- checking --------------------------------------------------------------------------

    def prepare(self, key: str) -> Callable[[], Snapshot] | None:
        """Read what ``key`` holds now (on the event loop, which owns the workspace) and return
        the check of it, which may run on another thread; ``None`` if ``key`` is not an open
        Python document or notebook."""
        workspace = self.server.workspace
        settings = self.settings
        units = workspace.position_codec.client_num_units
        nb = workspace.get_notebook_document(notebook_uri=key)
        if nb is not None:
            cells = self.notebook_cells(nb)
            nb_path, nb_uri, nb_version = self.path_of(nb.uri), nb.uri, nb.version

            def check_cells() -> Snapshot:
                target = target_for(nb_path, settings.config_file)
                result = check_notebook([c.text for c in cells], target)
                findings = cell_findings(cells, result, settings.docs_url)
                return Snapshot(
                    nb_uri,
                    nb_version,
                    "",
                    Positions.of("", units),
                    cells,
                    target,
                    findings,
                    notebook=True,
                )

            return check_cells
        doc = workspace.text_documents.get(unquote(key))
        if doc is None:
            return None
        if doc.language_id not in PYTHON_LANGUAGES and not key.endswith(PYTHON_SUFFIXES):
            return None
        text, version, path = doc.source, doc.version, self.path_of(key)

        def check_document() -> Snapshot:
            target = target_for(path, settings.config_file)
            positions = Positions.of(text, units)
            findings = tuple(
                Finding(
                    key,
                    d,
                    to_lsp(
                        d,
                        positions,
                        [Evidence(key, positions, r) for r in d.related],
                        settings.docs_url,
                    ),
                )
                for d in check_python(text, target)
            )
            return Snapshot(key, version, text, positions, (), target, {key: findings})

        return check_document

    def check(self, key: str) -> Snapshot | None:
        """Check ``key`` as it is now, on this thread."""
        job = self.prepare(key)
        if job is None:
            return None
        with self.lock:
            return job()

    def notebook_cells(self, nb: types.NotebookDocument) -> tuple[Cell, ...]:
        """The notebook's Python code cells, in order."""
        cells = []
        for cell in nb.cells:
            if cell.kind != types.NotebookCellKind.Code:
                continue
            doc = self.server.workspace.text_documents.get(unquote(cell.document))
            if doc is None or (doc.language_id and doc.language_id not in PYTHON_LANGUAGES):
                continue
            text = doc.source
            cells.append(Cell(cell.document, text, self.positions(text)))
        return tuple(cells)

    # -- publishing ------------------------------------------------------------------------

    def refresh(self, key: str) -> Snapshot | None:
        """Check ``key`` now and publish its diagnostics (clearing cells that went away)."""
        timer = self.timers.pop(key, None)
        if timer is not None:
            timer.cancel()
        return self.install(key, self.check(key))

    def install(self, key: str, snapshot: Snapshot | None) -> Snapshot | None:
        """Keep ``snapshot`` as the last check of ``key`` and publish it."""
        before = self.snapshots.pop(key, None)
        if snapshot is None:
            if before is not None:
                self._clear(before)
            return None
        self.snapshots[key] = snapshot
        version = None if snapshot.notebook else snapshot.version
        for uri, found in snapshot.findings.items():
            self._publish(uri, [f.lsp for f in found], version)
        if before is not None:
            for uri in set(before.findings) - set(snapshot.findings):
                self._publish(uri, [], None)
        return snapshot

    def fresh(self, key: str) -> Snapshot | None:
        """The last check if it is still current, else a new one (published)."""
        snapshot = self.snapshots.get(key)
        if snapshot is not None and snapshot.version == self._version(key):
            return snapshot
        return self.refresh(key)

    def schedule(self, key: str) -> None:
        """Check ``key`` once the edits have paused for the debounce delay.

        The check runs on a worker thread, so the server keeps reading edits and answering
        requests meanwhile; its result is published only if the document is still at the
        version that was checked (otherwise a newer check is already scheduled).
        """
        timer = self.timers.pop(key, None)
        if timer is not None:
            timer.cancel()
        if self.settings.debounce_s <= 0:
            self.refresh(key)
            return
        loop = asyncio.get_running_loop()
        self.timers[key] = loop.call_later(self.settings.debounce_s, self._start, key)

    def _start(self, key: str) -> None:
        self.timers.pop(key, None)
        job = self.prepare(key)
        if job is None:
            self.install(key, None)
            return
        task = asyncio.ensure_future(self._background(key, job))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _background(self, key: str, job: Callable[[], Snapshot]) -> None:
        def locked() -> Snapshot:
            with self.lock:
                return job()

        snapshot = await asyncio.to_thread(locked)
        if snapshot.version == self._version(key) and key not in self.timers:
            self.install(key, snapshot)

    def close(self, key: str) -> None:
        """Forget ``key`` and clear what was published for it."""
        timer = self.timers.pop(key, None)
        if timer is not None:
            timer.cancel()
        before = self.snapshots.pop(key, None)
        if before is not None:
            self._clear(before)

    def _clear(self, snapshot: Snapshot) -> None:
        for uri in snapshot.findings:
            self._publish(uri, [], None)

    def _version(self, key: str) -> int | None:
        workspace = self.server.workspace
        nb = workspace.get_notebook_document(notebook_uri=key)
        if nb is not None:
            return nb.version
        doc = workspace.text_documents.get(unquote(key))
        return doc.version if doc is not None else None

    def _publish(self, uri: str, diagnostics: list[types.Diagnostic], version: int | None) -> None:
        self.server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version)
        )
