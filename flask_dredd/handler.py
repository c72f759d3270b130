"""Dredd's hooks handler for Python.

    python -m flask_dredd.handler [--host H] [--port P] [--log FILE] FILE_OR_GLOB...
    python -m flask_dredd.handler --check FILE_OR_GLOB...

A drop-in for dredd-hooks-python 0.2.0 that runs on Python 3.11+ with the standard
library only. It loads the hook files, listens on 127.0.0.1:61321 (or --port, or
$FLASK_DREDD_HOOKS_PORT), prints `Starting`, and answers Dredd's newline-delimited JSON
messages `{"event", "uuid", "data"}` with the same message, `data` as the hooks left it.

Faults stay local. A hook that raises fails its transaction (`fail` names the hook,
the exception and the hook file's line) and the next transaction runs normally; a
failing `before_all` fails every transaction at once; a malformed message is reported
and skipped. Dredd shows the handler's stderr only at --loglevel=debug, so diagnostics
also go to --log FILE ($FLASK_DREDD_HANDLER_LOG) when given.

Exit statuses: 0 stopped (SIGTERM, SIGINT, or the process that started it is gone);
2 bad arguments; 3 a hook file failed to load (before `Starting`); 4 cannot listen.

All hooks run in the main thread, one after another, in one contextvars context: an
app context pushed in `before_all` stays current for every later hook.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import glob
import importlib.machinery
import importlib.util
import json
import os
import selectors
import signal
import socket
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any, TextIO

from flask_dredd import hooks
from flask_dredd.hooks import Hook, Registry

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 61321
PORT_ENV, LOG_ENV = "FLASK_DREDD_HOOKS_PORT", "FLASK_DREDD_HANDLER_LOG"
EXIT_USAGE, EXIT_HOOK_FILE, EXIT_LISTEN = 2, 3, 4

#: Dredd 14.1.0's events and the hook kinds each runs, in order (named kinds by `name`).
EVENT_KINDS: dict[str, tuple[str, ...]] = {
    "beforeAll": ("before_all",),
    "beforeEach": ("before_each", "before"),
    "beforeEachValidation": ("before_each_validation", "before_validation"),
    "afterEach": ("after", "after_each"),
    "afterAll": ("after_all",),
}
#: Events whose remaining hooks still run after one fails: they clean up.
CLEANUP_EVENTS = frozenset({"afterEach", "afterAll"})
RECV_SIZE = 1 << 18  # a whole afterEach message (~30 KB) in one recv, with room to spare
PORT_GRACE = 1.0  # seconds to wait for a port to be released before calling it taken

#: Where diagnostics go besides stderr (--log); set once by main().
log_file: TextIO | None = None


def emit(text: str) -> None:
    """Write diagnostics to stderr and the --log file; a closed pipe must not stop us."""
    for stream in (sys.stderr, log_file):
        if stream is not None:
            with contextlib.suppress(OSError, ValueError):
                stream.write(text)
                stream.flush()


def log(message: str) -> None:
    """One diagnostic line."""
    emit(f"flask_dredd.handler: {message}\n")


def log_traceback(exc: BaseException) -> None:
    """The full traceback, after the one-line message; only the failure path pays."""
    import traceback

    emit("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))


class Terminated(BaseException):
    """SIGTERM or SIGINT arrived: unwinds out of select() or a running hook."""


# ---------------------------------------------------------------- failure messages


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


def raise_site(exc: BaseException, preferred: Iterable[str]) -> tuple[str, int, str, int]:
    """Where `exc` was raised: (file, line) of the innermost traceback frame in a
    `preferred` file, ("", 0) if none is, then (file, line) of the innermost frame."""
    preferred = set(preferred)
    file, line, inner_file, inner_line = "", 0, "", 0
    tb: TracebackType | None = exc.__traceback__
    while tb is not None:
        inner_file, inner_line = tb.tb_frame.f_code.co_filename, tb.tb_lineno
        if inner_file in preferred:
            file, line = inner_file, inner_line
        tb = tb.tb_next
    return file, line, inner_file, inner_line


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


# ---------------------------------------------------------------- hook files


class HookFileError(Exception):
    """A hook file pattern matched nothing, or a hook file raised while loading."""


def expand(patterns: Iterable[str]) -> list[Path]:
    """Hook file paths: each pattern's matches sorted by path, in pattern order, once each.

    Dredd 14.1.0 itself passes `hookfiles` resolved and sorted by basename, one argument
    per file; keeping the argument order keeps its order, as dredd-hooks-python does.
    """
    paths: dict[Path, None] = {}
    for pattern in patterns:
        if glob.has_magic(pattern):
            matches = sorted(glob.glob(pattern, recursive=True))
        else:
            matches = [pattern] if os.path.exists(pattern) else []
        if not matches:
            raise HookFileError(f"no hook file matches {pattern!r} (in {os.getcwd()})")
        for match in matches:
            path = Path(match).resolve()
            if path.is_dir():
                raise HookFileError(f"{match} is a folder; pass its files, e.g. '{match}/*.py'")
            paths.setdefault(path, None)
    return list(paths)


def module_name(path: Path, index: int) -> str:
    """The name to load a hook file under.

    Its stem when `import <stem>` would find this very file (its folder is on sys.path),
    so another hook file's `from setup import app` gets the loaded module rather than a
    second copy with its own globals; otherwise a unique name.
    """
    stem = path.stem
    if stem.isidentifier() and stem not in sys.modules and stem not in sys.stdlib_module_names:
        spec = importlib.machinery.PathFinder.find_spec(stem)
        if spec is not None and spec.origin and Path(spec.origin).resolve() == path:
            return stem
    safe = "".join(c if c.isalnum() else "_" for c in stem)
    return f"_dredd_hookfile_{index}_{safe}"


def load_hook_file(path: Path, index: int) -> ModuleType:
    """Execute one hook file as a module; its decorators fill `hooks.registry`."""
    for folder in (str(path.parent), os.getcwd()):
        if folder not in sys.path:
            sys.path.append(folder)
    name = module_name(path, index)
    # SourceFileLoader, not spec_from_file_location: any file name works, as in 0.2.0.
    loader = importlib.machinery.SourceFileLoader(name, str(path))
    spec = importlib.util.spec_from_loader(name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        loader.exec_module(module)
    except BaseException as exc:
        sys.modules.pop(name, None)
        if isinstance(exc, (KeyboardInterrupt, Terminated)):
            raise
        raise HookFileError(load_failure(path, exc)) from exc
    return module


def load_failure(path: Path, exc: BaseException) -> str:
    """`cannot load hook file hooks/x.py, line 3: NameError: …`, hinting at installs."""
    line = 0
    if isinstance(exc, SyntaxError) and exc.filename and Path(exc.filename).resolve() == path:
        line = exc.lineno or 0
    if not line:
        _, line, _, _ = raise_site(exc, [str(path)])
    message = f"cannot load hook file {short_path(str(path))}, line {line}: "
    message += describe_exception(exc)
    if isinstance(exc, ModuleNotFoundError):
        message += f" (is it installed for {sys.executable}?)"
    return message


def load_hook_files(patterns: Iterable[str]) -> list[Path]:
    """Alias `dredd_hooks` to our hooks module, then load every hook file in order."""
    # Even over an installed dredd_hooks 0.2.0: its decorators would register nowhere.
    sys.modules["dredd_hooks"] = hooks
    paths = expand(patterns)
    for index, path in enumerate(paths):
        load_hook_file(path, index)
    return paths


# ---------------------------------------------------------------- running hooks


class Dispatcher:
    """Runs the hooks an event calls for, turning exceptions into failed transactions."""

    def __init__(self, registry: Registry, hook_files: Iterable[Path] = ()) -> None:
        self.registry = registry
        self.hook_files = {str(path) for path in hook_files}
        #: Set when a before_all hook raised: no transaction can run meaningfully.
        self.setup_failure: str | None = None
        self._our_failures: set[str] = set()

    def hooks_for(self, event: str, data: Any) -> list[Hook]:
        """The hooks `event` runs for `data`, in order."""
        name = data.get("name") if isinstance(data, dict) else None
        found: list[Hook] = []
        for kind in EVENT_KINDS[event]:
            if kind in hooks.NAMED_KINDS:
                if isinstance(name, str):
                    found += self.registry.named(kind, name)
            else:
                found += self.registry.unnamed(kind)
        return found

    def run(self, event: str, data: Any) -> bool:
        """Run `event`'s hooks on `data` in place; False when `data` is surely unchanged."""
        if self.setup_failure is not None and event not in ("beforeAll", "afterAll"):
            # Each-hooks would only fail again, without the setup they rely on.
            return isinstance(data, dict) and self._fail(data, self.setup_failure)
        found = self.hooks_for(event, data)
        for hook in found:
            try:
                hook.func(data)
            except (Exception, SystemExit) as exc:
                message = hook_failure(hook, exc, self.hook_files)
                log(message)
                log_traceback(exc)
                self._record_failure(event, data, message)
                if event not in CLEANUP_EVENTS:
                    break
        surfaced = event == "afterEach" and isinstance(data, dict) and self._surface_failure(data)
        return bool(found) or surfaced

    def _record_failure(self, event: str, data: Any, message: str) -> None:
        self._our_failures.add(message)
        if event == "beforeAll":
            self.setup_failure = f"{message}; no transaction can run"
            self._our_failures.add(self.setup_failure)
            for transaction in data if isinstance(data, list) else []:
                if isinstance(transaction, dict):
                    self._fail(transaction, self.setup_failure)
        elif event == "afterAll":
            # Dredd has reported every result. Failing the run now (exiting, or not
            # answering) would make it skip its summary and its reporters' files.
            log("an after_all hook failed after all results were reported: see above")
        elif isinstance(data, dict):
            self._fail(data, message)

    @staticmethod
    def _fail(transaction: dict[str, Any], message: str) -> bool:
        """Set `fail`, keeping a reason a hook set before; True when it changed."""
        current = transaction.get("fail")
        if isinstance(current, str) and message in current:
            return False
        both = isinstance(current, str) and current
        transaction["fail"] = f"{current}; {message}" if both else message
        return True

    def _surface_failure(self, transaction: dict[str, Any]) -> bool:
        """Put our `fail` message into a test Dredd already failed on validation.

        Dredd reports `fail` only for a transaction that passed validation ("Failed in
        after hook: …"); for one that also failed validation it prints the validation
        errors alone, and a hook's failure would go unseen.
        """
        fail, test = transaction.get("fail"), transaction.get("test")
        if not isinstance(fail, str) or fail not in self._our_failures:
            return False
        if not isinstance(test, dict) or test.get("valid") is not False:
            return False
        shown = test.get("message") or ""
        if not isinstance(shown, str) or fail in shown:
            return False
        test["message"] = f"{shown.rstrip()}\n{fail}".lstrip()
        return True


