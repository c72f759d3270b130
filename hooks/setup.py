"""Wiring: the engine boots eventapi (`flask --app eventapi`), prepares the database and
resets it before every transaction, seeded with the roles every database has."""

from flask_dredd import install

install(seed="eventapi.seed:seed_static_rows")
