"""Adoption mistakes found in seconds, before a run touches any database.

The hooks' wiring (`flask_dredd.install()`) finds the app and its database in the
handler's ``before_all``, which runs only after the database is migrated and the server
is up. So the runner starts this probe beside its contract phase: a child process that
loads the hook files that call ``install()`` as the handler does and makes the
wiring's checks without connecting (`Wiring.check`): no app, ``db`` not found, an
unsupported ``db`` object, no migrations, an app on another database. It loads every
hook file first, as the handler will: one that does not decode or does not import (a
SyntaxError, an ImportError, any exception at its top level) is named by its file:line.
Each of those is a setup error (exit 2) before anything is created. Anything else the
probe meets (an app that fails in its own way, a slow one: over ``PROBE_TIMEOUT``) is
left to the run, which reports it in context: the probe never blocks a run it cannot
judge.
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
    from flask_dredd.sources import SourceDecodeError, read_python

    if str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))
    hooks.registry = hooks.Registry()
    paths: list[Path] = []
    try:
        paths = handler.expand(patterns)
        for path in paths:
            read_python(path)  # one that does not decode: its byte offset
        # Every hook file, in the handler's order: one that does not import would stop
        # the handler after the migration and the server's start (the files that do not
        # call install() cost the probe 0.2 s of CPU; it runs beside the compile).
        handler.load_hook_files([str(p) for p in paths])
    except SourceDecodeError as exc:
        return _setup_error(str(exc))
    except handler.HookFileError as exc:
        return _setup_error(hook_file_failure(exc, paths))
    except BaseException:
        return 0  # whatever else happens at load, the run shows it in context
    installed = wiring._installed
    if installed is None:
        return 0  # the project wires its hooks its own way
    try:
        installed.check()
    except IsolationError as exc:
        return _setup_error(str(exc))
    except BaseException:
        return 0  # whatever else the app does at start, the run shows it in context
    return 0


def hook_file_failure(exc: BaseException, paths: list[Path]) -> str:
    """`hooks/x.py:3: SyntaxError: …; …`: the hook file's line that failed, in one line."""
    from dredd_hooks_handler.failures import describe_exception, raise_site, short_path

    cause = exc.__cause__
    if cause is None:  # no hook file matched a pattern, or a pattern named a folder
        return f"{exc}; fix the hookfiles of dredd.yml, then run again"
    names = [str(p) for p in paths]
    if isinstance(cause, SyntaxError) and cause.filename in names:
        file, line = cause.filename, cause.lineno or 0
    else:
        file, line, inner_file, inner_line = raise_site(cause, names)
        file, line = (file, line) if file else (inner_file, inner_line)
    missing = isinstance(cause, ModuleNotFoundError)
    hint = f" (is it installed for {sys.executable}?)" if missing else ""
    where = f"{short_path(file)}:{line}" if file else "a hook file"
    return (
        f"{where}: {describe_exception(cause)}{hint}; the hooks handler cannot load this "
        "hook file, so no transaction could run. Fix it, then run again."
    ).replace("\n", " ")


def _setup_error(message: str) -> int:
    print(f"setup error: {message}", file=sys.stderr)
    return EXIT_ADOPTION_ERROR


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
