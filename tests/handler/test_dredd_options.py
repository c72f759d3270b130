"""The handler reads Dredd's hooks-worker-timeout and handler port where Dredd does.

Dredd's own arguments first (the handler's parent, found through /proc), then the config
file they name, else ./dredd.yml. The handler has no YAML parser (it runs on a bare
Python): `top_level_number` reads the one top-level line, and whatever it cannot read
counts as not set, which keeps the handler's defaults (no limit, port 61321).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from dredd_hooks_handler.dredd_options import argument, dredd_number, top_level_number
from dredd_hooks_handler.settings import limit_under

from .conftest import STARTUP_TIMEOUT, Client, free_port, handler_env


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hooks-worker-timeout: 11000\n", 11000),
        ("hooks-worker-timeout: 11000   # a comment\n", 11000),
        ('hooks-worker-timeout: "11000"\n', 11000),
        ("'hooks-worker-timeout': '11000' # quoted key and value\n", 11000),
        ("\ufeff# a comment\n---\nlanguage: python\nhooks-worker-timeout:  7500.5\n", 7500.5),
        ("hooks-worker-timeout: 1000\nhooks-worker-timeout: 2000\n", 2000),  # the last wins
        ("custom:\n  hooks-worker-timeout: 11000\n", None),  # not top-level
        ("# hooks-worker-timeout: 11000\n", None),  # commented out
        ("{hooks-worker-timeout: 11000}\n", None),  # flow style: not read, so not set
        ("hooks-worker-timeout: null\n", None),
        ("hooks-worker-timeout:\n", None),
        ("hooks-worker-timeout: 11000#not a comment\n", None),
        ('hooks-worker-timeout: "11000" trailing\n', None),
        ("hooks-worker-timeouts: 11000\n", None),
    ],
)
def test_the_one_key_is_read_from_a_block_style_dredd_yml(text, expected):
    assert top_level_number(text, "hooks-worker-timeout") == expected


def test_dredds_arguments_are_read_as_optimist_reads_them():
    argv = ["node", "dredd", "api.apib", "http://x", "--hooks-worker-timeout", "3000",
            "--hooks-worker-handler-port=61400", "--hooksWorkerTimeout=4000"]  # fmt: skip
    assert argument(argv, "hooks-worker-timeout") == "4000"  # the last one given
    assert argument(argv, "hooks-worker-handler-port") == "61400"
    assert argument(argv, "config") is None


def test_the_config_file_dredds_arguments_name_is_read_relative_to_dredds_folder(tmp_path):
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "dredd.yml").write_text("hooks-worker-timeout: 9000\n")
    (tmp_path / "dredd.yml").write_text("hooks-worker-timeout: 1000\n")
    dredd = (["node", "dredd", "--config", "ci/dredd.yml"], str(tmp_path))
    number, source = dredd_number("hooks-worker-timeout", dredd)
    assert number == 9000 and source.startswith("hooks-worker-timeout in ")
    assert Path(source.split(" in ", 1)[1]).resolve() == (tmp_path / "ci" / "dredd.yml").resolve()
    # Its own argument wins over any file, as in Dredd.
    dredd = (["node", "dredd", "--hooks-worker-timeout=3000"], str(tmp_path))
    assert dredd_number("hooks-worker-timeout", dredd) == (3000, "Dredd's --hooks-worker-timeout")


def test_the_limit_leaves_dredd_a_margin_to_hear_the_answer():
    assert limit_under(5000) == 4.75  # Dredd's default: 0.25 s before it gives up
    assert limit_under(11000) == 10.45
    assert limit_under(60000) == 59.0  # at most 1 s early
    assert limit_under(200) == 0.1  # never under half of Dredd's


FAKE_DREDD = """\
#!{python}
# Named `dredd`: spawns the handler as Dredd does, with Dredd's options on its own
# command line and no dredd.yml anywhere.
import subprocess, sys
sys.exit(subprocess.call([{python!r}, "-m", "dredd_hooks_handler", "hooks.py"]))
"""


def test_a_handler_spawned_by_dredd_follows_dredds_arguments(tmp_path):
    port = free_port()
    dredd = tmp_path / "dredd"
    dredd.write_text(FAKE_DREDD.format(python=sys.executable))
    dredd.chmod(0o755)
    (tmp_path / "hooks.py").write_text(
        textwrap.dedent("""\
            import time
            import dredd_hooks as hooks

            @hooks.before("A")
            def slow(transaction):
                time.sleep(600)
        """)
    )
    log = tmp_path / "handler.log"
    proc = subprocess.Popen(
        [str(dredd), "api.apib", "http://127.0.0.1:1", "--hooks-worker-timeout", "1000",
         f"--hooks-worker-handler-port={port}"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        env=handler_env(bare=True, DREDD_HOOKS_HANDLER_LOG=str(log)),
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().decode().endswith(f":{port}\n")  # Dredd's port
        client = Client(port)
        client.sock.settimeout(STARTUP_TIMEOUT)
        failed = client.exchange("beforeEach", {"name": "A"})
        assert "still running after 0.75 s on 'A'" in failed["fail"]  # Dredd's 1 s, less 0.25
        client.close()
        text = log.read_text()
        assert f"from Dredd's options: port {port} (Dredd's --hooks-worker-handler-port)" in text
        assert "hook limit 0.75 s (Dredd's --hooks-worker-timeout: 1000 ms)" in text
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stdout.close()