# ---------------------------------------------------------------- the TCP server


def quickack(conn: socket.socket) -> None:
    """Re-arm TCP_QUICKACK, which Linux drops after a few ACKs.

    Dredd writes a message's JSON and its newline apart; with Nagle on its side, the
    newline waits for our ACK of the JSON, which delayed ACK would hold for 40 ms.
    """
    if hasattr(socket, "TCP_QUICKACK"):
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)


class Connection:
    """One client: splits its byte stream into lines and answers each message."""

    def __init__(self, conn: socket.socket, dispatcher: Dispatcher) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # replies leave at once
        quickack(conn)
        self.sock = conn
        self.dispatcher = dispatcher
        self._parts: list[bytes] = []  # received bytes with no newline yet

    def on_readable(self) -> bool:
        """Read what arrived, answer every complete message; False once the peer left."""
        quickack(self.sock)
        try:
            chunk = self.sock.recv(RECV_SIZE)
        except OSError:  # reset by the peer
            return False
        quickack(self.sock)
        if not chunk:
            return False
        if b"\n" not in chunk:  # only new bytes need searching: earlier parts have none
            self._parts.append(chunk)
            return True
        if self._parts:
            self._parts.append(chunk)
            chunk = b"".join(self._parts)
        *lines, rest = chunk.split(b"\n")
        self._parts = [rest] if rest else []
        for line in lines:
            reply = self.answer(line) if line.strip() else None
            if reply is not None:
                try:
                    self.sock.sendall(reply)  # one call: one segment on loopback
                except OSError:
                    return False
        return True

    def answer(self, line: bytes) -> bytes | None:
        """The reply to one message line, newline included, or None for no reply."""
        try:
            # Decoding first: json.loads(bytes) takes a slower, surrogate-tolerant path.
            message = json.loads(line.decode())
        except ValueError as exc:  # UnicodeDecodeError included
            log(f"ignored a message that is not JSON ({exc}): {line[:200]!r}")
            return None
        if not isinstance(message, dict) or "uuid" not in message:
            log(f"ignored a message without a uuid: {line[:200]!r}")
            return None
        event = message.get("event")
        if event not in EVENT_KINDS or "data" not in message:
            # Echo it: Dredd, waiting on this uuid, carries on instead of timing out.
            log(f"unknown event {event!r} or no data, echoed unchanged: {line[:200]!r}")
            return line + b"\n"
        changed = self.dispatcher.run(event, message["data"])
        flush_output()
        if not changed:
            return line + b"\n"  # byte for byte what Dredd sent: nothing to encode
        try:
            text = json.dumps(message, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError) as exc:
            return self.unencodable(line, exc)
        return text.encode() + b"\n"

    @staticmethod
    def unencodable(line: bytes, exc: Exception) -> bytes:
        """A hook left a non-JSON value in the data: answer with Dredd's data, failed."""
        reason = f"a hook left a value that is not JSON in the transaction ({exc})"
        log(reason)
        message = json.loads(line)
        if isinstance(message["data"], dict):
            Dispatcher._fail(message["data"], reason)
        return json.dumps(message, ensure_ascii=False).encode() + b"\n"


