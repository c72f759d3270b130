"""Speakers: anyone may browse them; whoever created a speaker may change or remove it."""

from flask import Blueprint

bp = Blueprint("speakers", __name__, url_prefix="/speakers")

from eventapi.speakers import routes  # noqa: E402,F401  (registers the routes on bp)
