"""The `fail` messages of hooks that raised: the hook, the exception, the hook file's line.

    before('Notes > Create') hook load_notes raised KeyError: 'missing' at hooks/notes.py:12
"""

from __future__ import annotations

import os
from types import TracebackType
from typing import Iterable, Optional, Tuple

from dredd_hooks_handler.hooks import Hook


def short_path(path: str) -> str:
    """`path` relative to the working directory when it is inside it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return path if relative.startswith("..") else relative


def describe_exception(exc: BaseException) -> str:
    """`KeyError: 'id'`: type and the first line of the message, capped for Dredd's report."""
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else ""
    if len(text) > 300 or len(lines) > 1:
        text = text[:300] + " …"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def raise_site(exc: BaseException, preferred: Iterable[str]) -> Tuple[str, int, str, int]:
    """Where `exc` was raised: (file, line) of the innermost traceback frame in a
    `preferred` file, ("", 0) if none is, then (file, line) of the innermost frame."""
    preferred = set(preferred)
    file, line, inner_file, inner_line = "", 0, "", 0
    tb: Optional[TracebackType] = exc.__traceback__
    while tb is not None:
        inner_file, inner_line = tb.tb_frame.f_code.co_filename, tb.tb_lineno
        if inner_file in preferred:
            file, line = inner_file, inner_line
        tb = tb.tb_next
    return file, line, inner_file, inner_line


def hook_site(hook: Hook) -> str:
    """`hooks/x.py:12 reset`: where a hook is defined, as the in-flight file names it."""
    return f"{short_path(hook.file)}:{hook.line} {hook.function_name}"


def hook_failure(hook: Hook, exc: BaseException, hook_files: Iterable[str]) -> str:
    """The `fail` message for a hook that raised: hook, exception, where in the hook file."""
    file, line, inner_file, inner_line = raise_site(exc, [hook.file])
    if not file:  # raised in a helper the hook file imported: the last hook file frame
        file, line, _, _ = raise_site(exc, hook_files)
    if not file:
        file, line = hook.file, hook.line
    where = f"{short_path(file)}:{line}"
    if inner_file and (inner_file, inner_line) != (file, line):
        where += f" (raised in {short_path(inner_file)}:{inner_line})"
    return f"{hook.describe()} raised {describe_exception(exc)} at {where}"
