"""Bench only: hooks registered through dredd-hooks-handler also reach a running stock
dredd-hooks-python 0.2.0 handler.

`bench/contract_bench.py` runs the reference hooks under the stock handler (the seed
design) by putting this folder on PYTHONPATH, so Python imports this module at start in
every process of that run. The stock handler only finds decorated functions that are
module attributes of a hook file, so hooks registered through engine helpers
(`flask_dredd.declarations`, fixture tables in `factories/`) would never run there:
this wraps the registry's `_register` to register them with the stock handler too.
Anywhere else (no stock handler running) it does nothing.
"""

from __future__ import annotations

import sys
from typing import Any


def mirror(kind: str, func: Any, name: str | None) -> None:
    """Register `func` with the stock handler's live hooks, when there is one."""
    from dredd_hooks_handler import hooks as ours

    stock = sys.modules.get("dredd_hooks.dredd")
    live = getattr(stock, "hooks", None)  # set by the stock handler's main() only
    if live is None or sys.modules.get("dredd_hooks") is ours:
        return
    target = getattr(live, f"_{kind}")
    if name is None:
        target.append(func)
    else:
        target.setdefault(name, []).append(func)


def install() -> None:
    """Wrap dredd_hooks_handler.hooks._register (the decorators look it up per call)."""
    try:
        from dredd_hooks_handler import hooks as ours
    except ImportError:  # not this project's venv: nothing to bridge
        return
    register = ours._register
    if getattr(register, "bridged", False):
        return

    def bridged(kind: str, func: Any, name: str | None = None) -> Any:
        result = register(kind, func, name)
        mirror(kind, func, name)
        return result

    bridged.bridged = True  # type: ignore[attr-defined]
    ours._register = bridged


install()