def flush_output() -> None:
    """Hooks print; Dredd shows (and the conformance suite reads) only what is flushed."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # closed or broken pipe
            stream.flush()


def listen(host: str, port: int, grace: float = PORT_GRACE) -> socket.socket:
    """The listening socket; SystemExit(4) with a clear message when the port is taken.

    A port still held for `grace` seconds counts as taken; until then we retry, as the
    holder may be a handler just killed (Dredd's previous run, a test's last scenario).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    give_up = time.monotonic() + grace
    while True:
        try:
            return socket.create_server((host, port), family=family, backlog=16)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE and time.monotonic() < give_up:
                time.sleep(0.05)
                continue
            if exc.errno == errno.EADDRINUSE:
                log(
                    f"port {port} on {host} is already in use (another hooks handler still "
                    f"running?). Choose another with --port N or {PORT_ENV}=N and give "
                    f"Dredd the same N with --hooks-worker-handler-port N; `flask dredd "
                    f"run` picks a free port itself."
                )
            else:
                log(f"cannot listen on {host}:{port}: {exc}")
            raise SystemExit(EXIT_LISTEN) from None


def serve(server: socket.socket, dispatcher: Dispatcher) -> None:
    """Answer clients until a signal, or until the process that started us is gone."""
    parent = os.getppid()
    selector = selectors.DefaultSelector()
    selector.register(server, selectors.EVENT_READ, None)
    try:
        while True:
            for key, _ in selector.select(timeout=1.0):
                if key.data is None:
                    conn, _ = server.accept()
                    selector.register(conn, selectors.EVENT_READ, Connection(conn, dispatcher))
                elif not key.data.on_readable():
                    selector.unregister(key.fileobj)
                    key.fileobj.close()
            if os.getppid() != parent:  # Dredd was killed: don't linger holding the port
                log("the process that started the handler is gone; stopping")
                return
    finally:
        for key in list(selector.get_map().values()):
            key.fileobj.close()
        selector.close()


