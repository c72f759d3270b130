"""What the hook files say about transactions without fixture hooks, in one place.

`flask dredd check` fails on a transaction that has no fixture hook and is not listed
here; `flask dredd names` shows each transaction's state. A skip needs its reason.
"""

from eventapi.models import Event, LoginSession, Speaker, Talk, Track, User
from factories.scenarios import (
    OWNER,
    OWNER_BROWSER,
    OWNER_BROWSER_OTHER_CSRF,
    SOMEONE,
    SOMEONE_BROWSER,
    SOMEONE_BROWSER_OTHER_CSRF,
)
from flask_dredd.declarations import no_fixtures
from flask_dredd.fixtures import stand_in
from flask_dredd.probes.conditions import unchanged_when_refused

# Who the policy's derived transactions are sent by (pyproject.toml's policy rules with
# `caller = ...`): the same rows, another user signed in the same way; or the same
# browser sending the CSRF token of another session.
stand_in("another user", {OWNER: SOMEONE, OWNER_BROWSER: SOMEONE_BROWSER, SOMEONE: SOMEONE})
stand_in(
    "another session's CSRF token",
    {OWNER_BROWSER: OWNER_BROWSER_OTHER_CSRF, SOMEONE_BROWSER: SOMEONE_BROWSER_OTHER_CSRF},
)

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
