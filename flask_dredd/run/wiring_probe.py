"""Adoption mistakes found in seconds, before a run touches any database.

The hooks' wiring (`flask_dredd.install()`) finds the app and its database in the
handler's ``before_all``, which runs only after the database is migrated and the server
is up. So the runner starts this probe beside its contract phase: a child process that
loads the hook files that call ``install()`` as the handler does and makes the
wiring's checks without connecting (`Wiring.check`): no app, ``db`` not found, an
unsupported ``db`` object, no migrations, an app on another database. One of those is
a setup error (exit 2) before anything is created. Anything else the probe meets (a
hook file that does not import, a slow app) is left to the run, which reports it as
before: the probe never blocks a run it cannot judge.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROBE_TIMEOUT = 30.0  # seconds; a slower import is left to the run itself
EXIT_ADOPTION_ERROR = 2


def start(hookfiles: list[str], root: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "flask_dredd.run.wiring_probe", *hookfiles],
        cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def finish(probe: subprocess.Popen[str]) -> str | None:
    """The adoption error the probe found, or None (none found, or it could not tell)."""
    try:
        _, stderr = probe.communicate(timeout=PROBE_TIMEOUT)
    except subprocess.TimeoutExpired:
        probe.kill()
        probe.communicate()
        return None
    if probe.returncode != EXIT_ADOPTION_ERROR:
        return None
    found = stderr.rpartition("setup error: ")[2].strip()
    return found or None


def main(patterns: list[str]) -> int:
    from dredd_hooks_handler import handler, hooks

    from flask_dredd import wiring
    from flask_dredd.isolation import IsolationError

    if str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))
    hooks.registry = hooks.Registry()
    # Only the files that call install(): the others (fixtures, factories) are not needed
    # to judge the wiring, and importing them is most of a probe's time.
    paths = [str(p) for p in handler.expand(patterns) if "install(" in _text(p)]
    try:
        handler.load_hook_files(paths)
    except BaseException:  # the handler reports a broken hook file itself, with its line
        return 0
    installed = wiring._installed
    if installed is None:
        return 0  # the project wires its hooks its own way
    try:
        installed.check()
    except IsolationError as exc:
        print(f"setup error: {exc}", file=sys.stderr)
        return EXIT_ADOPTION_ERROR
    except BaseException:
        return 0  # whatever else the app does at start, the run shows it in context
    return 0


def _text(path: object) -> str:
    try:
        return Path(str(path)).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
