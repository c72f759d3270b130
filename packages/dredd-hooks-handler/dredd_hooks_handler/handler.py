"""Dredd's hooks handler for Python.

    dredd-hooks-handler [--host H] [--port P] [--log FILE] [--hook-timeout S]
                        [--stall-timeout S] FILE_OR_GLOB...
    dredd-hooks-handler --check FILE_OR_GLOB...
    (also `python -m dredd_hooks_handler`, and `python -m flask_dredd.handler` in flask-dredd)

A drop-in for dredd-hooks-python 0.2.0 that runs on Python 3.8 to 3.13 with the
standard library only. It loads the hook files, listens on 127.0.0.1 at the port Dredd
connects to (see `settings` for where each setting is read), prints `Starting`, and
answers Dredd's newline-delimited JSON messages `{"event", "uuid", "data"}` with the
same message, `data` as the hooks left it.

Faults stay local (see `dispatch`); a slow hook fails the transactions whose messages
it holds past Dredd's limit, and a hook past the stall limit ends the run (see
`timing`). Dredd shows the handler's stderr only at --loglevel=debug, so diagnostics
also go to --log FILE.

Exit statuses: 0 stopped (SIGTERM, SIGINT, the process that started it is gone, or
Dredd disconnected after an abort); 2 bad arguments; 3 a hook file failed to load
(before `Starting`); 4 cannot listen.

All hooks run in the main thread, one after another, in one contextvars context: an
app context pushed in `before_all` stays current for every later hook.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import textwrap
from typing import Iterable, List, Optional, Tuple

from dredd_hooks_handler import diagnostics, dredd_options, hooks
from dredd_hooks_handler.diagnostics import emit, log, log_traceback
from dredd_hooks_handler.dispatch import CLEANUP_EVENTS, EVENT_KINDS, AbortObserver, Dispatcher
from dredd_hooks_handler.failures import describe_exception, hook_failure, raise_site, short_path
from dredd_hooks_handler.hooks import Registry
from dredd_hooks_handler.inflight import INFLIGHT_ENV, InflightFile
from dredd_hooks_handler.lifeline import arm_parent_death_signal
from dredd_hooks_handler.loading import (
    HookFileError,
    Stop,
    expand,
    load_failure,
    load_hook_file,
    load_hook_files,
    module_name,
)
from dredd_hooks_handler.server import (
    EXIT_LISTEN,
    PORT_ENV,
    Connection,
    Server,
    flush_output,
    listen,
    quickack,
)
from dredd_hooks_handler.settings import (
    DEFAULT_PORT,
    LOG,
    PORT,
    SETTINGS,
    STALL,
    TIMEOUT,
    Setting,
    default_stall,
    from_environment,
    limit_under,
    seconds_from,
)
from dredd_hooks_handler.timing import ABORT_ENV, TIMEOUT_ENV, HookClock

# The names flask_dredd.handler and hook-file tooling have always found here.
__all__ = [
    "ABORT_ENV", "CLEANUP_EVENTS", "Connection", "DEFAULT_HOST", "DEFAULT_PORT", "Dispatcher",
    "EVENT_KINDS", "EXIT_HOOK_FILE", "EXIT_LISTEN", "EXIT_USAGE", "HookFileError",
    "INFLIGHT_ENV", "LOG_ENV", "PORT_ENV", "Stop", "TIMEOUT_ENV", "Terminated",
    "describe_exception",
    "emit", "expand", "flush_output", "hook_failure", "listen", "load_failure",
    "load_hook_file", "load_hook_files", "log", "log_traceback", "main", "module_name",
    "quickack", "raise_site", "short_path",
]  # fmt: skip

Terminated = Stop  # its name before the handler became a distribution of its own
PROG = "dredd-hooks-handler"
DEFAULT_HOST = "127.0.0.1"
LOG_ENV = LOG.alias  # the name flask-dredd has always set
EXIT_USAGE, EXIT_HOOK_FILE = 2, 3
EPILOG = (
    textwrap.fill(
        "Each setting is read from its option, else its DREDD_HOOKS_HANDLER_* variable, else "
        "its FLASK_DREDD_* alias (what flask-dredd sets), else (the port and the hook limit) "
        "from what Dredd was told: its --hooks-worker-handler-port and --hooks-worker-timeout "
        "arguments, else those keys in its config file (--config, else ./dredd.yml).",
        width=78,
    )
    + "\n\n"
    + "\n".join(f"  {s.option:<16} ${s.name} (alias ${s.alias})" for s in SETTINGS)
)


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    """dredd-hooks-python's arguments, plus --log, the limits and --check (`settings`)."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Dredd hooks handler for Python (a drop-in for dredd-hooks-python).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("files", nargs="*", metavar="FILE_OR_GLOB", help="hook files to load")
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to listen on")
    parser.add_argument("--port", help=PORT.help)
    parser.add_argument("--log", metavar="FILE", help=LOG.help)
    parser.add_argument("--hook-timeout", metavar="SECONDS", help=TIMEOUT.help)
    parser.add_argument("--stall-timeout", metavar="SECONDS", help=STALL.help)
    parser.add_argument(
        "--check", action="store_true", help="load the hook files, list their hooks, exit"
    )
    args = parser.parse_args(argv)
    try:
        resolve(args)
    except ValueError as exc:
        parser.error(str(exc))
    return args


