"""What the hook files say about transactions without fixture hooks, in one place.

`flask dredd check` fails on a transaction that has no fixture hook and is not listed
here; `flask dredd names` shows each transaction's state. A skip needs its reason.
"""

from eventapi.models import Event, LoginSession, Speaker, Talk, Track, User
from flask_dredd.declarations import no_fixtures
from flask_dredd.probes.conditions import unchanged_when_refused

# A refused request (every documented 4xx) changes nothing.
unchanged_when_refused(User, LoginSession, Event, Track, Talk, Speaker)

# Refused before the API reads the database: bad input, or no token at all.
no_fixtures(
    "Auth > Login > Log In > Example 3",
    "Auth > Login > Log In > Example 4",
    "Auth > Login > Log In > Example 5",
    "Users > Users > List Users > Example 2",
    "Users > Users > Create a User > Example 3",
    "Users > User > Retrieve a User > Example 2",
    "Events > Events > Create an Event > Example 2",
)

# The example's answer is about an empty database: the new user is user 1, and event 1
# does not exist.
no_fixtures(
    "Users > Users > Create a User > Example 1",
    "Events > Event > Retrieve an Event > Example 2",
)
