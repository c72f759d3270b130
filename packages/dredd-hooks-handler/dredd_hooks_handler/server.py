"""The TCP side of Dredd's hooks protocol: newline-delimited JSON, one client at a time.

Dredd sends `{"event", "uuid", "data"}` and waits for the same message back, `data` as
the hooks left it. A malformed message is reported and skipped; a message with a uuid
but no known event is echoed, so Dredd carries on instead of timing out.

`Server.serve` runs in the main thread. While a hook overruns the hook limit,
`Server.serve_late` runs in the watchdog thread: it answers the message Dredd waits on
(failed, naming the hook), reads the next ones and leaves them for the main thread,
answering one only when its own limit runs out; it returns when the hook does. After a
hook passed the stall limit, `Server.take_over` serves for good in the watchdog thread:
the message Dredd waits on fails naming the hook, every later one is answered without
hooks, and the process ends once Dredd disconnects or a signal arrives, while the main
thread may still be stuck in the hook.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import selectors
import signal
import socket
import sys
import time
from collections import deque
from typing import Deque, Dict, Optional, Tuple, cast

from dredd_hooks_handler.diagnostics import log
from dredd_hooks_handler.dispatch import EVENT_KINDS, Dispatcher
from dredd_hooks_handler.lifeline import Lifeline
from dredd_hooks_handler.settings import PORT
from dredd_hooks_handler.timing import Abort, HookClock, Overrun

PORT_ENV = PORT.alias  # the name flask-dredd has always set
EXIT_LISTEN = 4
RECV_SIZE = 1 << 18  # a whole afterEach message (~30 KB) in one recv, with room to spare
PORT_GRACE = 1.0  # seconds to wait for a port to be released before calling it taken
WAKEUP = object()  # the selector's mark for the signal wakeup pipe


def quickack(conn: socket.socket) -> None:
    """Re-arm TCP_QUICKACK, which Linux drops after a few ACKs.

    Dredd writes a message's JSON and its newline apart; with Nagle on its side, the
    newline waits for our ACK of the JSON, which delayed ACK would hold for 40 ms.
    """
    if hasattr(socket, "TCP_QUICKACK"):
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)


def flush_output() -> None:
    """Hooks print; Dredd shows (and the conformance suite reads) only what is flushed."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # closed or broken pipe
            stream.flush()


def stop_signal_in(received: bytes) -> bool:
    """Whether the signal wakeup pipe's bytes (signal numbers) hold SIGTERM or SIGINT: a
    hook's own signals (an alarm it set) must not end the handler."""
    return any(number in (signal.SIGTERM, signal.SIGINT) for number in received)


class Connection:
    """One client: splits its byte stream into lines and answers each message."""

    def __init__(self, conn: socket.socket, dispatcher: Dispatcher) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # replies leave at once
        quickack(conn)
        self.sock = conn
        self.dispatcher = dispatcher
        self._parts: list = []  # received bytes with no newline yet
        #: Complete lines not answered yet, each with when it arrived (time.monotonic()).
        self.pending: Deque[Tuple[bytes, float]] = deque()
        self.current: Optional[bytes] = None  # the line being answered

    def on_readable(self) -> bool:
        """Read what arrived, answer every complete message; False once the peer left."""
        return self.receive() and self.answer_pending()

    def receive(self) -> bool:
        """Read what arrived into `pending`; False once the peer left."""
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
        arrived = time.monotonic()
        self.pending.extend([(line, arrived) for line in lines if line.strip()])
        return True

    def answer_pending(self) -> bool:
        """Answer the complete lines received; False once the peer is gone."""
        pending = self.pending
        while pending:
            line, arrived = pending.popleft()
            self.current = line
            reply = self.answer(line, arrived)
            if reply is not None and not self.send(reply):
                return False
        return True

    def send(self, reply: bytes) -> bool:
        """Send one reply; False when the peer is gone."""
        try:
            self.sock.sendall(reply)  # one call: one segment on loopback
        except OSError:
            return False
        return True

    def answer(self, line: bytes, arrived: float = 0.0) -> Optional[bytes]:
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
        changed = self.dispatcher.run(event, message["data"], arrived)
        flush_output()
        if changed is None:
            return None  # the watchdog answered it while a hook overran
        if not changed:
            return line + b"\n"  # byte for byte what Dredd sent: nothing to encode
        return self.encode(message, line)

    def answer_without_hooks(self, line: bytes, failure: Optional[str]) -> Optional[bytes]:
        """In the watchdog thread: the reply to a message whose hooks cannot run now,
        from Dredd's data (the hook may still be changing its copy), failed with
        `failure`, or, with None, as the aborted run answers; None for no reply."""
        try:
            message = json.loads(line.decode())
            event, data = message["event"], message["data"]
        except (ValueError, KeyError, TypeError):  # not a message hooks could have run for
            return self.answer(line)
        if event not in EVENT_KINDS:
            return self.answer(line)  # echoed, or reported and skipped
        if failure is None:
            self.dispatcher.answer_hung(event, data)
        else:
            self.dispatcher.answer_overrun(event, data, failure)
        flush_output()
        return self.encode(message, line)

    def encode(self, message: Dict[str, object], line: bytes) -> bytes:
        """`message` as a reply line; Dredd's data, failed, if a hook left a non-JSON value."""
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
                    f"running?). Choose another with --port N or {PORT.name}=N and give "
                    f"Dredd the same N with --hooks-worker-handler-port N; `flask dredd "
                    f"run` picks a free port itself."
                )
            else:
                log(f"cannot listen on {host}:{port}: {exc}")
            raise SystemExit(EXIT_LISTEN) from None


