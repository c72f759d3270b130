"""Wiring for every transaction: a bare app on the server's database, reset before each.

The bare app (factories/bare_app.py) has the API's config and models but no routes.
"""

import dredd_hooks as hooks

from eventapi.extensions import db
from eventapi.seed import seed_static_rows
from factories import reset_sequences
from factories.bare_app import bare_app
from flask_dredd.isolation import Isolation

isolation = Isolation(db, seed=seed_static_rows, strategy=None)


@hooks.before_all
def boot_bare_app(transactions):
    app = bare_app()
    # Pushed for good: hooks run one after another in this thread, so every later hook
    # (and every factory) works inside this context.
    app.app_context().push()
    isolation.prepare()


@hooks.before_each
def reset_database(transaction):
    isolation.reset()
    reset_sequences()
