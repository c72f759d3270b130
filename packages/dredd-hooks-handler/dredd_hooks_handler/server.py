"""The TCP side of Dredd's hooks protocol: newline-delimited JSON, one client at a time.

Dredd sends `{"event", "uuid", "data"}` and waits for the same message back, `data` as
the hooks left it. A malformed message is reported and skipped; a message with a uuid
but no known event is echoed, so Dredd carries on instead of timing out.

`Server.serve` runs in the main thread. After a hook overran its time limit,
`Server.take_over` runs the same loop in the watchdog thread: it answers the hung
message (failed), then every later one without hooks, and ends the process once Dredd
disconnects or a signal arrives, while the main thread may still be stuck in the hook.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import selectors
import socket
import sys
import time
from collections import deque
from typing import Deque, Dict, Optional, cast

from dredd_hooks_handler.diagnostics import log
from dredd_hooks_handler.dispatch import EVENT_KINDS, Dispatcher
from dredd_hooks_handler.lifeline import Lifeline
from dredd_hooks_handler.timing import Abort

PORT_ENV = "FLASK_DREDD_HOOKS_PORT"
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


class Connection:
    """One client: splits its byte stream into lines and answers each message."""

    def __init__(self, conn: socket.socket, dispatcher: Dispatcher) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # replies leave at once
        quickack(conn)
        self.sock = conn
        self.dispatcher = dispatcher
        self._parts: list = []  # received bytes with no newline yet
        self.pending: Deque[bytes] = deque()  # complete lines not answered yet
        self.current: Optional[bytes] = None  # the line being answered

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
        self.pending.extend(lines)
        return self.answer_pending()

    def answer_pending(self) -> bool:
        """Answer the complete lines received; False once the peer is gone."""
        pending = self.pending
        while pending:
            line = self.current = pending.popleft()
            reply = self.answer(line) if line.strip() else None
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

    def answer(self, line: bytes) -> Optional[bytes]:
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
        return self.encode(message, line)

    def answer_hung(self, line: bytes) -> bytes:
        """The reply to the message whose hook overran, from Dredd's data, failed."""
        message = json.loads(line.decode())  # the hook may still be changing its copy
        self.dispatcher.answer_hung(message["event"], message["data"])
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
                    f"running?). Choose another with --port N or {PORT_ENV}=N and give "
                    f"Dredd the same N with --hooks-worker-handler-port N; `flask dredd "
                    f"run` picks a free port itself."
                )
            else:
                log(f"cannot listen on {host}:{port}: {exc}")
            raise SystemExit(EXIT_LISTEN) from None


class Server:
    """The listening socket, its clients, and the loop that answers them."""

    def __init__(self, sock: socket.socket, dispatcher: Dispatcher, lifeline: Lifeline) -> None:
        self.sock = sock
        self.dispatcher = dispatcher
        self.lifeline = lifeline
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

    def take_over(self, abort: Abort, wakeup: Optional[int]) -> None:
        """In the watchdog thread: answer the hung message, then serve without hooks.

        Ends the process (os._exit: the main thread may be stuck in the hook for good)
        when Dredd disconnects, the parent is gone, or a signal arrives on `wakeup`.
        """
        connection = self.active
        if connection is not None and connection.current is not None:
            try:
                reply = connection.answer_hung(connection.current)
            except (ValueError, KeyError) as exc:  # not a message we could have run hooks for
                log(f"cannot answer the hung message: {exc!r}")
                reply = None
            if reply is not None and connection.send(reply):
                connection.answer_pending()
            flush_output()
        if wakeup is not None:
            self.selector.register(wakeup, selectors.EVENT_READ, WAKEUP)
        try:
            self._loop(aborted=True)
        finally:
            flush_output()
            os._exit(0)
