"""Language server latency: from a ``didChange`` to its ``publishDiagnostics``, on a 1,000-line
model file, against the same check run in-process (``check_text``) in the same run.

    python benchmarks/bench_lsp.py                 # 1,000 lines, 15 edits
    python benchmarks/bench_lsp.py --lines 300 --rounds 30

The server is started as the editor starts it (``pooling-lint server``, over stdio), first with
``--debounce-ms 0`` (the check plus the protocol), then with the default 150 ms debounce (which
adds that delay by design, and runs the check on a worker thread). Each edit changes one line
(alternating two versions), the client waits for the diagnostics of exactly that document
version, and the medians are reported with their ratio to the in-process baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from model_source import model_source  # noqa: E402


def baseline(text: str, path: Path) -> float:
    """Seconds for the same check in-process: config found, rules built, file checked."""
    from pooling_lint.config import load_config
    from pooling_lint.engine import Options, check_text
    from pooling_lint.rules import known_codes

    start = time.perf_counter()
    options = Options.for_config(load_config(None, path, known_codes()))
    check_text(text, path.as_posix(), path, options)
    return time.perf_counter() - start


async def server_latency(
    text: str, path: Path, rounds: int, debounce_ms: int, base: list[float]
) -> tuple[float, float, int]:
    """(median change-to-diagnostics seconds, open-to-diagnostics seconds, findings). Each
    round also runs the in-process baseline once (appended to ``base``), interleaved, so that
    both see the same machine load."""
    client = LanguageClient("bench", "0")
    published: dict[int | None, asyncio.Event] = {}
    counts: dict[int | None, int] = {}

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
        counts[params.version] = len(params.diagnostics)
        published.setdefault(params.version, asyncio.Event()).set()

    await client.start_io(
        sys.executable, "-m", "pooling_lint", "server", "--debounce-ms", str(debounce_ms)
    )
    await client.initialize_async(
        types.InitializeParams(capabilities=types.ClientCapabilities(),
                               root_uri=path.parent.as_uri())
    )
    client.initialized(types.InitializedParams())
    uri = path.as_uri()

    async def wait(version: int) -> None:
        await asyncio.wait_for(published.setdefault(version, asyncio.Event()).wait(), 120)

    start = time.perf_counter()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))
    await wait(1)
    opened = time.perf_counter() - start
    lines = text.count("\n")
    times = []
    for version in range(2, rounds + 2):
        # Rewrite the last line: a comment, so the findings stay the same.
        new_line = f"# edit {version % 2}\n"
        change = types.TextDocumentContentChangePartial(
            range=types.Range(types.Position(lines - 1, 0), types.Position(lines, 0)),
            text=new_line,
        )
        start = time.perf_counter()
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[change],
        ))
        await wait(version)
        times.append(time.perf_counter() - start)
        base.append(baseline(text, path))
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return statistics.median(times), opened, counts.get(rounds + 1, -1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    text = model_source(args.lines)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.py"
        path.write_text(text)
        (Path(tmp) / "pyproject.toml").write_text("[tool.pooling-lint]\n")
        plain: list[float] = []
        served, opened, findings = asyncio.run(server_latency(text, path, args.rounds, 0, plain))
        base = statistics.median(plain)
        later: list[float] = []
        debounced, _, _ = asyncio.run(server_latency(text, path, args.rounds, 150, later))
        base_later = statistics.median(later)
    print(f"model file: {text.count(chr(10))} lines, {findings} findings, {args.rounds} edits")
    print(f"in-process check_text (baseline):      {base * 1000:8.1f} ms")
    print(f"server didChange -> publishDiagnostics: {served * 1000:8.1f} ms  "
          f"({served / base:.2f}x baseline)")
    print(f"server didOpen -> publishDiagnostics:   {opened * 1000:8.1f} ms  "
          f"({opened / base:.2f}x baseline; includes the server's first imports)")
    print(f"with the default debounce (150 ms; the check on a worker thread): "
          f"{debounced * 1000:8.1f} ms  ({debounced / base_later:.2f}x its baseline, "
          f"{base_later * 1000:.1f} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
