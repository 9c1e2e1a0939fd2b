"""Reading source files: bytes -> text, remembering what ``--fix`` must preserve."""

from __future__ import annotations

import ast
import codecs
import io
import re
import tokenize
import warnings
from dataclasses import dataclass
from pathlib import Path

#: Files larger than this are not parsed (a generated or data file, not model code).
MAX_FILE_BYTES = 16 * 1024 * 1024


class SourceError(Exception):
    """A file that cannot be turned into text; the message is shown to the user."""


@dataclass(frozen=True)
class SourceFile:
    """Decoded text plus the byte-level facts needed to write it back unchanged."""

    path: Path
    text: str  # as decoded; lone "\r" line endings (only) are normalised to "\n"
    encoding: str
    bom: bool
    newline: str  # the file's dominant line ending: "\n", "\r\n" or "\r"
    raw: bytes
    #: Each line's original ending, kept only when lone "\r" endings forced normalisation.
    endings: tuple[str, ...] | None = None

    def encode(self, text: str) -> bytes:
        """Encode ``text`` the way the original file was encoded (codec, BOM, line endings)."""
        if self.endings is not None and text.count("\n") == len(self.endings):
            # Same number of lines (fixes edit within lines): every line gets its own ending.
            parts = text.split("\n")
            text = "".join(p + e for p, e in zip(parts, self.endings)) + parts[-1]
        elif self.newline == "\r":
            text = text.replace("\n", "\r")
        data = text.encode(self.encoding)
        if self.bom and not data.startswith(codecs.BOM_UTF8):
            data = codecs.BOM_UTF8 + data
        return data


def dominant_newline(raw: bytes) -> str:
    crlf = raw.count(b"\r\n")
    lf = raw.count(b"\n") - crlf
    cr = raw.count(b"\r") - crlf
    if crlf > lf and crlf >= cr:
        return "\r\n"
    if cr > lf:
        return "\r"
    return "\n"


def decode_source(raw: bytes, path: Path) -> SourceFile:
    """Decode Python source bytes as the interpreter would (BOM, PEP 263 coding cookie)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    except SyntaxError as exc:  # bad or unknown coding cookie, or non-UTF-8 bytes in line 1-2
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as bad:
            line = raw[: bad.start].count(b"\n") + 1
            raise SourceError(
                f"cannot decode as utf-8: invalid byte {raw[bad.start:bad.start + 1]!r} "
                f"at line {line}; add a coding cookie or re-save the file as UTF-8"
            ) from None
        raise SourceError(f"cannot decode: {exc.msg}") from None
    bom = raw.startswith(codecs.BOM_UTF8)
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    try:
        text = raw.decode("utf-8-sig" if bom else codec)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SourceError(
            f"cannot decode as {codec}: invalid byte {raw[exc.start:exc.start + 1]!r} "
            f"at line {line}; add a coding cookie or re-save the file as UTF-8"
        ) from None
    except LookupError:
        raise SourceError(f"unknown encoding {codec!r} in coding cookie") from None
    newline = dominant_newline(raw)
    endings = None
    if "\r" in text.replace("\r\n", ""):
        # Old Mac line endings: the parser and our offsets want "\n"; encode() restores them.
        newline = "\r" if newline == "\r" else "\n"
        endings = tuple(_LINE_ENDING.findall(text))
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    else:
        newline = "\n"  # "\r\n" endings stay in the text itself, byte for byte
    return SourceFile(
        path=path, text=text, encoding=codec, bom=bom, newline=newline, raw=raw, endings=endings
    )


_LINE_ENDING = re.compile(r"\r\n|\r|\n")


def read_source(path: Path, max_bytes: int = MAX_FILE_BYTES) -> SourceFile:
    """Read and decode a file; every failure becomes a :class:`SourceError` with a clear message."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise SourceError(
                f"file is too large to check ({size:,} bytes; the limit is {max_bytes:,})"
            )
        raw = path.read_bytes()
    except SourceError:
        raise
    except IsADirectoryError:
        raise SourceError("is a directory") from None
    except FileNotFoundError:
        raise SourceError("no such file (it may have been removed during the run)") from None
    except PermissionError:
        raise SourceError("permission denied") from None
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror or exc}") from None
    return decode_source(raw, path)


#: libcst's native parser recurses once per nesting level on the C stack and crashes the whole
#: process (SIGSEGV) a few thousand levels down; CPython's parser stops far earlier with a clean
#: error. A boolean chain is flat for CPython but nested for libcst, so it is bounded separately.
MAX_BOOL_CHAIN = 5000


def too_nested_to_parse(text: str) -> str | None:
    """Why ``text`` must not be handed to libcst (it would crash the process), or None.

    Python's own parser is the judge: a file that it rejects as too deeply nested cannot run
    anyway, so it is reported as a file error instead of being parsed.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except (RecursionError, MemoryError):
        return "file is too deeply nested to parse"
    except SyntaxError as exc:
        msg = str(exc.msg)
        if "too many nested" in msg or "too complex" in msg:
            return f"file is too deeply nested to parse ({msg})"
        return None  # an ordinary syntax error: the caller reports it with its position
    except ValueError:
        return None
    return long_bool_chain(text, tree)


def long_bool_chain(text: str, tree: ast.AST) -> str | None:
    """Why ``tree`` holds an ``and``/``or`` chain too long for libcst (the writer), or None.

    The analysis could read it, but a fix could not be written; the file is refused as it
    always was.
    """
    if text.count("and") + text.count("or") > MAX_BOOL_CHAIN:  # cheap: most files stop here
        for node in ast.walk(tree):
            if isinstance(node, ast.BoolOp) and len(node.values) > MAX_BOOL_CHAIN:
                return (
                    f"file has a chain of more than {MAX_BOOL_CHAIN:,} `and`/`or` operands, "
                    "too long to parse"
                )
    return None
