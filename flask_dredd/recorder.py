"""`python -m flask_dredd.recorder`: dredd-hooks-handler's recorder, with skip reasons.

`flask dredd run` starts Dredd's hooks handler through this module: the handler keeping
one JSON record per transaction in $FLASK_DREDD_RECORD (`dredd_hooks_handler.recorder`
describes the record). flask-dredd adds what only it knows: `skip_reason`, the reason
of a `skip(...)` declared for the transaction (`flask_dredd.declarations`), and
`findings`, what its checks found (`flask_dredd.checks.finding`).

With ``FLASK_DREDD_CAPTURE`` set it also keeps each real response
(`flask_dredd.capture`), for `flask dredd record`.

Standard library only, like the handler: it runs in the handler's process.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from dredd_hooks_handler import hooks
from dredd_hooks_handler.recorder import RECORD_ENV, Recorder
from dredd_hooks_handler.recorder import main as run_recorder

from flask_dredd.capture import CAPTURE_ENV, Capture
from flask_dredd.checks.finding import record_fields

__all__ = ["RECORD_ENV", "Recorder", "main", "skip_reason"]


def skip_reason(name: str) -> str | None:
    """The reason of the skip declared for `name`, if one was."""
    from flask_dredd.declarations import declaration_of

    for hook in hooks.registry.named("before", name):
        declaration = declaration_of(hook)
        if declaration is not None and declaration.kind == "skip":
            return declaration.reason
    return None


def main(argv: list[str] | None = None) -> int:
    """The recording handler, with flask-dredd's skip reasons and findings (and captures
    for `record`)."""
    capture = os.environ.get(CAPTURE_ENV)
    if capture:  # `flask dredd record` keeps each real response
        Capture(Path(capture)).install()
    return run_recorder(argv, skip_reason=skip_reason, fields=record_fields)


if __name__ == "__main__":
    sys.exit(main())
