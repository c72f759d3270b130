"""`flask dredd …`: a thin Click layer over the runner and the authoring tools.

Registered like `flask db` (entry point `flask_dredd.cli:dredd`). The group is a plain
Click group, not Flask's AppGroup: the runner must not import the application in this
process, because the database URL it settles on has to be in the environment before
any application (server or hooks) reads its configuration.

The commands, by group: `run` and `merge` (`cli.run`); `names`, `check`, `scaffold`
and `init` (`cli.authoring`); `drift` and `record` (`cli.judging`); what they share
(`cli.common`). This is the boundary where an error flask-dredd raises on purpose
(`flask_dredd.errors.FlaskDreddError`) becomes its message and its exit code, once.

Each command's module is imported only when that command runs (or `--help` lists
them): Flask loads this group for *every* `flask` command of a project that installs
flask-dredd, `flask db upgrade` and `flask run` included, and importing all of the
commands (SQLAlchemy, the authoring tools) cost each of those 0.5 s.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from flask_dredd.errors import FlaskDreddError

#: Each command, by name: the module and attribute that define it.
COMMANDS = {
    "run": "flask_dredd.cli.run:run_command",
    "names": "flask_dredd.cli.authoring:names_command",
    "check": "flask_dredd.cli.authoring:check_command",
    "scaffold": "flask_dredd.cli.authoring:scaffold_command",
    "drift": "flask_dredd.cli.judging:drift_command",
    "record": "flask_dredd.cli.judging:record_command",
    "merge": "flask_dredd.cli.run:merge_command",
    "init": "flask_dredd.cli.authoring:init_command",
}


class DreddGroup(click.Group):
    """The `dredd` group: commands imported on use; a FlaskDreddError from any of them
    ends it with its message."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, _, attribute = COMMANDS[cmd_name].partition(":")
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except FlaskDreddError as exc:
            from flask_dredd.cli.common import fail

            fail(str(exc), exc.exit_code)


@click.group("dredd", cls=DreddGroup)
def dredd() -> None:
    """Contract testing: replay the API Blueprint against the app with Dredd."""