# ---------------------------------------------------------------- command line


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """dredd-hooks-python's arguments, plus --log and --check; port from the env too."""
    parser = argparse.ArgumentParser(
        prog="python -m flask_dredd.handler",
        description="Dredd hooks handler for Python (a drop-in for dredd-hooks-python).",
    )
    parser.add_argument("files", nargs="*", metavar="FILE_OR_GLOB", help="hook files to load")
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to listen on")
    parser.add_argument("--port", type=int, help=f"default: ${PORT_ENV}, else {DEFAULT_PORT}")
    parser.add_argument("--log", default=os.environ.get(LOG_ENV), help=f"default: ${LOG_ENV}")
    parser.add_argument(
        "--check", action="store_true", help="load the hook files, list their hooks, exit"
    )
    args = parser.parse_args(argv)
    if args.port is None:
        raw = os.environ.get(PORT_ENV, "")
        if raw and not raw.isdigit():
            parser.error(f"{PORT_ENV}={raw!r} is not a port number")
        args.port = int(raw) if raw else DEFAULT_PORT
    if not 0 <= args.port <= 65535:
        parser.error(f"port {args.port} is out of range 0-65535")
    return args


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
    raise Terminated(signal.Signals(signum).name)


def main(argv: list[str] | None = None) -> int:
    """Load the hook files, listen, print `Starting`, serve until told to stop."""
    global log_file
    args = parse_args(argv)
    if args.log:
        try:
            log_file = open(args.log, "a", encoding="utf-8")  # noqa: SIM115 (lives as we do)
        except OSError as exc:
            log(f"cannot write the log file: {exc}")
            return EXIT_USAGE
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
        server = listen(args.host, args.port)
        print(f"Starting flask-dredd hooks handler on {args.host}:{args.port}", flush=True)
        with server:
            serve(server, Dispatcher(hooks.registry, paths))
    except Terminated as stop:
        log(f"stopped by {stop}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
