"""flask-dredd: contract testing for Flask APIs with Dredd.

Kept import-free on purpose: `python -m flask_dredd.handler` and `python -m
flask_dredd.recorder` import this package first, and the handler must start on a bare
Python without Flask installed. `install` imports the wiring (Flask, SQLAlchemy) only
when a hook file calls it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask_dredd.wiring import Wiring

__version__ = "0.1.0"


def install(*args: Any, **settings: Any) -> Wiring:
    """The hooks' wiring in one line: see `flask_dredd.wiring.install`."""
    from flask_dredd.wiring import install as install_wiring

    return install_wiring(*args, **settings)
