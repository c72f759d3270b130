"""`flask dredd …`: a thin Click layer over the runner and the authoring tools.

Registered like `flask db` (entry point `flask_dredd.cli:dredd`). The group is a plain
Click group, not Flask's AppGroup: the runner must not import the application in this
process, because the database URL it settles on has to be in the environment before
any application (server or hooks) reads its configuration.

The commands, by group: `run` and `merge` (`cli.run`); `names`, `check`, `scaffold`
and `init` (`cli.authoring`); `drift` and `record` (`cli.judging`); what they share
(`cli.common`). This is the boundary where an error flask-dredd raises on purpose
(`flask_dredd.errors.FlaskDreddError`) becomes its message and its exit code, once.
"""

from __future__ import annotations

from typing import Any

import click

from flask_dredd.cli.authoring import check_command, init_command, names_command, scaffold_command
from flask_dredd.cli.common import fail
from flask_dredd.cli.judging import drift_command, record_command
from flask_dredd.cli.run import merge_command, run_command
from flask_dredd.errors import FlaskDreddError


class DreddGroup(click.Group):
    """The `dredd` group: a FlaskDreddError from any command ends it with its message."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except FlaskDreddError as exc:
            fail(str(exc), exc.exit_code)


@click.group("dredd", cls=DreddGroup)
def dredd() -> None:
    """Contract testing: replay the API Blueprint against the app with Dredd."""


for command in (
    run_command, names_command, check_command, scaffold_command, drift_command,
    record_command, merge_command, init_command,
):  # fmt: skip
    dredd.add_command(command)
