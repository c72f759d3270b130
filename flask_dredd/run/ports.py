"""Ports for the servers a run starts: gunicorn's and the hooks handler's.

A port is chosen before its server binds it (Dredd must be told the handler's port
before it starts the handler), so another process may take it in between. The usual
trick, binding port 0 and letting the OS pick, picks from the ephemeral range: the
range every outgoing connection also takes its local port from. Runs side by side
(`--parallel`, `drift`, CI jobs, a test suite) open thousands of connections, and one
of them landing on a chosen port makes the handler exit with "already in use" and the
run fail. So ports are drawn at random from below the ephemeral range, where only
servers that ask for a port by number bind, and each is checked free before it is
given; the OS picks only if none of those is free.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

#: Where the draw starts: above the well-known services' ports most machines run.
LOWEST = 20000
#: Linux's default ephemeral range starts here; others start higher (49152).
EPHEMERAL_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
DEFAULT_EPHEMERAL_START = 32768
TRIES = 50


def ephemeral_start() -> int:
    """The first port of the OS's ephemeral range (Linux's setting, else its default)."""
    try:
        return int(EPHEMERAL_RANGE_FILE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return DEFAULT_EPHEMERAL_START


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now, outside the ephemeral range if it can."""
    below = ephemeral_start()
    if below - LOWEST > TRIES:  # else the range starts too low to leave room for a draw
        draw = random.SystemRandom()
        for _ in range(TRIES):
            port = draw.randrange(LOWEST, below)
            if _bindable(host, port):
                return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _bindable(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True
