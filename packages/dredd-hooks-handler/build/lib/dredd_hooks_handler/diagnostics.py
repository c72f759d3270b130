"""Where the handler's diagnostics go: stderr, and the --log file once main() opens it.

Dredd shows a handler's stderr only at --loglevel=debug, hence the file. Writing must
never fail the handler: a closed pipe or file is ignored.
"""

from __future__ import annotations

import contextlib
import sys
from typing import Optional, TextIO

PREFIX = "dredd-hooks-handler"

#: Where diagnostics go besides stderr (--log); set once by main().
log_file: Optional[TextIO] = None


def emit(text: str) -> None:
    """Write diagnostics to stderr and the --log file; a closed pipe must not stop us."""
    for stream in (sys.stderr, log_file):
        if stream is not None:
            with contextlib.suppress(OSError, ValueError):
                stream.write(text)
                stream.flush()


def log(message: str) -> None:
    """One diagnostic line."""
    emit(f"{PREFIX}: {message}\n")


def log_traceback(exc: BaseException) -> None:
    """The full traceback, after the one-line message; only the failure path pays."""
    import traceback

    emit("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
