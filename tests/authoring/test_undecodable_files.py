"""A project file that does not decode: one error line naming the file, the byte and the fix.

Issue 18: a Latin-1 byte in the blueprint ended `flask dredd run` in a traceback with
exit 1 (the code of a failed contract), and a Latin-1 draft's error blamed a policy
rule. Every read of a blueprint, hook file, dredd.yml or pyproject.toml (settings and
policy) goes through one reader (`flask_dredd.sources`); each kind is tried here through
the command a user would run, and each must end with exit 2, exactly one
`[flask-dredd] error:` line naming the file, the byte offset and "save it as UTF-8",
and no traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from flask_dredd.contract.policy import load_policy
from flask_dredd.sources import SourceDecodeError, read_python, read_source

from .conftest import Project

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).parent / "flask")
LATIN_1 = "Café".encode("latin-1")  # b"Caf\xe9": not UTF-8


def with_latin_1(path: Path, after: bytes) -> int:
    """Put a Latin-1 word into ``path`` after the first ``after``; the bad byte's offset."""
    data = path.read_bytes()
    at = data.index(after) + len(after)
    path.write_bytes(data[:at] + LATIN_1 + data[at:])
    return at + len(LATIN_1) - 1


def assert_one_decode_error(result: subprocess.CompletedProcess[str], path: Path, offset: int):
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output, output
    errors = [line for line in output.splitlines() if line.startswith("[flask-dredd] error:")]
    assert len(errors) == 1, output
    (error,) = errors
    assert str(path) in error and f"byte 0xe9 at offset {offset} " in error, output
    assert "save it as UTF-8" in error, output
    assert "policy" not in error.lower(), output


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    database = tmp_path / "eventapi_contract.db"
    result = subprocess.run(
        [FLASK, "--app", "eventapi", "dredd", "run", "--database-url", f"sqlite:///{database}",
         "--reports-dir", str(tmp_path / "reports"), *args],
        cwd=ROOT, env={**os.environ, "EVENTAPI_CONFIG": "contract"},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert not database.exists(), "the database was touched before the error"
    return result


def test_a_blueprint_that_is_not_utf8_stops_the_run_before_anything(tmp_path: Path):
    blueprint = tmp_path / "apiary.apib"
    blueprint.write_bytes((ROOT / "apiary.apib").read_bytes())
    offset = with_latin_1(blueprint, b"# Group ")  # a draft's heading, as the was
    started = time.monotonic()
    result = run(tmp_path, "--blueprint", str(blueprint))
    assert_one_decode_error(result, blueprint, offset)
    assert time.monotonic() - started < 30
    line = blueprint.read_bytes()[:offset].count(b"\n") + 1
    assert f"(line {line}, column " in result.stderr, result.stderr


def test_a_dredd_yml_that_is_not_utf8(tmp_path: Path):
    config = tmp_path / "dredd.yml"
    config.write_bytes(b"# made by " + LATIN_1 + b"\n" + (ROOT / "dredd.yml").read_bytes())
    assert_one_decode_error(run(tmp_path, "--dredd-config", str(config)), config, 13)


def test_a_hook_file_of_a_run_that_is_not_utf8(tmp_path: Path):
    hook_file = tmp_path / "notes.py"
    hook_file.write_bytes(b'"""' + LATIN_1 + b'"""\nimport dredd_hooks as hooks\n')
    config = tmp_path / "dredd.yml"
    settings = yaml.safe_load((ROOT / "dredd.yml").read_text())
    settings["hookfiles"] = [str(ROOT / "hooks" / "*.py"), str(hook_file)]
    config.write_text(yaml.safe_dump(settings))
    assert_one_decode_error(run(tmp_path, "--dredd-config", str(config)), hook_file, 6)


def test_a_pyproject_that_is_not_utf8(mini: Project):
    pyproject = mini.root / "pyproject.toml"
    pyproject.write_bytes(b"[tool.flask-dredd]\n# owner: " + LATIN_1 + b"\nworkers = 1\n")
    assert_one_decode_error(mini.flask_dredd("names"), pyproject, 31)


def test_a_blueprint_the_authoring_commands_read(mini: Project):
    # names compiles it with Node.js, which would read the byte as "�" and go on.
    blueprint = mini.root / "apiary.apib"
    offset = with_latin_1(blueprint, b"# Group ")
    assert_one_decode_error(mini.flask_dredd("names"), blueprint, offset)


def test_a_hook_file_that_is_not_utf8(mini: Project):
    hook_file = mini.root / "hooks" / "items.py"
    offset = with_latin_1(hook_file, b'"""Fixtures for the ')
    assert_one_decode_error(mini.flask_dredd("check"), hook_file, offset)


def test_a_hook_file_that_declares_its_encoding_is_read_in_it(mini: Project):
    hook_file = mini.root / "hooks" / "items.py"
    hook_file.write_bytes(b"# -*- coding: latin-1 -*-\n" + hook_file.read_bytes())
    with_latin_1(hook_file, b'"""Fixtures for the ')
    result = mini.flask_dredd("check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert read_python(hook_file).startswith('# -*- coding: latin-1 -*-\n"""Fixtures for the Café')


def test_the_policy_reader_names_the_encoding_not_a_rule(tmp_path: Path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_bytes(
        b'[[tool.flask-dredd.policy]]\ncaller = "other"\nreason = "' + LATIN_1 + b'"\n'
    )
    with pytest.raises(SourceDecodeError) as raised:
        load_policy(tmp_path)
    assert (raised.value.offset, raised.value.line) == (pyproject.read_bytes().index(b"\xe9"), 3)
    assert "the policy file is not valid UTF-8" in str(raised.value)


def test_offsets_count_the_files_bytes_even_after_a_byte_order_mark(tmp_path: Path):
    path = tmp_path / "dredd.yml"
    path.write_bytes(b"\xef\xbb\xbfa: 1\nb: " + LATIN_1 + b"\n")
    with pytest.raises(SourceDecodeError) as raised:
        read_source(path, "Dredd configuration")
    assert raised.value.offset == path.read_bytes().index(b"\xe9")
    assert raised.value.line == 2 and "(line 2, column 7)" in str(raised.value)
    path.write_bytes(b"\xef\xbb\xbfa: 1\n")
    assert read_source(path, "Dredd configuration") == "a: 1\n"  # the mark is no content
