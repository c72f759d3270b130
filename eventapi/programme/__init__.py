"""An event's programme: its tracks and its talks (sessions), and who gives each talk.

Anyone may browse the programme of a live event; only the event's owner may change it.
"""

from flask import Blueprint

bp = Blueprint("programme", __name__)

from eventapi.programme import routes  # noqa: E402,F401  (registers the routes on bp)
