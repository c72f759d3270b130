"""Hooks that say where the project wrote them, not where the engine built them.

The hook registry records a hook's file and line from its code object, and `flask dredd
names`, `check` and every failure message show them. A hook the engine builds for a
project (a declaration, a fixture recipe, the database wiring) would otherwise point
into the engine; `at_call_site` gives it the file and line of the project's call.

Standard library only: the handler imports the declarations on a bare Python.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from types import FrameType, FunctionType
from typing import Any

_ENGINE = os.path.dirname(os.path.realpath(__file__)) + os.sep
_in_engine_cache: dict[str, bool] = {}


def project_frame() -> FrameType:
    """The innermost frame outside the engine: the project's line that called into it."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and _in_engine(frame.f_code.co_filename):
        frame = frame.f_back
    if frame is None:  # called from the engine alone (its own tests): the outermost frame
        return sys._getframe(1)
    return frame


def at_call_site(
    func: Callable[..., Any], name: str, *, line: int | None = None, frame: FrameType | None = None
) -> FunctionType:
    """A copy of `func` named `name`, whose code says it was written at the project's call.

    `frame` defaults to `project_frame()`; `line` to that frame's current line.
    """
    if not isinstance(func, FunctionType):
        raise TypeError(f"at_call_site needs a plain function, got {func!r}")
    frame = frame or project_frame()
    code = func.__code__.replace(
        co_filename=frame.f_code.co_filename,
        co_firstlineno=line or frame.f_lineno,
        co_name=name,
        co_qualname=name,
    )
    copy = FunctionType(code, func.__globals__, name, func.__defaults__, func.__closure__)
    copy.__kwdefaults__ = func.__kwdefaults__
    return copy


def _in_engine(filename: str) -> bool:
    found = _in_engine_cache.get(filename)
    if found is None:
        found = _in_engine_cache[filename] = os.path.realpath(filename).startswith(_ENGINE)
    return found