class Server:
    """The listening socket, its clients, and the loop that answers them."""

    def __init__(
        self,
        sock: socket.socket,
        dispatcher: Dispatcher,
        lifeline: Lifeline,
        wakeup: Optional[int] = None,
    ) -> None:
        self.sock = sock
        self.dispatcher = dispatcher
        self.lifeline = lifeline
        self.wakeup = wakeup  # the signal wakeup pipe's read end: a signal while a hook runs
        self.selector = selectors.DefaultSelector()
        self.selector.register(sock, selectors.EVENT_READ, None)
        self.active: Optional[Connection] = None  # the client whose message is answered

    def serve(self) -> None:
        """Answer clients until a signal, or until the process that started us is gone."""
        try:
            self._loop()
        finally:
            for key in list(self.selector.get_map().values()):
                cast(socket.socket, key.fileobj).close()
            self.selector.close()

    def _loop(self, aborted: bool = False) -> None:
        """Accept and answer; after an abort, any end of Dredd's part ends the process."""
        selector = self.selector
        while True:
            for key, _ in selector.select(timeout=1.0):
                if key.data is None:
                    conn, _ = self.sock.accept()
                    selector.register(conn, selectors.EVENT_READ, Connection(conn, self.dispatcher))
                elif key.data is WAKEUP:
                    log("stopped by a signal after the abort")
                    os._exit(0)
                else:
                    self.active = key.data
                    if not key.data.on_readable():
                        selector.unregister(key.fileobj)
                        cast(socket.socket, key.fileobj).close()
                        if aborted:  # Dredd is done with us
                            os._exit(0)
            if self.lifeline.gone():  # Dredd was killed: don't linger holding the port
                log("the process that started the handler is gone; stopping")
                if aborted:
                    os._exit(0)
                return

    def serve_late(self, overrun: Overrun, clock: HookClock) -> None:
        """In the watchdog thread, while `overrun`'s hook runs on: answer the message
        Dredd waits on, failed naming the hook; read the next ones and answer each only
        once its own limit has run out; return as soon as the main thread asks for the
        connection back (`clock.handback`). Passes to `take_over` at the stall limit."""
        connection = self.active
        if connection is not None and connection.current is not None:
            reply = connection.answer_without_hooks(connection.current, overrun.failure)
            if reply is not None:
                connection.send(reply)
        selector = selectors.DefaultSelector()
        selector.register(clock.wake_read, selectors.EVENT_READ, "handback")
        if self.wakeup is not None:
            selector.register(self.wakeup, selectors.EVENT_READ, WAKEUP)
        if connection is not None:
            selector.register(connection.sock, selectors.EVENT_READ, connection)
        try:
            while not clock.handback.is_set():
                abort = clock.stalled(overrun)
                if abort is not None:
                    selector.close()
                    self.take_over(abort, answered=True)  # never returns
                now = time.monotonic()
                wait = clock.stall - (now - overrun.running[4]) if clock.stall else 1.0
                pending = connection.pending if connection is not None else deque()
                while connection is not None and pending and now - pending[0][1] >= clock.limit:
                    line, _ = pending.popleft()
                    reply = connection.answer_without_hooks(line, overrun.waiting())
                    if reply is not None:
                        connection.send(reply)
                if pending:
                    wait = min(wait, pending[0][1] + clock.limit - now)
                for key, _ in selector.select(timeout=max(min(wait, 1.0), 0.001)):
                    if key.data == "handback":
                        os.read(clock.wake_read, 64)
                    elif key.data is WAKEUP:
                        if stop_signal_in(os.read(cast(int, key.fileobj), 64)):
                            self._exit(f"stopped by a signal while {overrun.at} ran")
                    elif not key.data.receive():
                        self._exit(f"Dredd disconnected while {overrun.at} ran")
                if self.lifeline.gone():
                    self._exit("the process that started the handler is gone; stopping")
        finally:
            selector.close()

    @staticmethod
    def _exit(why: str) -> None:
        """End the process from the watchdog thread: the main thread is stuck in a hook."""
        log(why)
        flush_output()
        os._exit(0)

    def take_over(self, abort: Abort, answered: bool = False) -> None:
        """In the watchdog thread: answer the message Dredd waits on (the hung one, or
        with `answered` the next one), failed, then serve without hooks.

        Ends the process (os._exit: the main thread may be stuck in the hook for good)
        when Dredd disconnects, the parent is gone, or a signal arrives on the wakeup fd.
        """
        connection = self.active
        if connection is not None:
            if not answered and connection.current is not None:
                reply = connection.answer_without_hooks(connection.current, None)
                if reply is not None:
                    connection.send(reply)
            connection.answer_pending()  # the first of them, if none was, states the abort
            flush_output()
        if self.wakeup is not None:
            self.selector.register(self.wakeup, selectors.EVENT_READ, WAKEUP)
        try:
            self._loop(aborted=True)
        finally:
            flush_output()
            os._exit(0)
