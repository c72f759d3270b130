"""`flask --app eventapi seed`: insert the static rows (run it after `flask db upgrade`)."""

import click
from flask.cli import with_appcontext

from eventapi.extensions import db
from eventapi.seed import seed_static_rows


@click.command("seed")
@with_appcontext
def seed_command() -> None:
    """Insert the static rows the API needs (roles); safe to run again."""
    seed_static_rows(db.session)
    click.echo("Static rows are in place.")
