"""The `dredd` command group Flask loads for every `flask` command of a project."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from flask_dredd.cli import COMMANDS, dredd


def test_loading_the_group_imports_no_command():
    # Flask imports the group for `flask db upgrade`, `flask run`, any command at all:
    # none of them may pay for SQLAlchemy or the authoring tools they do not use.
    code = (
        "import sys, flask_dredd.cli; "
        "print(sorted(m for m in sys.modules if m.startswith(('sqlalchemy', 'flask_dredd.'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['flask_dredd.cli', 'flask_dredd.errors']"


def test_every_command_loads_and_is_listed():
    for name in COMMANDS:
        command = dredd.get_command(None, name)  # type: ignore[arg-type]
        assert command is not None and command.name == name
    listed = CliRunner().invoke(dredd, ["--help"])
    assert listed.exit_code == 0, listed.output
    assert [line.split()[0] for line in listed.output.split("Commands:\n")[1].splitlines()] == (
        sorted(COMMANDS)
    )


def test_an_unknown_command_is_a_usage_error():
    done = CliRunner().invoke(dredd, ["rnu"])
    assert done.exit_code == 2
    assert "No such command 'rnu'" in done.output
