"""Fixtures for the Auth group: Ada's account, and browser sessions in every state."""

import dredd_hooks as hooks

from eventapi.models import LoginSession
from factories import LoginSessionFactory, UserFactory, sign_in_browser, with_login_csrf
from factories.scenarios import (
    SOMEONE_BROWSER,
    SOMEONE_BROWSER_EXPIRED,
    SOMEONE_BROWSER_WITHOUT_CSRF,
)
from flask_dredd.declarations import inexact, no_fixtures
from flask_dredd.fixtures import bind, given
from flask_dredd.probes.conditions import LATER_THAN_BEFORE as LATER
from flask_dredd.probes.conditions import count, row
from flask_dredd.probes.followup import follow_up

LOGIN_TOKEN = "Auth > Login CSRF Token > Get a Login Token"
OPEN = "Auth > Session > Open a Session"
SHOW = "Auth > Session > Show the Session"
PING = "Auth > Session Ping > Extend the Session"
LOGOUT = "Auth > Logout > Log Out"

# Refused before any lookup: a body that is neither JSON nor a form, no cookie, a cookie
# that names no session at all. A login token is a random value the browser keeps.
no_fixtures(f"{OPEN} > Example 4", f"{SHOW} > Example 2", f"{SHOW} > Example 4", LOGIN_TOKEN)


# Seconds left of a session: the clock runs between the fixture and the answer.
for seconds_left in (f"{OPEN} > Example 1", f"{OPEN} > Example 2", f"{SHOW} > Example 1",
                     f"{PING} > Example 1"):  # fmt: skip
    inexact(seconds_left, "$.expires_in", reason="seconds left count down while the request runs")


@hooks.before("Auth > Login > Log In > Example 1")
@hooks.before("Auth > Login > Log In > Example 2")
@hooks.before("Auth > Login > Log In > Example 6")  # Ada exists; Grace, who logs in, does not
@hooks.before(f"{OPEN} > Example 1")
@hooks.before(f"{OPEN} > Example 2")
@hooks.before(f"{OPEN} > Example 3")
def ada_has_an_account(transaction):
    UserFactory(email="ada@example.com")  # with the blueprint's password, the default


@hooks.before(f"{OPEN} > Example 1")
@hooks.before(f"{OPEN} > Example 2")
@hooks.before(f"{OPEN} > Example 3")
def browser_echoes_its_login_token(transaction):
    with_login_csrf(transaction)


@hooks.before(f"{OPEN} > Example 5")
def forged_form_carries_only_the_cookie(transaction):
    """Ada's account exists, the browser holds a login token cookie; the form has none."""
    UserFactory(email="ada@example.com")
    with_login_csrf(transaction)


@hooks.before(f"{PING} > Example 3")
def browser_replays_another_sessions_token(transaction):
    sign_in_browser(transaction, csrf=LoginSessionFactory().csrf_token)


bind(
    {
        given(caller=SOMEONE_BROWSER): [f"{SHOW} > Example 1"],
        # A ping moves the session's expiry later; a logout ends the session row.
        given(caller=SOMEONE_BROWSER, then=[row(LoginSession, id=1, expires_at=LATER)]): [
            f"{PING} > Example 1"
        ],
        given(caller=SOMEONE_BROWSER, then=[count(LoginSession, changed_by=-1)]): [
            f"{LOGOUT} > Example 1"
        ],
        given(caller=SOMEONE_BROWSER_WITHOUT_CSRF): [
            f"{PING} > Example 2",
            f"{LOGOUT} > Example 2",
        ],
        given(caller=SOMEONE_BROWSER_EXPIRED): [
            f"{SHOW} > Example 3",
            f"{PING} > Example 4",
        ],
    }
)

# The cookie a logout ended names no session any more, whatever the browser keeps.
follow_up(f"{LOGOUT} > Example 1", f"{SHOW} > Example 4")

# A new login's cookies are a working session: the browser sends back what the answer
# set (the session key and its CSRF token), and the session is the one documented.
follow_up(f"{OPEN} > Example 1", f"{SHOW} > Example 1", carry=(), cookies_set=True)
