"""The one reader of a project's own text files: the blueprint, hook files, dredd.yml,
pyproject.toml (settings and policy).

A file that does not decode is a setup error (exit 2) with one line naming the file,
the byte offset (and its line), and the fix: never a traceback, never exit 1 (which
means only "the contract failed"), and never a complaint of whatever would have read
the text next (a policy rule, a YAML parser). Every read of such a file in the engine
goes through :func:`read_source` or :func:`read_python`.

Text files are UTF-8 (a byte-order mark is allowed). Python files are read in the
encoding Python itself reads them in: UTF-8 unless a PEP 263 coding declaration names
another, so a hook file that declares ``latin-1`` is fine and one that lies is not.

Standard library only: the hooks handler's process reads the policy through it.
"""

from __future__ import annotations

import codecs
import tokenize
from pathlib import Path

from flask_dredd.errors import FlaskDreddError


class SourceDecodeError(FlaskDreddError):
    """A project file is not in the encoding it must be in; the message says where."""

    def __init__(self, path: Path, what: str, encoding: str, exc: UnicodeDecodeError,
                 data: bytes, declared: bool = False) -> None:  # fmt: skip
        offset = exc.start
        line = data.count(b"\n", 0, offset) + 1
        column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
        byte = data[offset : offset + 1].hex()
        said = f"as its coding declaration says ({encoding})" if declared else encoding.upper()
        fix = (
            f"save it in {encoding}, or correct its coding declaration"
            if declared
            else "save it as UTF-8 (e.g. `iconv -f latin1 -t utf-8`, or your editor's "
            "'save with encoding')"
        )
        super().__init__(
            f"{path}: the {what} is not valid {said}: byte 0x{byte} at offset {offset} "
            f"(line {line}, column {column}) cannot be decoded. Fix: {fix}, then run again."
        )
        self.path, self.offset, self.line = path, offset, line


def read_source(path: Path, what: str) -> str:
    """The text of ``path`` as UTF-8 (``what``: "blueprint", "dredd.yml", …, for the message).

    OSError (a missing or unreadable file) propagates for the caller to word.
    """
    data = Path(path).read_bytes()
    try:
        return codecs.decode(data, "utf-8-sig")
    except UnicodeDecodeError as exc:
        if data.startswith(codecs.BOM_UTF8):  # offsets count the file's bytes, BOM included
            exc.start += len(codecs.BOM_UTF8)
        raise SourceDecodeError(Path(path), what, "utf-8", exc, data) from None


def read_python(path: Path, what: str = "hook file") -> str:
    """The text of a Python file, decoded as Python decodes it (PEP 263)."""
    data = Path(path).read_bytes()
    lines = iter(data.splitlines(keepends=True)[:2])
    try:
        encoding, _ = tokenize.detect_encoding(lambda: next(lines, b""))
    except SyntaxError:  # an unknown encoding named, or a BOM contradicting it
        encoding = "utf-8"
    declared = encoding not in ("utf-8", "utf-8-sig")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise SourceDecodeError(Path(path), what, encoding, exc, data, declared) from None
