"""Events: anyone may browse them; only their owner may change or delete one."""

from flask import Blueprint

bp = Blueprint("events", __name__, url_prefix="/events")

from eventapi.events import routes  # noqa: E402,F401  (registers the routes on bp)
