"""Authentication: password login that hands out bearer tokens."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from eventapi.auth import routes  # noqa: E402,F401  (registers the routes on bp)