def resolve(args: argparse.Namespace) -> None:
    """Fill in the port, the limits and the log from `settings`' sources, in order;
    ValueError naming the source of a bad value. `args.found` says what came from Dredd."""
    args.found = []
    dredd = None if args.check else dredd_options.find_dredd()

    def given(setting: Setting, option: Optional[str]) -> Tuple[str, str]:
        return (option, setting.option) if option is not None else from_environment(setting)

    raw, source = given(PORT, args.port)
    if not raw:
        number, source = dredd_options.dredd_number(dredd_options.PORT_KEY, dredd)
        raw = "" if number is None else f"{number:g}"
        if raw:
            args.found.append(f"port {raw} ({source})")
    if raw and not raw.isdigit():
        raise ValueError(f"{raw!r} ({source}) is not a port number")
    args.port = int(raw) if raw else DEFAULT_PORT
    if not 0 <= args.port <= 65535:
        raise ValueError(f"port {args.port} is out of range 0-65535")
    raw, source = given(TIMEOUT, args.hook_timeout)
    if raw:
        args.limit = seconds_from(raw, TIMEOUT, source)
    else:
        number, source = dredd_options.dredd_number(dredd_options.TIMEOUT_KEY, dredd)
        args.limit = limit_under(number) if number else 0.0
        if number:
            args.found.append(f"hook limit {args.limit:g} s ({source}: {number:g} ms)")
    raw, source = given(STALL, args.stall_timeout)
    args.stall = seconds_from(raw, STALL, source) if raw else default_stall(args.limit)
    args.log = args.log or from_environment(LOG)[0] or None


def list_hooks(registry: Registry) -> None:
    """--check: one line per registered hook, where it is defined and what it is bound to."""
    for hook in registry:
        print(f"{short_path(hook.file)}:{hook.line}: {hook.describe()}")
    print(f"{len(registry)} hooks, {len(registry.names())} transaction names")


def on_signal(signum: int, _frame: object) -> None:
    """SIGTERM/SIGINT: unwind wherever we are, close the sockets, exit 0."""
    # Dredd repeats SIGTERM until we are gone: a second one must not interrupt the exit.
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop_signal, signal.SIG_IGN)
    raise Stop(signal.Signals(signum).name)


def signal_wakeup() -> Optional[int]:
    """A pipe the C-level signal handler writes to even while the main thread is stuck
    in a hook: after an abort, the watchdog thread watches its read end to stop."""
    try:
        read_end, write_end = os.pipe()
        os.set_blocking(write_end, False)
        signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    except (OSError, ValueError, AttributeError):  # not the main thread, or no pipes
        return None
    return read_end


def main(argv: Optional[List[str]] = None, observers: Iterable[AbortObserver] = ()) -> int:
    """Load the hook files, listen, print `Starting`, serve until told to stop.

    `observers` are told of what is answered after an abort (the recorder's records).
    """
    args = parse_args(argv)
    if args.log:
        try:
            diagnostics.log_file = open(args.log, "a", encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            log(f"cannot write the log file: {exc}")
            return EXIT_USAGE
    lifeline = arm_parent_death_signal()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        try:
            paths = load_hook_files(args.files)
        except HookFileError as exc:
            log(str(exc))
            if exc.__cause__ is not None:
                log_traceback(exc.__cause__)
            return EXIT_HOOK_FILE
        if args.check:
            list_hooks(hooks.registry)
            return 0
        try:
            inflight = InflightFile.from_environment()
        except OSError as exc:
            log(f"cannot write the in-flight file (${INFLIGHT_ENV}): {exc}")
            return EXIT_USAGE
        sock = listen(args.host, args.port)
        clock = HookClock(args.limit, lifeline, args.stall)
        dispatcher = Dispatcher(hooks.registry, paths, clock, inflight, observers)
        server = Server(sock, dispatcher, lifeline, signal_wakeup())
        clock.start(lambda overrun: server.serve_late(overrun, clock), server.take_over)
        for found in args.found:
            log(f"from Dredd's options: {found}")
        print(f"Starting dredd-hooks-handler on {args.host}:{args.port}", flush=True)
        with sock:
            server.serve()
    except Stop as stop:
        log(f"stopped by {stop}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
