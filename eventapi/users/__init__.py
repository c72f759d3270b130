"""Users: sign-up, the member directory, and updating one's own account."""

from flask import Blueprint

bp = Blueprint("users", __name__, url_prefix="/users")

from eventapi.users import routes  # noqa: E402,F401  (registers the routes on bp)
