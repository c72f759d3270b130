"""The ports a run gives its servers: free, and outside the range outgoing connections use."""

from __future__ import annotations

import socket

import pytest

from flask_dredd.run import ports


def test_a_drawn_port_is_free_and_below_the_ephemeral_range():
    start = ports.ephemeral_start()
    for _ in range(20):
        port = ports.free_port()
        assert ports.LOWEST <= port < start
        with socket.create_server(("127.0.0.1", port)):  # nobody has it
            pass


def test_a_port_someone_listens_on_is_never_given(monkeypatch: pytest.MonkeyPatch):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        busy = taken.getsockname()[1]
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            free = probe.getsockname()[1]
        draws = iter([busy, busy, free])
        monkeypatch.setattr(ports, "LOWEST", 1024)
        monkeypatch.setattr(ports, "ephemeral_start", lambda: 65536)
        monkeypatch.setattr(ports.random.SystemRandom, "randrange", lambda self, a, b: next(draws))
        assert ports.free_port() == free  # the listener's port was drawn twice, refused


def test_without_room_below_the_range_the_os_picks(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(ports, "ephemeral_start", lambda: ports.LOWEST)
    port = ports.free_port()
    assert port > 0
    with socket.create_server(("127.0.0.1", port)):
        pass


def test_the_ephemeral_range_is_read_from_linux_or_defaulted(tmp_path, monkeypatch):
    setting = tmp_path / "ip_local_port_range"
    setting.write_text("40000\t60999\n")
    monkeypatch.setattr(ports, "EPHEMERAL_RANGE_FILE", setting)
    assert ports.ephemeral_start() == 40000
    monkeypatch.setattr(ports, "EPHEMERAL_RANGE_FILE", tmp_path / "missing")
    assert ports.ephemeral_start() == ports.DEFAULT_EPHEMERAL_START
